import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../telemetry/metrics.ts';
import { decideAdmission } from './decide.ts';
import { admissionLogLines, observeAdmission } from './observe.ts';
import { DEFAULTS, drift, fakePorts, podRequest } from './test-ports.ts';

describe('observeAdmission', () => {
  it('counts decisions per facet, violations per field, and sets the drift score per repository', async () => {
    const { ports } = fakePorts([drift('binary', 'Block'), drift('os', 'Pass')]);
    const outcome = await decideAdmission(
      podRequest(['registry.example/app:v2']),
      { deadline: 2_000_000, defaults: DEFAULTS },
      ports,
    );
    const metrics = createMetrics(new Registry(), { processMetrics: false });
    observeAdmission(metrics, outcome);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'facet_admission_decisions_total{tenant="acme",decision="Block",facet_id="binary"} 1',
    );
    expect(text).toContain('facet_admission_decisions_total{tenant="acme",decision="Pass",facet_id="os"} 1');
    expect(text).toContain(
      'facet_quota_violations_total{tenant="acme",facet_id="binary",quota_field="MaxChangedFiles"} 1',
    );
    expect(text).toContain(
      'facet_drift_score{tenant="acme",facet_id="binary",image="registry.example/app"} 12.5',
    );
  });

  it('counts image-level outcomes with facet_id "*"', async () => {
    const { ports } = fakePorts([], { latestApprovedBaseline: () => Promise.resolve(null) });
    const outcome = await decideAdmission(
      podRequest(['a:1']),
      { deadline: 2_000_000, defaults: DEFAULTS },
      ports,
    );
    const metrics = createMetrics(new Registry(), { processMetrics: false });
    observeAdmission(metrics, outcome);
    expect(await metrics.registry.metrics()).toContain(
      'facet_admission_decisions_total{tenant="acme",decision="NoBaseline",facet_id="*"} 1',
    );
  });

  it('gives log lines with the seed fields', async () => {
    const { ports } = fakePorts([drift('binary', 'Warn')]);
    const outcome = await decideAdmission(
      podRequest(['registry.example/app:v2']),
      { deadline: 2_000_000, defaults: DEFAULTS },
      ports,
    );
    const lines = admissionLogLines(outcome);
    expect(Object.keys(lines[0]?.fields ?? {})).toEqual(
      expect.arrayContaining([
        'facetId',
        'imageRef',
        'imageDigest',
        'merkleRoot',
        'driftScore',
        'quotaVerdict',
      ]),
    );
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'admission: allowed' });
  });
});
