import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTools } from '../tools/paths.ts';
import { at, atList, ciValueFiles, findObject, parseObjects, run, runOk, templateArgs } from './chart.ts';

// Extraction on a miss in the chart (docs/operators.md): the seal key Secret and the facets ConfigMap
// mounted read-only and passed to `stella serve`, nothing of it without a Secret.
let helm = '';
let ciFiles: string[] = [];

const deploymentSpec = async (args: string[]) =>
  at(findObject(parseObjects(await runOk(helm, args)), 'Deployment'), 'spec.template.spec');

beforeAll(async () => {
  helm = (await ensureTools(['helm'], { build: true })).bin.helm;
  ciFiles = await ciValueFiles();
}, 3_600_000);

describe('chart: extraction on a miss', () => {
  it('is off by default: no seal key argument, volume or mount', async () => {
    const pod = await deploymentSpec(templateArgs());
    const args = atList(pod, 'containers.0.args').map(String);
    expect(args.filter((a) => /--seal-key|--extract-|--facets/.test(a))).toEqual([]);
    expect(atList(pod, 'volumes').map((v) => (v as { name: string }).name)).not.toContain('seal-key');
  });

  it("mounts the operator's seal key Secret and facets ConfigMap and passes the limits", async () => {
    const file = ciFiles.find((f) => basename(f) === 'existing-secret-values.yaml')!;
    const pod = await deploymentSpec(templateArgs({ valuesFiles: [file] }));
    expect(atList(pod, 'containers.0.args')).toEqual(
      expect.arrayContaining([
        '--seal-key=/etc/zastava/seal-key/webhook-seal.pem',
        '--extract-concurrency=2',
        '--extract-queue=8',
        '--extract-timeout=120',
        // Not set in that file: the chart's defaults (30 s, doubled per failure up to 15 min).
        '--extract-backoff=30',
        '--extract-backoff-max=900',
        '--facets=/etc/zastava/facets/facets.yaml',
      ]),
    );
    expect(atList(pod, 'volumes')).toEqual(
      expect.arrayContaining([
        { name: 'seal-key', secret: { secretName: 'zastava-seal-key', defaultMode: 288 } },
        { name: 'facets', configMap: { name: 'zastava-facets' } },
      ]),
    );
    expect(atList(pod, 'containers.0.volumeMounts')).toEqual(
      expect.arrayContaining([
        { name: 'seal-key', mountPath: '/etc/zastava/seal-key', readOnly: true },
        { name: 'facets', mountPath: '/etc/zastava/facets', readOnly: true },
      ]),
    );
  });

  it('passes the backoff values extraction.backoffSeconds / backoffMaxSeconds, 0 included', async () => {
    const file = ciFiles.find((f) => basename(f) === 'existing-secret-values.yaml')!;
    for (const [base, max] of [
      [120, 3600],
      [0, 60],
    ]) {
      const pod = await deploymentSpec(
        templateArgs({
          valuesFiles: [file],
          set: [`extraction.backoffSeconds=${base}`, `extraction.backoffMaxSeconds=${max}`],
        }),
      );
      const backoff = atList(pod, 'containers.0.args')
        .map(String)
        .filter((a) => a.startsWith('--extract-backoff'));
      expect(backoff).toEqual([`--extract-backoff=${base}`, `--extract-backoff-max=${max}`]);
    }
  });

  it('refuses a longest backoff below the first, naming both values', async () => {
    const file = ciFiles.find((f) => basename(f) === 'existing-secret-values.yaml')!;
    const result = await run(
      helm,
      templateArgs({
        valuesFiles: [file],
        set: ['extraction.backoffSeconds=120', 'extraction.backoffMaxSeconds=60'],
      }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /extraction.backoffMaxSeconds \(60\) is below extraction.backoffSeconds \(120\)/,
    );
    // Equal is allowed: a constant backoff.
    const equal = await run(
      helm,
      templateArgs({
        valuesFiles: [file],
        set: ['extraction.backoffSeconds=60', 'extraction.backoffMaxSeconds=60'],
      }),
    );
    expect(equal.code, equal.stderr).toBe(0);
  });

  it('refuses limits out of range through the values schema', async () => {
    for (const set of [
      'extraction.concurrency=0',
      'extraction.timeoutSeconds=7200',
      'extraction.backoffSeconds=-1',
      'extraction.backoffSeconds=3601',
      'extraction.backoffMaxSeconds=0',
      'extraction.backoffMaxSeconds=86401',
      'extraction.sealKeySecret=Bad_Name',
    ]) {
      const result = await run(helm, templateArgs({ set: [set] }));
      expect(result.code, set).not.toBe(0);
      expect(result.stderr, set).toMatch(/extraction/);
    }
  });
});
