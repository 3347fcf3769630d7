import type { CacheCounters } from './cache-stats.ts';

/** Bounds of a webhook cache. */
export interface TtlLruOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly now?: () => number;
}

/**
 * A least-recently-used map with a time to live, the store of both webhook caches: a Map keeps insertion
 * order, so re-inserting on read moves an entry to the young end and the first key is always the
 * eviction candidate. Hits, misses (expired entries included) and evictions are counted in `counters`.
 */
export class TtlLru<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly expiresAt: number }>();
  readonly #options: TtlLruOptions;
  readonly #now: () => number;
  readonly #counters: CacheCounters;

  /** `name` is for the error on bad bounds. */
  constructor(name: string, options: TtlLruOptions, counters: CacheCounters) {
    if (!(options.maxEntries >= 1) || !(options.ttlMs > 0)) {
      throw new RangeError(`${name}: maxEntries must be ≥ 1 and ttlMs > 0`);
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#counters = counters;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live value under `id` (made the youngest), or undefined; counted as a hit or a miss. */
  get(id: string): T | undefined {
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

  set(id: string, value: T): void {
    this.#entries.delete(id);
    this.#entries.set(id, { value, expiresAt: this.#now() + this.#options.ttlMs });
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#counters.evictions += 1;
    }
  }

  delete(id: string): boolean {
    return this.#entries.delete(id);
  }

  /** Drops every entry; returns how many there were. */
  clear(): number {
    const dropped = this.#entries.size;
    this.#entries.clear();
    return dropped;
  }

  /** Drops the entries whose value matches, expired or not; returns how many. */
  deleteWhere(match: (value: T) => boolean): number {
    let dropped = 0;
    for (const [id, entry] of this.#entries) {
      if (match(entry.value)) {
        this.#entries.delete(id);
        dropped += 1;
      }
    }
    return dropped;
  }
}
