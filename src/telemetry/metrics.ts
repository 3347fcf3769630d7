import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The seed's metrics (seed §8.1, SPEC §13): exactly these names, types and labels, on an injected
 * registry (never prom-client's global one, so tests and several servers in one process do not clash).
 *
 * Label values: `decision` is a facet's decision (`Pass`, `Warn`, `RequireVex`, `Block`,
 * `VexAcknowledged`) or an image-level one (`NoBaseline`, `Error`, and `Pass` for the baseline image
 * itself) with `facet_id="*"`; `image` is `registry/repository`, never a tag or digest, to bound
 * cardinality; `status` of a seal is `ok` or `error`.
 */
export interface FacetMetrics {
  readonly registry: Registry;
  readonly sealTotal: Counter<'tenant' | 'facet_type' | 'status'>;
  readonly sealDuration: Histogram<'facet_type'>;
  readonly driftScore: Gauge<'tenant' | 'facet_id' | 'image'>;
  readonly quotaViolations: Counter<'tenant' | 'facet_id' | 'quota_field'>;
  readonly admissionDecisions: Counter<'tenant' | 'decision' | 'facet_id'>;
}

export interface MetricsOptions {
  /** Node process metrics of prom-client (CPU, memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

export function createMetrics(
  registry: Registry = new Registry(),
  options: MetricsOptions = {},
): FacetMetrics {
  const registers = [registry];
  const metrics: FacetMetrics = {
    registry,
    sealTotal: new Counter({
      name: 'facet_seal_total',
      help: 'Total seals created',
      labelNames: ['tenant', 'facet_type', 'status'],
      registers,
    }),
    sealDuration: new Histogram({
      name: 'facet_seal_duration_seconds',
      help: 'Time to create seal',
      labelNames: ['facet_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    driftScore: new Gauge({
      name: 'facet_drift_score',
      help: 'Current drift score',
      labelNames: ['tenant', 'facet_id', 'image'],
      registers,
    }),
    quotaViolations: new Counter({
      name: 'facet_quota_violations_total',
      help: 'Quota violations',
      labelNames: ['tenant', 'facet_id', 'quota_field'],
      registers,
    }),
    admissionDecisions: new Counter({
      name: 'facet_admission_decisions_total',
      help: 'Admission decisions',
      labelNames: ['tenant', 'decision', 'facet_id'],
      registers,
    }),
  };
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return metrics;
}
