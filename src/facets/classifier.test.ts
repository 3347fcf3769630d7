import { describe, expect, it } from 'vitest';
import { compileClassifier } from './classifier.ts';
import { defaultFacets } from './load.ts';
import { parseFacets } from './parse.ts';
import { FacetError } from './errors.ts';

const classifier = compileClassifier(defaultFacets());
const facetOf = (path: string) => {
  const i = classifier.classify(path);
  return i < 0 ? null : classifier.facets[i]!.facetId;
};

describe('facet membership (SPEC §5)', () => {
  it('gives a file to the first facet that includes and does not exclude it', () => {
    expect(facetOf('/var/lib/dpkg/status')).toBe('os');
    expect(facetOf('/app/node_modules/lodash/package.json')).toBe('lang/node');
    expect(facetOf('/usr/lib/python3/dist-packages/yaml/__init__.py')).toBe('lang/python');
    expect(facetOf('/src/vendor/modules.txt')).toBe('lang/go');
    expect(facetOf('/usr/bin/env')).toBe('binary');
    expect(facetOf('/etc/hostname')).toBe('config');
  });

  it('counts a node_modules package.json once, in lang/node, not also in config', () => {
    expect(facetOf('/app/node_modules/a/node_modules/b/package.json')).toBe('lang/node');
  });

  it('matches dotfiles everywhere', () => {
    expect(facetOf('/usr/bin/.hidden')).toBe('binary');
    expect(facetOf('/etc/.pwd.lock')).toBe('config');
  });

  it('keeps * inside one segment and lets ** span zero or more', () => {
    expect(facetOf('/usr/bin/sub/tool')).toBeNull();
    expect(facetOf('/usr/lib/libz.so.1')).toBe('binary');
    expect(facetOf('/usr/lib/x86_64-linux-gnu/libz.so.1')).toBe('binary');
  });

  it('applies exclude globs', () => {
    expect(facetOf('/usr/bin/script.sh')).toBeNull();
    expect(facetOf('/etc/passwd')).toBeNull();
    expect(facetOf('/var/lib/dpkg/foo.log')).toBe(null);
  });

  it('matches a glob without a leading slash at any depth, including the root', () => {
    expect(facetOf('/package.json')).toBe('lang/node');
    expect(facetOf('/a/b/c/settings.yaml')).toBe('config');
  });

  it('leaves unmatched files out', () => {
    expect(facetOf('/usr/share/doc/bash/copyright')).toBeNull();
  });
});

describe('facets files', () => {
  it('names the file and the field that is wrong', () => {
    const text =
      'facets:\n  - facetId: os\n    type: OS\n    includeGlobs: ["/x/**"]\n    quota: { onExceed: Explode }\n';
    try {
      parseFacets(text, 'my-facets.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FacetError);
      expect((error as FacetError).code).toBe('FACETS_FILE_INVALID');
      expect((error as FacetError).message).toContain('my-facets.yaml');
      expect((error as FacetError).message).toContain('facets[0](os).quota.onExceed');
    }
  });

  it('refuses YAML syntax errors with the line', () => {
    expect(() => parseFacets('facets: [\n  {', 'f.yaml')).toThrow(
      expect.objectContaining({ code: 'FACETS_FILE_SYNTAX' }),
    );
  });

  it('refuses a negated glob, which would silently match nothing instead of excluding', () => {
    for (const list of [
      'includeGlobs: ["/etc/**", "!/etc/shadow"]',
      'includeGlobs: ["/a/**"], excludeGlobs: ["!**/*.md"]',
    ]) {
      try {
        parseFacets(`facets: [{facetId: a, type: Custom, ${list}}]`, 'f.yaml');
        expect.unreachable();
      } catch (error) {
        expect((error as FacetError).code).toBe('FACETS_FILE_INVALID');
        expect((error as FacetError).message).toMatch(/facets\[0\]\(a\)\.(include|exclude)Globs\[\d\]/);
        expect((error as FacetError).message).toContain('excludeGlobs');
      }
    }
  });

  it('refuses a facet declared twice', () => {
    const one = '{facetId: a, type: Custom, includeGlobs: ["/a/**"]}';
    expect(() => parseFacets(`facets: [${one}, ${one}]`, 'f.yaml')).toThrow(
      expect.objectContaining({ code: 'FACETS_FILE_INVALID' }),
    );
  });
});
