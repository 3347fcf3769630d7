import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { FacetDefinition } from '../model/facet.ts';
import { FacetError } from './errors.ts';
import { validateFacets } from './validate.ts';

/** Parses facet definitions from YAML or JSON text (JSON is YAML); `origin` names the file in errors. */
export function parseFacets(text: string, origin: string): FacetDefinition[] {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `:${error.linePos[0].line}` : '';
    throw new FacetError('FACETS_FILE_SYNTAX', `${origin}${where}: not valid YAML or JSON`, { cause: error });
  }
  return validateFacets(raw, origin);
}
