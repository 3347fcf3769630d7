import type { FacetSeal, SealSet } from '../model/seal.ts';
import type { SealSummary } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { SealError } from '../seal/errors.ts';
import type { TrustStore } from '../seal/trust.ts';
import { verifySeal, type VerifiedSeal } from '../seal/verify.ts';
import { appendAudit, recordAudit } from './audit.ts';
import { claimedSeal } from './claimed-seal.ts';
import { encodeManifest, type EncodedManifest } from './cas/manifest-cas.ts';
import type { Sql } from './db.ts';
import { StoreError } from './errors.ts';
import {
  imageDigestForConfig,
  insertSeals,
  loadSeals,
  sealSetOf,
  summariesByImageDigest,
  summaryById,
  type SealToInsert,
} from './seals.ts';
import type { Actor, Store } from './store.ts';
import { readTrustedKeys, trustStoreOf } from './trusted-keys.ts';

export interface StoredSealSet {
  readonly imageDigest: string;
  /** Seals this call stored. */
  readonly stored: readonly string[];
  /** Seals of the set that were already stored, identical (same seal id or same Merkle root). */
  readonly alreadyStored: readonly string[];
}

/** A seal set whose seals are not parsed yet (an API body): `storeSealSet` verifies and parses each. */
export interface SealSetSubmission {
  readonly imageRef: string;
  readonly imageDigest: string;
  readonly configDigest: string;
  readonly facetDefinitionsDigest?: string | undefined;
  readonly seals: readonly unknown[];
}

export interface StoreSealSetOptions {
  /**
   * The keyring to verify against. Defaults to the tenant's keyring in the store (`facet_trusted_keys`),
   * which is what the CLI and the API use; pass one only to verify against a keyring file.
   */
  readonly trust?: TrustStore;
  /**
   * Told when each step ends: `keyring`, verifySeal's steps (`verify.*`, once per seal), `encode` (CAS
   * manifests), `rows` (the statements), `commit`. The store benchmark's phase clock.
   */
  readonly onPhase?: (phase: string) => void;
}

/**
 * Stores a seal set for a tenant, in ONE transaction (SPEC §15). Every seal is verified first (SPEC §7,
 * against the tenant's keyring): one that does not verify refuses the whole set with its SealError
 * code, nothing is stored, and a `seal.reject` audit row records why. A facet already sealed for the
 * digest with the same root is accepted as already stored; with another root it is SEAL_CONFLICT
 * (seals are superseded by new images, never replaced).
 */
export async function storeSealSet(
  store: Store,
  tenant: Tenant,
  submitted: SealSet | SealSetSubmission,
  by: Actor,
  options: StoreSealSetOptions = {},
): Promise<StoredSealSet> {
  if (submitted.seals.length === 0)
    throw new StoreError('SEAL_SET_INVALID', `seal set of ${submitted.imageRef}: it holds no seals`);
  const phase = options.onPhase ?? noPhase;
  const trust =
    options.trust ?? trustStoreOf(await store.db.withTenant(tenant, (sql) => readTrustedKeys(sql, tenant)));
  phase('keyring');
  // verifySeal parses each seal (it is the edge for them): what is stored is what it parsed.
  const verified: VerifiedSeal[] = [];
  // Each manifest is encoded as soon as its seal has verified: its compression runs in the thread pool
  // (on the other core) while the next seal is verified on this one.
  const encodings: Promise<EncodedManifest>[] = [];
  for (const input of submitted.seals) {
    try {
      const v = verifySeal(input, trust, { onPhase: phase });
      verified.push(v);
      const encoding = encodeManifest(v.seal.manifest, v.canonicalFiles);
      encoding.catch(() => undefined); // awaited below, unless a later seal is refused first
      encodings.push(encoding);
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      const claimed = claimedSeal(input);
      await recordAudit(store.db, tenant, 'seal.reject', by, {
        imageRef: submitted.imageRef,
        imageDigest: submitted.imageDigest,
        sealId: claimed.sealId ?? null,
        facetId: claimed.facetId ?? null,
        code: error.code,
        reason: error.message,
      });
      if (trust.allKeys().length === 0 && error.hint === undefined)
        throw new SealError(error.code, `${error.message} (tenant ${tenant} has no trusted keys)`, {
          cause: error,
          hint: `add the signing key to the tenant's keyring: stella db keys add PUB --tenant ${tenant}`,
        });
      throw error;
    }
  }
  const sealSet: SealSet = { ...submitted, seals: verified.map((v) => v.seal) };
  checkSetShape(sealSet);
  // Before the transaction, so no connection is held meanwhile; the entries are not serialised again
  // (the verified payload's files text is reused).
  const manifests = await Promise.all(encodings);
  phase('encode');
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await insertSealSet(store, tenant, sealSet, manifests, by, phase);
      phase('commit');
      return result;
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'DB_CONFLICT')) throw error;
      // Two submissions of one set at once: the loser sees the winner's rows on a second try.
      if (constraintOf(error) === 'uq_facet_seal' && attempt === 1) continue;
      // Seal ids are the table's primary key across tenants (seed §4.3): a seal id stored before, here
      // or for another tenant, cannot be stored again. Nothing is said about where it is.
      throw new StoreError(
        'SEAL_CONFLICT',
        `a seal of ${sealSet.imageRef} has an id that is already stored`,
        {
          cause: error,
          hint: 'seal ids are unique: seal the image again to store it for this tenant',
        },
      );
    }
  }
}

