import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/integration/registry/registry-process.ts';
import { startServeChild, type ServeChild } from '../../test/integration/serve-child.ts';
import { useApiServer } from './api-server.ts';
import { CHART_DIR, ROOT, runOk } from './chart.ts';

// The chart's webhook configuration and CRDs in a real API server, calling a real `stella serve` on
// this machine (webhook.url: no kubelet runs pods here). The webhook reads FacetPolicies with the
// token of the chart's own ServiceAccount, so the chart's RBAC is what it has. An image pinned by
// digest whose repository has no approved baseline is allowed with a warning by default; a FacetPolicy
// saying `noBaseline: deny` must turn that into a denial within seconds, and deleting it must undo it.
const NS = 'zastava-system';
const IMAGE = `registry.example/shop/web@sha256:${'ab'.repeat(32)}`;
const SECONDS = 20;

const api = useApiServer(['helm']);
const { kubectl, kubectlOk } = api;
let dir = '';
let server: ServeChild | undefined;
const serverLog = (): string => server?.log() ?? '';

/** A kubeconfig holding a token of the chart's ServiceAccount: the webhook gets the chart's RBAC only. */
async function serviceAccountKubeconfig(): Promise<string> {
  const token = (await kubectlOk(['-n', NS, 'create', 'token', 'zastava', '--duration=1h'])).trim();
  const file = join(dir, 'webhook.kubeconfig');
  const ca = Buffer.from(await readFile(api.cluster.caCert)).toString('base64');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server: api.cluster.server, 'certificate-authority-data': ca } }],
      users: [{ name: 'zastava', user: { token } }],
      contexts: [{ name: 'zastava', context: { cluster: 'e2e', user: 'zastava' } }],
      'current-context': 'zastava',
    }),
  );
  return file;
}

/** A server-side dry run of a pod in the enforced namespace: the webhook is called, nothing is written. */
async function admit(name: string): Promise<{ allowed: boolean; output: string }> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'web', image: IMAGE }] },
  };
  const result = await kubectl(['-n', 'shop', 'apply', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
  return { allowed: result.code === 0, output: result.stdout + result.stderr };
}

async function until(allowed: boolean): Promise<{ seconds: number; output: string }> {
  const start = performance.now();
  for (let i = 0; ; i += 1) {
    const outcome = await admit(`web-${i}`);
    const seconds = (performance.now() - start) / 1000;
    if (outcome.allowed === allowed || seconds > SECONDS) return { seconds, output: outcome.output };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-policy-'));
  await runOk('bash', [join(ROOT, 'certs', 'make-certs.sh'), '--out', join(dir, 'certs'), '--namespace', NS]);
  const port = await freePort();
  await api.helm([
    'install', 'zastava', CHART_DIR, '--namespace', NS, '--create-namespace',
    '--set', 'tls.mode=secret', '--set', 'tls.secretName=zastava-tls',
    '--set', `tls.caBundle=${(await readFile(join(dir, 'certs', 'ca-bundle.b64'), 'utf8')).trim()}`,
    '--set', `webhook.url=https://127.0.0.1:${port}/validate`,
    '--set', 'migrations.mode=none',
  ]); // prettier-ignore
  await kubectlOk(['create', 'namespace', 'shop']);
  await kubectlOk(['label', 'namespace', 'shop', 'zastava.stellaops.io/enforce=true']);

  // The chart's own container arguments, with this machine's paths and the embedded store.
  server = await startServeChild({
    port,
    tls: {
      cert: join(dir, 'certs', 'tls.crt'),
      key: join(dir, 'certs', 'tls.key'),
      ca: await readFile(join(dir, 'certs', 'ca.crt'), 'utf8'),
    },
    kubeconfig: await serviceAccountKubeconfig(),
    flags: ['--webhook-timeout=10', '--on-error=deny', '--no-baseline=allow'],
    env: { HOME: dir, ZASTAVA_DATA_DIR: join(dir, 'data'), ZASTAVA_LOG_LEVEL: 'warn' },
    readyTimeoutMs: 120_000,
  });
});

afterAll(async () => {
  await server?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('a FacetPolicy created through the API server changes the webhook decision', () => {
  it('allows, with a warning, an image whose repository has no approved baseline (the default)', async () => {
    const outcome = await admit('web-default');
    expect(outcome.allowed, `${outcome.output}\n${serverLog()}`).toBe(true);
    expect(outcome.output).toMatch(/Warning: .*no approved baseline/);
  });

  it(`denies it within ${SECONDS} s of a FacetPolicy saying noBaseline: deny, and allows it again once deleted`, async () => {
    const policy = {
      apiVersion: 'zastava.stellaops.io/v1alpha1',
      kind: 'FacetPolicy',
      metadata: { name: 'strict-web', namespace: 'shop' },
      spec: { imageRepositories: ['registry.example/shop/web'], noBaseline: 'deny' },
    };
    await kubectlOk(['apply', '-f', '-'], JSON.stringify(policy));
    const denied = await until(false);
    expect(denied.seconds, `${denied.output}\n${serverLog()}`).toBeLessThan(SECONDS);
    expect(denied.output).toMatch(/validate\.zastava\.stellaops\.io.*denied|denied the request/);
    expect(denied.output).toMatch(/noBaseline/);
    process.stderr.write(`FacetPolicy applied: decision changed after ${denied.seconds.toFixed(1)} s\n`);

    await kubectlOk(['-n', 'shop', 'delete', 'facetpolicy', 'strict-web']);
    const restored = await until(true);
    expect(restored.seconds, `${restored.output}\n${serverLog()}`).toBeLessThan(SECONDS);
    process.stderr.write(`FacetPolicy deleted: decision restored after ${restored.seconds.toFixed(1)} s\n`);
  });

  it('stops on SIGTERM', async () => {
    expect(await server!.stop('SIGTERM'), serverLog()).toBe(0);
  });
});
