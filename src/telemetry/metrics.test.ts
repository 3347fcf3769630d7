import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

describe('createMetrics', () => {
  it('registers exactly the seed metrics, with their types and labels, on the given registry', async () => {
    const registry = new Registry();
    createMetrics(registry, { processMetrics: false });
    const metrics = await registry.getMetricsAsJSON();
    const shape = Object.fromEntries(metrics.map((m) => [m.name, m.type]));
    expect(shape).toEqual({
      facet_seal_total: 'counter',
      facet_seal_duration_seconds: 'histogram',
      facet_drift_score: 'gauge',
      facet_quota_violations_total: 'counter',
      facet_admission_decisions_total: 'counter',
    });
  });

  it('uses the seed label names', async () => {
    const m = createMetrics(new Registry(), { processMetrics: false });
    m.sealTotal.inc({ tenant: 't', facet_type: 'OS', status: 'ok' });
    m.sealDuration.observe({ facet_type: 'OS' }, 0.2);
    m.driftScore.set({ tenant: 't', facet_id: 'os', image: 'docker.io/library/nginx' }, 12.5);
    m.quotaViolations.inc({ tenant: 't', facet_id: 'os', quota_field: 'MaxChangedFiles' });
    m.admissionDecisions.inc({ tenant: 't', decision: 'Block', facet_id: 'os' });
    const text = await m.registry.metrics();
    expect(text).toContain('facet_seal_total{tenant="t",facet_type="OS",status="ok"} 1');
    expect(text).toContain('facet_seal_duration_seconds_bucket{le="0.25",facet_type="OS"} 1');
    expect(text).toContain(
      'facet_drift_score{tenant="t",facet_id="os",image="docker.io/library/nginx"} 12.5',
    );
    expect(text).toContain(
      'facet_quota_violations_total{tenant="t",facet_id="os",quota_field="MaxChangedFiles"} 1',
    );
    expect(text).toContain('facet_admission_decisions_total{tenant="t",decision="Block",facet_id="os"} 1');
  });

  it('adds the Node process metrics by default, never on the global registry', async () => {
    const m = createMetrics();
    expect(await m.registry.metrics()).toContain('process_cpu_user_seconds_total');
    const { register } = await import('prom-client');
    expect(register.getSingleMetric('facet_seal_total')).toBeUndefined();
  });

  it('lets two servers in one process have their own registries', () => {
    expect(() => {
      createMetrics(new Registry(), { processMetrics: false });
      createMetrics(new Registry(), { processMetrics: false });
    }).not.toThrow();
  });
});
