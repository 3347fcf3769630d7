import {
  DEFAULT_QUOTA,
  type FacetDefinition,
  type FacetQuota,
  type PartialQuota,
  type QuotaLimits,
} from '../model/facet.ts';

/**
 * Quota overrides from a FacetPolicy / ClusterFacetPolicy (SPEC §11), as a plain object: the CRD code maps
 * its resources to this shape. `quotas` is keyed by facet id.
 */
export interface PolicyQuotaSource {
  /** Names the policy in explanations (`FacetPolicy team-a/strict`). */
  readonly name: string;
  readonly quotas: Readonly<Record<string, PartialQuota>>;
}

export interface QuotaSources {
  /** Matching policies, most specific first (a namespaced FacetPolicy before a ClusterFacetPolicy). */
  readonly policies?: readonly PolicyQuotaSource[];
  /** The facet definitions in force: the `--facets` file, or the embedded defaults. */
  readonly facets?: readonly FacetDefinition[];
  /**
   * The quotas recorded in the baseline seals, by facet id, for a facet the definitions above do not know
   * (seals made with another facets file). Below the definitions, above the record defaults.
   */
  readonly sealed?: Readonly<Record<string, PartialQuota | null | undefined>>;
}

export interface ResolvedQuota extends FacetQuota {
  /** Where each limit came from, for explanations. */
  readonly origins: Readonly<Record<keyof QuotaLimits, string>>;
}

const FIELDS = [
  'maxChurnPercent',
  'maxChangedFiles',
  'maxAddedFiles',
  'maxRemovedFiles',
  'onExceed',
] as const;

/**
 * SPEC §10: the quota of a facet, field by field from the most specific source that sets it: a matching
 * policy, then the facet definitions, then the seal's recorded quota, then the seed's record defaults.
 * The one resolver used by `stella drift` and by the webhook.
 */
export function resolveQuota(facetId: string, sources: QuotaSources = {}): ResolvedQuota {
  const layers: { origin: string; quota: PartialQuota | null | undefined }[] = [];
  for (const policy of sources.policies ?? []) {
    layers.push({ origin: `policy ${policy.name}`, quota: policy.quotas[facetId] });
  }
  const definition = sources.facets?.find((f) => f.facetId === facetId);
  layers.push({ origin: 'facets', quota: definition?.quota });
  layers.push({ origin: 'sealed', quota: sources.sealed?.[facetId] });

  const limits: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const field of FIELDS) {
    const layer = layers.find((l) => l.quota?.[field] !== undefined);
    limits[field] = layer ? layer.quota![field] : DEFAULT_QUOTA[field];
    origins[field] = layer ? layer.origin : 'default';
  }
  return { facetId, ...(limits as QuotaLimits), origins: origins as Record<keyof QuotaLimits, string> };
}

/** A resolver bound to its sources: what `computeDrift` takes. */
export type QuotaResolver = (facetId: string) => QuotaLimits;

export function quotaResolver(sources: QuotaSources): QuotaResolver {
  return (facetId) => resolveQuota(facetId, sources);
}
