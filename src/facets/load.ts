import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { FacetsFile, type FacetDefinition } from '../model/facet.ts';
import { DEFAULT_FACETS_YAML } from './defaults.ts';
import { FacetError } from './errors.ts';

/** Parses facet definitions from YAML or JSON text (JSON is YAML); `origin` names the file in errors. */
export function parseFacets(text: string, origin: string): FacetDefinition[] {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `:${error.linePos[0].line}` : '';
    throw new FacetError('FACETS_FILE_SYNTAX', `${origin}${where}: not valid YAML or JSON`, { cause: error });
  }
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

export function defaultFacets(): FacetDefinition[] {
  return parseFacets(DEFAULT_FACETS_YAML, 'embedded default facets');
}

export async function loadFacetsFile(file: string): Promise<FacetDefinition[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FacetError('FACETS_FILE_UNREADABLE', `cannot read facets file ${file}`, { cause: error });
  }
  return parseFacets(text, file);
}
