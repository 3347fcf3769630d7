import type { Sha256Digest } from '../model/digest.ts';
import type { Decision } from '../model/drift.ts';
import type { AdmissionRequest } from './review.ts';
import type { AdmissionOutcome, FacetOutcome, ImageOutcome } from './outcome.ts';
import type { Workload } from './workload.ts';

/**
 * What the store writes for a decision that is not a dry run (SPEC §11): one audit-log entry per tenant
 * and one drift-history row per evaluated facet, all carrying the AdmissionReview `uid`.
 */
export interface RecordedImage {
  readonly image: string;
  readonly tenant: string;
  readonly outcome: ImageOutcome['kind'];
  readonly decision: Decision | 'NoBaseline' | 'Error';
  readonly allowed: boolean;
  readonly imageDigest?: Sha256Digest;
  readonly baselineDigest?: Sha256Digest;
  readonly policySources: readonly string[];
  readonly facets: readonly FacetOutcome[];
  readonly error?: { readonly code: string; readonly message: string };
}

export interface AdmissionRecord {
  /** The AdmissionReview `uid`, which the API server's audit log also carries. */
  readonly correlationId: string;
  readonly decidedAt: string;
  readonly operation: AdmissionRequest['operation'];
  readonly user: string | undefined;
  readonly namespace: string;
  readonly workload: { readonly kind: string; readonly name: string };
  readonly allowed: boolean;
  readonly message: string | undefined;
  readonly images: readonly RecordedImage[];
}

export function recordedImage(outcome: ImageOutcome): RecordedImage {
  const common = { image: outcome.image, outcome: outcome.kind, allowed: outcome.allowed };
  switch (outcome.kind) {
    case 'evaluated':
      return {
        ...common,
        tenant: outcome.policy.tenant,
        decision: outcome.evaluation.decision,
        imageDigest: outcome.imageDigest,
        baselineDigest: outcome.baseline.imageDigest,
        policySources: outcome.policy.sources,
        facets: outcome.evaluation.facets,
      };
    case 'no-baseline':
      return {
        ...common,
        tenant: outcome.policy.tenant,
        decision: 'NoBaseline',
        imageDigest: outcome.imageDigest,
        policySources: outcome.policy.sources,
        facets: [],
      };
    case 'error':
      return {
        ...common,
        tenant: outcome.tenant,
        decision: 'Error',
        policySources: outcome.policy?.sources ?? [],
        facets: [],
        error: { code: outcome.code, message: outcome.message },
      };
  }
}

export function buildAdmissionRecord(
  request: AdmissionRequest,
  workload: Workload,
  outcome: Pick<AdmissionOutcome, 'result' | 'images'>,
  decidedAt: Date,
): AdmissionRecord {
  return {
    correlationId: request.uid,
    decidedAt: decidedAt.toISOString(),
    operation: request.operation,
    user: request.userInfo?.username,
    namespace: workload.namespace,
    workload: { kind: workload.kind, name: workload.name },
    allowed: outcome.result.allowed,
    message: outcome.result.message,
    images: outcome.images.map(recordedImage),
  };
}
