import { createServer, request as httpRequest, type Server } from 'node:http';
import { request } from 'node:https';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhook, type Webhook, type WebhookOptions } from '../../src/admission/wiring/webhook.ts';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { loadServerConfig } from '../../src/config/server.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { DEFAULT_TENANT } from '../../src/model/tenant.ts';
import { readPrivateKeyFile } from '../../src/seal/keys.ts';
import { createSigner, type Signer } from '../../src/seal/signer.ts';
import { verifySeal } from '../../src/seal/verify.ts';
import { listAudit } from '../../src/store/audit.ts';
import { postgresCas } from '../../src/store/cas/postgres-cas.ts';
import { openPgDb } from '../../src/store/pg-db.ts';
import { loadSealSetByDigest } from '../../src/store/seal-sets.ts';
import type { Store } from '../../src/store/store.ts';
import { listTrustedKeys, trustStoreOf } from '../../src/store/trusted-keys.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { validateRouter } from '../../src/server/validate.ts';
import { createMetrics } from '../../src/telemetry/metrics.ts';
import {
  admissionReviewBody,
  podObject,
  writeOciLayout,
  type BuiltImage,
  type FixtureEntry,
} from '../fixtures/index.ts';
import { makeTestPki, readPem, type TestPki } from './registry/tls.ts';
import { startRegistry, type RegistryProcess } from './registry/registry-process.ts';
import { pushLayout } from './registry/skopeo.ts';
import { openTestStore, PG_URL, type TestStore } from './store-harness.ts';

// Issue 6 "on a miss, extraction within the request's deadline, one at a time per digest": a real
// registry (Debian's docker-registry, filled by skopeo) behind a loopback proxy that can slow a blob down,
// real PostgreSQL, and `stella serve`'s webhook over HTTPS. The baseline is sealed and approved with
// `stella`; every drifted image is pushed unsealed, so only the webhook can seal it.

const T = DEFAULT_TENANT;
const BASE: FixtureEntry[] = [
  { type: 'dir', path: '/etc' },
  { type: 'file', path: '/etc/os-release', content: 'ID=zastava-test\n' },
  { type: 'file', path: '/etc/app.conf', content: 'port=8080\n' },
  { type: 'file', path: '/usr/bin/tool', content: 'build 1\n', mode: 0o755 },
  { type: 'file', path: '/usr/bin/helper', content: 'helper 1\n', mode: 0o755 },
];
/** A rebuilt `/usr/bin/tool`: the `binary` facet's churn (1 of 2 files) is over its 2 % Block quota. */
const drifted = (build: string): FixtureEntry[] => [
  { type: 'file', path: '/usr/bin/tool', content: `build ${build}\n`, mode: 0o755 },
];
const TAGS = ['concurrent', 'dry', 'nokey', 'untrusted', 'slow', 'replicas', 'failing'] as const;
type Tag = (typeof TAGS)[number];

/**
 * A loopback proxy to the registry that holds back the blobs named in `slow` for that many ms, answers
 * 404 for the blobs in `missing`, and logs every request as `METHOD PATH` in `requests`.
 */
