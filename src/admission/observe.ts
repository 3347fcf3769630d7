import type { FacetMetrics } from '../telemetry/metrics.ts';
import type { AdmissionOutcome, ImageOutcome } from './outcome.ts';

/** The metrics and log lines of one decision, from its per-image and per-facet details (SPEC §13). */

const IMAGE_LEVEL = '*';

export function observeAdmission(metrics: FacetMetrics, outcome: AdmissionOutcome): void {
  for (const image of outcome.images) observeImage(metrics, image);
}

function observeImage(metrics: FacetMetrics, image: ImageOutcome): void {
  switch (image.kind) {
    case 'error':
      metrics.admissionDecisions.inc({ tenant: image.tenant, decision: 'Error', facet_id: IMAGE_LEVEL });
      return;
    case 'no-baseline':
      metrics.admissionDecisions.inc({
        tenant: image.policy.tenant,
        decision: 'NoBaseline',
        facet_id: IMAGE_LEVEL,
      });
      return;
    case 'evaluated': {
      const tenant = image.policy.tenant;
      if (image.evaluation.facets.length === 0) {
        metrics.admissionDecisions.inc({
          tenant,
          decision: image.evaluation.decision,
          facet_id: IMAGE_LEVEL,
        });
      }
      for (const facet of image.evaluation.facets) {
        metrics.admissionDecisions.inc({ tenant, decision: facet.decision, facet_id: facet.facetId });
        metrics.driftScore.set(
          { tenant, facet_id: facet.facetId, image: image.repository },
          facet.drift.score.churnPercent,
        );
        for (const violation of facet.drift.quotaVerdict.violations) {
          metrics.quotaViolations.inc({ tenant, facet_id: facet.facetId, quota_field: violation.quotaField });
        }
      }
    }
  }
}

/** Log lines with the seed's fields: one per facet evaluated (debug) and the request summary (info). */
export interface AdmissionLogLine {
  readonly level: 'info' | 'debug';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export function admissionLogLines(
  outcome: AdmissionOutcome,
  options: { readonly debug?: boolean } = {},
): AdmissionLogLine[] {
  const lines: AdmissionLogLine[] = [];
  // The per-facet lines are debug level: not built at all when nobody reads them.
  for (const image of options.debug === false ? [] : outcome.images) {
    if (image.kind !== 'evaluated') continue;
    for (const facet of image.evaluation.facets) {
      lines.push({
        level: 'debug',
        message: 'admission: facet evaluated',
        fields: {
          facetId: facet.facetId,
          imageRef: image.image,
          imageDigest: image.imageDigest,
          merkleRoot: facet.drift.currentMerkleRoot,
          driftScore: facet.drift.score.churnPercent,
          quotaVerdict: facet.drift.quotaVerdict.passed ? 'pass' : 'fail',
          decision: facet.decision,
          tenant: image.policy.tenant,
        },
      });
    }
  }
  lines.push({
    level: 'info',
    message: outcome.result.allowed ? 'admission: allowed' : 'admission: denied',
    fields: {
      allowed: outcome.result.allowed,
      dryRun: outcome.dryRun,
      skipped: outcome.skipped,
      durationMs: outcome.durationMs,
      recorded: outcome.recorded,
      images: outcome.images.map((i) => ({
        imageRef: i.image,
        kind: i.kind,
        allowed: i.allowed,
        ...(i.kind === 'error' ? { code: i.code } : {}),
        ...(i.kind === 'evaluated'
          ? { imageDigest: i.imageDigest, decision: i.evaluation.decision, cached: i.cached }
          : {}),
      })),
    },
  });
  return lines;
}
