import type { DriftReport } from '../model/drift.ts';
import type { FacetSeal } from '../model/seal.ts';
import { quotaResolver, type QuotaSources } from '../quota/resolve.ts';
import { DriftError } from './errors.ts';
import { computeDrift, type DriftSide } from './report.ts';

/**
 * A drift side from seals already trusted (verified, or read back from the store): what the webhook
 * compares. Facets keep the seals' order.
 */
export function sideFromSeals(
  identity: DriftSide['identity'],
  seals: readonly FacetSeal[],
  extra: { facetDefinitionsDigest?: string; packagesUnavailable?: string } = {},
): DriftSide {
  const seen = new Set<string>();
  for (const s of seals) {
    if (seen.has(s.manifest.facetId)) {
      throw new DriftError(
        'DRIFT_INPUT_INVALID',
        `two seals of facet ${s.manifest.facetId} for image ${identity.imageDigest}`,
      );
    }
    seen.add(s.manifest.facetId);
  }
  return {
    identity,
    ...extra,
    facets: seals.map((s) => ({
      facetId: s.manifest.facetId,
      type: s.manifest.type,
      sealId: s.sealId,
      merkleRoot: s.manifest.merkleRoot,
      fileCount: s.manifest.fileCount,
      files: s.manifest.files,
      appliedQuota: s.appliedQuota,
    })),
  };
}

export interface SealedImage {
  readonly identity: DriftSide['identity'];
  readonly seals: readonly FacetSeal[];
  /** When known: without it, both images must have seals of the same facet ids and types. */
  readonly facetDefinitionsDigest?: string;
}

/**
 * The drift between two images' trusted seals (verified, or read back from the store), judged with these
 * quota sources: what the webhook computes. Causes come from paths only (seals carry no package data).
 */
export function driftBetweenSeals(
  baseline: SealedImage,
  current: SealedImage,
  sources: QuotaSources,
): DriftReport {
  const side = (s: SealedImage) =>
    sideFromSeals(s.identity, s.seals, {
      packagesUnavailable: 'stored seals',
      ...(s.facetDefinitionsDigest ? { facetDefinitionsDigest: s.facetDefinitionsDigest } : {}),
    });
  return computeDrift(side(baseline), side(current), { quotas: quotaResolver(sources) });
}
