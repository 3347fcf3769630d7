import { CacheCounters, type CacheStats } from './cache-stats.ts';
import type { CacheInvalidation } from './decision-cache.ts';
import type { ApprovedBaseline } from './ports.ts';

/**
 * Each repository's latest approval as the webhook last read it, per (tenant, repository), `null` for "no
 * approval": without it every review reads every image's approval from the database (2 + k round trips).
 * An approval is a NOTIFY on the decision cache channel, sent in the approval's transaction (so on commit
 * only): `{kind: 'baseline', tenant, repository}` drops that entry, `{kind: 'baseline', tenant}` the
 * tenant's, `{kind: 'all'}` (an unreadable payload, a lost or new LISTEN connection) everything. The TTL
 * bounds what a lost notification can leave stale.
 *
 * Only used while `active()` (LISTEN is live): otherwise every lookup goes to the database and nothing is
 * kept. A load is tracked from the moment it is asked: an invalidation that arrives while it is in flight
 * (its answer may predate the approval) keeps its answer out of the cache.
 */
export interface BaselineCacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly now?: () => number;
  /** False while invalidations cannot arrive (no LISTEN connection): the cache is bypassed. */
  readonly active?: () => boolean;
}

/** The decision cache's bounds (src/admission/decision-cache.ts), TTL included. */
export const DEFAULT_BASELINE_CACHE: BaselineCacheOptions = { maxEntries: 10_000, ttlMs: 10 * 60_000 };

type Value = ApprovedBaseline | null;

interface Entry {
  readonly tenant: string;
  readonly repository: string;
  readonly value: Value;
  readonly expiresAt: number;
}

/** A load in flight; `stale` once an invalidation matching it arrived. */
interface Pending {
  readonly tenant: string;
  readonly repository: string;
  stale: boolean;
}

const keyOf = (tenant: string, repository: string) => `${tenant}\u0000${repository}`;

function matches(event: CacheInvalidation, item: { tenant: string; repository: string }): boolean {
  switch (event.kind) {
    case 'all':
      return true;
    case 'vex':
      return false;
    case 'baseline':
      return (
        item.tenant === event.tenant &&
        (event.repository === undefined || item.repository === event.repository)
      );
  }
}

export class BaselineCache {
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Set<Pending>();
  readonly #options: BaselineCacheOptions;
  readonly #now: () => number;
  readonly #active: () => boolean;
  readonly #counters = new CacheCounters();

  constructor(options: BaselineCacheOptions = DEFAULT_BASELINE_CACHE) {
    if (!(options.maxEntries >= 1) || !(options.ttlMs > 0)) {
      throw new RangeError('baseline cache: maxEntries must be ≥ 1 and ttlMs > 0');
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#active = options.active ?? (() => true);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Lookups answered from memory (`hits`), by `load` while active (`misses`) and while inactive
   * (`bypasses`); approval events acted on (`vex` is outside this cache's scope: never counted).
   */
  get stats(): CacheStats {
    return this.#counters.snapshot();
  }

  /** The cached answer, or `load()`'s (kept unless invalidated while it ran). */
  async lookup(tenant: string, repository: string, load: () => Promise<Value>): Promise<Value> {
    if (!this.#active()) {
      this.#counters.bypasses += 1;
      return load();
    }
    const id = keyOf(tenant, repository);
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
    const pending: Pending = { tenant, repository, stale: false };
    this.#pending.add(pending);
    try {
      const value = await load();
      if (!pending.stale && this.#active()) this.#set(id, { tenant, repository, value });
      return value;
    } finally {
      this.#pending.delete(pending);
    }
  }

  #set(id: string, item: Omit<Entry, 'expiresAt'>): void {
    this.#entries.delete(id);
    this.#entries.set(id, { ...item, expiresAt: this.#now() + this.#options.ttlMs });
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#counters.evictions += 1;
    }
  }

  /** The invalidation hook (the decision cache's events); returns how many entries were dropped. */
  invalidate(event: CacheInvalidation): number {
    if (event.kind === 'vex') return 0;
    const dropped = this.#drop(event);
    this.#counters.invalidated(event.kind, dropped);
    return dropped;
  }

  #drop(event: Exclude<CacheInvalidation, { kind: 'vex' }>): number {
    for (const pending of this.#pending) if (matches(event, pending)) pending.stale = true;
    if (event.kind === 'all') {
      const dropped = this.#entries.size;
      this.#entries.clear();
      return dropped;
    }
    if (event.kind === 'baseline' && event.repository !== undefined) {
      return this.#entries.delete(keyOf(event.tenant, event.repository)) ? 1 : 0;
    }
    let dropped = 0;
    for (const [id, entry] of this.#entries) {
      if (matches(event, entry)) {
        this.#entries.delete(id);
        dropped += 1;
      }
    }
    return dropped;
  }
}
