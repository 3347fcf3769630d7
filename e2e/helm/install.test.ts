import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApiServer } from './api-server.ts';
import { at, atString, CHART_DIR, findObject, parseObjects, type K8sObject } from './chart.ts';
import { fromBase64, signedByBundle, splitPem } from './pki.ts';

// `helm install` into a real kube-apiserver (e2e/cluster: etcd + kube-apiserver, no kubelet, no
// controllers). No webhook pod can run there, so the Service has no endpoints and every call the API
// server makes to the webhook fails; with failurePolicy Fail that is a denial naming the webhook. That
// makes the API server's own selection observable: which requests it sends, and which it never does.
const NS = 'zastava-system';
const RELEASE = 'zastava';
const WEBHOOK = 'validate.zastava.stellaops.io';
// The install must not wait for anything a kubelet would do: an init-container migration, no hooks.
const INSTALL_VALUES = ['--set', 'database.url=postgres://zastava:unused@postgres.invalid:5432/zastava'];

const { kubectl, kubectlOk, helm } = useApiServer(['helm']);
let installOutput = '';

const getJson = async (args: string[]): Promise<K8sObject> =>
  JSON.parse(await kubectlOk(['get', ...args, '-o', 'json'])) as K8sObject;
/** `helm upgrade --reuse-values`, with `--set` for each assignment. */
const upgrade = (...set: string[]) =>
  helm(['upgrade', RELEASE, CHART_DIR, '-n', NS, '--reuse-values', ...set.flatMap((a) => ['--set', a])]);
const tlsSecret = () => getJson(['-n', NS, 'secret', 'zastava-tls']);
const webhookConfig = () => getJson(['validatingwebhookconfiguration', 'zastava']);

function pod(name: string, image = 'registry.example/app:1'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'app', image }] },
  });
}

function deployment(name: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      },
    },
  });
}

async function namespace(name: string, enforce: boolean): Promise<void> {
  await kubectlOk(['create', 'namespace', name]);
  if (enforce) await kubectlOk(['label', 'namespace', name, 'zastava.stellaops.io/enforce=true']);
}

beforeAll(async () => {
  installOutput = await helm([
    'install',
    RELEASE,
    CHART_DIR,
    '--namespace',
    NS,
    '--create-namespace',
    ...INSTALL_VALUES,
  ]);
});

