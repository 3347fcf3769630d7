import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISION_CACHE_CHANNEL } from '../../src/admission/decision-cache.ts';
import type { ApprovedBaseline } from '../../src/admission/ports.ts';
import { createWebhook, type Webhook } from '../../src/admission/wiring/webhook.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { approveBaseline } from '../../src/store/baselines.ts';
import { postgresCas } from '../../src/store/cas/postgres-cas.ts';
import type { Db } from '../../src/store/db.ts';
import { openPgDb } from '../../src/store/pg-db.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import type { Store } from '../../src/store/store.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { createMetrics } from '../../src/telemetry/metrics.ts';
import { FACETS, files, manifestOf, signedSealSet, testKey } from './store-fixtures.ts';
import { openTestStore, PG_URL, type TestStore } from './store-harness.ts';

/**
 * The webhook's approval cache across replicas (docs/decisions.md, "Webhook: approvals cached"): each
 * replica is a `createWebhook` on a pool of its own, with its own LISTEN connection, as `stella serve`
 * wires it. Tenants are unique per run: the channel is database-wide, and other suites notify on it.
 */
const suffix = randomBytes(3).toString('hex');
const A = Tenant.parse(`cache-a-${suffix}`);
const B = Tenant.parse(`cache-b-${suffix}`);
const REPO = 'registry.test/cache/web';
const by = { actor: 'test', correlationId: 'baseline-cache' };

/** Counts the transactions and scoped calls a replica sends to the database. */
function countingDb(db: Db): { db: Db; readonly calls: () => number } {
  let calls = 0;
  return {
    db: {
      ...db,
      withTenant: (tenant, fn) => {
        calls += 1;
        return db.withTenant(tenant, fn);
      },
      callScoped: (text, params) => {
        calls += 1;
        return db.callScoped(text, params);
      },
    },
    calls: () => calls,
  };
}

interface Replica {
  readonly store: Store;
  readonly webhook: Webhook;
  readonly calls: () => number;
  readonly listenerName: string;
  /** A `zastava_webhook_cache_*` sample of this replica's /metrics body (its registry's exposition). */
  sample(series: string): Promise<number>;
  lookup(tenant: string): Promise<ApprovedBaseline | null>;
  close(): Promise<void>;
}

