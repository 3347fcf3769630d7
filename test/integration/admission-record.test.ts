import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAdmission } from '../../src/admission/decide.ts';
import type { AdmissionPorts } from '../../src/admission/ports.ts';
import { manualClock, podRequest, policy } from '../../src/admission/test-ports.ts';
import { computeDriftFromSeals } from '../../src/admission/wiring/drift-port.ts';
import { ADMISSION_AUDIT_ACTION, storeAdmissionPorts } from '../../src/admission/wiring/store-ports.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { listAudit } from '../../src/store/audit.ts';
import { approveBaseline } from '../../src/store/baselines.ts';
import { listDrift } from '../../src/store/drift-history.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { FACETS, files, manifestOf, signedSealSet, testKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

// The store ports on the webhook's hot path: baselines of one review read in one batch, and a seal pair's
// drift row written once, later decisions naming it in their own audit entry.

const T = Tenant.parse('shop');
const by = { actor: 'test', correlationId: 'setup' };
const WEB = 'registry.test/shop/web';
const API = 'registry.test/shop/api';
const NEW = 'registry.test/shop/new';

function setSpec(tag: string, seed: string) {
  return {
    imageRef: `${WEB}:${tag}`,
    manifests: FACETS.map((f) =>
      manifestOf(f.facetId, f.type, files(`/${f.facetId}`, 4, f.facetId === 'config' ? seed : 'same')),
    ),
  };
}

describe.each(BACKENDS)('admission store ports on %s', (backend) => {
  let store: TestStore;
  let v1: SealSet;
  let v2: SealSet;
  let ports: AdmissionPorts;

  beforeAll(async () => {
    store = await openTestStore(backend);
    const key = testKey();
    await addTrustedKey(store.db, T, { publicKey: key.publicPem }, by);
    v1 = await signedSealSet(key, setSpec('1', 'v1'));
    v2 = await signedSealSet(key, setSpec('2', 'v2'));
    for (const set of [v1, v2]) await storeSealSet(store, T, set, by);
    await approveBaseline(store, T, { repository: WEB, imageDigest: v1.imageDigest }, by);
    await approveBaseline(store, T, { repository: API, imageDigest: v2.imageDigest }, by);
    ports = {
      ...storeAdmissionPorts(store),
      clock: manualClock(),
      computeDrift: computeDriftFromSeals,
      resolveDigest: (name) => Promise.resolve(name.tag === '1' ? v1.imageDigest : v2.imageDigest),
      resolvePolicy: () =>
        policy({ tenant: T, quotas: { config: { maxChangedFiles: 0, onExceed: 'Warn' } } }),
    };
  });
  afterAll(async () => store?.close());

  const decide = (uid: string, images: string[]) =>
    decideAdmission(
      podRequest(images, { uid }),
      { deadline: 2_000_000, defaults: { tenant: T, onError: 'deny' } },
      ports,
    );

  it("reads each image's own baseline when one review names several repositories", async () => {
    const outcome = await decide('uid-batch', [`${WEB}:2`, `${API}:2`, `${NEW}:2`, `${WEB}:1`]);
    const kinds = outcome.images.map((i) => [
      i.image,
      i.kind,
      i.kind === 'evaluated' ? i.baseline.imageDigest : null,
    ]);
    expect(kinds).toEqual([
      [`${WEB}:2`, 'evaluated', v1.imageDigest],
      [`${API}:2`, 'evaluated', v2.imageDigest],
      [`${NEW}:2`, 'no-baseline', null],
      [`${WEB}:1`, 'evaluated', v1.imageDigest],
    ]);
    expect(outcome.result.allowed).toBe(true);
  });

  it("writes a seal pair's drift rows once; a later decision names them in its audit entry", async () => {
    const first = await decide('uid-first', [`${WEB}:2`]);
    const second = await decide('uid-second', [`${WEB}:2`]);
    expect([first.recorded, second.recorded]).toEqual([true, true]);
    const rows = await listDrift(store, T, { imageDigest: v2.imageDigest });
    expect(rows).toHaveLength(FACETS.length);
    const actions = async (uid: string) =>
      (await listAudit(store.db, T, { correlationId: uid })).map((a) => a.action).sort();
    // The first decision on the pair in this process went through recordDrift ('uid-batch' above).
    expect(await actions('uid-batch')).toEqual([ADMISSION_AUDIT_ACTION, 'drift.record']);
    expect(await actions('uid-second')).toEqual([ADMISSION_AUDIT_ACTION]);
    const [entry] = await listAudit(store.db, T, { correlationId: 'uid-second' });
    const images = (entry?.details as { images: { driftIds?: string[] }[] }).images;
    expect([...(images[0]?.driftIds ?? [])].sort()).toEqual(rows.map((r) => r.driftId).sort());
  });
});
