import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout, type BuiltImage, type FixtureEntry } from '../../test/fixtures/index.ts';
import { startRegistry, type RegistryProcess } from '../../test/integration/registry/registry-process.ts';
import { pushLayout } from '../../test/integration/registry/skopeo.ts';
import {
  ENFORCE,
  httpsGet,
  startServeChild,
  startWebhookEnvironment,
  webhookConfiguration,
  withClient,
  type ServeChild,
  type WebhookEnvironment,
} from './harness.ts';

// Extraction on a miss through a real kube-apiserver: `stella serve --seal-key` as a child process, the
// baseline sealed and approved with `stella` (CI's key), the drifted images pushed and never sealed. The
// webhook extracts them, stores seals signed with its own key (trusted with `stella db keys add`) and
// decides on the drift. A second registry requires htpasswd credentials: the webhook reads it with the
// pod's imagePullSecrets (dockerconfigjson Secrets read through the API server). Missing binaries or
// PostgreSQL FAIL the suite with the reason.

const BASE: FixtureEntry[] = [
  { type: 'file', path: '/usr/bin/app', content: 'build 1', mode: 0o755 },
  { type: 'file', path: '/usr/bin/helper', content: 'helper 1', mode: 0o755 },
  { type: 'file', path: '/etc/app.conf', content: 'a=1\n' },
  { type: 'file', path: '/etc/extra.conf', content: 'b=1\n' },
];
/** Default facets: `binary` churn 50 % > 2 % (Block); `config` churn 50 % > 20 % (Warn). */
const CHANGES: Record<string, FixtureEntry[]> = {
  rebuilt: [{ type: 'file', path: '/usr/bin/app', content: 'build 2', mode: 0o755 }],
  dry: [{ type: 'file', path: '/usr/bin/app', content: 'build 3', mode: 0o755 }],
  reconfigured: [{ type: 'file', path: '/etc/app.conf', content: 'a=2\n' }],
};

let dir: string;
let e2e: WebhookEnvironment | undefined;
let registry: RegistryProcess;
let ca: string;
let dbUrl: string;
let serve: ServeChild | undefined;
const images: Record<string, BuiltImage | undefined> = {};

const stella = (...args: string[]) => e2e!.stella(...args);

const kubectl = (args: string[], input?: string) => e2e!.kubectl(args, input);

const sql = <T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []) =>
  withClient(url, async (c) => (await c.query<T>(text, params)).rows);

const get = (path: string) => httpsGet(`${serve!.url}${path}`, ca);

