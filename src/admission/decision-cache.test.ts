import { describe, expect, it } from 'vitest';
import { DecisionCache, parseCacheInvalidation } from './decision-cache.ts';
import type { ImageEvaluation } from './outcome.ts';
import { digest } from './test-ports.ts';

const value = (decision: ImageEvaluation['decision']): ImageEvaluation => ({ decision, facets: [] });
const key = (current: string, tenant = 'acme', version = 'v1') => ({
  tenant,
  baselineDigest: digest('base'),
  currentDigest: digest(current),
  policyVersion: version,
});

describe('DecisionCache', () => {
  it('returns what was set under the same (tenant, baseline, current, policy version)', () => {
    const cache = new DecisionCache({ maxEntries: 10, ttlMs: 1000 });
    cache.set(key('a'), value('Warn'));
    expect(cache.get(key('a'))).toEqual(value('Warn'));
    expect(cache.get(key('a', 'acme', 'v2'))).toBeUndefined();
    expect(cache.get(key('a', 'other'))).toBeUndefined();
  });

  it('expires entries after the TTL', () => {
    let now = 0;
    const cache = new DecisionCache({ maxEntries: 10, ttlMs: 1000, now: () => now });
    cache.set(key('a'), value('Pass'));
    now = 999;
    expect(cache.get(key('a'))).toBeDefined();
    now = 1000;
    expect(cache.get(key('a'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry', () => {
    const cache = new DecisionCache({ maxEntries: 2, ttlMs: 1000 });
    cache.set(key('a'), value('Pass'));
    cache.set(key('b'), value('Pass'));
    cache.get(key('a'));
    cache.set(key('c'), value('Pass'));
    expect(cache.get(key('b'))).toBeUndefined();
    expect(cache.get(key('a'))).toBeDefined();
    expect(cache.get(key('c'))).toBeDefined();
  });

  it('invalidates by VEX (tenant, image digest), by tenant baseline, or all', () => {
    const cache = new DecisionCache({ maxEntries: 10, ttlMs: 1000 });
    cache.set(key('a'), value('RequireVex'));
    cache.set(key('b'), value('Warn'));
    cache.set(key('a', 'other'), value('Warn'));
    expect(cache.invalidate({ kind: 'vex', tenant: 'acme', imageDigest: digest('a') })).toBe(1);
    expect(cache.get(key('a'))).toBeUndefined();
    expect(cache.get(key('a', 'other'))).toBeDefined();
    expect(cache.invalidate({ kind: 'baseline', tenant: 'acme' })).toBe(1);
    expect(cache.invalidate({ kind: 'all' })).toBe(1);
    expect(cache.size).toBe(0);
  });

  it('keeps its verdicts on an approval: the baseline digest is part of the key', () => {
    const cache = new DecisionCache({ maxEntries: 10, ttlMs: 1000 });
    cache.set(key('a'), value('Warn'));
    expect(cache.invalidate({ kind: 'baseline', tenant: 'acme', repository: 'r.test/web' })).toBe(0);
    expect(cache.get(key('a'))).toEqual(value('Warn'));
  });

  it('counts hits, misses (expired included), evictions and the invalidations it acts on', () => {
    let now = 0;
    const cache = new DecisionCache({ maxEntries: 2, ttlMs: 1000, now: () => now });
    expect(cache.get(key('a'))).toBeUndefined();
    cache.set(key('a'), value('Warn'));
    cache.get(key('a'));
    cache.get(key('a'));
    now = 1000;
    cache.get(key('a'));
    cache.set(key('a'), value('Warn'));
    cache.set(key('b'), value('Warn'));
    cache.set(key('c'), value('Warn'));
    cache.invalidate({ kind: 'vex', tenant: 'acme', imageDigest: digest('b') });
    cache.invalidate({ kind: 'vex', tenant: 'acme', imageDigest: digest('b') });
    // An approval naming its repository is not acted on: not counted.
    cache.invalidate({ kind: 'baseline', tenant: 'acme', repository: 'r.test/web' });
    cache.invalidate({ kind: 'baseline', tenant: 'other' });
    cache.invalidate({ kind: 'all' });
    expect(cache.stats).toEqual({
      hits: 2,
      misses: 2,
      bypasses: 0,
      evictions: 1,
      invalidations: { all: 1, baseline: 1, vex: 2 },
      invalidatedEntries: 2,
    });
  });

  it('reads NOTIFY payloads, treating anything unreadable as "all"', () => {
    expect(
      parseCacheInvalidation(JSON.stringify({ kind: 'vex', tenant: 't', imageDigest: digest('x') })),
    ).toEqual({
      kind: 'vex',
      tenant: 't',
      imageDigest: digest('x'),
    });
    // An approval's payload (src/store/baselines.ts), and the older tenant-wide form.
    expect(parseCacheInvalidation('{"kind":"baseline","tenant":"t","repository":"r.test/web"}')).toEqual({
      kind: 'baseline',
      tenant: 't',
      repository: 'r.test/web',
    });
    expect(parseCacheInvalidation('{"kind":"baseline","tenant":"t"}')).toEqual({
      kind: 'baseline',
      tenant: 't',
    });
    expect(parseCacheInvalidation('{"kind":"baseline","tenant":"t","repository":""}')).toEqual({
      kind: 'all',
    });
    expect(parseCacheInvalidation('{"kind":"baseline","tenant":"t","other":1}')).toEqual({ kind: 'all' });
    expect(parseCacheInvalidation('{')).toEqual({ kind: 'all' });
    expect(parseCacheInvalidation('{"kind":"vex"}')).toEqual({ kind: 'all' });
  });

  it('refuses nonsensical limits', () => {
    expect(() => new DecisionCache({ maxEntries: 0, ttlMs: 1 })).toThrow(RangeError);
  });
});
