import { z } from 'zod';
import { Sha256Digest } from '../model/digest.ts';
import { FacetId, FacetType, QuotaLimits } from '../model/facet.ts';
import { DriftScore, QuotaVerdict } from '../model/drift.ts';
import { DsseEnvelope } from '../model/seal.ts';
import type {
  Approval,
  AuditEntry,
  DriftRecord,
  SealSummary,
  TrustedKeyRecord,
  VexRecord,
} from '../model/store.ts';
import type { Row } from './db.ts';
import { StoreError } from './errors.ts';

/**
 * Rows read back from the database are parsed like any other input (STYLE: parse at the edge): a
 * hand-edited or foreign row is a clear DB_ROW_INVALID naming the table and the column.
 */
export function parseRow<T>(schema: z.ZodType<T>, row: Row, table: string): T {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StoreError(
    'DB_ROW_INVALID',
    `a row of ${table} is invalid: column ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}`,
    { cause: parsed.error },
  );
}

const iso = z.date().transform((d) => d.toISOString());
/** BIGINT: a string from pg, a number from PGlite. */
const bigint = z
  .union([z.number(), z.string(), z.bigint()])
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n) && n >= 0, 'expected a non-negative safe integer');

export const SEAL_COLUMNS = `seal_id, image_ref, image_digest, config_digest, facet_id, facet_type, merkle_root,
  file_count, total_bytes, sealed_at, sealed_by, quota_json, manifest_cas, facet_definitions_digest, created_at`;

export const SealSummaryRow = z
  .object({
    seal_id: z.string(),
    image_ref: z.string(),
    image_digest: Sha256Digest,
    config_digest: Sha256Digest,
    facet_id: FacetId,
    facet_type: FacetType,
    merkle_root: Sha256Digest,
    file_count: z.number().int().min(0),
    total_bytes: bigint,
    sealed_at: iso,
    sealed_by: z.string(),
    quota_json: QuotaLimits.nullable(),
    manifest_cas: z.string(),
    facet_definitions_digest: Sha256Digest.nullable(),
    created_at: iso,
  })
  .transform((r): SealSummary => ({
    sealId: r.seal_id,
    imageRef: r.image_ref,
    imageDigest: r.image_digest,
    configDigest: r.config_digest,
    facetId: r.facet_id,
    facetType: r.facet_type,
    merkleRoot: r.merkle_root,
    fileCount: r.file_count,
    totalBytes: r.total_bytes,
    sealedAt: r.sealed_at,
    sealedBy: r.sealed_by,
    appliedQuota: r.quota_json,
    manifestCas: r.manifest_cas,
    facetDefinitionsDigest: r.facet_definitions_digest,
    storedAt: r.created_at,
  }));

export const EnvelopeRow = z.object({
  seal_id: z.string(),
  dsse_envelope: DsseEnvelope,
  root_envelope: DsseEnvelope.nullable(),
});

export const APPROVAL_COLUMNS =
  'approval_id, image_repository, image_digest, approved_by, approved_at, reason, correlation_id';

export const ApprovalRow = z
  .object({
    approval_id: z.string(),
    image_repository: z.string(),
    image_digest: Sha256Digest,
    approved_by: z.string(),
    approved_at: iso,
    reason: z.string().nullable(),
    correlation_id: z.string(),
  })
  .transform((r): Approval => ({
    approvalId: r.approval_id,
    repository: r.image_repository,
    imageDigest: r.image_digest,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    reason: r.reason,
    correlationId: r.correlation_id,
  }));

export const DRIFT_COLUMNS =
  'drift_id, facet_id, baseline_seal_id, current_seal_id, drift_score_json, quota_verdict_json, computed_at';

export const DriftRow = z
  .object({
    drift_id: z.string(),
    facet_id: FacetId,
    baseline_seal_id: z.string(),
    current_seal_id: z.string(),
    drift_score_json: DriftScore,
    quota_verdict_json: QuotaVerdict,
    computed_at: iso,
  })
  .transform((r): DriftRecord => ({
    driftId: r.drift_id,
    facetId: r.facet_id,
    baselineSealId: r.baseline_seal_id,
    currentSealId: r.current_seal_id,
    score: r.drift_score_json,
    quotaVerdict: r.quota_verdict_json,
    computedAt: r.computed_at,
  }));

export const VEX_COLUMNS =
  'statement_id, image_digest, facet_id, document, dsse_envelope, submitted_by, submitted_at, correlation_id';

export const VexRow = z
  .object({
    statement_id: z.string(),
    image_digest: Sha256Digest,
    facet_id: FacetId.nullable(),
    document: z.record(z.string(), z.unknown()),
    dsse_envelope: DsseEnvelope,
    submitted_by: z.string(),
    submitted_at: iso,
    correlation_id: z.string(),
  })
  .transform((r): VexRecord => ({
    statementId: r.statement_id,
    imageDigest: r.image_digest,
    facetId: r.facet_id,
    document: r.document,
    envelope: r.dsse_envelope,
    submittedBy: r.submitted_by,
    submittedAt: r.submitted_at,
    correlationId: r.correlation_id,
  }));

export const AUDIT_COLUMNS = 'audit_id, action, actor, correlation_id, occurred_at, details';

export const AuditRow = z
  .object({
    audit_id: z.string(),
    action: z.string(),
    actor: z.string(),
    correlation_id: z.string(),
    occurred_at: iso,
    details: z.record(z.string(), z.unknown()),
  })
  .transform((r): AuditEntry => ({
    auditId: r.audit_id,
    action: r.action,
    actor: r.actor,
    correlationId: r.correlation_id,
    occurredAt: r.occurred_at,
    details: r.details,
  }));

export const KEY_COLUMNS = 'key_id, public_key_pem, status, not_before, not_after, added_by, added_at';

export const TrustedKeyRow = z
  .object({
    key_id: z.string(),
    public_key_pem: z.string(),
    status: z.enum(['active', 'archived']),
    not_before: iso.nullable(),
    not_after: iso.nullable(),
    added_by: z.string(),
    added_at: iso,
  })
  .transform((r): TrustedKeyRecord => ({
    keyId: r.key_id,
    publicKeyPem: r.public_key_pem,
    status: r.status,
    notBefore: r.not_before,
    notAfter: r.not_after,
    addedBy: r.added_by,
    addedAt: r.added_at,
  }));
