import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZastavaError } from '../../src/model/errors.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { listAudit } from '../../src/store/audit.ts';
import {
  approveBaseline,
  latestApproval,
  latestApprovedBaseline,
  latestApprovedManifests,
  listApprovals,
} from '../../src/store/baselines.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { signedSealSet, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

const T = Tenant.parse('baselines');
const U = Tenant.parse('baselines-other');
const APP = 'registry.test/team/app';
const WEB = 'registry.test/team/web';

describe.each(BACKENDS)('baselines on %s', (backend) => {
  let store: TestStore;
  let key: TestKey;
  const sets: Record<string, SealSet> = {};
  const approve = (repository: string, name: string, reason?: string, tenant = T) =>
    approveBaseline(
      store,
      tenant,
      { repository, imageDigest: sets[name]!.imageDigest, reason },
      { actor: 'alice', correlationId: `approve-${name}` },
    );

  beforeAll(async () => {
    store = await openTestStore(backend);
    key = testKey();
    for (const tenant of [T, U])
      await addTrustedKey(
        store.db,
        tenant,
        { publicKey: key.publicPem },
        { actor: 'admin', correlationId: 'k' },
      );
    for (const name of ['app1', 'app2', 'app3', 'web1', 'web2']) {
      const repository = name.startsWith('app') ? APP : WEB;
      sets[name] = await signedSealSet(key, { imageRef: `${repository}:${name}`, seed: name });
      await storeSealSet(store, T, sets[name], { actor: 'ci', correlationId: `store-${name}` });
    }
    // The same image sealed separately for the other tenant (seal ids are unique across tenants).
    sets.app3u = await signedSealSet(key, {
      imageRef: `${APP}:app3`,
      imageDigest: sets.app3!.imageDigest,
      configDigest: sets.app3!.configDigest,
      seed: 'app3',
    });
    await storeSealSet(store, U, sets.app3u, { actor: 'ci', correlationId: 'store-u' });
  });
  afterAll(async () => store?.close());

  it('has no baseline before any approval', async () => {
    expect(await latestApprovedBaseline(store, T, APP)).toBeUndefined();
    expect(await latestApprovedManifests(store, T, APP)).toBeUndefined();
  });

  it('chooses the latest approval across re-approvals and several repositories', async () => {
    await approve(APP, 'app1', 'first release');
    await approve(WEB, 'web1');
    expect((await latestApproval(store, T, APP))?.imageDigest).toBe(sets.app1!.imageDigest);
    await approve(APP, 'app2');
    await approve(WEB, 'web2');
    expect((await latestApproval(store, T, APP))?.imageDigest).toBe(sets.app2!.imageDigest);
    expect((await latestApproval(store, T, WEB))?.imageDigest).toBe(sets.web2!.imageDigest);
    // Re-approving the older digest makes it the baseline again (a rollback).
    await approve(APP, 'app1', 'rollback');
    expect((await latestApproval(store, T, APP))?.imageDigest).toBe(sets.app1!.imageDigest);
    await approve(APP, 'app3');
    const baseline = await latestApprovedBaseline(store, T, APP);
    expect(baseline?.approval).toMatchObject({
      repository: APP,
      imageDigest: sets.app3!.imageDigest,
      approvedBy: 'alice',
    });
    expect(baseline?.sealSet.seals).toEqual(sets.app3!.seals);
    // The other repository is untouched by all of that.
    expect((await latestApproval(store, T, WEB))?.imageDigest).toBe(sets.web2!.imageDigest);
    const history = await listApprovals(store, T, { repository: APP });
    expect(history.map((a) => a.reason)).toEqual([null, 'rollback', null, 'first release']);
  });

  it('breaks ties of equal approval times by insertion order', async () => {
    // Two approvals with one timestamp: the database clock cannot order them, insertion order does.
    await store.db.withTenant(T, async (sql) => {
      for (const name of ['web1', 'web2', 'web1']) {
        await sql.query(
          `INSERT INTO facet_seal_approvals (approval_id, tenant, image_repository, image_digest, approved_by, approved_at, correlation_id)
           VALUES (gen_random_uuid(), $1, 'registry.test/team/tie', $2, 'bob', '2030-01-01T00:00:00Z', 'tie')`,
          [T, sets[name]!.imageDigest],
        );
      }
    });
    expect((await latestApproval(store, T, 'registry.test/team/tie'))?.imageDigest).toBe(
      sets.web1!.imageDigest,
    );
  });

  it('loads the baseline manifests without envelopes, in definition order', async () => {
    const fast = await latestApprovedManifests(store, T, APP);
    expect(fast?.facets.map((f) => f.manifest)).toEqual(sets.app3!.seals.map((s) => s.manifest));
    expect(fast?.facets.map((f) => f.seal.sealId)).toEqual(sets.app3!.seals.map((s) => s.sealId));
  });

  it('refuses to approve a digest with no stored seals (SEALS_NOT_FOUND)', async () => {
    let code = '';
    try {
      await approveBaseline(
        store,
        T,
        { repository: APP, imageDigest: `sha256:${'0'.repeat(64)}` },
        { actor: 'a', correlationId: 'x' },
      );
    } catch (error) {
      if (isZastavaError(error)) code = error.code;
    }
    expect(code).toBe('SEALS_NOT_FOUND');
  });

  it("keeps tenants apart: another tenant's approvals never become this tenant's baseline", async () => {
    await approve(APP, 'app3u', 'other tenant', U);
    expect((await latestApproval(store, U, APP))?.reason).toBe('other tenant');
    expect((await latestApproval(store, T, APP))?.reason).not.toBe('other tenant');
    expect(await latestApproval(store, U, WEB)).toBeUndefined();
  });

  it('writes an audit row for every approval with its correlation id', async () => {
    const audit = await listAudit(store.db, T, { correlationId: 'approve-app2' });
    expect(audit).toMatchObject([
      { action: 'baseline.approve', actor: 'alice', details: { repository: APP } },
    ]);
  });
});
