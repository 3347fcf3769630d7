import { describe, expect, it } from 'vitest';
import { compileMatchers } from './classifier.ts';
import { DEFAULT_FACET_MATCHERS, DEFAULT_FACETS_JSON } from './defaults-json.ts';
import { DEFAULT_FACETS_YAML } from './defaults.ts';
import { defaultFacets, facetMatchers } from './load.ts';
import { classifierFromMatchers } from './matchers.ts';
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

  it('stores the matchers that compiling the defaults gives (regenerate as above)', () => {
    expect(DEFAULT_FACET_MATCHERS).toEqual(compileMatchers(parseFacets(DEFAULT_FACETS_YAML, 'defaults')));
  });
});

describe('facetMatchers', () => {
  it('gives the stored matchers for the defaults, without compiling', async () => {
    expect(await facetMatchers(defaultFacets())).toBe(DEFAULT_FACET_MATCHERS);
  });

  it('compiles any other list, even one differing from the defaults in one glob', async () => {
    const facets = defaultFacets();
    facets[0]!.includeGlobs.push('/opt/pkgdb/**');
    const matchers = await facetMatchers(facets);
    expect(matchers).not.toBe(DEFAULT_FACET_MATCHERS);
    expect(matchers).toEqual(compileMatchers(facets));
    const classify = classifierFromMatchers(matchers);
    expect(facets[classify('/opt/pkgdb/status')]?.facetId).toBe('os');
    expect(classifierFromMatchers(DEFAULT_FACET_MATCHERS)('/opt/pkgdb/status')).toBe(-1);
  });

  it('compiles a list once while the same list keeps coming (a server with --facets)', async () => {
    const a = defaultFacets();
    a[1]!.excludeGlobs.push('**/test/**');
    const b = defaultFacets();
    b[1]!.excludeGlobs.push('**/docs/**');
    const first = await facetMatchers(a);
    expect(await facetMatchers(structuredClone(a))).toBe(first);
    const other = await facetMatchers(b);
    expect(other).not.toBe(first);
    expect(other).toEqual(compileMatchers(b));
    expect(await facetMatchers(a)).toEqual(first);
  });
});
