import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, sortEntriesByPath } from './index.ts';

const byBytes = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('UTF-8 path order', () => {
  it('puts a character outside the BMP after one in U+E000–U+FFFF (JavaScript puts it before)', () => {
    expect(compareUtf8('/\u{1F600}', '/\uFB33')).toBeGreaterThan(0);
    expect(['/\u{1F600}', '/\uFB33'].sort()).toEqual(['/\u{1F600}', '/\uFB33']);
    expect(sortEntriesByPath([{ path: '/\u{1F600}' }, { path: '/\uFB33' }]).map((e) => e.path)).toEqual([
      '/\uFB33',
      '/\u{1F600}',
    ]);
  });

  it('orders a prefix before its extensions', () => {
    expect(compareUtf8('/a', '/a/b')).toBeLessThan(0);
    expect(compareUtf8('/a', '/a')).toBe(0);
  });

  it('agrees with comparing the UTF-8 bytes, for any well-formed strings', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 6 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(byBytes(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts like the UTF-8 bytes, on both the fast path and the general one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 5 }), { maxLength: 30 }),
        (paths) => {
          const sorted = sortEntriesByPath(paths.map((path) => ({ path }))).map((e) => e.path);
          expect(sorted).toEqual([...paths].sort(byBytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not reorder its input', () => {
    const input = [{ path: '/b' }, { path: '/a' }];
    sortEntriesByPath(input);
    expect(input[0]!.path).toBe('/b');
  });

  it('refuses a repeated path', () => {
    expect(() => sortEntriesByPath([{ path: '/x' }, { path: '/y' }, { path: '/x' }])).toThrow(
      expect.objectContaining({ code: 'MERKLE_DUPLICATE_PATH' }),
    );
  });
});
