import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { renderCrdFiles } from '../../src/k8s/crd-yaml.ts';
import {
  freePort,
  startRegistry,
  type RegistryProcess,
} from '../../test/integration/registry/registry-process.ts';
import { makeTestPki, readPem, type TestPki } from '../../test/integration/registry/tls.ts';
import { startServeChild as startServe, type ServeChild } from '../../test/integration/serve-child.ts';
import { withPgClient as withClient } from '../../test/integration/store-harness.ts';
import { startCluster, type Cluster } from '../cluster/cluster.ts';
import { toolPaths } from '../tools/paths.ts';

export { httpsGet, type ServeChild } from '../../test/integration/serve-child.ts';
export { withClient };

// What the webhook's e2e suites share: their environment (cluster, registry, PKI, database, `stella`,
// the CRDs), kubectl against the test cluster, HTTPS GETs checked against the test CA, an admin
// PostgreSQL client, `stella serve` as a child process, and the webhook registration.

export const ENFORCE = 'zastava.stellaops.io/enforce';

/** The PostgreSQL server's admin URL; each suite makes a database of its own on it. */
export const PG_ADMIN =
  process.env.ZASTAVA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * What a webhook suite runs against: a temporary directory, etcd + kube-apiserver, a loopback registry,
 * a test PKI, a database of its own, `stella` in-process with that database, and `kubectl`.
 */
export interface WebhookEnvironment {
  readonly dir: string;
  readonly cluster: Cluster;
  readonly registry: RegistryProcess;
  readonly pki: TestPki;
  readonly ca: string;
  readonly dbName: string;
  readonly dbUrl: string;
  readonly kubectl: (args: string[], input?: string) => Promise<Run>;
  /** The environment `stella` runs with: DATABASE_URL, a data directory, STELLA_SEALED_BY=ci. */
  readonly env: Readonly<Record<string, string>>;
  /** `stella ARGS` in this process, with `env`. */
  stella(...args: string[]): Promise<Run>;
  /** Applies the FacetPolicy CRDs and waits until they are established. */
  applyCrds(): Promise<void>;
  /** Stops the registry and the cluster, drops the database, removes the directory. */
  stop(): Promise<void>;
}

export async function startWebhookEnvironment(prefix: string): Promise<WebhookEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // What is up so far, stopped in reverse if a later step fails (and by stop()).
  const undo: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const kubectlBin = (await toolPaths()).bin.kubectl;
    const cluster = await startCluster();
    undo.push(() => cluster.stop());
    const registry = await startRegistry({ dir: join(dir, 'registry') });
    undo.push(() => registry.stop());
    await mkdir(join(dir, 'pki'));
    const pki = await makeTestPki(join(dir, 'pki'));
    const ca = await readPem(pki.caFile);
    const dbName = `zastava_e2e_${randomBytes(4).toString('hex')}`;
    await withClient(PG_ADMIN, (c) => c.query(`CREATE DATABASE ${dbName}`));
    undo.push(() =>
      withClient(PG_ADMIN, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch(() => {}),
    );
    const dbUrl = new URL(PG_ADMIN).toString().replace(/\/[^/]*$/, `/${dbName}`);
    const env = {
      DATABASE_URL: dbUrl,
      ZASTAVA_DATA_DIR: join(dir, 'data'),
      STELLA_SEALED_BY: 'ci',
      USER: 'e2e',
    };
    const kubectl = kubectlFor(kubectlBin, cluster.kubeconfig);
    return {
      dir,
      cluster,
      registry,
      pki,
      ca,
      dbName,
      dbUrl,
      kubectl,
      env,
      async stella(...args) {
        const ctx = captureContext(env);
        const code = await runCli(args, ctx);
        return { code, out: ctx.out(), err: ctx.err() };
      },
      async applyCrds() {
        for (const [file, text] of renderCrdFiles()) {
          const path = join(dir, file.replace(/\//g, '_'));
          await writeFile(path, text);
          const r = await kubectl(['apply', '-f', path]);
          expect(r.code, r.err).toBe(0);
        }
        await kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `kubectl` bound to a kubeconfig; `input` goes to its stdin. */
export function kubectlFor(
  bin: string,
  kubeconfig: string,
): (args: string[], input?: string) => Promise<Run> {
  return (args, input) =>
    new Promise((resolve) => {
      const child = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: 'pipe' });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      child.stdin.end(input ?? '');
    });
}

/**
 * `stella serve` over HTTPS on loopback, on a free port, with the environment's cluster, database and
 * certificate, its data in `dir/serve-data`; ready (`/readyz` 200, certificate checked against the test
 * CA). `env` adds to the process environment.
 */
export async function startServeChild(
  environment: WebhookEnvironment,
  env: Record<string, string> = {},
): Promise<ServeChild> {
  const { pki, ca, cluster, dbUrl, dir } = environment;
  return startServe({
    port: await freePort(),
    tls: { cert: pki.serverCert, key: pki.serverKey, ca },
    kubeconfig: cluster.kubeconfig,
    databaseUrl: dbUrl,
    flags: ['--webhook-timeout', '10'],
    env: { ...process.env, ZASTAVA_DATA_DIR: join(dir, 'serve-data'), ...env },
  });
}

/**
 * The ValidatingWebhookConfiguration the chart makes, pointed at a loopback URL: CREATE and UPDATE of
 * `rules` (API group → resources), the enforce-label namespaceSelector, NoneOnDryRun, Fail, 10 s.
 */
export function webhookConfiguration(
  name: string,
  url: string,
  ca: string,
  rules: readonly { readonly apiGroup: string; readonly resources: readonly string[] }[],
): string {
  const ruleLines = rules.map(
    (r) => `      - apiGroups: ["${r.apiGroup}"]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [${r.resources.join(', ')}]`,
  );
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ${name}}
webhooks:
  - name: validate.zastava.stellaops.io
    admissionReviewVersions: [v1]
    clientConfig:
      url: ${url}/validate
      caBundle: ${Buffer.from(ca).toString('base64')}
    rules:
${ruleLines.join('\n')}
    namespaceSelector:
      matchExpressions: [{key: ${ENFORCE}, operator: In, values: ["true"]}]
    sideEffects: NoneOnDryRun
    failurePolicy: Fail
    timeoutSeconds: 10
`;
}
