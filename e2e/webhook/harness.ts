import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestPki } from '../../test/integration/registry/tls.ts';

// What the webhook's e2e suites share: kubectl against the test cluster, HTTPS GETs checked against the
// test CA, an admin PostgreSQL client, `stella serve` as a child process, and the webhook registration.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ENFORCE = 'zastava.stellaops.io/enforce';

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

/** GET over HTTPS, verifying the certificate against `ca`. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One admin connection for `fn`, closed after. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface ServeChild {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  log(): string;
  /** SIGTERM, and its exit. */
  stop(): Promise<void>;
}

/**
 * `stella serve` over HTTPS on loopback with the cluster's kubeconfig and the database, ready (`/readyz`
 * 200, certificate checked against the test CA); `env` adds to the process environment.
 */
export async function startServeChild(options: {
  readonly port: number;
  readonly pki: TestPki;
  readonly ca: string;
  readonly kubeconfig: string;
  readonly databaseUrl: string;
  readonly env: Record<string, string>;
}): Promise<ServeChild> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'stella.js'),
      'serve',
      '--listen',
      `127.0.0.1:${options.port}`,
      '--tls-cert',
      options.pki.serverCert,
      '--tls-key',
      options.pki.serverKey,
      '--kubeconfig',
      options.kubeconfig,
      '--database-url',
      options.databaseUrl,
      '--webhook-timeout',
      '10',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const url = `https://127.0.0.1:${options.port}`;
  const serve: ServeChild = {
    child,
    url,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const ready = await httpsGet(`${url}/readyz`, options.ca).catch(() => ({ status: 0 }));
    if (ready.status === 200) return serve;
  }
  await serve.stop();
  throw new Error(`stella serve not ready:\n${log.slice(-3000)}`);
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
