import { z } from 'zod';
import { Sha256Digest, UtcTimestamp } from './digest.ts';
import { FacetId, FacetType, QuotaLimits } from './facet.ts';
import { ExtractionReport, FacetFileEntry, FacetManifest, FileMode, FileSize, FileType } from './manifest.ts';

export const SEAL_PAYLOAD_TYPE = 'application/vnd.stellaops.facet-seal.v1+json';
export const SEAL_PREDICATE_TYPE = 'https://stellaops.io/FacetSeal/v1';
/** The small signed statement of a seal's root that inclusion proofs verify against (docs/decisions.md). */
export const ROOT_PAYLOAD_TYPE = 'application/vnd.stellaops.facet-root.v1+json';
export const ROOT_STATEMENT_TYPE = 'https://stellaops.io/FacetRoot/v1';
export const INCLUSION_PROOF_TYPE = 'https://stellaops.io/FacetInclusionProof/v1';

/** Standard or URL-safe base64, padded or not: DSSE readers must accept both (SPEC §7). */
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');

export const DsseSignature = z.object({ keyid: z.string().optional(), sig: Base64.min(1) });
export type DsseSignature = z.infer<typeof DsseSignature>;

export const DsseEnvelope = z.object({
  payloadType: z.string().min(1),
  payload: Base64,
  signatures: z.array(DsseSignature).min(1),
});
export type DsseEnvelope = z.infer<typeof DsseEnvelope>;

/** The manifest as it appears inside the signed payload (seed §5): no facet id or type, those sit above. */
export const SealedManifest = z.strictObject({
  extractedAt: UtcTimestamp,
  extractorVersion: z.string().min(1),
  fileCount: z.number().int().min(0),
  files: z.array(FacetFileEntry),
  merkleRoot: Sha256Digest,
  totalBytes: FileSize,
});
export type SealedManifest = z.infer<typeof SealedManifest>;

/** The signed payload: seed §5 plus `configDigest` (SPEC §3, §7). Serialised with RFC 8785. */
export const FacetSealPayload = z.strictObject({
  _type: z.literal(SEAL_PREDICATE_TYPE),
  configDigest: Sha256Digest,
  facetId: FacetId,
  facetType: FacetType,
  imageDigest: Sha256Digest,
  imageRef: z.string().min(1),
  manifest: SealedManifest,
  quota: QuotaLimits.nullable(),
  sealId: z.uuid(),
  sealedAt: UtcTimestamp,
  sealedBy: z.string().min(1),
});
export type FacetSealPayload = z.infer<typeof FacetSealPayload>;

/**
 * What a seal's second envelope signs: the payload's identity and root without its files, so that an
 * inclusion proof verifies against a signature without carrying the whole manifest.
 */
export const FacetRootStatement = z.strictObject({
  _type: z.literal(ROOT_STATEMENT_TYPE),
  configDigest: Sha256Digest,
  facetId: FacetId,
  facetType: FacetType,
  fileCount: z.number().int().min(0),
  imageDigest: Sha256Digest,
  imageRef: z.string().min(1),
  merkleRoot: Sha256Digest,
  sealId: z.uuid(),
  sealedAt: UtcTimestamp,
  sealedBy: z.string().min(1),
  totalBytes: FileSize,
});
export type FacetRootStatement = z.infer<typeof FacetRootStatement>;

/**
 * Seed §3.3 plus `configDigest`. Everything outside `envelope` is a convenience copy: verification
 * trusts only the envelope's verified payload and checks that these fields agree with it.
 */
export const FacetSeal = z.strictObject({
  sealId: z.uuid(),
  imageRef: z.string().min(1),
  imageDigest: Sha256Digest,
  configDigest: Sha256Digest,
  manifest: FacetManifest,
  sealedAt: UtcTimestamp,
  sealedBy: z.string().min(1),
  appliedQuota: QuotaLimits.nullable(),
  envelope: DsseEnvelope,
  /** DSSE envelope of the `FacetRootStatement` (ROOT_PAYLOAD_TYPE), signed with the same key. */
  rootEnvelope: DsseEnvelope.optional(),
});
export type FacetSeal = z.infer<typeof FacetSeal>;

/** The entry fields a leaf commits to, plus a symlink's target (checked against its content hash). */
export const ProvenEntry = z.strictObject({
  path: z.string().startsWith('/'),
  type: FileType,
  contentHash: Sha256Digest,
  size: FileSize,
  mode: FileMode,
  linkTarget: z.string().optional(),
});
export type ProvenEntry = z.infer<typeof ProvenEntry>;

/** What `stella prove` prints: one entry, its RFC 6962 audit path, and the signed root statement. */
export const FacetInclusionProof = z.strictObject({
  _type: z.literal(INCLUSION_PROOF_TYPE),
  entry: ProvenEntry,
  leafIndex: z.number().int().min(0),
  treeSize: z.number().int().min(1),
  auditPath: z.array(Sha256Digest),
  rootEnvelope: DsseEnvelope,
});
export type FacetInclusionProof = z.infer<typeof FacetInclusionProof>;

/** What `stella seal` writes (issue 2 contract). `report` is informational and unsigned. */
export const SealSet = z.object({
  imageRef: z.string().min(1),
  imageDigest: Sha256Digest,
  configDigest: Sha256Digest,
  seals: z.array(FacetSeal),
  report: ExtractionReport.optional(),
  /**
   * `sha256:` of the canonical JSON of the ordered facet definitions the seals were made with
   * (`facetDefinitionsDigest` in src/drift). Unsigned: drift uses it to refuse comparing seals made with
   * different definitions, not as a security decision.
   */
  facetDefinitionsDigest: Sha256Digest.optional(),
});
export type SealSet = z.infer<typeof SealSet>;
