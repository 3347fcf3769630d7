import { FacetsFile, type FacetDefinition } from '../model/facet.ts';
import { FacetError } from './errors.ts';

/** Checks parsed facet definitions (SPEC §5): the schema, then unique ids; `origin` names the file. */
export function validateFacets(raw: unknown, origin: string): FacetDefinition[] {
  const parsed = FacetsFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = describePath(raw, issue.path);
    throw new FacetError('FACETS_FILE_INVALID', `${origin}: ${field}: ${issue.message}`, {
      hint: 'each facet needs facetId, type and includeGlobs; see `stella facets` for the defaults',
    });
  }
  const seen = new Set<string>();
  for (const facet of parsed.data.facets) {
    if (seen.has(facet.facetId)) {
      throw new FacetError('FACETS_FILE_INVALID', `${origin}: facet "${facet.facetId}" is declared twice`);
    }
    seen.add(facet.facetId);
  }
  return parsed.data.facets;
}

/** `facets[2].quota.onExceed`, with the facet's id when it has one: the field a user must fix. */
function describePath(raw: unknown, path: readonly PropertyKey[]): string {
  let label = '';
  let node: unknown = raw;
  for (const key of path) {
    label += typeof key === 'number' ? `[${key}]` : `${label ? '.' : ''}${String(key)}`;
    node =
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number' && node !== null && typeof node === 'object' && 'facetId' in node) {
      label += `(${String(node.facetId)})`;
    }
  }
  return label || '(document)';
}
