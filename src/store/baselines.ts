import { randomUUID } from 'node:crypto';
import type { FacetManifest } from '../model/manifest.ts';
import type { SealSet } from '../model/seal.ts';
import type { Approval, SealSummary } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { appendAudit } from './audit.ts';
import type { Sql } from './db.ts';
import { StoreError } from './errors.ts';
import { APPROVAL_COLUMNS, ApprovalRow, parseRow, SEAL_COLUMNS, SealSummaryRow } from './rows.ts';
import { sealSetIn } from './seal-sets.ts';
import { loadManifests, summariesByImageDigest } from './seals.ts';
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
 * never edited; approving an older digest again makes it the baseline again.
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
 * envelopes, which were verified when the seals were stored and would double the bytes read.
 */
export function latestApprovedManifests(
  store: Store,
  tenant: Tenant,
  repository: string,
): Promise<BaselineManifests | undefined> {
  return store.db.withTenant(tenant, async (sql) => {
    // The approval and its seal rows in one round trip (the webhook's hot path).
    const rows = await sql.query(
      `WITH a AS (
         SELECT ${APPROVAL_COLUMNS} FROM facet_seal_approvals WHERE tenant = $1 AND image_repository = $2
         ORDER BY approved_at DESC, seq DESC LIMIT 1)
       SELECT a.*, ${SEAL_COLUMNS_BUT_DIGEST}
       FROM a LEFT JOIN facet_seals s ON s.tenant = $1 AND s.image_digest = a.image_digest
       ORDER BY s.facet_position, s.facet_id`,
      [tenant, repository],
    );
    if (rows[0] === undefined) return undefined;
    const approval = parseRow(ApprovalRow, rows[0], 'facet_seal_approvals');
    const seals = rows[0].seal_id === null ? [] : rows.map((r) => parseRow(SealSummaryRow, r, 'facet_seals'));
    const manifests = await loadManifests(sql, store, tenant, seals);
    return { approval, facets: seals.map((seal, i) => ({ seal, manifest: manifests[i]! })) };
  });
}

/** The seal columns, from `s`, except the digest, which the approval row carries (`a.image_digest`). */
const SEAL_COLUMNS_BUT_DIGEST = SEAL_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'image_digest')
  .map((c) => `s.${c}`)
  .join(', ');
