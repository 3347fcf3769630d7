import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { FacetDefinition, PartialQuota } from '../model/facet.ts';
import type { PolicyAction, ResolvedPolicy } from '../model/policy.ts';
import type { AnyFacetPolicy } from './crd-schema.ts';

/**
 * Which FacetPolicies apply to an image, and the one plain policy they make (SPEC §10–11). The webhook
 * and `stella drift --policy FILE` both call `resolvePolicy`; nothing else merges policies.
 *
 * Order, most specific first (docs/decisions.md "Policy precedence"):
 * 1. namespaced FacetPolicies of the pod's namespace before ClusterFacetPolicies;
 * 2. then by the policy's most specific glob that matches the image's `registry/repository`:
 *    a. an exact name (no `*`, `?`, `[`, `{`) before any glob;
 *    b. more literal characters first (`ghcr.io/acme/app-*` before `ghcr.io/acme/*`);
 *    c. fewer `**` first, then fewer wildcards;
 *    d. the glob's text, then the policy's `namespace/name`, in code-unit order (only to be deterministic).
 * Fields merge one by one: each takes the value of the first policy in that order that sets it; quotas
 * merge per facet and per field, facet definitions per facetId.
 */

export interface PolicyDefaults {
  readonly tenant: string;
  readonly noBaseline: PolicyAction;
  readonly onError: PolicyAction;
}

export const BUILT_IN_DEFAULTS: PolicyDefaults = { tenant: 'default', noBaseline: 'allow', onError: 'deny' };

interface CompiledGlob {
  readonly glob: string;
  readonly matches: (repository: string) => boolean;
  readonly rank: readonly [number, number, number, number];
}

export interface CompiledPolicy {
  readonly policy: AnyFacetPolicy;
  /** `FacetPolicy shop/web` or `ClusterFacetPolicy default`. */
  readonly source: string;
  readonly globs: readonly CompiledGlob[];
}

const WILDCARD = /[*?[\]{}()!+@]/;

/** Smaller sorts first: [not exact, −literal characters, `**` count, wildcard count]. */
export function globRank(glob: string): [number, number, number, number] {
  const exact = !WILDCARD.test(glob);
  const literal = glob.replace(/\*\*|[*?]|\[[^\]]*\]|\{[^}]*\}/g, '').length;
  const globstars = (glob.match(/\*\*/g) ?? []).length;
  const wildcards = (glob.replace(/\*\*/g, '').match(/[*?[{]/g) ?? []).length + globstars;
  return [exact ? 0 : 1, -literal, globstars, wildcards];
}

export function compilePolicy(policy: AnyFacetPolicy): CompiledPolicy {
  const where = policy.kind === 'FacetPolicy' ? `${policy.metadata.namespace}/` : '';
  return {
    policy,
    source: `${policy.kind} ${where}${policy.metadata.name}`,
    globs: policy.spec.imageRepositories.map((glob) => ({
      glob,
      matches: picomatch(glob, { dot: true }),
      rank: globRank(glob),
    })),
  };
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Most specific first: the rank, then the text (rule 2 of the order above). */
export function compareGlobs(a: string, b: string): number {
  return compareRank(globRank(a), globRank(b)) || byCodeUnit(a, b);
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Match {
  readonly compiled: CompiledPolicy;
  readonly namespaced: boolean;
  readonly best: CompiledGlob;
}

/** The policies that apply to `repository` in `namespace`, most specific first. */
export function matchingPolicies(
  policies: readonly CompiledPolicy[],
  query: { readonly namespace: string; readonly repository: string },
): CompiledPolicy[] {
  const matches: Match[] = [];
  for (const compiled of policies) {
    const { policy } = compiled;
    const namespaced = policy.kind === 'FacetPolicy';
    if (namespaced && policy.metadata.namespace !== query.namespace) continue;
    const hits = compiled.globs.filter((g) => g.matches(query.repository));
    if (hits.length === 0) continue;
    const best = hits.reduce((a, b) =>
      compareRank(b.rank, a.rank) < 0 || (compareRank(b.rank, a.rank) === 0 && b.glob < a.glob) ? b : a,
    );
    matches.push({ compiled, namespaced, best });
  }
  matches.sort(
    (a, b) =>
      Number(b.namespaced) - Number(a.namespaced) ||
      compareRank(a.best.rank, b.best.rank) ||
      byCodeUnit(a.best.glob, b.best.glob) ||
      byCodeUnit(a.compiled.source, b.compiled.source),
  );
  return matches.map((m) => m.compiled);
}

/** Merges the policies (most specific first) over the defaults into the plain policy object. */
export function mergePolicies(ordered: readonly CompiledPolicy[], defaults: PolicyDefaults): ResolvedPolicy {
  const first = <K extends 'tenant' | 'noBaseline' | 'onError'>(key: K) =>
    ordered.map((c) => c.policy.spec[key]).find((v) => v !== undefined);
  const quotas: Record<string, PartialQuota> = {};
  const facets = new Map<string, FacetDefinition>();
  for (const { policy } of ordered) {
    for (const [facetId, quota] of Object.entries(policy.spec.quotas ?? {})) {
      quotas[facetId] = { ...quota, ...quotas[facetId] };
    }
    for (const facet of policy.spec.facets ?? []) {
      if (!facets.has(facet.facetId)) facets.set(facet.facetId, facet);
    }
  }
  const version = createHash('sha256')
    .update(
      JSON.stringify([
        defaults,
        ordered.map((c) => [c.source, c.policy.metadata.resourceVersion ?? '', c.policy.spec]),
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  return {
    tenant: first('tenant') ?? defaults.tenant,
    version,
    sources: ordered.map((c) => c.source),
    quotas,
    facets: [...facets.values()],
    noBaseline: first('noBaseline') ?? defaults.noBaseline,
    onError: first('onError') ?? defaults.onError,
  };
}

export function resolvePolicy(
  policies: readonly CompiledPolicy[],
  query: { readonly namespace: string; readonly repository: string },
  defaults: PolicyDefaults = BUILT_IN_DEFAULTS,
): ResolvedPolicy {
  return mergePolicies(matchingPolicies(policies, query), defaults);
}
