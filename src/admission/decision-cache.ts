import { CacheInvalidation } from '../model/cache-invalidation.ts';
import { CacheCounters, type CacheStats } from './cache-stats.ts';
import type { ImageEvaluation } from './outcome.ts';
import type { DecisionCachePort, DecisionKey } from './ports.ts';

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

export interface DecisionCacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly now?: () => number;
}

export const DEFAULT_DECISION_CACHE: DecisionCacheOptions = { maxEntries: 10_000, ttlMs: 10 * 60_000 };

interface Entry {
  readonly key: DecisionKey;
  readonly value: ImageEvaluation;
  readonly expiresAt: number;
}

function keyString(key: DecisionKey): string {
  return `${key.tenant}\u0000${key.baselineDigest}\u0000${key.currentDigest}\u0000${key.policyVersion}`;
}

/** A least-recently-used map with a time to live: a Map keeps insertion order, so re-inserting on read
 * moves an entry to the young end and the first key is always the eviction candidate. */
export class DecisionCache implements DecisionCachePort {
  readonly #entries = new Map<string, Entry>();
  readonly #options: DecisionCacheOptions;
  readonly #now: () => number;
  readonly #counters = new CacheCounters();

  constructor(options: DecisionCacheOptions = DEFAULT_DECISION_CACHE) {
    if (!(options.maxEntries >= 1) || !(options.ttlMs > 0)) {
      throw new RangeError('decision cache: maxEntries must be ≥ 1 and ttlMs > 0');
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
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
    const id = keyString(key);
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#entries.delete(id);
      if (entry.expiresAt > this.#now()) {
        this.#entries.set(id, entry);
        this.#counters.hits += 1;
        return entry.value;
      }
    }
    this.#counters.misses += 1;
    return undefined;
  }

  set(key: DecisionKey, value: ImageEvaluation): void {
    const id = keyString(key);
    this.#entries.delete(id);
    this.#entries.set(id, { key, value, expiresAt: this.#now() + this.#options.ttlMs });
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#counters.evictions += 1;
    }
  }

  /**
   * The invalidation hook; returns how many entries were dropped. An approval (`baseline` with a
   * repository) drops nothing: the baseline digest is part of the key, so a new baseline is a new key.
   */
  invalidate(event: CacheInvalidation): number {
    if (event.kind === 'baseline' && event.repository !== undefined) return 0;
    const dropped = this.#drop(event);
    this.#counters.invalidated(event.kind, dropped);
    return dropped;
  }

  #drop(event: CacheInvalidation): number {
    if (event.kind === 'all') {
      const dropped = this.#entries.size;
      this.#entries.clear();
      return dropped;
    }
    let dropped = 0;
    for (const [id, entry] of this.#entries) {
      const match =
        entry.key.tenant === event.tenant &&
        (event.kind === 'baseline' || entry.key.currentDigest === event.imageDigest);
      if (match) {
        this.#entries.delete(id);
        dropped += 1;
      }
    }
    return dropped;
  }
}
