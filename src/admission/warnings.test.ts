import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundWarnings, sanitizeWarning, splitWarning } from './warnings.ts';

describe('warnings', () => {
  it('keeps a short warning as it is', () => {
    expect(splitWarning('zastava: facet config drift')).toEqual(['zastava: facet config drift']);
  });

  it('splits a long warning at spaces into marked parts of at most 120 characters', () => {
    const text = `zastava: ${'facet lang/node: MaxChangedFiles 600 > limit 500, '.repeat(5)}end`;
    const parts = splitWarning(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => Array.from(p).length <= 120)).toBe(true);
    expect(parts[0]).toMatch(/ …$/);
    expect(parts[1]).toMatch(/^… /);
    expect(parts.at(-1)).toMatch(/end$/);
    const rejoined = parts.map((p) => p.replace(/^… /, '').replace(/ …$/, '')).join(' ');
    expect(rejoined).toBe(text);
  });

  it('cuts a word longer than a part, and counts code points, not UTF-16 units', () => {
    const parts = splitWarning('😀'.repeat(300));
    expect(parts.every((p) => Array.from(p).length <= 120)).toBe(true);
    expect(parts.join('')).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('removes control characters so a warning stays one line on the terminal', () => {
    expect(sanitizeWarning('a\nb\u001b[31mc\u0000')).toBe('a b [31mc');
  });

  it('drops duplicates and notes what was left out', () => {
    const out = boundWarnings(['same', 'same', ...Array.from({ length: 30 }, (_, i) => `w${i}`)]);
    expect(out[0]).toBe('same');
    expect(out).toHaveLength(12);
    expect(out.at(-1)).toBe('zastava: 20 more warnings not shown; see the webhook log');
  });

  it('always respects the limits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 400, unit: 'grapheme' }), { maxLength: 50 }),
        (warnings) => {
          const out = boundWarnings(warnings);
          expect(out.length).toBeLessThanOrEqual(12);
          expect(out.every((w) => Array.from(w).length <= 120 && w.length > 0)).toBe(true);
          expect(out.reduce((n, w) => n + Array.from(w).length, 0)).toBeLessThanOrEqual(1500);
        },
      ),
    );
  });
});
