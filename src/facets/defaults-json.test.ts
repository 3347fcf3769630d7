import { describe, expect, it } from 'vitest';
import { DEFAULT_FACETS_JSON } from './defaults-json.ts';
import { DEFAULT_FACETS_YAML } from './defaults.ts';
import { defaultFacets } from './load.ts';
import { parseFacets } from './parse.ts';
import { validateFacets } from './validate.ts';

describe('the JSON form of the embedded default facets', () => {
  it('holds what parsing the seed YAML gives (regenerate with node scripts/gen-default-facets.ts)', () => {
    expect(JSON.parse(DEFAULT_FACETS_JSON)).toEqual(
      parseFacets(DEFAULT_FACETS_YAML, 'embedded default facets'),
    );
  });

  it('is already valid: validating it again changes nothing', () => {
    const definitions: unknown = JSON.parse(DEFAULT_FACETS_JSON);
    expect(validateFacets({ facets: definitions }, 'embedded default facets')).toStrictEqual(definitions);
  });

  it('is what defaultFacets() returns, a fresh copy each time', () => {
    const a = defaultFacets();
    expect(a).toEqual(parseFacets(DEFAULT_FACETS_YAML, 'embedded default facets'));
    a[0]!.includeGlobs.push('/mutated/**');
    expect(defaultFacets()[0]!.includeGlobs).not.toContain('/mutated/**');
  });
});
