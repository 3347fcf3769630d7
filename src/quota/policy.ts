import type { FacetDefinition } from '../model/facet.ts';
import type { ResolvedPolicy } from '../model/policy.ts';
import type { FacetSeal } from '../model/seal.ts';
import type { QuotaSources } from './resolve.ts';

/**
 * The facet definitions in force under a policy (SPEC §11): a policy facet with a known id replaces that
 * definition in place (its precedence is kept), a new id is appended, in the policy's order.
 */
export function effectiveFacets(
  base: readonly FacetDefinition[],
  policy: Pick<ResolvedPolicy, 'facets'>,
): FacetDefinition[] {
  const overrides = new Map(policy.facets.map((f) => [f.facetId, f]));
  const merged = base.map((f) => overrides.get(f.facetId) ?? f);
  const known = new Set(base.map((f) => f.facetId));
  return [...merged, ...policy.facets.filter((f) => !known.has(f.facetId))];
}

/**
 * Quota sources under a resolved policy: its merged quotas first, then the facet definitions in force
 * (`effectiveFacets`), then the quotas recorded in the baseline seals. What `stella drift --policy` and
 * the webhook hand to `resolveQuota`.
 */
export function quotaSourcesFromPolicy(
  policy: Pick<ResolvedPolicy, 'quotas' | 'facets' | 'sources'>,
  baseFacets: readonly FacetDefinition[],
  baseline?: readonly Pick<FacetSeal, 'manifest' | 'appliedQuota'>[],
): QuotaSources {
  return {
    policies: [{ name: policy.sources.join(', ') || 'policy', quotas: policy.quotas }],
    facets: effectiveFacets(baseFacets, policy),
    ...(baseline
      ? { sealed: Object.fromEntries(baseline.map((s) => [s.manifest.facetId, s.appliedQuota])) }
      : {}),
  };
}
