import { CacheCounters, type CacheStats } from './cache-stats.ts';
import type { CacheInvalidation } from './decision-cache.ts';
import type { ApprovedBaseline } from './ports.ts';
import { TtlLru, type TtlLruOptions } from './ttl-lru.ts';

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
export interface BaselineCacheOptions extends TtlLruOptions {
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
  readonly #pending = new Set<Pending>();
  readonly #active: () => boolean;
  readonly #counters = new CacheCounters();
  readonly #entries: TtlLru<Entry>;

  constructor(options: BaselineCacheOptions = DEFAULT_BASELINE_CACHE) {
    this.#entries = new TtlLru('baseline cache', options, this.#counters);
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
    if (entry !== undefined) return entry.value;
    const pending: Pending = { tenant, repository, stale: false };
    this.#pending.add(pending);
    try {
      const value = await load();
      if (!pending.stale && this.#active()) this.#entries.set(id, { tenant, repository, value });
      return value;
    } finally {
      this.#pending.delete(pending);
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
    if (event.kind === 'all') return this.#entries.clear();
    if (event.repository !== undefined) {
      return this.#entries.delete(keyOf(event.tenant, event.repository)) ? 1 : 0;
    }
    return this.#entries.deleteWhere((entry) => matches(event, entry));
  }
}
