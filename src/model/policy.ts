import { z } from 'zod';
import { FacetDefinition, FacetId, PartialQuota } from './facet.ts';
import { Tenant } from './tenant.ts';

/** How many facets a policy may define or set quotas for. */
export const MAX_POLICY_FACETS = 64;

/** What to do when there is no approved baseline, or when the webhook cannot decide (SPEC §11). */
export const PolicyAction = z.enum(['allow', 'deny']);
export type PolicyAction = z.infer<typeof PolicyAction>;

/**
 * The `spec` of a FacetPolicy / ClusterFacetPolicy (`zastava.stellaops.io/v1alpha1`, SPEC §11): the
 * CRDs' OpenAPI schemas are generated from this schema (src/k8s/crd-schema.ts). Every field but
 * `imageRepositories` is optional: an unset field falls to the next matching policy, then the defaults.
 */
export const FacetPolicySpec = z.strictObject({
  /** Globs over `registry/repository` (`docker.io/library/*`, `ghcr.io/acme/**`); `*` stays in a segment. */
  imageRepositories: z
    .array(z.string().min(1).max(512))
    .min(1)
    .max(64)
    .describe(
      'Globs over registry/repository (docker.io/library/*, ghcr.io/acme/**); * stays in one segment.',
    ),
  /** Facet definitions that override (same facetId) or add to the server's facets, in order. */
  facets: z
    .array(FacetDefinition)
    .max(MAX_POLICY_FACETS)
    .optional()
    .describe('Facet definitions overriding (same facetId) or added to the server facets, in order.'),
  /**
   * Limits per facet id; unset fields come from less specific policies, the facets, then the defaults.
   * At most 64 facets, as `facets`: the bound also keeps the CRD's CEL rule on the keys cheap.
   */
  quotas: z
    .record(FacetId, PartialQuota)
    .refine((quotas) => Object.keys(quotas).length <= MAX_POLICY_FACETS, {
      message: `at most ${MAX_POLICY_FACETS} facets`,
    })
    .meta({ maxProperties: MAX_POLICY_FACETS })
    .optional()
    .describe('Quota limits per facet id; unset fields come from less specific policies, then the defaults.'),
  noBaseline: PolicyAction.optional().describe(
    'When the repository has no approved baseline (default allow).',
  ),
  onError: PolicyAction.optional().describe(
    'When no decision is possible in time or infrastructure fails (default deny).',
  ),
  tenant: Tenant.optional().describe('The tenant whose seals and baselines apply.'),
});
export type FacetPolicySpec = z.infer<typeof FacetPolicySpec>;

/**
 * The policy that applies to one image, all matching policies merged (src/k8s/policy-resolve.ts): the
 * plain object the webhook and `stella drift --policy` hand to quota resolution.
 */
export const ResolvedPolicy = z.strictObject({
  tenant: z.string().min(1),
  /** Changes whenever a policy that applies changes: part of the admission decision cache key. */
  version: z.string().min(1),
  /** `Kind namespace/name` of each applied policy, most specific first. */
  sources: z.array(z.string()),
  quotas: z.record(FacetId, PartialQuota),
  facets: z.array(FacetDefinition),
  noBaseline: PolicyAction,
  onError: PolicyAction,
});
export type ResolvedPolicy = z.infer<typeof ResolvedPolicy>;
