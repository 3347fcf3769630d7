import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_FACETS_JSON } from './defaults-json.ts';
import { DEFAULT_FACETS_YAML } from './defaults.ts';
import { defaultFacets } from './load.ts';
import { parseFacets } from './parse.ts';

describe('the JSON form of the embedded default facets', () => {
  it('equals the seed YAML (regenerate with node scripts/gen-default-facets.ts)', () => {
    expect(JSON.parse(DEFAULT_FACETS_JSON)).toEqual(parse(DEFAULT_FACETS_YAML));
  });

  it('gives the same definitions as parsing the YAML', () => {
    expect(defaultFacets()).toEqual(parseFacets(DEFAULT_FACETS_YAML, 'embedded default facets'));
  });
});
