import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globsLiterals, globsSource } from './glob.ts';
import { relativeForMatch } from './matchers.ts';

const matches = (globs: string[], absolutePath: string): boolean =>
  new RegExp(globsSource(globs)!).test(relativeForMatch(absolutePath));

describe('globsLiterals', () => {
  it('takes the longest plain run of each glob, without the slashes a ** may stand in for', () => {
    expect(globsLiterals(['**/node_modules/**'])).toEqual(['node_modules']);
    expect(globsLiterals(['/usr/lib/**/*.so*'])).toEqual(['.so']);
    expect(globsLiterals(['/var/lib/dpkg/**'])).toEqual(['dpkg']);
    expect(globsLiterals(['**/b'])).toEqual(['b']);
    expect(matches(['**/b'], '/b')).toBe(true);
  });

  it('keeps only the shorter of two literals where one holds the other', () => {
    expect(globsLiterals(['**/sbin/*', '/bin/*'])).toEqual(['bin']);
  });

  it('takes nothing across a slash, and not a . or .. segment, which picomatch normalises', () => {
    expect(matches(['/./a'], '/a')).toBe(true);
    expect(globsLiterals(['/./a'])).toEqual(['a']);
    expect(globsLiterals(['/a//bc'])).toEqual(['bc']);
  });

  it('gives none after three stars in a row, where picomatch stops escaping', () => {
    expect(matches(['****a.'], '/aa')).toBe(true);
    expect(globsLiterals(['****a.'])).toBeNull();
  });

  it('gives none for a glob without a certain literal', () => {
    expect(globsLiterals([])).toBeNull();
    expect(globsLiterals(['**'])).toBeNull();
    expect(globsLiterals(['/*/?'])).toBeNull();
    expect(globsLiterals(['/etc/**', '**/*.{yml,yaml}'])).toBeNull();
    expect(globsLiterals(['**/[ab]x'])).toBeNull();
    expect(globsLiterals(['**/@(a|b)'])).toBeNull();
    expect(globsLiterals(['**/a\\*b'])).toBeNull();
  });

  it('never rules out a path that the globs match (random globs and paths)', () => {
    const piece = fc.constantFrom('a', 'b', 'ab', '.', '.a', 'a.b', '-', '*', '**', '?', '/', 'é', '𝄞');
    const glob = fc.array(piece, { minLength: 1, maxLength: 7 }).map((p) => p.join(''));
    const segment = fc.array(fc.constantFrom('a', 'b', '.', 'é', '𝄞', '-'), { minLength: 1, maxLength: 4 });
    const path = fc
      .array(
        segment.map((s) => s.join('')),
        { minLength: 1, maxLength: 5 },
      )
      .filter((segs) => segs.every((s) => s !== '.' && s !== '..'))
      .map((segs) => `/${segs.join('/')}`);
    fc.assert(
      fc.property(
        fc.array(glob, { minLength: 1, maxLength: 3 }),
        fc.array(path, { maxLength: 20 }),
        (globs, paths) => {
          const literals = globsLiterals(globs);
          if (literals === null) return;
          for (const p of paths) {
            if (matches(globs, p)) expect(literals.some((l) => relativeForMatch(p).includes(l))).toBe(true);
          }
        },
      ),
      // 10,000 here; 300,000 passed once the last two rules were in (each found by this test).
      { numRuns: 10_000 },
    );
  }, 60_000);
});
