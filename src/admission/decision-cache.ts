import { CacheInvalidation } from '../model/cache-invalidation.ts';
import { CacheCounters, type CacheStats } from './cache-stats.ts';
import type { ImageEvaluation } from './outcome.ts';
import type { DecisionCachePort, DecisionKey } from './ports.ts';
import { TtlLru, type TtlLruOptions } from './ttl-lru.ts';

/**
 * Verdicts keyed by (tenant, baseline digest, current digest, policy version): digests, never tags
 * (NOTES.md complaint 9). A new baseline or policy changes the key by itself; a submitted VEX changes
 * the verdict of the same key, so it must invalidate: across replicas the store relays each change as a
 * PostgreSQL NOTIFY on `DECISION_CACHE_CHANNEL` whose payload `parseCacheInvalidation` reads. The TTL
 * bounds what a lost notification can leave stale.
 */
export { CacheInvalidation, DECISION_CACHE_CHANNEL } from '../model/cache-invalidation.ts';

/** A NOTIFY payload; anything unreadable invalidates everything (safe, and only costs recomputation). */
export function parseCacheInvalidation(payload: string): CacheInvalidation {
  try {
    const parsed = CacheInvalidation.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : { kind: 'all' };
  } catch {
    return { kind: 'all' };
  }
}

export type DecisionCacheOptions = TtlLruOptions;

export const DEFAULT_DECISION_CACHE: DecisionCacheOptions = { maxEntries: 10_000, ttlMs: 10 * 60_000 };

function keyString(key: DecisionKey): string {
  return `${key.tenant}\u0000${key.baselineDigest}\u0000${key.currentDigest}\u0000${key.policyVersion}`;
}

/** Verdicts in a least-recently-used map with a time to live (ttl-lru.ts). */
export class DecisionCache implements DecisionCachePort {
  readonly #counters = new CacheCounters();
  readonly #entries: TtlLru<{ readonly key: DecisionKey; readonly value: ImageEvaluation }>;

  constructor(options: DecisionCacheOptions = DEFAULT_DECISION_CACHE) {
    this.#entries = new TtlLru('decision cache', options, this.#counters);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Gets answered from memory (`hits`) or not (`misses`, expired entries included; never `bypasses`);
   * invalidation events acted on (an approval naming its repository is not one).
   */
  get stats(): CacheStats {
    return this.#counters.snapshot();
  }

  get(key: DecisionKey): ImageEvaluation | undefined {
    return this.#entries.get(keyString(key))?.value;
  }

  set(key: DecisionKey, value: ImageEvaluation): void {
    this.#entries.set(keyString(key), { key, value });
  }

  /**
   * The invalidation hook; returns how many entries were dropped. An approval (`baseline` with a
   * repository) drops nothing: the baseline digest is part of the key, so a new baseline is a new key.
   */
  invalidate(event: CacheInvalidation): number {
    if (event.kind === 'baseline' && event.repository !== undefined) return 0;
    const dropped =
      event.kind === 'all'
        ? this.#entries.clear()
        : this.#entries.deleteWhere(
            ({ key }) =>
              key.tenant === event.tenant &&
              (event.kind === 'baseline' || key.currentDigest === event.imageDigest),
          );
    this.#counters.invalidated(event.kind, dropped);
    return dropped;
  }
}
