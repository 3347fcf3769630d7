import { spawn } from 'node:child_process';
import pg from 'pg';
import type { TestPki } from '../../test/integration/registry/tls.ts';
import { startServeChild as startServe, type ServeChild } from '../../test/integration/serve-child.ts';

export { httpsGet, type ServeChild } from '../../test/integration/serve-child.ts';

// What the webhook's e2e suites share: kubectl against the test cluster, HTTPS GETs checked against the
// test CA, an admin PostgreSQL client, `stella serve` as a child process, and the webhook registration.

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

/**
 * `stella serve` over HTTPS on loopback with the cluster's kubeconfig and the database, ready (`/readyz`
 * 200, certificate checked against the test CA); `env` adds to the process environment.
 */
export function startServeChild(options: {
  readonly port: number;
  readonly pki: TestPki;
  readonly ca: string;
  readonly kubeconfig: string;
  readonly databaseUrl: string;
  readonly env: Record<string, string>;
}): Promise<ServeChild> {
  return startServe({
    port: options.port,
    tls: { cert: options.pki.serverCert, key: options.pki.serverKey, ca: options.ca },
    kubeconfig: options.kubeconfig,
    databaseUrl: options.databaseUrl,
    flags: ['--webhook-timeout', '10'],
    env: { ...process.env, ...options.env },
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
