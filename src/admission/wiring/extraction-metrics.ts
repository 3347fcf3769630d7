import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How one extraction on a miss ended (the `outcome` label, and the log line's field). */
export type ExtractionOutcome =
  /** Read, sealed with the server key and (unless a dry run) stored. */
  | 'extracted'
  /** The seals were stored meanwhile (another replica, or CI), found after the advisory lock. */
  | 'found'
  /** An image, registry, store or signing error. */
  | 'failed'
  /** Given up: every request left (a dry run), the background limit passed, or the server stopped. */
  | 'aborted'
  /** Not started: the queue was full, or the tenant does not trust the server key. */
  | 'refused'
  /** Not started: the last extraction of the digest failed and its backoff has not passed. */
  | 'backoff';

/**
 * The webhook's own extraction metrics, beside the seed's (which keep their exact names): how many
 * extractions on a miss ran and how they ended, how long they took, and how many run or wait now.
 */
export interface ExtractionMetrics {
  readonly total: Counter<'tenant' | 'outcome'>;
  readonly duration: Histogram<'outcome'>;
  readonly current: Gauge<'state'>;
}

/** `now`: read at each scrape for the gauge. */
export function createExtractionMetrics(
  registry: Registry,
  now: () => { readonly running: number; readonly queued: number },
): ExtractionMetrics {
  const registers = [registry];
  return {
    total: new Counter({
      name: 'zastava_webhook_extractions_total',
      help: 'Extractions of unsealed images in the webhook, by outcome',
      labelNames: ['tenant', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'zastava_webhook_extraction_duration_seconds',
      help: 'Time from queueing an extraction in the webhook to its end (slot, lock, read, seal, store)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    current: new Gauge({
      name: 'zastava_webhook_extractions',
      help: 'Extractions in the webhook now running or waiting for a slot',
      labelNames: ['state'],
      registers,
      collect() {
        const { running, queued } = now();
        this.set({ state: 'running' }, running);
        this.set({ state: 'queued' }, queued);
      },
    }),
  };
}
