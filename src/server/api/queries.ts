import { z } from 'zod';
import { Sha256Digest } from '../../model/digest.ts';
import { FacetId } from '../../model/facet.ts';

/** Query strings arrive as text; these parse them once (unknown parameters are ignored). */
export const Limit = z.coerce.number().int().min(1).max(1000).optional();

export const SealsQuery = z.object({
  imageDigest: Sha256Digest.optional(),
  facetId: FacetId.optional(),
  limit: Limit,
});
export const SealSetQuery = z.object({ configDigest: Sha256Digest.optional() });
export const ApprovalsQuery = z.object({
  repository: z.string().min(1).optional(),
  imageDigest: Sha256Digest.optional(),
  limit: Limit,
});
export const BaselineQuery = z.object({
  repository: z.string().min(1),
  /** `true`: the whole seal set (manifests and envelopes), else the seal summaries. */
  full: z.enum(['true', 'false']).optional(),
});
export const DriftQuery = z.object({
  imageDigest: Sha256Digest.optional(),
  sealId: z.uuid().optional(),
  limit: Limit,
});
export const VexQuery = z.object({
  imageDigest: Sha256Digest.optional(),
  facetId: FacetId.optional(),
  limit: Limit,
});
export const AuditQuery = z.object({
  action: z.string().min(1).max(64).optional(),
  correlationId: z.string().min(1).max(128).optional(),
  limit: Limit,
});
