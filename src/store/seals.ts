import { z } from 'zod';
import type { FacetManifest } from '../model/manifest.ts';
import type { DsseEnvelope, FacetSeal, SealSet } from '../model/seal.ts';
import type { SealSummary } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { readManifests, type EncodedManifest } from './cas/manifest-cas.ts';
import type { Sql } from './db.ts';
import { StoreError } from './errors.ts';
import { EnvelopeRow, parseRow, SEAL_COLUMNS, SealSummaryRow } from './rows.ts';
import type { Store } from './store.ts';

/**
 * The seal rows: one per facet of an image digest (seed §4.3). The manifest's files live in the CAS
 * under `manifest_cas`; the row keeps the envelope, so a stored seal can be verified again at any time.
 */

/** A verified seal ready to insert: its manifest already encoded for the CAS, its place in the set. */
export interface SealToInsert {
  readonly seal: FacetSeal;
  readonly manifest: EncodedManifest;
  readonly position: number;
}

const SEAL_INSERT_COLUMNS = `seal_id, tenant, image_ref, image_digest, config_digest, facet_id, facet_type,
  merkle_root, file_count, total_bytes, sealed_at, sealed_by, quota_json, manifest_cas, dsse_envelope,
  root_envelope, facet_definitions_digest, facet_position`;

/**
 * Inserts verified seals and their manifests inside the caller's transaction: the manifests in one
 * statement, the seal rows in another, whatever the number of facets.
 */
export async function insertSeals(
  sql: Sql,
  store: Store,
  tenant: Tenant,
  seals: readonly SealToInsert[],
  facetDefinitionsDigest: string | undefined,
): Promise<void> {
  if (seals.length === 0) return;
  await store.cas.put(
    sql,
    tenant,
    seals.map((s) => s.manifest),
  );
  const params: unknown[] = [];
  const tuples = seals.map(({ seal, manifest, position }) => {
    const first = params.length + 1;
    params.push(
      seal.sealId,
      tenant,
      seal.imageRef,
      seal.imageDigest,
      seal.configDigest,
      seal.manifest.facetId,
      seal.manifest.type,
      seal.manifest.merkleRoot,
      seal.manifest.fileCount,
      seal.manifest.totalBytes,
      seal.sealedAt,
      seal.sealedBy,
      seal.appliedQuota === null ? null : JSON.stringify(seal.appliedQuota),
      manifest.key,
      JSON.stringify(seal.envelope),
      seal.rootEnvelope === undefined ? null : JSON.stringify(seal.rootEnvelope),
      facetDefinitionsDigest ?? null,
      position,
    );
    const p = (k: number) => `$${first + k}`;
    return `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)},
      ${p(12)}::jsonb, ${p(13)}, ${p(14)}::jsonb, ${p(15)}::jsonb, ${p(16)}, ${p(17)})`;
  });
  await sql.query(`INSERT INTO facet_seals (${SEAL_INSERT_COLUMNS}) VALUES ${tuples.join(', ')}`, params);
}

export async function summariesByImageDigest(
  sql: Sql,
  tenant: Tenant,
  imageDigest: string,
): Promise<SealSummary[]> {
  const rows = await sql.query(
    `SELECT ${SEAL_COLUMNS} FROM facet_seals WHERE tenant = $1 AND image_digest = $2 ORDER BY facet_position, facet_id`,
    [tenant, imageDigest],
  );
  return rows.map((r) => parseRow(SealSummaryRow, r, 'facet_seals'));
}

/** The image digest most recently sealed with this config digest (SPEC §3: the identity that survives). */
export async function imageDigestForConfig(
  sql: Sql,
  tenant: Tenant,
  configDigest: string,
): Promise<string | undefined> {
  const rows = await sql.query(
    `SELECT image_digest FROM facet_seals WHERE tenant = $1 AND config_digest = $2
     ORDER BY sealed_at DESC, image_digest LIMIT 1`,
    [tenant, configDigest],
  );
  return rows[0] === undefined ? undefined : parseRow(DigestRow, rows[0], 'facet_seals').image_digest;
}

const DigestRow = z.object({ image_digest: z.string() });

/** Stored image digests whose seals were made from exactly this image reference, newest first. */
export async function imageDigestsForRef(sql: Sql, tenant: Tenant, imageRef: string): Promise<string[]> {
  const rows = await sql.query(
    `SELECT image_digest, max(sealed_at) AS at FROM facet_seals WHERE tenant = $1 AND image_ref = $2
     GROUP BY image_digest ORDER BY at DESC, image_digest`,
    [tenant, imageRef],
  );
  return rows.map((r) => parseRow(DigestRow, r, 'facet_seals').image_digest);
}

