import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZastavaError } from '../../src/model/errors.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { listAudit } from '../../src/store/audit.ts';
import { listDrift, recordDrift } from '../../src/store/drift-history.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { listVex, submitVex } from '../../src/store/vex.ts';
import { driftsBetween, signedSealSet, signedVex, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

const T = Tenant.parse('drift');
const U = Tenant.parse('drift-other');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isZastavaError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

describe.each(BACKENDS)('drift history and VEX statements on %s', (backend) => {
  let store: TestStore;
  let key: TestKey;
  let v1: SealSet;
  let v2: SealSet;

  beforeAll(async () => {
    store = await openTestStore(backend);
    key = testKey();
    for (const t of [T, U])
      await addTrustedKey(store.db, t, { publicKey: key.publicPem }, { actor: 'a', correlationId: 'k' });
    v1 = await signedSealSet(key, { imageRef: 'registry.test/d/app:1' });
    v2 = await signedSealSet(key, { imageRef: 'registry.test/d/app:2' });
    for (const set of [v1, v2]) await storeSealSet(store, T, set, { actor: 'ci', correlationId: 's' });
  });
  afterAll(async () => store?.close());

  it('records drift per facet with an audit row carrying the correlation id, once per seal pair', async () => {
    const drifts = driftsBetween(v1, v2);
    const first = await recordDrift(
      store,
      T,
      drifts,
      { actor: 'webhook', correlationId: 'review-uid-1' },
      { decision: 'Warn' },
    );
    expect(first.driftIds).toHaveLength(6);
    const again = await recordDrift(store, T, drifts, { actor: 'webhook', correlationId: 'review-uid-2' });
    expect(again.driftIds).toEqual(first.driftIds);
    const rows = await listDrift(store, T, { imageDigest: v2.imageDigest });
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.facetId === 'os')).toMatchObject({
      score: drifts[0]!.score,
      quotaVerdict: drifts[0]!.quotaVerdict,
    });
    expect(await listAudit(store.db, T, { correlationId: 'review-uid-1' })).toMatchObject([
      { action: 'drift.record', actor: 'webhook', details: { decision: 'Warn' } },
    ]);
    expect(await listAudit(store.db, T, { correlationId: 'review-uid-2' })).toHaveLength(1);
  });

  it("refuses drift that refers to another tenant's seals (foreign keys do not see RLS, the store does)", async () => {
    const drifts = driftsBetween(v1, v2);
    expect(await codeOf(recordDrift(store, U, drifts, { actor: 'x', correlationId: 'x' }))).toBe(
      'SEAL_NOT_FOUND',
    );
    expect(await listDrift(store, U)).toEqual([]);
  });

  it('stores a VEX document whose envelope a trusted key signed, and lists it by image and facet', async () => {
    const vex = await signedVex(key, v2.imageDigest, 'os');
    const record = await submitVex(
      store,
      T,
      { imageDigest: v2.imageDigest, facetId: 'os', envelope: vex.envelope },
      { actor: 'sec', correlationId: 'vex-1' },
    );
    expect(record.document).toEqual(vex.document);
    expect(await listVex(store, T, { imageDigest: v2.imageDigest, facetId: 'os' })).toEqual([record]);
    expect(await listVex(store, T, { imageDigest: v2.imageDigest, facetId: 'binary' })).toEqual([]);
    expect(await listVex(store, U, { imageDigest: v2.imageDigest })).toEqual([]);
  });

  it('refuses VEX from an untrusted key, or a document that is not the signed one, with an audit row', async () => {
    const stranger = testKey();
    const bad = await signedVex(stranger, v2.imageDigest, 'os');
    expect(
      await codeOf(
        submitVex(
          store,
          T,
          { imageDigest: v2.imageDigest, envelope: bad.envelope },
          { actor: 'sec', correlationId: 'vex-bad' },
        ),
      ),
    ).toBe('DSSE_SIGNATURE_UNTRUSTED');
    const good = await signedVex(key, v2.imageDigest, 'os');
    expect(
      await codeOf(
        submitVex(
          store,
          T,
          {
            imageDigest: v2.imageDigest,
            envelope: good.envelope,
            document: { ...good.document, author: 'someone else' },
          },
          { actor: 'sec', correlationId: 'vex-bad' },
        ),
      ),
    ).toBe('VEX_PAYLOAD_MISMATCH');
    const audit = await listAudit(store.db, T, { correlationId: 'vex-bad' });
    expect(audit.map((a) => a.action)).toEqual(['vex.reject', 'vex.reject']);
  });
});
