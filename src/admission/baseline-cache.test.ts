import { describe, expect, it } from 'vitest';
import { BaselineCache } from './baseline-cache.ts';
import type { ApprovedBaseline } from './ports.ts';
import { digest } from './test-ports.ts';

const approved = (name: string): ApprovedBaseline => ({
  imageDigest: digest(name),
  imageRef: `registry.test/${name}@${digest(name)}`,
});

/** A load that counts its calls and answers `value`. */
function loader(value: ApprovedBaseline | null) {
  const calls = { n: 0 };
  return {
    calls,
    load: () => {
      calls.n += 1;
      return Promise.resolve(value);
    },
  };
}

/** A load that answers when `finish` is called. */
function deferred(value: ApprovedBaseline | null) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { finish, load: () => done.then(() => value) };
}

describe('BaselineCache', () => {
  it('answers a repeated lookup of (tenant, repository) from memory, "no approval" included', async () => {
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000 });
    const web = loader(approved('web'));
    expect(await cache.lookup('acme', 'r/web', web.load)).toEqual(approved('web'));
    expect(await cache.lookup('acme', 'r/web', web.load)).toEqual(approved('web'));
    expect(web.calls.n).toBe(1);
    const none = loader(null);
    expect(await cache.lookup('acme', 'r/none', none.load)).toBeNull();
    expect(await cache.lookup('acme', 'r/none', none.load)).toBeNull();
    expect(none.calls.n).toBe(1);
    // Another tenant's lookup of the same repository is its own.
    const other = loader(approved('other'));
    expect(await cache.lookup('other', 'r/web', other.load)).toEqual(approved('other'));
    expect(other.calls.n).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 2, misses: 3, bypasses: 0 });
  });

  it('expires entries after the TTL', async () => {
    let now = 0;
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000, now: () => now });
    const web = loader(approved('web'));
    await cache.lookup('acme', 'r/web', web.load);
    now = 999;
    await cache.lookup('acme', 'r/web', web.load);
    expect(web.calls.n).toBe(1);
    now = 1000;
    await cache.lookup('acme', 'r/web', web.load);
    expect(web.calls.n).toBe(2);
  });

  it('evicts the least recently used entry', async () => {
    const cache = new BaselineCache({ maxEntries: 2, ttlMs: 1000 });
    const l = loader(null);
    await cache.lookup('t', 'a', l.load);
    await cache.lookup('t', 'b', l.load);
    await cache.lookup('t', 'a', l.load);
    await cache.lookup('t', 'c', l.load);
    expect(l.calls.n).toBe(3);
    await cache.lookup('t', 'a', l.load);
    await cache.lookup('t', 'c', l.load);
    expect(l.calls.n).toBe(3);
    await cache.lookup('t', 'b', l.load);
    expect(l.calls.n).toBe(4);
    expect(cache.size).toBe(2);
  });

  it("drops exactly the approved repository's entry; a tenant-wide event the tenant's; VEX nothing", async () => {
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000 });
    const l = loader(approved('x'));
    for (const [tenant, repository] of [
      ['a', 'r/web'],
      ['a', 'r/api'],
      ['b', 'r/web'],
    ] as const)
      await cache.lookup(tenant, repository, l.load);
    expect(cache.invalidate({ kind: 'vex', tenant: 'a', imageDigest: digest('x') })).toBe(0);
    expect(cache.invalidate({ kind: 'baseline', tenant: 'a', repository: 'r/web' })).toBe(1);
    expect(cache.invalidate({ kind: 'baseline', tenant: 'a', repository: 'r/web' })).toBe(0);
    // Tenant b's entry of the same repository is untouched.
    await cache.lookup('b', 'r/web', l.load);
    expect(l.calls.n).toBe(3);
    await cache.lookup('a', 'r/web', l.load);
    expect(l.calls.n).toBe(4);
    expect(cache.invalidate({ kind: 'baseline', tenant: 'a' })).toBe(2);
    expect(cache.size).toBe(1);
    expect(cache.invalidate({ kind: 'all' })).toBe(1);
    expect(cache.size).toBe(0);
  });

  it('keeps out an answer whose load was in flight when a matching invalidation arrived', async () => {
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000 });
    const old = deferred(approved('v1'));
    const pending = cache.lookup('a', 'r/web', old.load);
    cache.invalidate({ kind: 'baseline', tenant: 'a', repository: 'r/web' });
    old.finish();
    // The caller gets what it asked for (read before the approval, as without a cache) ...
    expect(await pending).toEqual(approved('v1'));
    // ... but the next lookup reads again.
    const fresh = loader(approved('v2'));
    expect(await cache.lookup('a', 'r/web', fresh.load)).toEqual(approved('v2'));
    expect(fresh.calls.n).toBe(1);
  });

  it('keeps an in-flight answer that another tenant or repository was invalidated during', async () => {
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000 });
    const b = deferred(approved('b'));
    const pending = cache.lookup('b', 'r/web', b.load);
    cache.invalidate({ kind: 'baseline', tenant: 'a', repository: 'r/web' });
    cache.invalidate({ kind: 'baseline', tenant: 'b', repository: 'r/api' });
    b.finish();
    await pending;
    expect(cache.size).toBe(1);
  });

  it('keeps out every in-flight answer on "all" (a lost or new LISTEN connection)', async () => {
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000 });
    const a = deferred(null);
    const b = deferred(approved('b'));
    const both = Promise.all([cache.lookup('a', 'r', a.load), cache.lookup('b', 'r', b.load)]);
    cache.invalidate({ kind: 'all' });
    a.finish();
    b.finish();
    await both;
    expect(cache.size).toBe(0);
  });

  it('is bypassed while inactive (no LISTEN): every lookup loads, nothing is kept', async () => {
    let active = false;
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000, active: () => active });
    const l = loader(approved('web'));
    await cache.lookup('a', 'r', l.load);
    await cache.lookup('a', 'r', l.load);
    expect(l.calls.n).toBe(2);
    expect(cache.size).toBe(0);
    active = true;
    await cache.lookup('a', 'r', l.load);
    await cache.lookup('a', 'r', l.load);
    expect(l.calls.n).toBe(3);
    // Going inactive: entries are no longer served, and a load that ends inactive is not kept.
    active = false;
    await cache.lookup('a', 'r', l.load);
    expect(l.calls.n).toBe(4);
    active = true;
    const d = deferred(approved('later'));
    const pending = cache.lookup('a', 's', d.load);
    active = false;
    d.finish();
    await pending;
    active = true;
    expect(await cache.lookup('a', 's', l.load)).toEqual(approved('web'));
  });

  it('counts hits, misses, bypasses, evictions and the approval events it acts on (not VEX)', async () => {
    let active = true;
    const cache = new BaselineCache({ maxEntries: 2, ttlMs: 1000, active: () => active });
    const l = loader(null);
    await cache.lookup('a', 'r', l.load);
    await cache.lookup('a', 'r', l.load);
    await cache.lookup('a', 's', l.load);
    await cache.lookup('a', 't', l.load);
    active = false;
    await cache.lookup('a', 't', l.load);
    await cache.lookup('a', 'u', l.load);
    active = true;
    expect(cache.invalidate({ kind: 'vex', tenant: 'a', imageDigest: digest('x') })).toBe(0);
    expect(cache.invalidate({ kind: 'baseline', tenant: 'a', repository: 's' })).toBe(1);
    expect(cache.invalidate({ kind: 'baseline', tenant: 'b' })).toBe(0);
    expect(cache.invalidate({ kind: 'all' })).toBe(1);
    expect(cache.stats).toEqual({
      hits: 1,
      misses: 3,
      bypasses: 2,
      evictions: 1,
      invalidations: { all: 1, baseline: 2, vex: 0 },
      invalidatedEntries: 2,
    });
  });

  it('caches nothing when the load fails', async () => {
    const cache = new BaselineCache({ maxEntries: 10, ttlMs: 1000 });
    await expect(cache.lookup('a', 'r', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.size).toBe(0);
  });

  it('refuses nonsensical bounds', () => {
    expect(() => new BaselineCache({ maxEntries: 0, ttlMs: 1000 })).toThrow(RangeError);
    expect(() => new BaselineCache({ maxEntries: 1, ttlMs: 0 })).toThrow(RangeError);
  });
});
