import { z } from 'zod';
import { Sha256Digest } from './digest.ts';
import { FacetId, QuotaAction } from './facet.ts';
import { FileSize } from './manifest.ts';

/** Seed §3.5. */
export const DriftCause = z.enum([
  'Unknown',
  'PackageUpdate',
  'ConfigChange',
  'BinaryRebuild',
  'NewDependency',
  'RemovedDependency',
  'SecurityPatch',
]);
export type DriftCause = z.infer<typeof DriftCause>;

export const DriftEntry = z.strictObject({
  path: z.string(),
  oldHash: Sha256Digest.optional(),
  newHash: Sha256Digest.optional(),
  oldSize: FileSize.optional(),
  newSize: FileSize.optional(),
  cause: DriftCause.default('Unknown'),
  /** The owning package (`ecosystem:name`) when attribution found one. */
  package: z.string().optional(),
  /** Why attribution chose `cause`, when there is more to say (e.g. why a BinaryRebuild is unexplained). */
  detail: z.string().optional(),
});
export type DriftEntry = z.infer<typeof DriftEntry>;

export const DriftScore = z.strictObject({
  totalChanges: z.number().int().min(0),
  churnPercent: z.number().min(0),
  addedCount: z.number().int().min(0),
  removedCount: z.number().int().min(0),
  modifiedCount: z.number().int().min(0),
});
export type DriftScore = z.infer<typeof DriftScore>;

export const QuotaField = z.enum(['MaxChurnPercent', 'MaxChangedFiles', 'MaxAddedFiles', 'MaxRemovedFiles']);
export type QuotaField = z.infer<typeof QuotaField>;

export const QuotaViolation = z.strictObject({
  quotaField: QuotaField,
  limit: z.number(),
  actual: z.number(),
  message: z.string(),
});
export type QuotaViolation = z.infer<typeof QuotaViolation>;

export const QuotaVerdict = z.strictObject({
  passed: z.boolean(),
  violations: z.array(QuotaViolation),
  recommendedAction: QuotaAction,
});
export type QuotaVerdict = z.infer<typeof QuotaVerdict>;

export const FacetDrift = z.strictObject({
  facetId: FacetId,
  baselineSealId: z.uuid(),
  currentSealId: z.uuid(),
  baselineMerkleRoot: Sha256Digest,
  currentMerkleRoot: Sha256Digest,
  added: z.array(DriftEntry),
  removed: z.array(DriftEntry),
  modified: z.array(DriftEntry),
  score: DriftScore,
  quotaVerdict: QuotaVerdict,
});
export type FacetDrift = z.infer<typeof FacetDrift>;

export const Ecosystem = z.enum(['deb', 'apk', 'npm', 'pypi', 'golang']);
export type Ecosystem = z.infer<typeof Ecosystem>;

export const PackageChange = z.strictObject({
  name: z.string(),
  ecosystem: Ecosystem,
  from: z.string().nullable(),
  to: z.string().nullable(),
  cause: DriftCause,
  cves: z.array(z.string()),
  /** Where the package is installed when one image can hold several (npm, Python, Go vendor trees). */
  location: z.string().optional(),
  /** The package URL at its new version (its old one when removed). */
  purl: z.string().optional(),
});
export type PackageChange = z.infer<typeof PackageChange>;

/** The image's decision: `Pass` when no facet's quota is exceeded, else the most severe action. */
export const Decision = z.enum(['Pass', 'Warn', 'RequireVex', 'Block']);
export type Decision = z.infer<typeof Decision>;

export const ImageIdentity = z.strictObject({
  imageRef: z.string(),
  imageDigest: Sha256Digest,
  configDigest: Sha256Digest.optional(),
});
export type ImageIdentity = z.infer<typeof ImageIdentity>;

/** What `stella drift --format json` prints (issue 4 contract). */
export const DriftReport = z.strictObject({
  baseline: ImageIdentity,
  current: ImageIdentity,
  facets: z.array(FacetDrift),
  packages: z.array(PackageChange),
  decision: Decision,
  /** What limited attribution: unreadable package databases, seals files without package data, … */
  notes: z.array(z.string()).optional(),
});
export type DriftReport = z.infer<typeof DriftReport>;
