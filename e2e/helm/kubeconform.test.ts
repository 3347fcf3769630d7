import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApiServer } from './api-server.ts';
import { ciValueFiles, parseObjects, run, runOk, templateArgs } from './chart.ts';
import { SCHEMA_LOCATION_TEMPLATE } from './kube-schemas.ts';
import { CHART_CRD_FILES, writeSchemas } from './schemas-dir.ts';
import { thirdPartyCrdFiles } from './third-party-crds.ts';
import { stringify } from 'yaml';

// Every rendering (default values and each ci/*.yaml, CRDs included) is checked twice:
//  1. kubeconform -strict, offline: the built-in kinds' schemas come from this API server's own
//     /openapi/v2 (kubeconform would otherwise download them), the CRD kinds' from the chart's CRDs and
//     cert-manager's and prometheus-operator's (Go modules). No kind is skipped: a missing schema fails.
//  2. `kubectl apply --dry-run=server` against the real API server with those CRDs installed: it also
//     compiles the matchConditions CEL and applies strict field validation.
const api = useApiServer(['helm', 'kubeconform']);
const { kubectl } = api;
let schemas = '';
const renderings: { name: string; args: string[] }[] = [];

beforeAll(async () => {
  schemas = await mkdtemp(join(tmpdir(), 'zastava-kubeconform-'));
  await writeSchemas(schemas, await api.kubectlOk(['get', '--raw', '/openapi/v2']));
  renderings.push({ name: 'default values', args: templateArgs({ includeCrds: true }) });
  for (const file of await ciValueFiles()) {
    renderings.push({ name: basename(file), args: templateArgs({ includeCrds: true, valuesFiles: [file] }) });
  }
});

afterAll(async () => {
  if (schemas !== '') await rm(schemas, { recursive: true, force: true });
});

async function kubeconform(
  manifests: string,
): Promise<{ code: number; summary: Record<string, number>; out: string }> {
  const result = await run(
    api.tools.bin.kubeconform,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      join(schemas, SCHEMA_LOCATION_TEMPLATE),
      '-',
    ],
    { input: manifests },
  );
  const report = JSON.parse(result.stdout) as { summary: Record<string, number> };
  return { code: result.code, summary: report.summary, out: result.stdout + result.stderr };
}

describe('kubeconform -strict with schemas from the API server and the CRDs', () => {
  it('accepts every rendering, every object validated, none skipped', async () => {
    expect(renderings.length).toBeGreaterThanOrEqual(7);
    for (const { name, args } of renderings) {
      const manifests = await runOk(api.tools.bin.helm, args);
      const objects = parseObjects(manifests).length;
      const { code, summary, out } = await kubeconform(manifests);
      expect(code, `${name}:\n${out}`).toBe(0);
      expect(summary, name).toMatchObject({ valid: objects, invalid: 0, errors: 0, skipped: 0 });
    }
  });

  it('refuses an unknown field and a wrong type: the schemas are strict (negative control)', async () => {
    const text = await runOk(api.tools.bin.helm, templateArgs());
    const objects = parseObjects(text);
    const only = (kind: string) => stringify(objects.find((o) => o.kind === kind));
    // An unknown field in a Deployment's probe, and a string where the webhook wants an integer.
    const broken = [
      only('Deployment').replace(/^( +)path: \/readyz$/m, '$1pathh: /readyz'),
      only('ValidatingWebhookConfiguration').replace(/timeoutSeconds: 10/, 'timeoutSeconds: ten'),
    ].join('---\n');
    expect(broken).toMatch(/pathh: \/readyz/);
    const { code, summary } = await kubeconform(broken);
    expect(code).not.toBe(0);
    expect(summary).toMatchObject({ invalid: 2 });
  });

  it("refuses a policy the CRD's schema refuses: the chart's CRDs are in the schemas (negative control)", async () => {
    const manifests = await runOk(
      api.tools.bin.helm,
      templateArgs({ set: ['defaultPolicy.enabled=true', 'defaultPolicy.quotas.os.onExceed=Explode'] }),
    );
    const { code, summary, out } = await kubeconform(manifests);
    expect(code).not.toBe(0);
    expect(summary).toMatchObject({ invalid: 1 });
    expect(out).toMatch(/ClusterFacetPolicy/);
  });
});

describe('the real API server', () => {
  beforeAll(async () => {
    for (const file of [...CHART_CRD_FILES, ...(await thirdPartyCrdFiles())]) {
      const applied = await kubectl(['apply', '--server-side', '-f', file]);
      if (applied.code !== 0) throw new Error(`installing ${file}: ${applied.stderr}`);
    }
    const established = await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd',
      '--all',
    ]);
    if (established.code !== 0) throw new Error(established.stderr);
    for (const ns of ['zastava', 'payments', 'storefront']) await kubectl(['create', 'namespace', ns]);
  }, 300_000);

  it('accepts every rendering in a server-side dry run (strict field validation, CEL compiled)', async () => {
    for (const { name, args } of renderings) {
      const manifests = await runOk(api.tools.bin.helm, args);
      const result = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], manifests);
      expect(result.code, `${name}:\n${result.stderr}`).toBe(0);
    }
  });

  it('refuses a break-glass condition that is not valid CEL (negative control)', async () => {
    const manifests = await runOk(api.tools.bin.helm, templateArgs());
    const broken = manifests.replace('groups.exists(g, g in', 'groups.exists(g g in');
    expect(broken).not.toBe(manifests);
    const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], broken);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/matchConditions\[0\]\.expression: Invalid value/);
  });
});
