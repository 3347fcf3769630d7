import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheLookupResult, CacheStats } from '../cache-stats.ts';
import type { CacheInvalidation } from '../decision-cache.ts';

/** The `cache` label: the verdict cache (src/admission/decision-cache.ts) or the approval cache. */
export type CacheName = 'decision' | 'baseline';

/** A cache as the metrics read it, at each scrape. */
export interface CacheSource {
  readonly stats: CacheStats;
  readonly size: number;
}

export interface CacheMetricsSources {
  readonly decision: CacheSource;
  /** The approval cache; absent with PGlite (no LISTEN, no cache): its series are not exported. */
  readonly baseline?: CacheSource | undefined;
  /** Whether LISTEN is live; absent with PGlite (no listener): not exported. */
  readonly listening?: (() => boolean) | undefined;
}

/** The label values each cache can produce; every one is exported from the start (at 0). */
const RESULTS: Record<CacheName, readonly CacheLookupResult[]> = {
  decision: ['hit', 'miss'],
  baseline: ['hit', 'miss', 'bypass'],
};
const KINDS: Record<CacheName, readonly CacheInvalidation['kind'][]> = {
  decision: ['all', 'baseline', 'vex'],
  baseline: ['all', 'baseline'],
};

const LOOKUPS: Record<CacheLookupResult, (s: CacheStats) => number> = {
  hit: (s) => s.hits,
  miss: (s) => s.misses,
  bypass: (s) => s.bypasses,
};

/**
 * The webhook's cache metrics, beside its extraction metrics (./extraction-metrics.ts). The caches count
 * (src/admission/cache-stats.ts, no I/O on the hot path); each scrape copies their totals into these
 * counters, so the counters are exactly the caches' own figures. Labels are bounded: `cache` is
 * `decision` or `baseline`, `result` `hit`, `miss` or `bypass` (the approval cache while LISTEN is down),
 * `kind` the invalidation event's (`all`: an unreadable payload, or the LISTEN connection lost or
 * (re)established).
 */
export function registerCacheMetrics(registry: Registry, sources: CacheMetricsSources): void {
  const registers = [registry];
  const caches: Array<[CacheName, CacheSource]> = [['decision', sources.decision]];
  if (sources.baseline !== undefined) caches.push(['baseline', sources.baseline]);
  /** Sets `counter` to the caches' current totals (monotonic, so a valid counter). */
  const copy = <L extends string>(
    counter: Counter<L>,
    read: (name: CacheName, stats: CacheStats) => Array<[Partial<Record<L, string>>, number]>,
  ) => {
    counter.reset();
    for (const [name, source] of caches) {
      const stats = source.stats;
      for (const [labels, value] of read(name, stats)) counter.inc({ cache: name, ...labels }, value);
    }
  };
  new Counter({
    name: 'zastava_webhook_cache_lookups_total',
    help: 'Lookups in the webhook caches (decision: verdicts; baseline: approvals), by result',
    labelNames: ['cache', 'result'],
    registers,
    collect() {
      copy(this, (name, stats) => RESULTS[name].map((result) => [{ result }, LOOKUPS[result](stats)]));
    },
  });
  new Counter({
    name: 'zastava_webhook_cache_invalidations_total',
    help: 'Invalidation events (NOTIFY, LISTEN lost or established) acted on by the webhook caches, by kind',
    labelNames: ['cache', 'kind'],
    registers,
    collect() {
      copy(this, (name, stats) => KINDS[name].map((kind) => [{ kind }, stats.invalidations[kind]]));
    },
  });
  new Counter({
    name: 'zastava_webhook_cache_invalidated_entries_total',
    help: 'Entries dropped from the webhook caches by invalidation events',
    labelNames: ['cache'],
    registers,
    collect() {
      copy(this, (_name, stats) => [[{}, stats.invalidatedEntries]]);
    },
  });
  new Counter({
    name: 'zastava_webhook_cache_evictions_total',
    help: 'Entries dropped from the webhook caches for their size bound (least recently used first)',
    labelNames: ['cache'],
    registers,
    collect() {
      copy(this, (_name, stats) => [[{}, stats.evictions]]);
    },
  });
  new Gauge({
    name: 'zastava_webhook_cache_entries',
    help: 'Entries in the webhook caches now (expired ones included until read or evicted)',
    labelNames: ['cache'],
    registers,
    collect() {
      for (const [name, source] of caches) this.set({ cache: name }, source.size);
    },
  });
  const listening = sources.listening;
  if (listening !== undefined) {
    new Gauge({
      name: 'zastava_webhook_cache_listener_up',
      help: '1 while the webhook LISTENs for cache invalidations (approval cache in use), 0 while bypassed',
      registers,
      collect() {
        this.set(listening() ? 1 : 0);
      },
    });
  }
}
