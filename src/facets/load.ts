import { readFile } from 'node:fs/promises';
import type { FacetDefinition } from '../model/facet.ts';
import { DEFAULT_FACET_MATCHERS, DEFAULT_FACETS_JSON } from './defaults-json.ts';
import { FacetError } from './errors.ts';
import type { FacetMatchers } from './matchers.ts';

/**
 * The embedded defaults (the seed's YAML in defaults.ts), from their JSON form: no YAML parser at start
 * (20–25 ms, bench/seal/imports.ts), and no schema pass either (~3-5 ms): the JSON holds what
 * `parseFacets` gives for the YAML, which a test checks, with validating it again changing nothing.
 */
export function defaultFacets(): FacetDefinition[] {
  return JSON.parse(DEFAULT_FACETS_JSON) as FacetDefinition[];
}

export async function loadFacetsFile(file: string): Promise<FacetDefinition[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FacetError('FACETS_FILE_UNREADABLE', `cannot read facets file ${file}`, { cause: error });
  }
  const { parseFacets } = await import('./parse.ts');
  return parseFacets(text, file);
}

/**
 * The membership rules of `facets`, compiled. The embedded defaults' are stored compiled (defaults-json.ts,
 * which a test holds equal to compiling them); any other list is compiled here, loading the glob compiler,
 * once per distinct list in a row.
 */
export async function facetMatchers(facets: readonly FacetDefinition[]): Promise<FacetMatchers> {
  const key = JSON.stringify(facets);
  if (key === DEFAULT_FACETS_JSON) return DEFAULT_FACET_MATCHERS;
  // A server extracts many images with the same `--facets`: the last list's matchers are kept.
  if (lastCompiled?.key !== key)
    lastCompiled = { key, matchers: (await import('./classifier.ts')).compileMatchers(facets) };
  return lastCompiled.matchers;
}
let lastCompiled: { readonly key: string; readonly matchers: FacetMatchers } | undefined;