function noPhase(): void {}

function constraintOf(error: StoreError): string | undefined {
  const cause: unknown = error.cause;
  return typeof cause === 'object' &&
    cause !== null &&
    'constraint' in cause &&
    typeof cause.constraint === 'string'
    ? cause.constraint
    : undefined;
}

function insertSealSet(
  store: Store,
  tenant: Tenant,
  sealSet: SealSet,
  manifests: readonly EncodedManifest[],
  by: Actor,
  phase: (phase: string) => void,
): Promise<StoredSealSet> {
  return store.db.withTenant(tenant, async (sql) => {
    const existing = new Map(
      (await summariesByImageDigest(sql, tenant, sealSet.imageDigest)).map((s) => [s.facetId, s]),
    );
    const stored: string[] = [];
    const alreadyStored: string[] = [];
    const toInsert: SealToInsert[] = [];
    for (const [position, seal] of sealSet.seals.entries()) {
      const before = existing.get(seal.manifest.facetId);
      if (before !== undefined) {
        if (before.sealId === seal.sealId || before.merkleRoot === seal.manifest.merkleRoot) {
          alreadyStored.push(before.sealId);
          continue;
        }
        throw new StoreError(
          'SEAL_CONFLICT',
          `image ${sealSet.imageDigest} already has a seal of facet ${seal.manifest.facetId} (${before.sealId}) with root ${before.merkleRoot}, not ${seal.manifest.merkleRoot}`,
          { hint: 'stored seals are never replaced; a changed image has a new digest' },
        );
      }
      toInsert.push({ seal, manifest: manifests[position]!, position });
      stored.push(seal.sealId);
    }
    await insertSeals(sql, store, tenant, toInsert, sealSet.facetDefinitionsDigest);
    await appendAudit(sql, tenant, 'seal.store', by, {
      imageRef: sealSet.imageRef,
      imageDigest: sealSet.imageDigest,
      configDigest: sealSet.configDigest,
      stored,
      alreadyStored,
    });
    phase('rows');
    return { imageDigest: sealSet.imageDigest, stored, alreadyStored };
  });
}

function checkSetShape(sealSet: SealSet): void {
  const fail = (message: string): never => {
    throw new StoreError('SEAL_SET_INVALID', `seal set of ${sealSet.imageRef}: ${message}`);
  };
  if (sealSet.seals.length === 0) fail('it holds no seals');
  const facets = new Set<string>();
  for (const seal of sealSet.seals) {
    if (seal.imageDigest !== sealSet.imageDigest)
      fail(`seal ${seal.sealId} is of image ${seal.imageDigest}, the set of ${sealSet.imageDigest}`);
    if (seal.configDigest !== sealSet.configDigest)
      fail(`seal ${seal.sealId} has config ${seal.configDigest}, the set ${sealSet.configDigest}`);
    if (facets.has(seal.manifest.facetId)) fail(`facet ${seal.manifest.facetId} is sealed twice`);
    facets.add(seal.manifest.facetId);
  }
}

/** The stored seals of an image digest, manifests re-hashed; undefined when none is stored. */
export function loadSealSetByDigest(
  store: Store,
  tenant: Tenant,
  imageDigest: string,
): Promise<SealSet | undefined> {
  return store.db.withTenant(tenant, (sql) => sealSetIn(sql, store, tenant, imageDigest));
}

/** The seals of the image most recently sealed with this config digest (SPEC §3). */
export function loadSealSetByConfigDigest(
  store: Store,
  tenant: Tenant,
  configDigest: string,
): Promise<SealSet | undefined> {
  return store.db.withTenant(tenant, async (sql) => {
    const imageDigest = await imageDigestForConfig(sql, tenant, configDigest);
    return imageDigest === undefined ? undefined : sealSetIn(sql, store, tenant, imageDigest);
  });
}

/** What the webhook does (SPEC §11): by manifest digest, then by config digest. */
export function findSealSet(
  store: Store,
  tenant: Tenant,
  image: { imageDigest: string; configDigest?: string | undefined },
): Promise<SealSet | undefined> {
  return store.db.withTenant(tenant, async (sql) => {
    const byDigest = await sealSetIn(sql, store, tenant, image.imageDigest);
    if (byDigest !== undefined || image.configDigest === undefined) return byDigest;
    const imageDigest = await imageDigestForConfig(sql, tenant, image.configDigest);
    return imageDigest === undefined ? undefined : sealSetIn(sql, store, tenant, imageDigest);
  });
}

/** One stored seal by id, manifest re-hashed; undefined when the tenant has no such seal. */
export function loadSeal(store: Store, tenant: Tenant, sealId: string): Promise<FacetSeal | undefined> {
  return store.db.withTenant(tenant, async (sql) => {
    const summary = await summaryById(sql, tenant, sealId);
    if (summary === undefined) return undefined;
    const [seal] = await loadSeals(sql, store, tenant, [summary]);
    return seal;
  });
}

export async function sealSetIn(
  sql: Sql,
  store: Store,
  tenant: Tenant,
  imageDigest: string,
): Promise<SealSet | undefined> {
  const summaries: SealSummary[] = await summariesByImageDigest(sql, tenant, imageDigest);
  if (summaries.length === 0) return undefined;
  return sealSetOf(summaries, await loadSeals(sql, store, tenant, summaries));
}
