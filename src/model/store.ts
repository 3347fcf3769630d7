import { z } from 'zod';
import { Sha256Digest, UtcTimestamp } from './digest.ts';
import { DriftScore, QuotaVerdict } from './drift.ts';
import { FacetId, FacetType, QuotaLimits } from './facet.ts';
import { FileSize } from './manifest.ts';
import { DsseEnvelope } from './seal.ts';

/** A stored seal without its files (those are in the CAS): what lists and lookups return. */
export const SealSummary = z.strictObject({
  sealId: z.uuid(),
  imageRef: z.string(),
  imageDigest: Sha256Digest,
  configDigest: Sha256Digest,
  facetId: FacetId,
  facetType: FacetType,
  merkleRoot: Sha256Digest,
  fileCount: z.number().int().min(0),
  totalBytes: FileSize,
  sealedAt: UtcTimestamp,
  sealedBy: z.string(),
  appliedQuota: QuotaLimits.nullable(),
  /** `cas:sha256:<hex of the canonical manifest JSON>`. */
  manifestCas: z.string(),
  /** `SealSet.facetDefinitionsDigest` of the set this seal was stored with, when it had one. */
  facetDefinitionsDigest: Sha256Digest.nullable(),
  storedAt: UtcTimestamp,
});
export type SealSummary = z.infer<typeof SealSummary>;

/** One approval of an image digest as its repository's baseline (SPEC §8). Approvals are never edited. */
export const Approval = z.strictObject({
  approvalId: z.uuid(),
  /** Registry + repository, without tag or digest (`docker.io/library/debian`). */
  repository: z.string().min(1),
  imageDigest: Sha256Digest,
  approvedBy: z.string().min(1),
  approvedAt: UtcTimestamp,
  reason: z.string().nullable(),
  correlationId: z.string().min(1),
});
export type Approval = z.infer<typeof Approval>;

/** A row of `facet_drift_history`: one facet's drift between two stored seals. */
export const DriftRecord = z.strictObject({
  driftId: z.uuid(),
  facetId: FacetId,
  baselineSealId: z.uuid(),
  currentSealId: z.uuid(),
  score: DriftScore,
  quotaVerdict: QuotaVerdict,
  computedAt: UtcTimestamp,
});
export type DriftRecord = z.infer<typeof DriftRecord>;

/** A signed OpenVEX document stored for an image digest (and a facet, when it acknowledges one). */
export const VexRecord = z.strictObject({
  statementId: z.uuid(),
  imageDigest: Sha256Digest,
  facetId: FacetId.nullable(),
  document: z.record(z.string(), z.unknown()),
  envelope: DsseEnvelope,
  submittedBy: z.string(),
  submittedAt: UtcTimestamp,
  correlationId: z.string(),
});
export type VexRecord = z.infer<typeof VexRecord>;

export const AuditEntry = z.strictObject({
  auditId: z.uuid(),
  action: z.string().min(1),
  actor: z.string().min(1),
  correlationId: z.string().min(1),
  occurredAt: UtcTimestamp,
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const KeyStatus = z.enum(['active', 'archived']);
export type KeyStatus = z.infer<typeof KeyStatus>;

/** A public key of a tenant's keyring (SPEC §7 rotation), as stored. */
export const TrustedKeyRecord = z.strictObject({
  keyId: z.string(),
  publicKeyPem: z.string(),
  status: KeyStatus,
  notBefore: UtcTimestamp.nullable(),
  notAfter: UtcTimestamp.nullable(),
  addedBy: z.string(),
  addedAt: UtcTimestamp,
});
export type TrustedKeyRecord = z.infer<typeof TrustedKeyRecord>;
