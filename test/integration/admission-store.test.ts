import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAdmission } from '../../src/admission/decide.ts';
import { DecisionCache } from '../../src/admission/decision-cache.ts';
import type { AdmissionPorts } from '../../src/admission/ports.ts';
import { podRequest, manualClock, policy } from '../../src/admission/test-ports.ts';
import { computeDriftFromSeals, quotaSourcesOf } from '../../src/admission/wiring/drift-port.ts';
import { ADMISSION_AUDIT_ACTION, storeAdmissionPorts } from '../../src/admission/wiring/store-ports.ts';
import { driftBetweenSeals } from '../../src/drift/from-seals.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { listAudit } from '../../src/store/audit.ts';
import { approveBaseline } from '../../src/store/baselines.ts';
import { listDrift } from '../../src/store/drift-history.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { submitVex } from '../../src/store/vex.ts';
import { PLACEHOLDER_IMPACT } from '../../src/vex/acknowledgement.ts';
import { generateVex } from '../../src/vex/generate.ts';
import { signVex } from '../../src/vex/sign.ts';
import { FACETS, files, manifestOf, signedSealSet, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

const T = Tenant.parse('shop');
const REPO = 'registry.test/shop/app';
const by = { actor: 'test', correlationId: 'setup' };

/** The seals of an image whose `binary` facet has `binaryFiles` files; the other facets never change. */
function setSpec(tag: string, binarySeed: string) {
  return {
    imageRef: `${REPO}:${tag}`,
    manifests: FACETS.map((f) =>
      manifestOf(f.facetId, f.type, files(`/${f.facetId}`, 4, f.facetId === 'binary' ? binarySeed : 'same')),
    ),
  };
}

describe.each(BACKENDS)('admission against the store on %s', (backend) => {
  let store: TestStore;
  let key: TestKey;
  let v1: SealSet;
  let v2: SealSet;
  let ports: AdmissionPorts;
  const cache = new DecisionCache({ maxEntries: 100, ttlMs: 60_000 });

  beforeAll(async () => {
    store = await openTestStore(backend);
    key = testKey();
    await addTrustedKey(store.db, T, { publicKey: key.publicPem }, by);
    v1 = await signedSealSet(key, setSpec('1', 'v1'));
    v2 = await signedSealSet(key, setSpec('2', 'v2'));
    for (const set of [v1, v2]) await storeSealSet(store, T, set, by);
    await approveBaseline(store, T, { repository: REPO, imageDigest: v1.imageDigest }, by);
    ports = {
      ...storeAdmissionPorts(store),
      clock: manualClock(),
      cache,
      computeDrift: computeDriftFromSeals,
      resolveDigest: () => Promise.resolve(v2.imageDigest),
      resolvePolicy: () =>
        policy({ tenant: T, quotas: { binary: { maxChangedFiles: 1, onExceed: 'RequireVex' } } }),
    };
  });
  afterAll(async () => store?.close());

  const decide = (uid: string, dryRun = false) =>
    decideAdmission(
      podRequest([`${REPO}:2`], { uid, dryRun }),
      { deadline: 2_000_000, defaults: { tenant: T, onError: 'deny' } },
      ports,
    );

  it('denies drift over a RequireVex quota with the vex gen command, recording it under the uid', async () => {
    const outcome = await decide('uid-deny');
    expect(outcome.result.allowed).toBe(false);
    // the policy's limit, the default churn limit the drift also exceeded, and the action
    expect(outcome.result.requiredVexStatement).toBe(
      `stella vex gen --from-drift ${REPO}@${v1.imageDigest} ${REPO}@${v2.imageDigest}` +
        ' --facet binary --quota binary:maxChurnPercent=5,maxChangedFiles=1,onExceed=RequireVex',
    );
    expect(outcome.result.message).toMatch(/facet binary: .*MaxChangedFiles 4 > limit 1/);
    expect(outcome.recorded).toBe(true);
    const audit = await listAudit(store.db, T, { correlationId: 'uid-deny' });
    expect(audit.map((a) => a.action).sort()).toEqual([ADMISSION_AUDIT_ACTION, 'drift.record']);
    expect(audit.find((a) => a.action === ADMISSION_AUDIT_ACTION)?.details).toMatchObject({ allowed: false });
    expect((await listDrift(store, T, { imageDigest: v2.imageDigest })).length).toBe(FACETS.length);
  });

  it('writes nothing for a dry run', async () => {
    const outcome = await decide('uid-dry', true);
    expect(outcome.result.allowed).toBe(false);
    expect(await listAudit(store.db, T, { correlationId: 'uid-dry' })).toEqual([]);
  });

  it('allows once a signed VEX acknowledging the drift is submitted (and the cache invalidated)', async () => {
    const identity = (set: SealSet) => ({
      imageRef: set.imageRef,
      imageDigest: set.imageDigest,
      configDigest: set.configDigest,
    });
    const resolved = await ports.resolvePolicy({ namespace: 'shop', repository: REPO, image: `${REPO}:2` });
    const report = driftBetweenSeals(
      { identity: identity(v1), seals: v1.seals },
      { identity: identity(v2), seals: v2.seals },
      quotaSourcesOf(resolved, v1.seals),
    );
    const draft = generateVex(report, {
      author: 'test',
      now: new Date('2026-01-01T00:00:00.000Z'),
      id: 'urn:uuid:1',
    });
    const reviewed = JSON.parse(
      JSON.stringify(draft).replaceAll(PLACEHOLDER_IMPACT, 'rebuilt with a patched compiler'),
    ) as unknown;
    const envelope = await signVex(reviewed, key.signer);
    await submitVex(store, T, { imageDigest: v2.imageDigest, facetId: 'binary', envelope }, by);
    cache.invalidate({ kind: 'vex', tenant: T, imageDigest: v2.imageDigest });
    const outcome = await decide('uid-allow');
    expect(outcome.result.allowed).toBe(true);
    expect(outcome.result.warnings.join('\n')).toContain('facet binary drift acknowledged by VEX');
  });

  it('allows the baseline image itself', async () => {
    const outcome = await decideAdmission(
      podRequest([`${REPO}@${v1.imageDigest}`], { uid: 'uid-base' }),
      { deadline: 2_000_000, defaults: { tenant: T, onError: 'deny' } },
      { ...ports, resolveDigest: () => Promise.resolve(v1.imageDigest) },
    );
    expect(outcome.result).toMatchObject({ allowed: true, warnings: [] });
  });
});
