import { driftBetweenSeals } from '../../drift/from-seals.ts';
import type { ResolvedPolicy } from '../../model/policy.ts';
import type { FacetSeal } from '../../model/seal.ts';
import type { QuotaSources } from '../../quota/index.ts';
import type { AdmissionPorts } from '../ports.ts';

/**
 * SPEC §10 quota sources for a webhook decision: the merged policy (most specific first, already merged
 * by src/k8s/policy-resolve.ts), its facet definitions, then the quotas recorded in the baseline seals.
 */
export function quotaSourcesOf(policy: ResolvedPolicy, baseline: readonly FacetSeal[]): QuotaSources {
  return {
    policies: [{ name: policy.sources.join(', ') || 'defaults', quotas: policy.quotas }],
    facets: policy.facets,
    sealed: Object.fromEntries(baseline.map((s) => [s.manifest.facetId, s.appliedQuota])),
  };
}

/** Drift between stored seals (src/drift) judged with the policy's quotas (src/quota). */
export const computeDriftFromSeals: AdmissionPorts['computeDrift'] = (baseline, current, policy) => {
  const side = (seals: readonly FacetSeal[]) => ({ identity: identityOf(seals), seals });
  const report = driftBetweenSeals(side(baseline), side(current), quotaSourcesOf(policy, baseline));
  return Promise.resolve(report.facets);
};

function identityOf(seals: readonly FacetSeal[]) {
  const first = seals[0];
  if (first === undefined) throw new Error('drift needs at least one seal per side');
  return { imageRef: first.imageRef, imageDigest: first.imageDigest, configDigest: first.configDigest };
}
