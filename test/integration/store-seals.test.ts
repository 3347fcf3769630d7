import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZastavaError } from '../../src/model/errors.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { listAudit } from '../../src/store/audit.ts';
import { listSealSummaries } from '../../src/store/seals.ts';
import {
  findSealSet,
  loadSeal,
  loadSealSetByConfigDigest,
  loadSealSetByDigest,
  storeSealSet,
} from '../../src/store/seal-sets.ts';
import { addTrustedKey, setTrustedKeyStatus } from '../../src/store/trusted-keys.ts';
import { signedSealSet, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

const T = Tenant.parse('seals');
const OTHER = Tenant.parse('seals-other');
const by = { actor: 'ci', correlationId: 'corr-seals' };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isZastavaError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

describe.each(BACKENDS)('seal sets on %s', (backend) => {
  let store: TestStore;
  let key: TestKey;

  beforeAll(async () => {
    store = await openTestStore(backend);
    key = testKey();
    await addTrustedKey(store.db, T, { publicKey: key.publicPem }, by);
  });
  afterAll(async () => store?.close());

  it('stores a seal set in one call and reads back exactly the same seals', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/app:1', filesPerFacet: 20 });
    const result = await storeSealSet(store, T, set, by);
    expect(result.stored).toHaveLength(6);
    expect(result.alreadyStored).toEqual([]);
    const back = await loadSealSetByDigest(store, T, set.imageDigest);
    expect(back?.seals.map((s) => s.manifest.facetId).sort()).toEqual(
      set.seals.map((s) => s.manifest.facetId).sort(),
    );
    for (const seal of set.seals) {
      expect(back?.seals.find((s) => s.sealId === seal.sealId)).toEqual(seal);
      expect(await loadSeal(store, T, seal.sealId)).toEqual(seal);
    }
    expect(back?.imageDigest).toBe(set.imageDigest);
    expect(back?.configDigest).toBe(set.configDigest);
  });

  it('finds seals by config digest when the manifest digest is unknown (docker save -> push)', async () => {
    const set = await signedSealSet(key, { imageRef: 'docker-archive:/tmp/app.tar:app:2' });
    await storeSealSet(store, T, set, by);
    expect((await loadSealSetByConfigDigest(store, T, set.configDigest))?.imageDigest).toBe(set.imageDigest);
    const found = await findSealSet(store, T, {
      imageDigest: `sha256:${'9'.repeat(64)}`,
      configDigest: set.configDigest,
    });
    expect(found?.imageDigest).toBe(set.imageDigest);
    expect(await findSealSet(store, T, { imageDigest: `sha256:${'9'.repeat(64)}` })).toBeUndefined();
  });

  it('storing the same set again is accepted as already stored', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/app:3' });
    await storeSealSet(store, T, set, by);
    const again = await storeSealSet(store, T, set, by);
    expect(again.stored).toEqual([]);
    expect(again.alreadyStored).toHaveLength(6);
  });

  it('a different seal of an already sealed facet is SEAL_CONFLICT and stores nothing of the set', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/app:4', seed: 'a' });
    await storeSealSet(store, T, { ...set, seals: set.seals.slice(0, 1) }, by);
    const other = await signedSealSet(key, {
      imageRef: 'registry.test/app:4',
      imageDigest: set.imageDigest,
      configDigest: set.configDigest,
      seed: 'b',
    });
    expect(await codeOf(storeSealSet(store, T, other, by))).toBe('SEAL_CONFLICT');
    expect((await loadSealSetByDigest(store, T, set.imageDigest))?.seals).toHaveLength(1);
  });

  it('a seal with a bad signature: its SealError code, nothing stored, a seal.reject audit row', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/app:5' });
    const [first, ...rest] = set.seals;
    const sig = Buffer.from(first!.envelope.signatures[0]!.sig, 'base64');
    sig[0] = sig[0]! ^ 0xff;
    const forged = {
      ...first!,
      envelope: {
        ...first!.envelope,
        signatures: [{ ...first!.envelope.signatures[0]!, sig: sig.toString('base64') }],
      },
    };
    const correlationId = 'corr-bad-signature';
    expect(
      await codeOf(
        storeSealSet(store, T, { ...set, seals: [...rest, forged] }, { actor: 'ci', correlationId }),
      ),
    ).toBe('SEAL_SIGNATURE_UNTRUSTED');
    expect(await loadSealSetByDigest(store, T, set.imageDigest)).toBeUndefined();
    const audit = await listAudit(store.db, T, { correlationId });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'seal.reject',
      actor: 'ci',
      details: { imageDigest: set.imageDigest, sealId: forged.sealId, code: 'SEAL_SIGNATURE_UNTRUSTED' },
    });
  });

  it("a seal signed by a key outside the tenant's keyring is refused; another tenant's keyring does not count", async () => {
    const stranger = testKey();
    await addTrustedKey(store.db, OTHER, { publicKey: stranger.publicPem }, by);
    const set = await signedSealSet(stranger, { imageRef: 'registry.test/app:6' });
    expect(await codeOf(storeSealSet(store, T, set, by))).toBe('SEAL_SIGNATURE_UNTRUSTED');
    expect(await loadSealSetByDigest(store, T, set.imageDigest)).toBeUndefined();
    // The same set is fine for the tenant that trusts the key, and invisible to the first tenant.
    await storeSealSet(store, OTHER, set, by);
    expect(await loadSealSetByDigest(store, T, set.imageDigest)).toBeUndefined();
    expect(await loadSeal(store, T, set.seals[0]!.sealId)).toBeUndefined();
  });

  it('an archived key verifies seals made inside its window and refuses seals made after it', async () => {
    const old = testKey('ecdsa-p256');
    await addTrustedKey(store.db, T, { publicKey: old.publicPem, notBefore: '2020-01-01T00:00:00.000Z' }, by);
    await setTrustedKeyStatus(
      store.db,
      T,
      old.signer.keyId,
      { status: 'archived', notAfter: '2024-06-01T00:00:00.000Z' },
      by,
    );
    const inside = await signedSealSet(old, {
      imageRef: 'registry.test/app:7',
      sealedAt: '2024-05-01T00:00:00.000Z',
    });
    const after = await signedSealSet(old, {
      imageRef: 'registry.test/app:8',
      sealedAt: '2024-07-01T00:00:00.000Z',
    });
    expect((await storeSealSet(store, T, inside, by)).stored).toHaveLength(6);
    expect(await codeOf(storeSealSet(store, T, after, by))).toBe('SEAL_KEY_OUTSIDE_WINDOW');
  });

  it("a seal id already stored for another tenant is SEAL_CONFLICT, which says nothing about that tenant's data", async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/app:12' });
    await addTrustedKey(store.db, OTHER, { publicKey: key.publicPem }, by);
    await storeSealSet(store, OTHER, set, by);
    expect(await codeOf(storeSealSet(store, T, set, by))).toBe('SEAL_CONFLICT');
    expect(await loadSealSetByDigest(store, T, set.imageDigest)).toBeUndefined();
  });

  it('a set whose seals are of different images is SEAL_SET_INVALID', async () => {
    const a = await signedSealSet(key, { imageRef: 'registry.test/app:9' });
    const b = await signedSealSet(key, { imageRef: 'registry.test/app:10' });
    expect(await codeOf(storeSealSet(store, T, { ...a, seals: [a.seals[0]!, b.seals[1]!] }, by))).toBe(
      'SEAL_SET_INVALID',
    );
  });

  it('lists seal summaries newest first, filtered by image', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/app:11' });
    await storeSealSet(store, T, set, by);
    const listed = await listSealSummaries(store, T, { imageDigest: set.imageDigest });
    expect(listed.map((s) => s.sealId).sort()).toEqual(set.seals.map((s) => s.sealId).sort());
    expect(listed[0]?.imageRef).toBe('registry.test/app:11');
    expect(listed[0]?.manifestCas).toMatch(/^cas:sha256:[0-9a-f]{64}$/);
    expect((await listSealSummaries(store, T, { limit: 2 })).length).toBe(2);
  });
});