/** Full seals (envelopes and manifests from the CAS, each re-hashed) for the given summaries. */
export async function loadSeals(
  sql: Sql,
  store: Store,
  tenant: Tenant,
  summaries: readonly SealSummary[],
): Promise<FacetSeal[]> {
  if (summaries.length === 0) return [];
  // One after the other: a transaction is one connection (and PGlite has only one).
  const manifests = await loadManifests(sql, store, tenant, summaries);
  const envelopes = await loadEnvelopes(
    sql,
    tenant,
    summaries.map((s) => s.sealId),
  );
  return summaries.map((s, i) => {
    const envelope = envelopes.get(s.sealId);
    if (envelope === undefined)
      throw new StoreError('SEAL_NOT_FOUND', `seal ${s.sealId} vanished while read`);
    return {
      sealId: s.sealId,
      imageRef: s.imageRef,
      imageDigest: s.imageDigest,
      configDigest: s.configDigest,
      manifest: manifests[i]!,
      sealedAt: s.sealedAt,
      sealedBy: s.sealedBy,
      appliedQuota: s.appliedQuota,
      envelope: envelope.envelope,
      ...(envelope.rootEnvelope === null ? {} : { rootEnvelope: envelope.rootEnvelope }),
    };
  });
}

/**
 * The manifests of the given seals, in order, each re-hashed against its key and checked against its
 * row (facet, root, counts): a CAS entry swapped for another valid manifest is CAS_MISMATCH.
 */
export async function loadManifests(
  sql: Sql,
  store: Store,
  tenant: Tenant,
  summaries: readonly SealSummary[],
): Promise<FacetManifest[]> {
  const byKey = await readManifests(
    sql,
    store.cas,
    tenant,
    summaries.map((s) => s.manifestCas),
    store.manifestCache,
  );
  return summaries.map((s) => checkManifestOfSeal(s, byKey.get(s.manifestCas)!));
}

/** A CAS entry swapped for another valid manifest is CAS_MISMATCH: facet, root and counts must agree. */
export function checkManifestOfSeal(s: SealSummary, manifest: FacetManifest): FacetManifest {
  if (
    manifest.facetId !== s.facetId ||
    manifest.type !== s.facetType ||
    manifest.merkleRoot !== s.merkleRoot ||
    manifest.fileCount !== s.fileCount ||
    manifest.totalBytes !== s.totalBytes
  )
    throw new StoreError(
      'CAS_MISMATCH',
      `stored manifest ${s.manifestCas} does not belong to seal ${s.sealId} (facet ${s.facetId}, root ${s.merkleRoot})`,
    );
  return manifest;
}

async function loadEnvelopes(
  sql: Sql,
  tenant: Tenant,
  sealIds: readonly string[],
): Promise<Map<string, { envelope: DsseEnvelope; rootEnvelope: DsseEnvelope | null }>> {
  const rows = await sql.query(
    'SELECT seal_id, dsse_envelope, root_envelope FROM facet_seals WHERE tenant = $1 AND seal_id = ANY($2::uuid[])',
    [tenant, sealIds],
  );
  return new Map(
    rows
      .map((r) => parseRow(EnvelopeRow, r, 'facet_seals'))
      .map((r) => [r.seal_id, { envelope: r.dsse_envelope, rootEnvelope: r.root_envelope }]),
  );
}

/** A seal set as `stella seal` writes it, from stored seals of one image digest. */
export function sealSetOf(
  summaries: readonly SealSummary[],
  seals: readonly FacetSeal[],
): SealSet | undefined {
  const first = seals[0];
  if (first === undefined) return undefined;
  const newest = seals.reduce((a, b) => (b.sealedAt > a.sealedAt ? b : a), first);
  const digests = new Set(summaries.map((s) => s.facetDefinitionsDigest));
  const [only] = digests;
  return {
    imageRef: newest.imageRef,
    imageDigest: newest.imageDigest,
    configDigest: newest.configDigest,
    seals: [...seals],
    // Seals stored at different times with different definitions have no one digest.
    ...(digests.size === 1 && only !== null && only !== undefined ? { facetDefinitionsDigest: only } : {}),
  };
}

export interface SealListQuery {
  readonly imageDigest?: string | undefined;
  readonly facetId?: string | undefined;
  readonly limit?: number | undefined;
}

export function listSealSummaries(
  store: Store,
  tenant: Tenant,
  query: SealListQuery = {},
): Promise<SealSummary[]> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  return store.db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `SELECT ${SEAL_COLUMNS} FROM facet_seals
       WHERE tenant = $1 AND ($2::text IS NULL OR image_digest = $2) AND ($3::text IS NULL OR facet_id = $3)
       ORDER BY sealed_at DESC, seal_id LIMIT $4`,
      [tenant, query.imageDigest ?? null, query.facetId ?? null, limit],
    );
    return rows.map((r) => parseRow(SealSummaryRow, r, 'facet_seals'));
  });
}

export async function summaryById(
  sql: Sql,
  tenant: Tenant,
  sealId: string,
): Promise<SealSummary | undefined> {
  if (!UUID.test(sealId)) return undefined;
  const rows = await sql.query(`SELECT ${SEAL_COLUMNS} FROM facet_seals WHERE tenant = $1 AND seal_id = $2`, [
    tenant,
    sealId,
  ]);
  return rows[0] === undefined ? undefined : parseRow(SealSummaryRow, rows[0], 'facet_seals');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
