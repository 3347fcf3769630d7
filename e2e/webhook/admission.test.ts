import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '../../src/config/store.ts';
import type { DsseEnvelope } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { withStore } from '../../src/store/open.ts';
import { submitVex } from '../../src/store/vex.ts';
import { writeOciLayout, type FixtureImage } from '../../test/fixtures/index.ts';
import type { RegistryProcess } from '../../test/integration/registry/registry-process.ts';
import { pushLayout } from '../../test/integration/registry/skopeo.ts';
import {
  ENFORCE,
  PG_ADMIN,
  startWebhookEnvironment,
  type WebhookEnvironment,
  httpsGet,
  startServeChild,
  webhookConfiguration,
  withClient,
  type ServeChild,
} from './harness.ts';

// Issue 6 acceptance through a real kube-apiserver: `stella serve` as a child process over HTTPS on
// loopback, registered with a ValidatingWebhookConfiguration (url clientConfig, caBundle, the enforce
// label, NoneOnDryRun, Fail). Missing binaries or PostgreSQL FAIL the suite with the reason.

const v1: FixtureImage = {
  layers: [
    {
      entries: [
        { type: 'file', path: '/usr/bin/app', content: 'build 1', mode: 0o755 },
        { type: 'file', path: '/etc/app.conf', content: 'a=1\n' },
      ],
    },
  ],
};
const v2: FixtureImage = {
  layers: [...v1.layers, { entries: [{ type: 'file', path: '/etc/app.conf', content: 'a=2\n' }] }],
};

let dir: string;
let e2e: WebhookEnvironment | undefined;
let registry: RegistryProcess;
let dbName: string;
let dbUrl: string;
let serve: ServeChild | undefined;

const stella = (...args: string[]) => e2e!.stella(...args);

const kubectl = (args: string[], input?: string) => e2e!.kubectl(args, input);

const admin = withClient;

const get = (path: string, ca: string) => httpsGet(`${serve!.url}${path}`, ca);

