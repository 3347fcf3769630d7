import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, normalizeEntryPath } from './paths.ts';

describe('normalizeEntryPath (SPEC §4)', () => {
  it.each([
    ['etc/passwd', '/etc/passwd'],
    ['./etc/passwd', '/etc/passwd'],
    ['/etc/passwd', '/etc/passwd'],
    ['//etc//passwd', '/etc/passwd'],
    ['etc/./passwd', '/etc/passwd'],
    ['usr/lib/', '/usr/lib'],
    ['./', '/'],
    ['.', '/'],
    ['a/b/../c', '/a/c'],
    ['a/..', '/'],
    ['./a/./b/.', '/a/b'],
  ])('%j → %j', (raw, normal) => {
    expect(normalizeEntryPath(raw)).toBe(normal);
  });

  it('takes names with nothing to collapse as they are, and agrees with segment-wise resolution on any name', () => {
    const reference = (raw: string): string | null => {
      const out: string[] = [];
      for (const segment of raw.split('/')) {
        if (segment === '' || segment === '.') continue;
        if (segment === '..') {
          if (out.length === 0) return null;
          out.pop();
        } else out.push(segment);
      }
      return `/${out.join('/')}`;
    };
    const name = fc
      .array(fc.constantFrom('a', 'b.', '.', '..', '...', '.x', '', 'é', '/', './', '//', 'usr', '/.'), {
        maxLength: 8,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(name, (raw) => {
        expect(normalizeEntryPath(raw)).toBe(reference(raw));
      }),
      {
        numRuns: 5000,
      },
    );
  });

  it.each(['..', '../etc/passwd', 'a/../../b', './../x', '/../x'])('%j leaves the root', (raw) => {
    expect(normalizeEntryPath(raw)).toBeNull();
  });
});

describe('compareUtf8', () => {
  const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

  it('orders a character outside the BMP after U+E000–U+FFFF, as UTF-8 bytes do', () => {
    const astral = '/a/\u{1F600}';
    const privateUse = '/a/\uE000';
    const halfwidth = '/a/\uFF61';
    expect(astral < privateUse).toBe(true); // JavaScript's UTF-16 order gets this wrong
    expect(compareUtf8(astral, privateUse)).toBeGreaterThan(0);
    expect(compareUtf8(astral, halfwidth)).toBeGreaterThan(0);
  });

  it('agrees with Buffer.compare on a mixed list', () => {
    const list = [
      '/b',
      '/a',
      '/a/b',
      '/a-b',
      '/A',
      '/é',
      '/\u{10000}',
      '/\uFFFF',
      '/\uE000',
      '/z',
      '/\u00FF',
      '/\u0800',
      '/ab',
    ];
    expect([...list].sort(compareUtf8)).toEqual([...list].sort(byBytes));
  });
});