describe('helm install into a real API server', () => {
  it('succeeds, and NOTES.txt gives the break-glass procedure and the certificate expiry', async () => {
    expect(installOutput).toMatch(/STATUS: deployed/);
    expect(installOutput).toMatch(/BREAK GLASS/);
    expect(installOutput).toContain('--as-group=zastava:break-glass');
    expect(installOutput).toContain('kubectl delete validatingwebhookconfiguration zastava');
    expect(installOutput).toMatch(/valid until \d{4}-\d{2}-\d{2}T/);
    const status = JSON.parse(await helm(['status', RELEASE, '-n', NS, '-o', 'json'])) as {
      info: { status: string };
    };
    expect(status.info.status).toBe('deployed');
  });

  it('leaves in the cluster exactly the webhook configuration the chart rendered', async () => {
    const rendered = findObject(
      parseObjects(await helm(['get', 'manifest', RELEASE, '-n', NS])),
      'ValidatingWebhookConfiguration',
    );
    const live = await webhookConfig();
    // Every field the API server would default is rendered explicitly, so nothing is added or changed.
    expect(live.webhooks).toEqual(rendered.webhooks);
    expect(live.metadata.labels).toEqual(rendered.metadata.labels);
  });

  it('installs the CRDs, which accept a valid FacetPolicy and ClusterFacetPolicy', async () => {
    await kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/facetpolicies.zastava.stellaops.io',
      'crd/clusterfacetpolicies.zastava.stellaops.io',
    ]);
    await namespace('policies', false);
    const valid = {
      apiVersion: 'zastava.stellaops.io/v1alpha1',
      kind: 'FacetPolicy',
      metadata: { name: 'web', namespace: 'policies' },
      spec: {
        imageRepositories: ['registry.example.com/shop/web', 'registry.example.com/shop/web-*'],
        tenant: 'shop',
        noBaseline: 'deny',
        onError: 'deny',
        quotas: {
          'lang/node': { maxAddedFiles: 0, onExceed: 'Block' },
          config: { maxChurnPercent: 2.5, onExceed: 'RequireVex' },
        },
        facets: [
          {
            facetId: 'plugins',
            type: 'Custom',
            includeGlobs: ['/opt/web/plugins/**'],
            quota: { maxChangedFiles: 0 },
          },
        ],
      },
    };
    await kubectlOk(['apply', '-f', '-'], JSON.stringify(valid));
    const stored = await getJson(['-n', 'policies', 'facetpolicy', 'web']);
    expect(stored.spec).toEqual(valid.spec);
    const cluster = {
      apiVersion: 'zastava.stellaops.io/v1alpha1',
      kind: 'ClusterFacetPolicy',
      metadata: { name: 'everything' },
      spec: { imageRepositories: ['**'] },
    };
    await kubectlOk(['apply', '-f', '-'], JSON.stringify(cluster));
  });

  it('has the API server refuse invalid FacetPolicies, naming the field', async () => {
    const policy = (spec: unknown) =>
      JSON.stringify({
        apiVersion: 'zastava.stellaops.io/v1alpha1',
        kind: 'FacetPolicy',
        metadata: { name: 'bad', namespace: 'policies' },
        spec,
      });
    const cases: [unknown, RegExp][] = [
      [{ tenant: 'shop' }, /spec\.imageRepositories: Required value/],
      [{ imageRepositories: [] }, /spec\.imageRepositories: Invalid value: .*at least 1 item/],
      [
        { imageRepositories: ['a/*'], quotas: { os: { onExceed: 'Explode' } } },
        /spec\.quotas\.os\.onExceed: Unsupported value: "Explode"/,
      ],
      [
        { imageRepositories: ['a/*'], quotas: { os: { maxChurnPercent: 150 } } },
        /spec\.quotas\.os\.maxChurnPercent: Invalid value: 150.*less than or equal to 100/,
      ],
      [
        { imageRepositories: ['a/*'], quotas: { os: { maxChangedFiles: -1 } } },
        /maxChangedFiles: Invalid value: -1/,
      ],
      [
        {
          imageRepositories: ['a/*'],
          facets: [{ facetId: 'Bad ID', type: 'Custom', includeGlobs: ['/x/**'] }],
        },
        /spec\.facets\[0\]\.facetId: Invalid value: "Bad ID"/,
      ],
      // quotas keys: the CRD's CEL rule (FacetId), and at most 64 of them
      [
        { imageRepositories: ['a/*'], quotas: { 'Lang/Node': { maxChangedFiles: 1 } } },
        /spec\.quotas: Invalid value: .*quotas keys are facet ids/,
      ],
      [
        { imageRepositories: ['a/*'], quotas: { 'lang node': { onExceed: 'Block' } } },
        /spec\.quotas: Invalid value: .*quotas keys are facet ids/,
      ],
      [
        {
          imageRepositories: ['a/*'],
          quotas: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, {}])),
        },
        /spec\.quotas: Too many: 65: must have at most 64 items/,
      ],
      [{ imageRepositories: ['a/*'], noBaseline: 'maybe' }, /spec\.noBaseline: Unsupported value: "maybe"/],
      [{ imageRepositories: ['a/*'], onExceed: 'Block' }, /unknown field "spec\.onExceed"/],
    ];
    for (const [spec, message] of cases) {
      const result = await kubectl(['apply', '-f', '-'], policy(spec));
      expect(result.code, JSON.stringify(spec)).not.toBe(0);
      expect(result.stderr, JSON.stringify(spec)).toMatch(message);
    }
    expect((await kubectl(['-n', 'policies', 'get', 'facetpolicy', 'bad'])).code).not.toBe(0);
  });
});

describe('which requests the API server sends to the webhook (no webhook pod answers here)', () => {
  beforeAll(async () => {
    await namespace('enforced', true);
    await namespace('plain', false);
    await kubectlOk(['label', 'namespace', 'kube-system', 'zastava.stellaops.io/enforce=true']);
    await kubectlOk(['label', 'namespace', NS, 'zastava.stellaops.io/enforce=true']);
  });

  const denied = (result: { code: number; stderr: string }) =>
    result.code !== 0 && result.stderr.includes(WEBHOOK);

  it('sends a pod created in a labelled namespace (failurePolicy Fail: denied while nothing answers)', async () => {
    const result = await kubectl(['-n', 'enforced', 'apply', '-f', '-'], pod('p1'));
    expect(denied(result), result.stderr).toBe(true);
    expect(result.stderr).toMatch(/failed calling webhook/);
  });

  it('sends a Deployment (its pod template) and a server-side dry run too', async () => {
    expect(denied(await kubectl(['-n', 'enforced', 'apply', '-f', '-'], deployment('d1')))).toBe(true);
    expect(denied(await kubectl(['-n', 'enforced', 'apply', '--dry-run=server', '-f', '-'], pod('p2')))).toBe(
      true,
    );
  });

  it('never sends requests from an unlabelled namespace, kube-system or its own namespace', async () => {
    for (const ns of ['plain', 'kube-system', NS]) {
      const result = await kubectl(['-n', ns, 'apply', '-f', '-'], pod(`p-${ns}`));
      expect(result.code, `${ns}: ${result.stderr}`).toBe(0);
    }
  });

  it('skips members of the break-glass group (matchConditions, evaluated by the API server)', async () => {
    const asBreakGlass = ['--as=oncall', '--as-group=zastava:break-glass', '--as-group=system:masters'];
    const result = await kubectl([...asBreakGlass, '-n', 'enforced', 'apply', '-f', '-'], pod('glass'));
    expect(result.code, result.stderr).toBe(0);
    const notGlass = await kubectl(
      ['--as=dev', '--as-group=system:masters', '-n', 'enforced', 'apply', '-f', '-'],
      pod('no-glass'),
    );
    expect(denied(notGlass)).toBe(true);
  });

  it('never blocks a scale or a delete in an enforced namespace', async () => {
    await namespace('scaling', false);
    await kubectlOk(['-n', 'scaling', 'apply', '-f', '-'], deployment('web'));
    await kubectlOk(['label', 'namespace', 'scaling', 'zastava.stellaops.io/enforce=true']);
    expect(
      denied(
        await kubectl(['-n', 'scaling', 'set', 'image', 'deployment/web', 'app=registry.example/app:2']),
      ),
    ).toBe(true);
    await kubectlOk(['-n', 'scaling', 'scale', 'deployment/web', '--replicas=3']);
    await kubectlOk(['-n', 'scaling', 'delete', 'deployment/web', '--wait=false']);
  });

  it('is no longer called once its configuration is deleted (break glass by deletion)', async () => {
    const saved = await webhookConfig();
    await kubectlOk(['delete', 'validatingwebhookconfiguration', 'zastava']);
    const result = await kubectl(['-n', 'enforced', 'apply', '-f', '-'], pod('after-delete'));
    expect(result.code, result.stderr).toBe(0);
    // Restored the way NOTES.txt says: an upgrade re-creates it, identical.
    await upgrade();
    expect((await webhookConfig()).webhooks).toEqual(saved.webhooks);
  });
});

