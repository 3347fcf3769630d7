import { readFile } from 'node:fs/promises';
import type { FacetDefinition } from '../model/facet.ts';
import { DEFAULT_FACETS_JSON } from './defaults-json.ts';
import { FacetError } from './errors.ts';
import { validateFacets } from './validate.ts';

/**
 * The embedded defaults (the seed's YAML in defaults.ts), read from their JSON form so that `stella seal`
 * loads no YAML parser: 20–25 ms of its start-up (bench/seal/imports.ts). A test holds the JSON equal to
 * the YAML.
 */
export function defaultFacets(): FacetDefinition[] {
  return validateFacets(JSON.parse(DEFAULT_FACETS_JSON), 'embedded default facets');
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
