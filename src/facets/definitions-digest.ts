import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { FacetDefinition } from '../model/facet.ts';

/**
 * `sha256:` of the canonical JSON (RFC 8785) of what decides membership: each facet's id, type, include
 * and exclude globs, in declaration order (order is precedence, SPEC §5). Quotas are left out: they
 * judge drift but do not change which file is in which facet. Recorded as `SealSet.facetDefinitionsDigest`.
 */
export function facetDefinitionsDigest(facets: readonly FacetDefinition[]): string {
  const membership = facets.map((f) => ({
    facetId: f.facetId,
    type: f.type,
    includeGlobs: f.includeGlobs,
    excludeGlobs: f.excludeGlobs ?? [],
  }));
  return `sha256:${createHash('sha256').update(canonicalize(membership)!).digest('hex')}`;
}
