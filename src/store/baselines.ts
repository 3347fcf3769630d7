import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FacetManifest } from '../model/manifest.ts';
import type { SealSet } from '../model/seal.ts';
import type { Approval, SealSummary } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { appendAudit } from './audit.ts';
import type { CasKey } from './cas/cas.ts';
import { casMissing, readManifests, verifiedManifest } from './cas/manifest-cas.ts';
import type { Sql } from './db.ts';
import { notifyCacheInvalidation } from './cache-notice.ts';
import { StoreError } from './errors.ts';
import { APPROVAL_COLUMNS, ApprovalRow, parseRow, SealSummaryRow } from './rows.ts';
import { sealSetIn } from './seal-sets.ts';
import { checkManifestOfSeal, summariesByImageDigest } from './seals.ts';
import type { Actor, Store } from './store.ts';

export interface ApprovalRequest {
  /** Registry + repository without tag or digest (`repositoryOf` in src/image/reference.ts). */
  readonly repository: string;
  readonly imageDigest: string;
  readonly reason?: string | undefined;
}

/**
 * Approves an image digest as its repository's baseline (SPEC §8). Only a digest whose seals are stored
 * for the tenant can be approved: a baseline without seals would judge nothing. Approvals are appended,
 * never edited; approving an older digest again makes it the baseline again. Sends a NOTIFY on commit.
 */
export function approveBaseline(
  store: Store,
  tenant: Tenant,
  request: ApprovalRequest,
  by: Actor,
): Promise<Approval> {
  return store.db.withTenant(tenant, async (sql) => {
    const seals = await summariesByImageDigest(sql, tenant, request.imageDigest);
    if (seals.length === 0)
      throw new StoreError(
        'SEALS_NOT_FOUND',
        `no seals of image ${request.imageDigest} are stored for tenant ${tenant}`,
        {
          hint: 'store the image seals first (stella seal IMAGE --store, or POST /api/v1/seals)',
        },
      );
    const rows = await sql.query(
      `INSERT INTO facet_seal_approvals (approval_id, tenant, image_repository, image_digest, approved_by, reason,
         correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${APPROVAL_COLUMNS}`,
      [
        randomUUID(),
        tenant,
        request.repository,
        request.imageDigest,
        by.actor,
        request.reason ?? null,
        by.correlationId,
      ],
    );
    const approval = parseRow(ApprovalRow, rows[0]!, 'facet_seal_approvals');
    await appendAudit(sql, tenant, 'baseline.approve', by, {
      approvalId: approval.approvalId,
      repository: approval.repository,
      imageDigest: approval.imageDigest,
      reason: approval.reason,
      facets: seals.map((s) => s.facetId),
    });
    // Webhook replicas drop their cached latest approval of this repository
    // (src/admission/baseline-cache.ts); delivered on commit only.
    await notifyCacheInvalidation(sql, { kind: 'baseline', tenant, repository: approval.repository });
    return approval;
  });
}

/**
 * The repository's latest approval: the most recent `approved_at` (the database's clock, so replicas
 * agree), ties broken by insertion order.
 */
export async function latestApprovalIn(
  sql: Sql,
  tenant: Tenant,
  repository: string,
): Promise<Approval | undefined> {
  const rows = await sql.query(
    `SELECT ${APPROVAL_COLUMNS} FROM facet_seal_approvals WHERE tenant = $1 AND image_repository = $2
     ORDER BY approved_at DESC, seq DESC LIMIT 1`,
    [tenant, repository],
  );
  return rows[0] === undefined ? undefined : parseRow(ApprovalRow, rows[0], 'facet_seal_approvals');
}

export function latestApproval(
  store: Store,
  tenant: Tenant,
  repository: string,
): Promise<Approval | undefined> {
  return store.db.withTenant(tenant, (sql) => latestApprovalIn(sql, tenant, repository));
}

export interface ApprovalQuery {
  readonly repository?: string | undefined;
  readonly imageDigest?: string | undefined;
  readonly limit?: number | undefined;
}