function postRaw(body: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${serve!.url}/validate`,
      { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function validateCount(ca: string): Promise<number> {
  const { text } = await get('/metrics', ca);
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('zastava_http_requests_total{') && line.includes('POST') && line.includes('validate'))
      total += Number(line.split(' ').at(-1));
  return total;
}

const pod = (ns: string, name: string, image: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}}
spec:
  containers: [{name: app, image: "${image}"}]
`;

let ca: string;
const digests: Record<string, string> = {};

beforeAll(async () => {
  e2e = await startWebhookEnvironment('zastava-e2e-webhook-');
  ({ dir, registry, ca, dbName, dbUrl } = e2e);

  const layout = join(dir, 'layout');
  await writeOciLayout(layout, v1, { tag: 'v1' });
  await writeOciLayout(layout, v2, { tag: 'v2' });
  for (const repo of ['shop/web', 'shop/blocked', 'shop/vex'])
    for (const tag of ['v1', 'v2']) await pushLayout(layout, tag, `${registry.host}/${repo}:${tag}`);
  await pushLayout(layout, 'v2', `${registry.host}/shop/nobase:v2`);

  // seals and approvals made with stella
  expect((await stella('db', 'migrate')).code).toBeLessThan(2);
  expect((await stella('keys', 'generate', '--output-prefix', join(dir, 'k'))).code).toBe(0);
  const added = await stella('db', 'keys', 'add', join(dir, 'k.pub'));
  expect(added.code, added.err).toBe(0);
  for (const tag of ['v1', 'v2']) {
    const s = await stella(
      'seal',
      `${registry.host}/shop/web:${tag}`,
      '--key',
      join(dir, 'k.key'),
      '--store',
      '--format',
      'json',
    );
    expect(s.code, s.err).toBe(0);
    digests[tag] = (JSON.parse(s.out) as { imageDigest: string }).imageDigest;
  }
  for (const repo of ['shop/web', 'shop/blocked', 'shop/vex']) {
    const a = await stella(
      'baseline',
      'approve',
      `${registry.host}/${repo}:v1`,
      '--digest',
      digests.v1!,
      '--reason',
      'e2e',
    );
    expect(a.code, a.err).toBe(0);
  }

  // policies: Block and RequireVex on the config facet for two repositories
  await e2e.applyCrds();
  const policies = `apiVersion: zastava.stellaops.io/v1alpha1
kind: ClusterFacetPolicy
metadata: {name: blocked}
spec:
  imageRepositories: ["${registry.host}/shop/blocked"]
  quotas: {config: {maxChangedFiles: 0, maxChurnPercent: 0, onExceed: Block}}
---
apiVersion: zastava.stellaops.io/v1alpha1
kind: ClusterFacetPolicy
metadata: {name: vex}
spec:
  imageRepositories: ["${registry.host}/shop/vex"]
  quotas: {config: {maxChangedFiles: 0, maxChurnPercent: 0, onExceed: RequireVex}}
`;
  const p = await kubectl(['apply', '-f', '-'], policies);
  expect(p.code, p.err).toBe(0);

  // stella serve, as a child process
  serve = await startServeChild(e2e);

  const hook = webhookConfiguration('zastava-e2e', serve.url, ca, [
    { apiGroup: '', resources: ['pods', 'pods/ephemeralcontainers'] },
    { apiGroup: 'apps', resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'] },
  ]);
  const h = await kubectl(['apply', '-f', '-'], hook);
  expect(h.code, h.err).toBe(0);
  for (const [ns, label] of [
    ['shop', true],
    ['free', false],
  ] as const) {
    await kubectl(['create', 'namespace', ns]);
    if (label) await kubectl(['label', 'namespace', ns, `${ENFORCE}=true`]);
  }
  await kubectl(['create', 'serviceaccount', 'default', '-n', 'shop']);
  await kubectl(['create', 'serviceaccount', 'default', '-n', 'free']);
}, 900_000);

afterAll(async () => {
  await serve?.stop();
  await e2e?.stop();
});

describe('the admission webhook through kube-apiserver', () => {
  it('1: a Pod running the approved baseline is allowed', async () => {
    const r = await kubectl(['apply', '-f', '-'], pod('shop', 'p1', `${registry.host}/shop/web:v1`));
    expect(r.code, `${r.err}\n${serve!.log().slice(-2000)}`).toBe(0);
  });

  it('2: drift within the quotas is allowed and kubectl prints the warnings', async () => {
    const r = await kubectl(['apply', '-f', '-'], pod('shop', 'p2', `${registry.host}/shop/web:v2`));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('Warning:');
  });

  it('3: over a Block quota is denied, naming facet, field, limit and actual', async () => {
    const r = await kubectl(['apply', '-f', '-'], pod('shop', 'p3', `${registry.host}/shop/blocked:v2`));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('denied the request');
    expect(r.err).toMatch(/facet config: .*MaxChangedFiles 1 > limit 0/);
  });

  it('4: over a RequireVex quota is denied with the stella vex gen command; allowed once a signed VEX is in', async () => {
    const manifest = pod('shop', 'p4', `${registry.host}/shop/vex:v2`);
    const r = await kubectl(['apply', '-f', '-'], manifest);
    expect(r.code).not.toBe(0);
    // the printed command carries the policy's quota for each denied facet: paste it as is
    const command = /draft it with: stella (vex gen --from-drift [^\n]*)/.exec(r.err);
    expect(command, r.err).not.toBeNull();
    const printed = command![1]!.trim().split(/\s+/);
    expect(printed).toContain('--quota');
    const current = printed[4]!;
    const doc = join(dir, 'vex.json');
    const gen = await stella(...printed, '--key', join(dir, 'k.pub'), '--output', doc);
    expect(gen.code, gen.err).toBe(0);
    // a person says why the drift is acceptable (admission refuses the draft's placeholder)
    const draft = await readFile(doc, 'utf8');
    expect(draft).toContain('ZASTAVA-PLACEHOLDER');
    await writeFile(
      doc,
      draft.replace(
        /ZASTAVA-PLACEHOLDER: [^"]*/g,
        'config change reviewed: app.conf a=2 is the intended setting',
      ),
    );
    const signed = join(dir, 'vex.dsse.json');
    const sign = await stella('vex', 'sign', doc, '--key', join(dir, 'k.key'), '--output', signed);
    expect(sign.code, sign.err).toBe(0);
    const envelope = JSON.parse(await readFile(signed, 'utf8')) as DsseEnvelope;
    await withStore(storeConfig(e2e!.env), (store) =>
      submitVex(
        store,
        Tenant.parse('default'),
        { imageDigest: current.split('@')[1]!, envelope },
        { actor: 'e2e', correlationId: 'e2e-vex' },
      ),
    );
    // the denial was cached; the NOTIFY sent with the VEX drops it
    let allowed = { code: -1, err: '' };
    for (let i = 0; i < 10 && allowed.code !== 0; i++) {
      allowed = await kubectl(['apply', '-f', '-'], manifest);
      if (allowed.code !== 0) await new Promise((res) => setTimeout(res, 300));
    }
    expect(allowed.code, allowed.err).toBe(0);
  });

  it('5: a repository with no approved baseline is allowed with a warning', async () => {
    const r = await kubectl(['apply', '-f', '-'], pod('shop', 'p5', `${registry.host}/shop/nobase:v2`));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('Warning:');
  });

  it('6: --dry-run=server is evaluated and writes nothing', async () => {
    const count = () =>
      admin(dbUrl, async (c) =>
        Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM facet_drift_history')).rows[0]!.n),
      );
    const before = await count();
    const denied = await kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      pod('shop', 'd1', `${registry.host}/shop/blocked:v2`),
    );
    expect(denied.code).not.toBe(0);
    expect(denied.err).toContain('denied the request');
    const allowed = await kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      pod('shop', 'd2', `${registry.host}/shop/web:v2`),
    );
    expect(allowed.code, allowed.err).toBe(0);
    expect(await count()).toBe(before);
    expect(before).toBeGreaterThan(0);
  });

  it('7: a Deployment with a blocked image is denied at apply', async () => {
    const r = await kubectl(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: blocked, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: blocked}}
  template:
    metadata: {labels: {app: blocked}}
    spec:
      containers: [{name: app, image: "${registry.host}/shop/blocked:v2"}]
`,
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('denied the request');
  });

  it('9: a namespace without the label is not sent to the webhook', async () => {
    const before = await validateCount(ca);
    const r = await kubectl(['apply', '-f', '-'], pod('free', 'f1', `${registry.host}/shop/blocked:v2`));
    expect(r.code, r.err).toBe(0);
    expect(await validateCount(ca)).toBe(before);
    await kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      pod('shop', 'd3', `${registry.host}/shop/web:v1`),
    );
    expect(await validateCount(ca)).toBe(before + 1);
  });

  it('10: malformed and fuzzed bodies over HTTPS get 400 and the server keeps serving', async () => {
    for (const body of [
      '',
      '{',
      '[]',
      'null',
      '{"kind":"AdmissionReview"}',
      '\u0000\u0001',
      '{"request":{"uid":1}}',
    ])
      expect(await postRaw(body, ca)).toBe(400);
    const r = await kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      pod('shop', 'd4', `${registry.host}/shop/web:v1`),
    );
    expect(r.code, r.err).toBe(0);
  });

  it('8: PostgreSQL unavailable: the onError decision, said in the message; then correct again', async () => {
    await admin(PG_ADMIN, async (c) => {
      await c.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName]);
    });
    try {
      const r = await kubectl(
        ['apply', '--dry-run=server', '-f', '-'],
        pod('shop', 'e1', `${registry.host}/shop/web:v2`),
      );
      expect(r.code).not.toBe(0);
      expect(r.err).toContain('onError');
    } finally {
      await admin(PG_ADMIN, (c) => c.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`));
    }
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      const r = await kubectl(
        ['apply', '--dry-run=server', '-f', '-'],
        pod('shop', 'e2', `${registry.host}/shop/web:v2`),
      );
      ok = r.code === 0 && r.err.includes('Warning:');
      if (!ok) await new Promise((res) => setTimeout(res, 500));
    }
    expect(ok, serve!.log().slice(-2000)).toBe(true);
  });
});
