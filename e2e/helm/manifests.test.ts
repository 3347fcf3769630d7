import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTools } from '../tools/paths.ts';
import { at, ROOT, parseObjects, run } from './chart.ts';

// manifests/ is rendered from the chart (scripts/render-manifests.sh): one source. This fails when the
// committed files and a fresh render differ, so a chart change without a re-render cannot land.
const SCRIPT = join(ROOT, 'scripts', 'render-manifests.sh');
const MANIFESTS = join(ROOT, 'manifests');
let env: NodeJS.ProcessEnv = process.env;

beforeAll(async () => {
  const tools = await ensureTools(['helm'], { build: true });
  env = { ...process.env, HELM_BIN: tools.bin.helm };
}, 3_600_000);

describe('manifests/', () => {
  it('equals a fresh render of the chart', async () => {
    const result = await run('bash', [SCRIPT, '--check'], { env });
    expect(result.code, result.stderr).toBe(0);
  });

  it('is reported stale when a file differs from the render (the check can fail)', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'zastava-manifests-'));
    try {
      await cp(MANIFESTS, copy, { recursive: true });
      const file = join(copy, 'zastava-cert-manager.yaml');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace('timeoutSeconds: 10', 'timeoutSeconds: 11'),
      );
      const result = await run('bash', [SCRIPT, '--check', copy], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/zastava-cert-manager\.yaml differs from a fresh render/);
      expect(result.stderr).toMatch(/^\+ {4}timeoutSeconds: 10$/m);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('holds the CRDs and both install variants, with the migration in an init container (no Helm hooks)', async () => {
    const crds = parseObjects(await readFile(join(MANIFESTS, 'crds.yaml'), 'utf8'));
    expect(crds.map((o) => o.metadata.name).sort()).toEqual([
      'clusterfacetpolicies.zastava.stellaops.io',
      'facetpolicies.zastava.stellaops.io',
    ]);
    for (const name of ['zastava-cert-manager.yaml', 'zastava-own-ca.yaml']) {
      const objects = parseObjects(await readFile(join(MANIFESTS, name), 'utf8'));
      expect(
        objects.filter((o) => o.metadata.annotations?.['helm.sh/hook'] !== undefined),
        name,
      ).toEqual([]);
      const deployment = objects.find((o) => o.kind === 'Deployment')!;
      expect(at(deployment, 'spec.template.spec.initContainers.0.args'), name).toEqual(['db', 'migrate']);
    }
    const ownCa = await readFile(join(MANIFESTS, 'zastava-own-ca.yaml'), 'utf8');
    expect(ownCa).toMatch(/caBundle: CA_BUNDLE_BASE64$/m);
    expect(ownCa).toContain('certs/make-certs.sh --service zastava --namespace zastava');
  });
});
