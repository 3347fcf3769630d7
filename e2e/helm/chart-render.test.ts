import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTools } from '../tools/paths.ts';
import {
  at,
  atList,
  atString,
  CHART_DIR,
  ciValueFiles,
  findObject,
  parseObjects,
  run,
  runOk,
  templateArgs,
  type K8sObject,
  type TemplateOptions,
} from './chart.ts';
import { fromBase64, keyMatches, signedByBundle, subjectAltNames } from './pki.ts';
import { schemaKeys, valueKeys } from './values-doc.ts';

// The chart rendered by the real helm (built from the Go module proxy, cached outside the repository):
// lint, the schema, and what each template makes of the default values and of every ci/*.yaml. Missing
// helm is built first; if it cannot be, beforeAll fails with the reason and so does every test.
let helm = '';
let ciFiles: string[] = [];

async function render(opts: TemplateOptions = {}): Promise<K8sObject[]> {
  return parseObjects(await runOk(helm, templateArgs(opts)));
}
const ci = (name: string) => ({ valuesFiles: [ciFiles.find((f) => basename(f) === `${name}-values.yaml`)!] });

beforeAll(async () => {
  helm = (await ensureTools(['helm'], { build: true })).bin.helm;
  ciFiles = await ciValueFiles();
}, 3_600_000);