async function extractions(outcome: string): Promise<number> {
  const { text } = await get('/metrics');
  return text
    .split('\n')
    .filter((l) => l.startsWith('zastava_webhook_extractions_total{') && l.includes(`outcome="${outcome}"`))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

const sealsOf = async (digest: string) =>
  sql<{ sealed_by: string }>(dbUrl, 'SELECT sealed_by FROM facet_seals WHERE image_digest = $1', [digest]);

const pod = (name: string, tag: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop}
spec:
  containers: [{name: app, image: "${registry.host}/shop/web:${tag}"}]
`;

beforeAll(async () => {
  e2e = await startWebhookEnvironment('zastava-e2e-extract-');
  ({ dir, registry, ca, dbUrl } = e2e);

  const layout = join(dir, 'layout');
  [images.v1] = await writeOciLayout(layout, { layers: [{ entries: BASE }] }, { tag: 'v1' });
  for (const [tag, entries] of Object.entries(CHANGES))
    [images[tag]] = await writeOciLayout(layout, { layers: [{ entries: BASE }, { entries }] }, { tag });
  for (const tag of ['v1', ...Object.keys(CHANGES)])
    await pushLayout(layout, tag, `${registry.host}/shop/web:${tag}`);

  // CI seals and approves the baseline; the operator trusts the webhook's own key (docs/operators.md)
  expect((await stella('db', 'migrate')).code).toBeLessThan(2);
  for (const prefix of ['ci', 'zastava-seal'])
    expect((await stella('keys', 'generate', '--output-prefix', join(dir, prefix))).code).toBe(0);
  for (const key of ['ci.pub', 'zastava-seal.pub']) {
    const added = await stella('db', 'keys', 'add', join(dir, key));
    expect(added.code, added.err).toBe(0);
  }
  const sealed = await stella(
    'seal',
    `${registry.host}/shop/web:v1`,
    '--key',
    join(dir, 'ci.key'),
    '--store',
  );
  expect(sealed.code, sealed.err).toBe(0);
  const approved = await stella(
    'baseline',
    'approve',
    `${registry.host}/shop/web@${images.v1!.manifestDigest}`,
  );
  expect(approved.code, approved.err).toBe(0);

  // the policy CRDs (none is created: the defaults and the baseline's sealed quotas decide), so the
  // informer syncs and /readyz answers
  await e2e.applyCrds();

  serve = await startServeChild(e2e, { ZASTAVA_SEAL_KEY: join(dir, 'zastava-seal.key') });

  const hook = webhookConfiguration('zastava-e2e-extract', serve.url, ca, [
    { apiGroup: '', resources: ['pods'] },
  ]);
  const h = await kubectl(['apply', '-f', '-'], hook);
  expect(h.code, h.err).toBe(0);
  await kubectl(['create', 'namespace', 'shop']);
  await kubectl(['label', 'namespace', 'shop', `${ENFORCE}=true`]);
  await kubectl(['create', 'serviceaccount', 'default', '-n', 'shop']);
}, 900_000);

afterAll(async () => {
  await serve?.stop();
  await e2e?.stop();
});

describe('extraction on a miss through kube-apiserver', () => {
  it('says at start that extraction is on and the tenant trusts the seal key', () => {
    expect(serve!.log()).toContain('extraction on a miss is on');
  });

  it('--dry-run=server of an unsealed drifted image: evaluated (denied on the drift), no seals stored', async () => {
    const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], pod('d1', 'dry'));
    expect(r.code).not.toBe(0);
    expect(r.err, serve!.log().slice(-2000)).toMatch(/facet binary: .*MaxChurnPercent 50 > limit 2/);
    expect(await sealsOf(images.dry!.manifestDigest)).toEqual([]);
  });

  it('an unsealed image over a Block quota: extracted, sealed by the webhook, denied naming the facet', async () => {
    const r = await kubectl(['apply', '-f', '-'], pod('p1', 'rebuilt'));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('denied the request');
    expect(r.err).toMatch(/facet binary: .*MaxChurnPercent 50 > limit 2/);
    const seals = await sealsOf(images.rebuilt!.manifestDigest);
    expect(seals.length).toBeGreaterThan(0);
    expect(new Set(seals.map((s) => s.sealed_by))).toEqual(new Set(['zastava-webhook']));
  });

  it('an unsealed image within its quotas: extracted and allowed, kubectl prints the warnings', async () => {
    const r = await kubectl(['apply', '-f', '-'], pod('p2', 'reconfigured'));
    expect(r.code, `${r.err}\n${serve!.log().slice(-2000)}`).toBe(0);
    expect(r.err).toMatch(/Warning: .*config/);
    expect((await sealsOf(images.reconfigured!.manifestDigest)).length).toBeGreaterThan(0);
    // the dry run's extraction counted too, but stored nothing
    expect(await extractions('extracted')).toBe(3);
    expect(serve!.log()).toMatch(/"msg":"webhook extraction extracted"/);
  });
});

describe('extraction on a miss from a registry that requires credentials (imagePullSecrets)', () => {
  const USER = 'puller';
  const PASSWORD = 'pull-s3cret';
  let privateRegistry: RegistryProcess;
  let image: BuiltImage;

  /** A Pod of the private image by tag (or by digest), with `pullSecret` in its imagePullSecrets. */
  const privatePod = (name: string, pullSecret?: string, byDigest = false) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop}
spec:
${pullSecret === undefined ? '' : `  imagePullSecrets: [{name: ${pullSecret}}]\n`}  containers: [{name: app, image: "${privateRegistry.host}/team/app${byDigest ? `@${image.manifestDigest}` : ':private'}"}]
`;

  beforeAll(async () => {
    // Debian's docker-registry with htpasswd Basic auth (test/integration/registry/registry-process.ts)
    privateRegistry = await startRegistry({
      dir: join(dir, 'private-registry'),
      auth: { kind: 'htpasswd', users: { [USER]: PASSWORD } },
    });
    const layout = join(dir, 'layout');
    // within the quotas (config churn 50 %: Warn), and a digest no other test has sealed
    [image] = (await writeOciLayout(
      layout,
      {
        layers: [{ entries: BASE }, { entries: [{ type: 'file', path: '/etc/app.conf', content: 'a=3\n' }] }],
      },
      { tag: 'private' },
    )) as [BuiltImage];
    for (const tag of ['v1', 'private'])
      await pushLayout(layout, tag, `${privateRegistry.host}/team/app:${tag}`, {
        creds: `${USER}:${PASSWORD}`,
      });
    // the baseline is v1, whose seals CI stored from the anonymous registry: same digest, this repository
    const approved = await stella(
      'baseline',
      'approve',
      `${privateRegistry.host}/team/app@${images.v1!.manifestDigest}`,
    );
    expect(approved.code, approved.err).toBe(0);
    for (const [name, password] of [
      ['private-pull', PASSWORD],
      ['private-wrong', 'not-the-password'],
    ] as const) {
      const r = await kubectl([
        'create',
        'secret',
        'docker-registry',
        name,
        '-n',
        'shop',
        `--docker-server=${privateRegistry.host}`,
        `--docker-username=${USER}`,
        `--docker-password=${password}`,
      ]);
      expect(r.code, r.err).toBe(0);
    }
  }, 300_000);

  afterAll(() => privateRegistry?.stop());

  it('without a pull secret, or with a wrong password: denied with REGISTRY_AUTH_FAILED, nothing stored', async () => {
    // by tag the digest's HEAD is refused, by digest the manifest's GET (the config digest): either way
    // before the image is read, so no extraction starts (and none backs off)
    for (const [name, secret, byDigest] of [
      ['q1', undefined, false],
      ['q2', 'private-wrong', false],
      ['q3', undefined, true],
    ] as const) {
      const r = await kubectl(['apply', '-f', '-'], privatePod(name, secret, byDigest));
      expect(r.code, `${name}: ${r.out}`).not.toBe(0);
      expect(r.err, serve!.log().slice(-2000)).toMatch(/could not be evaluated \(REGISTRY_AUTH_FAILED: /);
      expect(r.err).toMatch(/denied because onError is "deny"/);
      expect(r.err).not.toContain('not-the-password');
      // The credentials are named by the secret they came from, not by a CLI flag.
      if (secret !== undefined)
        expect(r.err).toMatch(new RegExp(`credentials from pull secret \\S+/${secret}\\)`));
      expect(r.err).not.toContain('--creds');
    }
    expect(await sealsOf(image.manifestDigest)).toEqual([]);
    expect(await extractions('failed')).toBe(0);
  });

  it("with the pod's imagePullSecrets: read with that secret's credentials, extracted, sealed and admitted", async () => {
    const before = await extractions('extracted');
    const r = await kubectl(['apply', '-f', '-'], privatePod('q4', 'private-pull'));
    expect(r.code, `${r.err}\n${serve!.log().slice(-2000)}`).toBe(0);
    expect(r.err).toMatch(/Warning: .*config/);
    const seals = await sealsOf(image.manifestDigest);
    expect(seals.length).toBeGreaterThan(0);
    expect(new Set(seals.map((s) => s.sealed_by))).toEqual(new Set(['zastava-webhook']));
    expect(await extractions('extracted')).toBe(before + 1);
    expect(serve!.log()).not.toContain(PASSWORD);
  });
});