/** Approvals newest first (the history `stella baseline show --history` prints). */
export function listApprovals(store: Store, tenant: Tenant, query: ApprovalQuery = {}): Promise<Approval[]> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  return store.db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `SELECT ${APPROVAL_COLUMNS} FROM facet_seal_approvals
       WHERE tenant = $1 AND ($2::text IS NULL OR image_repository = $2) AND ($3::text IS NULL OR image_digest = $3)
       ORDER BY approved_at DESC, seq DESC LIMIT $4`,
      [tenant, query.repository ?? null, query.imageDigest ?? null, limit],
    );
    return rows.map((r) => parseRow(ApprovalRow, r, 'facet_seal_approvals'));
  });
}

export interface Baseline {
  readonly approval: Approval;
  readonly sealSet: SealSet;
}

/** The repository's baseline (SPEC §8): the seals of its latest approved digest, envelopes included. */
export function latestApprovedBaseline(
  store: Store,
  tenant: Tenant,
  repository: string,
): Promise<Baseline | undefined> {
  return store.db.withTenant(tenant, async (sql) => {
    const approval = await latestApprovalIn(sql, tenant, repository);
    if (approval === undefined) return undefined;
    const sealSet = await sealSetIn(sql, store, tenant, approval.imageDigest);
    if (sealSet === undefined)
      throw new StoreError(
        'SEALS_NOT_FOUND',
        `the approved image ${approval.imageDigest} of ${repository} has no seals`,
      );
    return { approval, sealSet };
  });
}

/** A baseline facet as drift needs it: the stored seal's fields and its manifest, no envelope. */
export interface BaselineFacet {
  readonly seal: SealSummary;
  readonly manifest: FacetManifest;
}

export interface BaselineManifests {
  readonly approval: Approval;
  readonly facets: readonly BaselineFacet[];
}

/**
 * The webhook's fast path: the latest approval and its manifests (each re-hashed), without the DSSE
 * envelopes, which were verified when the seals were stored and would double the bytes read. ONE round
 * trip (`zastava_baseline_manifests`, migration 0007): the approval, its seal rows and, from the
 * PostgreSQL CAS, either the stored bytes or, when a manifest cache is given, only the SHA-256 of the
 * stored bytes, computed by the database as it reads them; a manifest whose stored bytes hash as the
 * ones the cache decoded and verified is answered from it, any other is fetched and verified (a second
 * round trip, on a cache miss only).
 */
export async function latestApprovedManifests(
  store: Store,
  tenant: Tenant,
  repository: string,
): Promise<BaselineManifests | undefined> {
  const cache = store.manifestCache;
  const read = store.cas.kind !== 'postgres' ? 'none' : cache === undefined ? 'content' : 'digest';
  const rows = await store.db.callScoped('SELECT * FROM zastava_baseline_manifests($1, $2, $3)', [
    tenant,
    repository,
    read,
  ]);
  if (rows[0] === undefined) return undefined;
  const approval = parseRow(ApprovalRow, rows[0], 'facet_seal_approvals');
  if (rows[0].seal_id === null) return { approval, facets: [] };
  const seals = rows.map((r) => parseRow(SealSummaryRow, r, 'facet_seals'));
  const found = new Map<CasKey, FacetManifest>();
  const missing: CasKey[] = [];
  for (const [i, seal] of seals.entries()) {
    const key = seal.manifestCas;
    const stored = parseRow(StoredManifestColumns, rows[i]!, 'facet_manifests');
    if (read === 'content') {
      if (stored.stored_content === null) throw casMissing(key, store.cas.kind);
      found.set(key, await verifiedManifest(tenant, key, Buffer.from(stored.stored_content, 'base64')));
    } else {
      if (read === 'digest' && stored.stored_digest === null) throw casMissing(key, store.cas.kind);
      const hit = stored.stored_digest === null ? undefined : cache?.get(tenant, key, stored.stored_digest);
      if (hit === undefined) missing.push(key);
      else found.set(key, hit);
    }
  }
  if (missing.length > 0) {
    const fetched = await store.db.withTenant(tenant, (sql) =>
      readManifests(sql, store.cas, tenant, missing, cache),
    );
    for (const [key, manifest] of fetched) found.set(key, manifest);
  }
  return {
    approval,
    facets: seals.map((seal) => ({
      seal,
      manifest: checkManifestOfSeal(seal, found.get(seal.manifestCas)!),
    })),
  };
}

/** The CAS columns of `zastava_baseline_manifests`: one of them, as the read mode asks. */
const StoredManifestColumns = z.object({
  stored_digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  stored_content: z.string().nullable(),
});