async function startSlowProxy(upstream: string) {
  const slow = new Map<string, number>();
  const missing = new Set<string>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})/.exec(req.url ?? '')?.[1];
    if (digest !== undefined && missing.has(digest)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }));
      return;
    }
    const forward = () => {
      const target = new URL(upstream);
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    const delay = digest === undefined ? undefined : slow.get(digest);
    if (delay === undefined) forward();
    else setTimeout(forward, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    slow,
    missing,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function post(url: string, ca: string, body: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/validate`,
      { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Answer {
  allowed: boolean;
  status?: { code?: number; message?: string };
  warnings?: string[];
}

function podReview(image: string, uid: string, dryRun = false): string {
  return admissionReviewBody({
    uid,
    userInfo: { username: 'alice' },
    object: podObject(`web-${uid}`, [{ name: 'web', image }]),
    oldObject: null,
    dryRun,
  });
}

interface Served {
  readonly url: string;
  readonly webhook: Webhook;
  readonly registry: Registry;
  readonly logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

describe('webhook extraction on a miss (real registry, PostgreSQL, HTTPS)', () => {
  let dir: string;
  let pki: TestPki;
  let ca: string;
  let upstream: RegistryProcess;
  let proxy: Awaited<ReturnType<typeof startSlowProxy>>;
  let store: TestStore;
  let base: BuiltImage;
  const images = {} as Record<Tag, BuiltImage>;
  let serverKey: Signer;
  const served: Served[] = [];
  let cliEnv: Record<string, string>;

  const repo = () => `${proxy.host}/shop/web`;

  async function stella(...args: string[]) {
    const ctx = captureContext(cliEnv);
    const code = await runCli(args, ctx);
    return { code, out: ctx.out(), err: ctx.err() };
  }

  async function serve(
    options: { store?: Store; timeoutSeconds?: number } & Pick<WebhookOptions, 'extraction'>,
  ): Promise<Served> {
    const logs: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = pino({ level: 'info' }, sink);
    const registry = new Registry();
    const s = options.store ?? store;
    const webhook = createWebhook({
      store: s,
      log,
      metrics: createMetrics(registry, { processMetrics: false }),
      defaults: { tenant: T, onError: 'deny', noBaseline: 'allow' },
      timeoutSeconds: options.timeoutSeconds ?? 10,
      env: {},
      ...(options.extraction === undefined ? {} : { extraction: options.extraction }),
    });
    const config = await loadServerConfig(
      { ZASTAVA_DATA_DIR: dir },
      { listen: '127.0.0.1:0', 'tls-cert': pki.serverCert, 'tls-key': pki.serverKey },
    );
    const running: RunningServer = await startServer(config, {
      logger: log,
      registry,
      // The store outlives each server: the suite closes it.
      store: { ...s, migration: undefined, close: () => Promise.resolve() },
      routers: [{ path: '/validate', handler: validateRouter({ context: webhook.context }) }],
    });
    const handle: Served = {
      url: running.url,
      webhook,
      registry,
      logs,
      async close() {
        await running.close();
        await webhook.close();
      },
    };
    served.push(handle);
    return handle;
  }

  const extraction = (signer: Signer = serverKey) => ({ signer, facets: defaultFacets() });

  async function review(at: Served, image: string, uid: string, dryRun = false): Promise<Answer> {
    const body = await post(at.url, ca, podReview(image, uid, dryRun));
    return body.response as Answer;
  }

  async function extractions(at: Served): Promise<Record<string, number>> {
    const metric = await at.registry.getSingleMetric('zastava_webhook_extractions_total')?.get();
    return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.outcome), v.value]));
  }

  async function storedAudits(digest: string) {
    const rows = await listAudit(store.db, T, { action: 'seal.store' });
    return rows.filter((r) => (r.details as { imageDigest?: string }).imageDigest === digest);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zastava-webhook-extract-'));
    await mkdir(join(dir, 'pki'));
    await mkdir(join(dir, 'keys'));
    pki = await makeTestPki(join(dir, 'pki'));
    ca = await readPem(pki.caFile);
    const layout = join(dir, 'layout');
    [base] = (await writeOciLayout(layout, { layers: [{ entries: BASE }] }, { tag: 'v1' })) as [BuiltImage];
    for (const tag of TAGS) {
      const [built] = await writeOciLayout(
        layout,
        { layers: [{ entries: BASE }, { entries: drifted(tag) }] },
        { tag },
      );
      images[tag] = built!;
    }
    upstream = await startRegistry({ dir: join(dir, 'registry') });
    proxy = await startSlowProxy(upstream.url);
    for (const tag of ['v1', ...TAGS]) await pushLayout(layout, tag, `${upstream.host}/shop/web:${tag}`);
    store = await openTestStore('postgres');
    cliEnv = {
      DATABASE_URL: PG_URL,
      ZASTAVA_DATABASE_SCHEMA: store.schema!,
      ZASTAVA_DATA_DIR: join(dir, 'data'),
      STELLA_SEALED_BY: 'ci',
      USER: 'tester',
    };
    // CI's key and the server's key, both trusted by the tenant (docs/operators.md); a rogue one is not.
    for (const prefix of ['ci', 'server', 'rogue'])
      expect((await stella('keys', 'generate', '--output-prefix', join(dir, 'keys', prefix))).code).toBe(0);
    for (const key of ['ci.pub', 'server.pub'])
      expect((await stella('db', 'keys', 'add', join(dir, 'keys', key))).code).toBe(0);
    const sealed = await stella('seal', `${repo()}:v1`, '--key', join(dir, 'keys', 'ci.key'), '--store');
    expect(sealed.code, sealed.err).toBe(0);
    const approved = await stella('baseline', 'approve', `${repo()}@${base.manifestDigest}`);
    expect(approved.code, approved.err).toBe(0);
    serverKey = createSigner(await readPrivateKeyFile(join(dir, 'keys', 'server.key')));
  }, 120_000);

  afterAll(async () => {
    for (const s of served) await s.close();
    await proxy?.stop();
    await upstream?.stop();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('extracts an unsealed drifted image once for two concurrent reviews, stores seals signed by the server key, and decides on the drift', async () => {
    const at = await serve({ extraction: extraction() });
    const image = `${repo()}:concurrent`;
    const digest = images.concurrent.manifestDigest;
    expect(await loadSealSetByDigest(store, T, digest)).toBeUndefined();
    // the drifted layer takes 500 ms to arrive: the second review comes while the first extracts
    proxy.slow.set(images.concurrent.layers.at(-1)!.digest, 500);
    const answers = await Promise.all([review(at, image, 'c-1'), review(at, image, 'c-2')]);
    proxy.slow.clear();
    for (const answer of answers) {
      expect(answer.allowed).toBe(false);
      expect(answer.status?.message).toMatch(/facet binary/);
    }
    expect(await extractions(at)).toEqual({ extracted: 1 });
    expect(await storedAudits(digest)).toHaveLength(1);
    const set = await loadSealSetByDigest(store, T, digest);
    expect(set?.seals.length).toBeGreaterThan(0);
    const keyring = trustStoreOf(await listTrustedKeys(store.db, T));
    for (const seal of set!.seals) {
      expect(seal.sealedBy).toBe('zastava-webhook');
      expect(seal.envelope.signatures[0]?.keyid).toBe(serverKey.keyId);
      expect(() => verifySeal(seal, keyring)).not.toThrow();
    }
    const line = at.logs.find((l) => l.msg === 'webhook extraction extracted');
    expect(line).toMatchObject({ imageDigest: digest, tenant: T, outcome: 'extracted', dryRun: false });
    // sealed now: a third review reads the stored seals, nothing is extracted again
    expect((await review(at, image, 'c-3')).allowed).toBe(false);
    expect(await extractions(at)).toEqual({ extracted: 1 });
  });

  it('evaluates a dry run with an extraction whose seals are not stored', async () => {
    const at = served[0] ?? (await serve({ extraction: extraction() }));
    const answer = await review(at, `${repo()}:dry`, 'd-1', true);
    expect(answer.allowed).toBe(false);
    expect(answer.status?.message).toMatch(/facet binary/);
    expect(await loadSealSetByDigest(store, T, images.dry.manifestDigest)).toBeUndefined();
    expect(await storedAudits(images.dry.manifestDigest)).toHaveLength(0);
    expect(at.logs.find((l) => l.imageDigest === images.dry.manifestDigest)).toMatchObject({
      outcome: 'extracted',
      dryRun: true,
    });
  });

  it('without a seal key, keeps the onError decision for an unsealed image and says extraction is off', async () => {
    const at = await serve({});
    const answer = await review(at, `${repo()}:nokey`, 'n-1');
    expect(answer.allowed).toBe(false);
    expect(answer.status?.message).toMatch(/ADMISSION_IMAGE_UNSEALED/);
    expect(answer.status?.message).toMatch(/extraction in the webhook is off/);
    expect(answer.status?.message).toMatch(/onError/);
    expect(at.webhook.extraction).toBeUndefined();
    expect(await loadSealSetByDigest(store, T, images.nokey.manifestDigest)).toBeUndefined();
  });

  it('refuses to extract with a key the tenant does not trust, naming the fix', async () => {
    const rogue = createSigner(await readPrivateKeyFile(join(dir, 'keys', 'rogue.key')));
    const at = await serve({ extraction: extraction(rogue) });
    expect(await at.webhook.extraction?.keyTrusted(T)).toBe(false);
    const answer = await review(at, `${repo()}:untrusted`, 'u-1');
    expect(answer.allowed).toBe(false);
    expect(answer.status?.message).toMatch(/ADMISSION_SEAL_KEY_UNTRUSTED/);
    expect(await extractions(at)).toEqual({ refused: 1 });
    expect(await loadSealSetByDigest(store, T, images.untrusted.manifestDigest)).toBeUndefined();
  });

  it('answers onError at the deadline, then finishes the extraction in the background for the next review', async () => {
    // timeoutSeconds 2: a 500 ms internal deadline; the drifted layer takes 3 s to arrive.
    const at = await serve({ extraction: extraction(), timeoutSeconds: 2 });
    const digest = images.slow.manifestDigest;
    const top = images.slow.layers.at(-1)!.digest;
    proxy.slow.set(top, 3000);
    const started = Date.now();
    const first = await review(at, `${repo()}:slow`, 's-1');
    expect(Date.now() - started).toBeLessThan(2800);
    expect(first.allowed).toBe(false);
    expect(first.status?.message).toMatch(/ADMISSION_DEADLINE_EXCEEDED/);
    expect(first.status?.message).toMatch(/onError/);
    let set = await loadSealSetByDigest(store, T, digest);
    for (let i = 0; i < 100 && set === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      set = await loadSealSetByDigest(store, T, digest);
    }
    expect(set?.seals.length).toBeGreaterThan(0);
    proxy.slow.delete(top);
    const second = await review(at, `${repo()}:slow`, 's-2');
    expect(second.allowed).toBe(false);
    expect(second.status?.message).toMatch(/facet binary/);
    expect(await extractions(at)).toEqual({ extracted: 1 });
  });

  it('backs off after a failed extraction: within the backoff onError at once, the registry not read; then retried', async () => {
    // backoff 1 s, doubling: 1 s after the first failure, 2 s after the second
    const at = await serve({ extraction: { ...extraction(), backoffMs: 1000, backoffMaxMs: 60_000 } });
    const image = `${repo()}:failing`;
    const digest = images.failing.manifestDigest;
    const top = images.failing.layers.at(-1)!.digest;
    const reads = () => proxy.requests.filter((r) => !r.startsWith('HEAD ')); // HEAD: the tag's digest
    proxy.missing.add(top);
    proxy.requests.length = 0;
    const first = await review(at, image, 'f-1');
    expect(first.allowed).toBe(false);
    expect(first.status?.message).toMatch(/REGISTRY_BLOB_NOT_FOUND/);
    expect(first.status?.message).toMatch(/onError/);
    expect(reads().some((r) => r.includes(top))).toBe(true);
    const failure = at.logs.find((l) => l.imageDigest === digest && l.outcome === 'failed');
    expect(failure).toMatchObject({ code: 'REGISTRY_BLOB_NOT_FOUND', failures: 1 });

    // within the backoff: no GET of a manifest or blob, the reason and the retry time in the message
    proxy.requests.length = 0;
    const second = await review(at, image, 'f-2');
    expect(second.allowed).toBe(false);
    expect(second.status?.message).toMatch(
      /ADMISSION_EXTRACTION_BACKOFF: .*last extraction in the webhook failed at \d{4}-\d\d-\d\dT[\d:.]+Z with REGISTRY_BLOB_NOT_FOUND \(once\), so it is not read again before \d{4}-[\d:T.-]+Z/,
    );
    expect(second.status?.message).toMatch(/denied because onError is "deny"/);
    expect(reads()).toEqual([]);
    expect(await extractions(at)).toEqual({ failed: 1, backoff: 1 });

    // after it: read again, fails again, and the wait doubles
    const until = (iso: unknown) =>
      new Promise((r) => setTimeout(r, Math.max(0, Date.parse(String(iso)) - Date.now() + 50)));
    await until(failure!.retryAt);
    proxy.requests.length = 0;
    const third = await review(at, image, 'f-3');
    expect(third.status?.message).toMatch(/REGISTRY_BLOB_NOT_FOUND/);
    expect(reads().some((r) => r.includes(top))).toBe(true);
    const fourth = await review(at, image, 'f-4');
    expect(fourth.status?.message).toMatch(/REGISTRY_BLOB_NOT_FOUND \(2 times in a row\)/);
    const again = at.logs.filter((l) => l.imageDigest === digest && l.outcome === 'failed').at(-1)!;
    expect(again.failures).toBe(2);
    // pino's `time` is when the failure was logged, just after it was recorded
    const waited = Date.parse(String(again.retryAt)) - Number(again.time);
    expect(waited).toBeGreaterThan(1800);
    expect(waited).toBeLessThanOrEqual(2000);
    expect(await extractions(at)).toEqual({ failed: 2, backoff: 2 });

    // the blob is back: after the 2 s backoff the next review extracts, stores and decides on the drift
    proxy.missing.clear();
    await until(again.retryAt);
    const fifth = await review(at, image, 'f-5');
    expect(fifth.status?.message).toMatch(/facet binary/);
    expect((await loadSealSetByDigest(store, T, digest))?.seals.length).toBeGreaterThan(0);
    expect(await extractions(at)).toEqual({ failed: 2, backoff: 2, extracted: 1 });
  });

  it('extracts once across two replicas: the second waits for the advisory lock and finds the stored seals', async () => {
    // A second replica: its own connection pool on the same database.
    const db2 = openPgDb({ connectionString: PG_URL, schema: store.schema });
    const store2: Store = { db: db2, cas: postgresCas() };
    const a = await serve({ extraction: extraction() });
    const b = await serve({ extraction: extraction(), store: store2 });
    try {
      const digest = images.replicas.manifestDigest;
      // slow enough that both replicas reach the lock while the first one reads
      proxy.slow.set(images.replicas.layers.at(-1)!.digest, 1500);
      const answers = await Promise.all([
        review(a, `${repo()}:replicas`, 'r-a'),
        review(b, `${repo()}:replicas`, 'r-b'),
      ]);
      proxy.slow.clear();
      for (const answer of answers) expect(answer.status?.message).toMatch(/facet binary/);
      const counts = [await extractions(a), await extractions(b)];
      expect(counts.map((c) => c.extracted ?? 0).reduce((x, y) => x + y)).toBe(1);
      expect(counts.map((c) => c.found ?? 0).reduce((x, y) => x + y)).toBe(1);
      expect(await storedAudits(digest)).toHaveLength(1);
    } finally {
      await b.close();
      served.splice(served.indexOf(b), 1);
      await db2.close();
    }
  });
});
