import type { Sha256Digest } from '../model/digest.ts';
import type { Decision, FacetDrift } from '../model/drift.ts';
import type { AdmissionResult } from '../model/admission.ts';
import type { ResolvedPolicy } from '../model/policy.ts';
import type { ApprovedBaseline, VexCheck } from './ports.ts';
import type { Workload } from './workload.ts';

/** A facet's drift without its file lists: what is cached, recorded and logged. */
export type FacetDriftSummary = Omit<FacetDrift, 'added' | 'removed' | 'modified'>;

export function summarizeDrift(drift: FacetDrift): FacetDriftSummary {
  const { added: _added, removed: _removed, modified: _modified, ...summary } = drift;
  return summary;
}

/** A facet's verdict after VEX: a RequireVex facet whose drift a trusted VEX acknowledges passes. */
export type FacetDecision = Decision | 'VexAcknowledged';

export interface FacetOutcome {
  readonly facetId: string;
  readonly decision: FacetDecision;
  readonly drift: FacetDriftSummary;
  readonly vex?: VexCheck;
}

/** The verdict for (tenant, baseline digest, current digest, policy version): what the cache holds. */
export interface ImageEvaluation {
  /** The most severe facet decision, VEX-acknowledged facets counting as Warn. */
  readonly decision: Decision;
  readonly facets: readonly FacetOutcome[];
}

interface OutcomeBase {
  /** The reference as the pod wrote it. */
  readonly image: string;
  /** `containerKind/containerName` of each container running it. */
  readonly containers: readonly string[];
  readonly allowed: boolean;
}

export type ImageOutcome =
  | (OutcomeBase & {
      readonly kind: 'evaluated';
      readonly repository: string;
      readonly imageDigest: Sha256Digest;
      readonly baseline: ApprovedBaseline;
      readonly policy: ResolvedPolicy;
      readonly evaluation: ImageEvaluation;
      readonly cached: boolean;
    })
  | (OutcomeBase & {
      readonly kind: 'no-baseline';
      readonly repository: string;
      readonly imageDigest: Sha256Digest;
      readonly policy: ResolvedPolicy;
    })
  | (OutcomeBase & {
      readonly kind: 'error';
      /** Known when the failure came after policy resolution; else the defaults applied. */
      readonly policy: ResolvedPolicy | undefined;
      readonly tenant: string;
      readonly onError: 'allow' | 'deny';
      readonly code: string;
      readonly message: string;
    });

export interface AdmissionOutcome {
  /** What the API server is told (warnings unbounded here; buildAdmissionReview bounds them). */
  readonly result: AdmissionResult;
  /** Why the request was passed without evaluation (DELETE, scale, no image change, …). */
  readonly skipped?: string;
  readonly workload?: Workload;
  readonly images: readonly ImageOutcome[];
  readonly dryRun: boolean;
  /** Whether the `record` port stored the decision. */
  readonly recorded: boolean;
  readonly durationMs: number;
}
