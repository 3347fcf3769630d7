import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZastavaError } from '../../src/model/errors.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { approveBaseline, latestApprovedManifests } from '../../src/store/baselines.ts';
import { ManifestCache } from '../../src/store/cas/manifest-cache.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { signedSealSet, testKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

/**
 * The baseline lookup in one round trip (`zastava_baseline_manifests`, migration 0007): a function that
 * scopes itself (tenant setting and application role) and is called outside any transaction.
 */
const A = Tenant.parse('lookup-a');
const B = Tenant.parse('lookup-b');
const REPO = 'registry.test/lookup/app';
const by = { actor: 'ci', correlationId: 'lookup' };

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'none';
  } catch (error) {
    return isZastavaError(error) ? error.code : String(error);
  }
};

describe.each(BACKENDS)('one-round-trip baseline lookup on %s', (backend) => {
  let store: TestStore;
  let set: SealSet;

  beforeAll(async () => {
    store = await openTestStore(backend);
    const key = testKey();
    for (const tenant of [A, B]) await addTrustedKey(store.db, tenant, { publicKey: key.publicPem }, by);
    set = await signedSealSet(key, { imageRef: `${REPO}:1`, seed: 'lookup' });
    await storeSealSet(store, A, set, by);
    await approveBaseline(store, A, { repository: REPO, imageDigest: set.imageDigest }, by);
  });
  afterAll(async () => store?.close());

  it('returns the same manifests whether it reads the bytes or, with a cache, their digests', async () => {
    const expected = set.seals.map((s) => s.manifest);
    const plain = await latestApprovedManifests(store, A, REPO);
    expect(plain?.facets.map((f) => f.manifest)).toEqual(expected);
    const cached = { ...store, manifestCache: new ManifestCache() };
    const first = await latestApprovedManifests(cached, A, REPO);
    const second = await latestApprovedManifests(cached, A, REPO);
    expect(first?.facets.map((f) => f.manifest)).toEqual(expected);
    // The second read is answered from the cache: the very objects of the first.
    second?.facets.forEach((f, i) => expect(f.manifest).toBe(first?.facets[i]?.manifest));
    expect(second?.approval).toEqual(plain?.approval);
  });

  it("never returns another tenant's baseline (row-level security under the function's own scope)", async () => {
    expect(await latestApprovedManifests(store, B, REPO)).toBeUndefined();
    const rows = await store.db.callScoped('SELECT * FROM zastava_baseline_manifests($1, $2, $3)', [
      B,
      REPO,
      'content',
    ]);
    expect(rows).toEqual([]);
  });

  it('leaves the connection as it found it: the role and the tenant setting end with the call', async () => {
    await store.db.callScoped('SELECT * FROM zastava_baseline_manifests($1, $2, $3)', [A, REPO, 'digest']);
    const [after] = await store.db.asOwner((sql) =>
      sql.query(
        `SELECT current_user AS who, coalesce(current_setting('zastava.tenant', true), '') AS tenant`,
      ),
    );
    expect(after?.who).not.toBe('zastava_app');
    expect(after?.tenant).toBe('');
  });

  it('refuses a call without a tenant or with an unknown read mode', async () => {
    for (const params of [
      ['', REPO, 'content'],
      [null, REPO, 'content'],
      [A, REPO, 'everything'],
    ])
      expect(
        await codeOf(store.db.callScoped('SELECT * FROM zastava_baseline_manifests($1, $2, $3)', params)),
      ).not.toBe('none');
  });
});