describe('helm lint', () => {
  it('passes in strict mode with the default values', async () => {
    const out = await runOk(helm, ['lint', '--strict', CHART_DIR]);
    expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('passes in strict mode with every ci/*.yaml', async () => {
    expect(ciFiles.length).toBeGreaterThanOrEqual(6);
    for (const file of ciFiles) {
      const result = await run(helm, ['lint', '--strict', CHART_DIR, '--values', file]);
      expect(result.code, `${basename(file)}:\n${result.stdout}${result.stderr}`).toBe(0);
    }
  });
});

describe('values.yaml and values.schema.json', () => {
  it('has a comment on every value', async () => {
    const doc = parseDocument(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const keys = valueKeys(doc);
    expect(keys.length).toBeGreaterThan(80);
    expect(keys.filter((k) => !k.commented).map((k) => k.path)).toEqual([]);
  });

  it('declares exactly the keys of values.yaml in the schema', async () => {
    const doc = parseDocument(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
    const inValues = valueKeys(doc)
      .map((k) => k.path)
      .sort();
    const inSchema = schemaKeys(schema)
      .filter((k) => k !== 'global')
      .sort();
    expect(inSchema).toEqual(inValues);
  });

  it('refuses an unknown key, a wrong enum and an out-of-range timeout before rendering', async () => {
    for (const set of [
      'webhok.timeoutSeconds=5',
      'tls.mode=selfsigned',
      'webhook.timeoutSeconds=31',
      'replicaCount=0',
    ]) {
      const result = await run(helm, templateArgs({ set: [set] }));
      expect(result.code, set).not.toBe(0);
      expect(result.stderr, set).toMatch(/values don't meet the specifications of the schema/);
    }
  });

  it('refuses tls.mode=secret without the Secret name or the CA bundle, saying which', async () => {
    const noName = await run(helm, templateArgs({ set: ['tls.mode=secret', 'tls.caBundle=eA=='] }));
    expect(noName.stderr).toMatch(/tls.mode=secret needs tls.secretName/);
    const noCa = await run(helm, templateArgs({ set: ['tls.mode=secret', 'tls.secretName=mine'] }));
    expect(noCa.stderr).toMatch(/tls.mode=secret needs tls.caBundle/);
  });
});

describe('the default rendering', () => {
  let objects: K8sObject[] = [];
  beforeAll(async () => {
    objects = await render();
  });
  const webhook = (objs = objects) => at(findObject(objs, 'ValidatingWebhookConfiguration'), 'webhooks.0');
  const podSpec = (objs = objects) => at(findObject(objs, 'Deployment'), 'spec.template.spec');

  it('makes the webhook, its certificate, RBAC, Service and PDB, and nothing optional', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/zastava',
      'ClusterRoleBinding/zastava',
      'Deployment/zastava',
      'PodDisruptionBudget/zastava',
      'Secret/zastava-tls',
      'Service/zastava',
      'ServiceAccount/zastava',
      'ValidatingWebhookConfiguration/zastava',
    ]);
  });

  it('registers the webhook as SPEC §11 says: scope, rules, side effects, break glass', () => {
    const hook = webhook();
    expect(hook).toMatchObject({
      name: 'validate.zastava.stellaops.io',
      admissionReviewVersions: ['v1'],
      failurePolicy: 'Fail',
      sideEffects: 'NoneOnDryRun',
      timeoutSeconds: 10,
      matchPolicy: 'Equivalent',
      clientConfig: { service: { name: 'zastava', namespace: 'zastava', path: '/validate', port: 443 } },
    });
    expect(at(hook, 'namespaceSelector')).toEqual({
      matchExpressions: [
        { key: 'zastava.stellaops.io/enforce', operator: 'In', values: ['true'] },
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'zastava'] },
      ],
    });
    const rule = (apiGroup: string, operations: string[], resources: string[]) => ({
      apiGroups: [apiGroup],
      apiVersions: ['v1'],
      operations,
      resources,
      scope: 'Namespaced',
    });
    expect(at(hook, 'rules')).toEqual([
      rule('', ['CREATE', 'UPDATE'], ['pods']),
      rule('', ['UPDATE'], ['pods/ephemeralcontainers']),
      rule('apps', ['CREATE', 'UPDATE'], ['deployments', 'replicasets', 'statefulsets', 'daemonsets']),
      rule('batch', ['CREATE', 'UPDATE'], ['jobs', 'cronjobs']),
      rule('', ['CREATE', 'UPDATE'], ['replicationcontrollers']),
    ]);
    expect(at(hook, 'matchConditions')).toEqual([
      {
        name: 'not-break-glass',
        expression: '!request.userInfo.groups.exists(g, g in ["zastava:break-glass"])',
      },
    ]);
  });

  it('excludes the release namespace it is installed in, whatever it is called', async () => {
    const hook = webhook(await render({ namespace: 'security-tools', release: 'gate' }));
    expect(at(hook, 'namespaceSelector.matchExpressions.1.values')).toEqual([
      'kube-system',
      'security-tools',
    ]);
    expect(at(hook, 'clientConfig.service')).toMatchObject({
      name: 'gate-zastava',
      namespace: 'security-tools',
    });
  });

  it("generates a CA and a serving certificate for the Service's DNS names, and puts the CA in the caBundle", () => {
    const secret = findObject(objects, 'Secret', 'zastava-tls');
    const caBundle = fromBase64(atString(webhook(), 'clientConfig.caBundle'));
    expect(secret.type).toBe('kubernetes.io/tls');
    const cert = new X509Certificate(fromBase64(atString(secret, 'data[tls.crt]')));
    expect(subjectAltNames(cert)).toEqual([
      'DNS:zastava',
      'DNS:zastava.zastava',
      'DNS:zastava.zastava.svc',
      'DNS:zastava.zastava.svc.cluster.local',
    ]);
    expect(keyMatches(cert, fromBase64(atString(secret, 'data[tls.key]')))).toBe(true);
    expect(caBundle).toBe(fromBase64(atString(secret, 'data[ca.crt]')));
    expect(signedByBundle(cert, caBundle)).toBe(true);
    const notAfter = Date.parse(atString(secret, 'metadata.annotations[zastava.stellaops.io/not-after]'));
    expect(Math.abs(notAfter - Date.parse(cert.validTo))).toBeLessThan(120_000);
  });

  it('runs two hardened replicas: anti-affinity, non-root, read-only root, /tmp emptyDir, probes, requests', () => {
    const deployment = findObject(objects, 'Deployment');
    const pod = podSpec();
    const container = at(pod, 'containers.0');
    expect(at(deployment, 'spec.replicas')).toBe(2);
    expect(at(deployment, 'spec.strategy.rollingUpdate')).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const term = at(
      pod,
      'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.0.podAffinityTerm',
    );
    expect(at(term, 'topologyKey')).toBe('kubernetes.io/hostname');
    expect(at(term, 'labelSelector.matchLabels')).toEqual(at(deployment, 'spec.selector.matchLabels'));
    expect(at(pod, 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(container, 'securityContext')).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(at(container, 'resources.requests')).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(at(container, 'readinessProbe.httpGet')).toEqual({
      path: '/readyz',
      port: 'https',
      scheme: 'HTTPS',
    });
    expect(at(container, 'livenessProbe.httpGet')).toEqual({
      path: '/healthz',
      port: 'https',
      scheme: 'HTTPS',
    });
    // the old-space cap that keeps the webhook's RSS flat (values.yaml server.nodeOptions)
    expect(at(container, 'env')).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' });
    expect(at(pod, 'initContainers.0.env')).not.toContainEqual(
      expect.objectContaining({ name: 'NODE_OPTIONS' }),
    );
    expect(at(container, 'volumeMounts')).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(at(pod, 'volumes')).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
    expect(at(pod, 'volumes')).toContainEqual({
      name: 'tls',
      secret: { secretName: 'zastava-tls', defaultMode: 288 },
    });
    expect(at(container, 'args')).toEqual([
      'serve',
      '--listen=8443',
      '--tls-cert=/etc/zastava/tls/tls.crt',
      '--tls-key=/etc/zastava/tls/tls.key',
      '--kubeconfig=in-cluster',
      '--webhook-timeout=10',
      '--on-error=deny',
      '--no-baseline=allow',
      '--no-migrate',
      '--body-limit=32mb',
    ]);
  });

  it('reads DATABASE_URL from the Secret and migrates in an init container first', () => {
    const pod = podSpec();
    const databaseUrl = {
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'zastava-database', key: 'url' } },
    };
    expect(at(pod, 'containers.0.env')).toContainEqual(databaseUrl);
    expect(atList(pod, 'initContainers')).toHaveLength(1);
    expect(at(pod, 'initContainers.0')).toMatchObject({ name: 'migrate', args: ['db', 'migrate'] });
    expect(at(pod, 'initContainers.0.env')).toContainEqual(databaseUrl);
    expect(at(pod, 'initContainers.0.securityContext.readOnlyRootFilesystem')).toBe(true);
  });

  it('selects the webhook pods consistently from the Service and the PDB', () => {
    const deployment = findObject(objects, 'Deployment');
    const labels = at(deployment, 'spec.template.metadata.labels');
    const service = findObject(objects, 'Service');
    expect(labels).toMatchObject(at(service, 'spec.selector') as object);
    expect(at(findObject(objects, 'PodDisruptionBudget'), 'spec')).toEqual({
      minAvailable: 1,
      selector: at(deployment, 'spec.selector'),
    });
    expect(at(service, 'spec.ports')).toEqual([
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  it('grants only what the webhook reads: the policy CRDs, and `get` on Secrets and ServiceAccounts', () => {
    expect(findObject(objects, 'ClusterRole').rules).toEqual([
      {
        apiGroups: ['zastava.stellaops.io'],
        resources: ['facetpolicies', 'clusterfacetpolicies'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] },
    ]);
    expect(findObject(objects, 'ClusterRoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'zastava', namespace: 'zastava' },
    ]);
  });

  it('renders no PDB for a single replica (it would block every drain)', async () => {
    const single = await render({ set: ['replicaCount=1'] });
    expect(single.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });
});

describe('each ci/*.yaml', () => {
  const envOf = (objects: K8sObject[]) =>
    at(findObject(objects, 'Deployment'), 'spec.template.spec.containers.0.env');
  const secretRef = (name: string, key: string) => ({
    name: 'DATABASE_URL',
    valueFrom: { secretKeyRef: { name, key } },
  });

  it('generated-certs: a pre-install/pre-upgrade migration Job with its own hook copy of the URL', async () => {
    const objects = await render(ci('generated-certs'));
    const job = findObject(objects, 'Job', 'zastava-migrate');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '0',
    });
    const container = at(job, 'spec.template.spec.containers.0');
    expect(at(container, 'args')).toEqual(['db', 'migrate']);
    expect(at(container, 'env')).toContainEqual(secretRef('zastava-migrate-database', 'url'));
    expect(at(container, 'env')).toContainEqual({ name: 'ZASTAVA_DATABASE_SCHEMA', value: 'zastava' });
    expect(at(job, 'spec.template.spec.automountServiceAccountToken')).toBe(false);
    const hookSecret = findObject(objects, 'Secret', 'zastava-migrate-database');
    expect(hookSecret.metadata.annotations?.['helm.sh/hook-weight']).toBe('-10');
    expect(hookSecret.stringData).toEqual(findObject(objects, 'Secret', 'zastava-database').stringData);
    expect(at(findObject(objects, 'Deployment'), 'spec.template.spec.initContainers')).toBeUndefined();
    expect(envOf(objects)).toContainEqual({ name: 'ZASTAVA_TENANT', value: 'payments' });
  });

  it('cert-manager: a CA chain, the serving Certificate, and CA injection instead of a caBundle', async () => {
    const objects = await render(ci('cert-manager'));
    const certificate = findObject(objects, 'Certificate', 'zastava-tls');
    expect(at(certificate, 'spec.dnsNames')).toEqual([
      'zastava',
      'zastava.zastava',
      'zastava.zastava.svc',
      'zastava.zastava.svc.cluster.local',
    ]);
    expect(at(certificate, 'spec.issuerRef')).toEqual({
      group: 'cert-manager.io',
      kind: 'Issuer',
      name: 'zastava-ca',
    });
    expect(at(findObject(objects, 'Certificate', 'zastava-ca'), 'spec.isCA')).toBe(true);
    expect(at(findObject(objects, 'Issuer', 'zastava-ca'), 'spec.ca.secretName')).toBe('zastava-ca');
    const vwc = findObject(objects, 'ValidatingWebhookConfiguration');
    expect(vwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('zastava/zastava-tls');
    expect(at(vwc, 'webhooks.0.clientConfig.caBundle')).toBeUndefined();
    expect(at(findObject(objects, 'Deployment'), 'spec.template.spec.volumes')).toContainEqual({
      name: 'tls',
      secret: { secretName: at(certificate, 'spec.secretName'), defaultMode: 288 },
    });
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(envOf(objects)).toContainEqual(secretRef('zastava-postgres', 'DATABASE_URL'));
  });

  it("cert-manager-issuer: the organisation's ClusterIssuer, its cluster domain and full name", async () => {
    const objects = await render(ci('cert-manager-issuer'));
    expect(objects.some((o) => o.kind === 'Issuer')).toBe(false);
    const certificate = findObject(objects, 'Certificate', 'admission-zastava-tls');
    expect(at(certificate, 'spec.issuerRef')).toEqual({
      group: 'cert-manager.io',
      kind: 'ClusterIssuer',
      name: 'internal-ca',
    });
    expect(at(certificate, 'spec.dnsNames')).toContain('admission-zastava.zastava.svc.k8s.example.internal');
    const vwc = findObject(objects, 'ValidatingWebhookConfiguration');
    expect(vwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
      'zastava/admission-zastava-tls',
    );
  });

  it("existing-secret: the operator's TLS Secret, CA bundle, database Secrets and ServiceAccount; nothing created", async () => {
    const objects = await render(ci('existing-secret'));
    expect(objects.filter((o) => o.kind === 'Secret' || o.kind === 'ServiceAccount')).toEqual([]);
    const vwc = findObject(objects, 'ValidatingWebhookConfiguration');
    expect(fromBase64(atString(vwc, 'webhooks.0.clientConfig.caBundle'))).toMatch(
      /^-----BEGIN CERTIFICATE-----/,
    );
    const pod = at(findObject(objects, 'Deployment'), 'spec.template.spec');
    expect(at(pod, 'serviceAccountName')).toBe('zastava-webhook');
    expect(at(pod, 'imagePullSecrets')).toEqual([{ name: 'registry-credentials' }]);
    expect(at(pod, 'volumes')).toContainEqual({
      name: 'tls',
      secret: { secretName: 'zastava-serving-cert', defaultMode: 288 },
    });
    expect(at(pod, 'initContainers.0.env')).toContainEqual(secretRef('zastava-postgres-owner', 'url'));
    expect(at(pod, 'containers.0.env')).toContainEqual(secretRef('zastava-postgres', 'url'));
    expect(at(findObject(objects, 'ServiceMonitor'), 'spec.endpoints.0.tlsConfig')).toEqual({
      insecureSkipVerify: true,
    });
    expect(at(pod, 'containers.0.args')).toEqual(
      expect.arrayContaining([
        '--auth-public-key=/etc/zastava/api-keys/ci-2026.pem',
        '--auth-public-key=/etc/zastava/api-keys/ci-2027.jwk.json',
      ]),
    );
    expect(at(pod, 'volumes')).toContainEqual({ name: 'api-keys', configMap: { name: 'zastava-api-keys' } });
  });

  it('monitoring: a ServiceMonitor verifying with the webhook CA, a NetworkPolicy, the default policy', async () => {
    const objects = await render(ci('monitoring'));
    const monitor = findObject(objects, 'ServiceMonitor');
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(at(monitor, 'spec.endpoints')).toEqual([
      {
        port: 'https',
        path: '/metrics',
        scheme: 'https',
        interval: '15s',
        tlsConfig: {
          ca: { secret: { name: 'zastava-tls', key: 'ca.crt' } },
          serverName: 'zastava.zastava.svc',
        },
      },
    ]);
    const policy = findObject(objects, 'NetworkPolicy');
    expect(at(policy, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
    expect(at(policy, 'spec.ingress.0.ports')).toEqual([{ port: 'https', protocol: 'TCP' }]);
    expect(atList(policy, 'spec.ingress.0.from')).toHaveLength(2);
    const defaults = findObject(objects, 'ClusterFacetPolicy', 'zastava-default');
    expect(at(defaults, 'spec.imageRepositories')).toEqual(['**']);
    expect(at(defaults, 'spec.quotas.binary')).toEqual({ maxChurnPercent: 1, onExceed: 'RequireVex' });
    expect(at(findObject(objects, 'Deployment'), 'spec.template.spec.containers.0.args')).toEqual(
      expect.arrayContaining([
        '--no-baseline=deny',
        '--platform=linux/arm64',
        '--auth-issuer=https://token.actions.githubusercontent.com',
        '--auth-audience=zastava',
        '--auth-jwks-url=https://token.actions.githubusercontent.com/.well-known/jwks',
        '--allowed-tenant=payments',
      ]),
    );
    expect(envOf(objects)).toContainEqual({
      name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      value: 'http://otel-collector.observability.svc:4318',
    });
  });

  it('hardened: per-namespace pull-secret Roles, digest pin, required anti-affinity, no break glass', async () => {
    const objects = await render(ci('hardened'));
    expect(findObject(objects, 'ClusterRole').rules).toEqual([
      {
        apiGroups: ['zastava.stellaops.io'],
        resources: ['facetpolicies', 'clusterfacetpolicies'],
        verbs: ['get', 'list', 'watch'],
      },
    ]);
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['payments', 'storefront']);
    expect(roles[0]?.rules).toEqual([
      { apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] },
    ]);
    expect(objects.filter((o) => o.kind === 'RoleBinding')).toHaveLength(2);
    const pod = at(findObject(objects, 'Deployment'), 'spec.template.spec');
    expect(at(pod, 'containers.0.image')).toBe(
      'registry.example.com/platform/zastava@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    expect(
      atList(pod, 'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution'),
    ).toHaveLength(1);
    expect(at(pod, 'priorityClassName')).toBe('system-cluster-critical');
    expect(at(pod, 'initContainers')).toBeUndefined();
    expect(at(pod, 'containers.0.args')).not.toContain('--no-migrate');
    const hook = at(findObject(objects, 'ValidatingWebhookConfiguration'), 'webhooks.0');
    expect(at(hook, 'matchConditions')).toBeUndefined();
    expect(at(hook, 'failurePolicy')).toBe('Ignore');
    expect(atList(hook, 'rules').map((r) => at(r, 'resources'))).toEqual([
      ['pods'],
      ['pods/ephemeralcontainers'],
    ]);
    expect(at(hook, 'namespaceSelector.matchExpressions.1.values')).toEqual([
      'kube-system',
      'kube-public',
      'cert-manager',
      'zastava',
    ]);
    expect(objects.some((o) => o.kind === 'Job')).toBe(false);
  });
});
