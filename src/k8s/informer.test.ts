import { describe, expect, it } from 'vitest';
import type { K8sError } from './errors.ts';
import { backoffDelay, PolicyInformer, type InformerTiming, type WatchedInformer } from './informer.ts';
import { PolicyCache, type PolicyKind } from './policy-cache.ts';

const API = 'zastava.stellaops.io/v1alpha1';
const clusterPolicy = (name: string, tenant = 't') => ({
  apiVersion: API,
  kind: 'ClusterFacetPolicy',
  metadata: { name, resourceVersion: '1' },
  spec: { imageRepositories: ['**'], tenant },
});
const nsPolicy = (name: string) => ({
  apiVersion: API,
  kind: 'FacetPolicy',
  metadata: { name, namespace: 'shop', resourceVersion: '1' },
  spec: { imageRepositories: ['**'], onError: 'allow' },
});

class FakeInformer implements WatchedInformer {
  items: unknown[];
  change: (() => void)[] = [];
  error: ((e: unknown) => void)[] = [];
  stopped = false;
  failOnStart: unknown;
  constructor(items: unknown[], failOnStart?: unknown) {
    this.items = items;
    this.failOnStart = failOnStart;
  }
  onChange(cb: () => void) {
    this.change.push(cb);
  }
  onError(cb: (e: unknown) => void) {
    this.error.push(cb);
  }
  start() {
    // The real informer fires add events while it lists, before start() resolves.
    for (const cb of this.change) cb();
    if (this.failOnStart !== undefined) for (const cb of this.error) cb(this.failOnStart);
    return Promise.resolve();
  }
  stop() {
    this.stopped = true;
    return Promise.resolve();
  }
  list() {
    return this.items;
  }
  emit(items: unknown[]) {
    this.items = items;
    for (const cb of this.change) cb();
  }
  fail(error: unknown) {
    for (const cb of this.error) cb(error);
  }
}

function timing() {
  const sleeps: { ms: number; resolve: () => void }[] = [];
  const t: InformerTiming = {
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        sleeps.push({ ms, resolve });
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    random: () => 0.5,
  };
  return { t, sleeps };
}

const flush = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
};

function setup(plan: Record<PolicyKind, FakeInformer[]>) {
  const created: Record<PolicyKind, FakeInformer[]> = { FacetPolicy: [], ClusterFacetPolicy: [] };
  const invalid: K8sError[] = [];
  const cache = new PolicyCache((e) => invalid.push(e));
  const { t, sleeps } = timing();
  const informer = new PolicyInformer(
    cache,
    (kind) => {
      const next = plan[kind].shift() ?? new FakeInformer([]);
      created[kind].push(next);
      return next;
    },
    t,
    { backoffInitialMs: 100, backoffMaxMs: 1000, resyncMs: 60_000 },
  );
  return { cache, informer, created, sleeps, invalid };
}

describe('PolicyInformer', () => {
  it('is synced once both kinds are listed, and serves their policies', async () => {
    const { cache, informer } = setup({
      FacetPolicy: [new FakeInformer([nsPolicy('a')])],
      ClusterFacetPolicy: [new FakeInformer([clusterPolicy('base', 'platform')])],
    });
    expect(informer.synced).toBe(false);
    informer.start();
    await flush();
    expect(informer.synced).toBe(true);
    expect(
      cache.resolve(
        { namespace: 'shop', repository: 'x/y' },
        { tenant: 'd', noBaseline: 'allow', onError: 'deny' },
      ),
    ).toMatchObject({
      tenant: 'platform',
      onError: 'allow',
      sources: ['FacetPolicy shop/a', 'ClusterFacetPolicy base'],
    });
    await informer.stop();
  });

  it('applies watch events once listed, ignoring the partial list while it loads', async () => {
    const first = new FakeInformer([clusterPolicy('one')]);
    const { cache, informer } = setup({ FacetPolicy: [], ClusterFacetPolicy: [first] });
    informer.start();
    await flush();
    expect(cache.policies().map((p) => p.source)).toEqual(['ClusterFacetPolicy one']);
    first.emit([clusterPolicy('one'), clusterPolicy('two')]);
    expect(cache.policies()).toHaveLength(2);
    first.emit([]);
    expect(cache.policies()).toHaveLength(0);
    await informer.stop();
  });

  it('restarts a failed informer after a backoff, keeping the last snapshot meanwhile', async () => {
    const first = new FakeInformer([clusterPolicy('kept')]);
    const second = new FakeInformer([], new Error('list refused'));
    const third = new FakeInformer([clusterPolicy('fresh')]);
    const { cache, informer, created, sleeps } = setup({
      FacetPolicy: [],
      ClusterFacetPolicy: [first, second, third],
    });
    informer.start();
    await flush();
    first.fail(new Error('watch broke'));
    await flush();
    expect(first.stopped).toBe(true);
    expect(cache.policies().map((p) => p.source)).toEqual(['ClusterFacetPolicy kept']);
    const backoffs = () => sleeps.filter((s) => s.ms < 60_000);
    expect(backoffs().map((s) => s.ms)).toEqual([75]);
    backoffs()[0]!.resolve();
    await flush();
    expect(created.ClusterFacetPolicy).toHaveLength(2);
    expect(backoffs().map((s) => s.ms)).toEqual([75, 150]);
    backoffs()[1]!.resolve();
    await flush();
    expect(cache.policies().map((p) => p.source)).toEqual(['ClusterFacetPolicy fresh']);
    expect(informer.restarts).toBe(2);
    await informer.stop();
  });

  it('re-lists periodically with a fresh informer', async () => {
    const { informer, created, sleeps } = setup({ FacetPolicy: [], ClusterFacetPolicy: [] });
    informer.start();
    await flush();
    expect(created.ClusterFacetPolicy).toHaveLength(1);
    for (const s of sleeps.filter((s) => s.ms === 60_000)) s.resolve();
    await flush();
    expect(created.ClusterFacetPolicy).toHaveLength(2);
    expect(created.ClusterFacetPolicy[0]!.stopped).toBe(true);
    await informer.stop();
    expect(created.ClusterFacetPolicy[1]!.stopped).toBe(true);
  });

  it('leaves out invalid policies, reporting each version once with POLICY_INVALID', async () => {
    const bad = { ...clusterPolicy('bad'), spec: { imageRepositories: [], quotas: { Bad: {} } } };
    const informerFake = new FakeInformer([bad, clusterPolicy('good')]);
    const { cache, informer, invalid } = setup({ FacetPolicy: [], ClusterFacetPolicy: [informerFake] });
    informer.start();
    await flush();
    informerFake.emit([bad, clusterPolicy('good')]);
    expect(cache.policies().map((p) => p.source)).toEqual(['ClusterFacetPolicy good']);
    expect(invalid.map((e) => e.code)).toEqual(['POLICY_INVALID']);
    expect(invalid[0]?.message).toContain('ClusterFacetPolicy bad is ignored: spec.imageRepositories');
    await informer.stop();
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, half of it jittered', () => {
    expect([1, 2, 3, 10].map((n) => backoffDelay(n, 1000, 60_000, () => 0))).toEqual([
      500, 1000, 2000, 30_000,
    ]);
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
  });
});