describe('certificates generated by the chart', () => {
  it('are reused by helm upgrade: same Secret, same caBundle', async () => {
    const before = await tlsSecret();
    const caBefore = atString(await webhookConfig(), 'webhooks.0.clientConfig.caBundle');
    await upgrade('webhook.timeoutSeconds=12');
    const after = await tlsSecret();
    expect(after.data).toEqual(before.data);
    expect(after.metadata.annotations?.['zastava.stellaops.io/not-after']).toBe(
      before.metadata.annotations?.['zastava.stellaops.io/not-after'],
    );
    const hook = at(await webhookConfig(), 'webhooks.0');
    expect(at(hook, 'timeoutSeconds')).toBe(12);
    expect(at(hook, 'clientConfig.caBundle')).toBe(caBefore);
  });

  it('are renewed within renewBeforeDays of expiry, both CAs trusted meanwhile', async () => {
    const before = await tlsSecret();
    const oldCert = new X509Certificate(fromBase64(atString(before, 'data[tls.crt]')));
    // 1095-day certificates: a renewal window of 2000 days makes this upgrade renew.
    await upgrade('tls.generate.renewBeforeDays=2000');
    const after = await tlsSecret();
    const newCert = new X509Certificate(fromBase64(atString(after, 'data[tls.crt]')));
    expect(newCert.fingerprint256).not.toBe(oldCert.fingerprint256);
    expect(at(after, 'data[ca-previous.crt]')).toBe(at(before, 'data[ca.crt]'));
    const bundle = fromBase64(atString(await webhookConfig(), 'webhooks.0.clientConfig.caBundle'));
    expect(splitPem(bundle)).toHaveLength(2);
    expect(signedByBundle(newCert, bundle)).toBe(true);
    expect(signedByBundle(oldCert, bundle)).toBe(true); // pods not yet reloaded stay trusted
    // Back to the normal window: the renewed certificate is reused from then on.
    await upgrade('tls.generate.renewBeforeDays=90');
    expect((await tlsSecret()).data).toEqual(after.data);
  });

  it('are renewed when the Service names change (another cluster domain)', async () => {
    const before = await tlsSecret();
    await upgrade('clusterDomain=cluster.example');
    const after = await tlsSecret();
    expect(at(after, 'data[tls.crt]')).not.toBe(at(before, 'data[tls.crt]'));
    expect(new X509Certificate(fromBase64(atString(after, 'data[tls.crt]'))).subjectAltName).toContain(
      'DNS:zastava.zastava-system.svc.cluster.example',
    );
  });
});

describe('helm uninstall', () => {
  it('removes the webhook configuration and RBAC, so nothing is left blocking admission; CRDs stay', async () => {
    await helm(['uninstall', RELEASE, '-n', NS, '--wait']);
    expect((await kubectl(['get', 'validatingwebhookconfiguration', 'zastava'])).code).not.toBe(0);
    expect((await kubectl(['get', 'clusterrole', 'zastava'])).code).not.toBe(0);
    const result = await kubectl(['-n', 'enforced', 'apply', '-f', '-'], pod('after-uninstall'));
    expect(result.code, result.stderr).toBe(0);
    expect((await kubectl(['get', 'crd', 'facetpolicies.zastava.stellaops.io'])).code).toBe(0);
  });
});
