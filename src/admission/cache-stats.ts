import type { CacheInvalidation } from '../model/cache-invalidation.ts';

/** How a cache lookup was answered: from memory, by a load (absent or expired), or bypassed (inactive). */
export type CacheLookupResult = 'hit' | 'miss' | 'bypass';

/**
 * What a webhook cache has done since it was created, all monotonic (read at each scrape by
 * src/admission/wiring/cache-metrics.ts). `invalidations` counts the events the cache acted on, by kind
 * (events outside its scope, e.g. VEX for the approval cache, are not counted); `invalidatedEntries` the
 * entries they dropped; `evictions` the entries dropped for the size bound.
 */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly bypasses: number;
  readonly evictions: number;
  readonly invalidations: Readonly<Record<CacheInvalidation['kind'], number>>;
  readonly invalidatedEntries: number;
}

/** The mutable counters behind {@link CacheStats}; plain fields, no I/O (the caches stay pure). */
export class CacheCounters {
  hits = 0;
  misses = 0;
  bypasses = 0;
  evictions = 0;
  invalidatedEntries = 0;
  readonly #invalidations: Record<CacheInvalidation['kind'], number> = { all: 0, baseline: 0, vex: 0 };

  invalidated(kind: CacheInvalidation['kind'], dropped: number): void {
    this.#invalidations[kind] += 1;
    this.invalidatedEntries += dropped;
  }

  snapshot(): CacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      bypasses: this.bypasses,
      evictions: this.evictions,
      invalidations: { ...this.#invalidations },
      invalidatedEntries: this.invalidatedEntries,
    };
  }
}
