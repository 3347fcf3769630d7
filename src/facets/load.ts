import { readFile } from 'node:fs/promises';
import type { FacetDefinition } from '../model/facet.ts';
import { DEFAULT_FACETS_JSON } from './defaults-json.ts';
import { FacetError } from './errors.ts';

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