function replica(schema: string): Replica {
  const pool = openPgDb({ connectionString: PG_URL, schema });
  const counted = countingDb(pool);
  const store: Store = { db: counted.db, cas: postgresCas() };
  // The connection string's application_name wins over the listener's own: this replica's LISTEN
  // backend can be told apart (and terminated) without touching anyone else's.
  const listenerName = `zt-listen-${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_URL);
  url.searchParams.set('application_name', listenerName);
  const registry = new Registry();
  const webhook = createWebhook({
    store,
    log: pino({ level: 'silent' }),
    metrics: createMetrics(registry, { processMetrics: false }),
    databaseUrl: url.toString(),
    defaults: { tenant: 'default', onError: 'deny', noBaseline: 'allow' },
    timeoutSeconds: 5,
    env: {},
  });
  return {
    store,
    webhook,
    calls: counted.calls,
    listenerName,
    async sample(series) {
      const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
      if (line === undefined) throw new Error(`no sample ${series}`);
      return Number(line.slice(series.length + 1));
    },
    lookup: (tenant) =>
      webhook.context.ports.latestApprovedBaseline(
        { tenant, repository: REPO },
        new AbortController().signal,
      ),
    async close() {
      await webhook.close();
      await pool.close();
    },
  };
}

/** Whether a lookup of `tenant` was answered without the database. */
async function servedFromMemory(r: Replica, tenant: string): Promise<boolean> {
  const before = r.calls();
  await r.lookup(tenant);
  return r.calls() === before;
}

/** Polls `check` every 20 ms until it holds; the milliseconds it took. */
async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

const BASELINE_HITS = 'zastava_webhook_cache_lookups_total{cache="baseline",result="hit"}';
const BASELINE_MISSES = 'zastava_webhook_cache_lookups_total{cache="baseline",result="miss"}';
const BYPASSES = 'zastava_webhook_cache_lookups_total{cache="baseline",result="bypass"}';
const APPROVAL_EVENTS = 'zastava_webhook_cache_invalidations_total{cache="baseline",kind="baseline"}';
const FLUSHES = 'zastava_webhook_cache_invalidations_total{cache="baseline",kind="all"}';

const sealsOf = (tag: string, seed: string) => ({
  imageRef: `${REPO}:${tag}`,
  manifests: FACETS.map((f) => manifestOf(f.facetId, f.type, files(`/${f.facetId}`, 3, seed))),
});

describe('the webhook caches approvals, invalidated by NOTIFY across replicas (PostgreSQL)', () => {
  let store: TestStore;
  let v1: SealSet;
  let v2: SealSet;
  let v3: SealSet;
  let one: Replica;
  let two: Replica;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    const key = testKey();
    for (const tenant of [A, B]) {
      // Same digests in both tenants; seal ids are unique, so each tenant signs its own.
      [v1, v2, v3] = await Promise.all([
        signedSealSet(key, sealsOf('1', 'v1')),
        signedSealSet(key, sealsOf('2', 'v2')),
        signedSealSet(key, sealsOf('3', 'v3')),
      ]);
      await addTrustedKey(store.db, tenant, { publicKey: key.publicPem }, by);
      for (const set of [v1, v2, v3]) await storeSealSet(store, tenant, set, by);
      await approveBaseline(store, tenant, { repository: REPO, imageDigest: v1.imageDigest }, by);
    }
    one = replica(store.schema!);
    two = replica(store.schema!);
    // Each replica caches once its LISTEN is up.
    for (const r of [one, two])
      for (const t of [A, B]) await within(10_000, 'LISTEN up', () => servedFromMemory(r, t));
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await store?.close();
  });

  it("serves a replica's repeated lookups from memory, counted as hits in its metrics", async () => {
    const before = two.calls();
    const hits = await two.sample(BASELINE_HITS);
    const misses = await two.sample(BASELINE_MISSES);
    for (let i = 0; i < 5; i++) expect((await two.lookup(A))?.imageDigest).toBe(v1.imageDigest);
    expect(two.calls()).toBe(before);
    expect(await two.sample(BASELINE_HITS)).toBe(hits + 5);
    expect(await two.sample(BASELINE_MISSES)).toBe(misses);
    expect(await two.sample('zastava_webhook_cache_listener_up')).toBe(1);
  });

  it('shows an approval made through another replica within 1 s (TTL 10 min), the other tenant untouched', async () => {
    expect((await two.lookup(A))?.imageDigest).toBe(v1.imageDigest);
    expect(await servedFromMemory(two, B)).toBe(true);
    const approvals = await two.sample(APPROVAL_EVENTS);
    // The approval through replica one's store, as its API would.
    await approveBaseline(one.store, A, { repository: REPO, imageDigest: v2.imageDigest }, by);
    const took = await within(1000, 'replica two sees v2', async () => {
      return (await two.lookup(A))?.imageDigest === v2.imageDigest;
    });
    expect(took).toBeLessThan(1000);
    // The approving replica hears its own NOTIFY like any other (no in-process shortcut).
    await within(
      1000,
      'replica one sees v2',
      async () => (await one.lookup(A))?.imageDigest === v2.imageDigest,
    );
    // Cached again after that one read.
    expect(await servedFromMemory(two, A)).toBe(true);
    // Other suites notify on the same channel: at least this approval was counted.
    expect(await two.sample(APPROVAL_EVENTS)).toBeGreaterThan(approvals);
    // Tenant B: same repository, still its own v1, still from memory on both replicas (not flushed).
    for (const r of [one, two]) {
      const before = r.calls();
      expect((await r.lookup(B))?.imageDigest).toBe(v1.imageDigest);
      expect(r.calls()).toBe(before);
    }
  });

  it('sends nothing for a rolled-back approval, and the replicas keep serving the committed baseline', async () => {
    // A deferred constraint trigger fails the COMMIT after approveBaseline's NOTIFY ran in the transaction.
    const schema = `"${store.schema!}"`;
    await store.db.asOwner((sql) =>
      sql.exec(`
        CREATE FUNCTION ${schema}.zt_refuse_approval() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
        CREATE CONSTRAINT TRIGGER zt_refuse AFTER INSERT ON ${schema}.facet_seal_approvals
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.reason = 'roll back')
          EXECUTE FUNCTION ${schema}.zt_refuse_approval();`),
    );
    const heard: string[] = [];
    const listener = new pg.Client({ connectionString: PG_URL });
    await listener.connect();
    try {
      listener.on('notification', (m) => {
        if (m.payload?.includes(A) === true) heard.push(m.payload);
      });
      await listener.query(`LISTEN ${DECISION_CACHE_CHANNEL}`);
      const callsBefore = two.calls();
      await expect(
        approveBaseline(store, A, { repository: REPO, imageDigest: v3.imageDigest, reason: 'roll back' }, by),
      ).rejects.toThrow(/refused at commit/);
      await sleep(500);
      expect(heard).toEqual([]);
      expect((await two.lookup(A))?.imageDigest).toBe(v2.imageDigest);
      expect(two.calls()).toBe(callsBefore);
      // The same approval, committed: heard, with its tenant and repository.
      await approveBaseline(store, A, { repository: REPO, imageDigest: v3.imageDigest }, by);
      await within(1000, 'the committed NOTIFY', () => Promise.resolve(heard.length === 1));
      expect(JSON.parse(heard[0]!)).toEqual({ kind: 'baseline', tenant: A, repository: REPO });
      await within(
        1000,
        'replica two sees v3',
        async () => (await two.lookup(A))?.imageDigest === v3.imageDigest,
      );
    } finally {
      await listener.end();
    }
  });

  it('flushes and bypasses the cache while its LISTEN connection is lost, caches again once back', async () => {
    expect(await servedFromMemory(one, B)).toBe(true);
    const flushes = await one.sample(FLUSHES);
    const bypasses = await one.sample(BYPASSES);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [one.listenerName],
      );
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    // Lost: every lookup reads the database ...
    await within(2000, 'bypassed', async () => !(await servedFromMemory(one, B)));
    expect(await servedFromMemory(one, B)).toBe(false);
    // ... as its metrics say: the listener down, the loss flushed, the lookups bypassed.
    expect(await one.sample('zastava_webhook_cache_listener_up')).toBe(0);
    expect(await one.sample(FLUSHES)).toBe(flushes + 1);
    expect(await one.sample(BYPASSES)).toBeGreaterThanOrEqual(bypasses + 2);
    // ... so an approval whose NOTIFY this replica cannot hear is seen at once.
    await approveBaseline(store, B, { repository: REPO, imageDigest: v2.imageDigest }, by);
    expect((await one.lookup(B))?.imageDigest).toBe(v2.imageDigest);
    // Reconnected (after 2 s): cached again, and current.
    await within(10_000, 'LISTEN back', () => servedFromMemory(one, B));
    expect(await one.sample('zastava_webhook_cache_listener_up')).toBe(1);
    // The reconnection flushed again.
    expect(await one.sample(FLUSHES)).toBe(flushes + 2);
    expect((await one.lookup(B))?.imageDigest).toBe(v2.imageDigest);
    // Replica two never lost its connection and heard the approval.
    await within(
      1000,
      'replica two sees B v2',
      async () => (await two.lookup(B))?.imageDigest === v2.imageDigest,
    );
  });
});
