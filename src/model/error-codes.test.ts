import { globSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * SPEC §15 and the house rules: every error code a module declares has a documented meaning in
 * docs/errors.md. Codes are read from each module's `…ErrorCode` union (src and the e2e harness).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const documented = new Set(
  [...readFileSync(`${root}docs/errors.md`, 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map(
    (m) => m[1],
  ),
);

function declaredCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of globSync(['src/**/errors.ts', 'e2e/**/errors.ts'], { cwd: root })) {
    const text = readFileSync(`${root}${file}`, 'utf8');
    for (const union of text.matchAll(/export type \w*ErrorCode\s*=([^;]+);/g)) {
      for (const code of union[1]!.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) codes.set(code[1]!, file);
    }
  }
  return codes;
}

describe('error codes', () => {
  it('reads the code unions of the modules', () => {
    const codes = declaredCodes();
    expect(codes.get('FACET_UNKNOWN')).toBe('src/facets/errors.ts');
    expect(codes.get('SEAL_MERKLE_MISMATCH')).toBe('src/seal/errors.ts');
    expect(codes.size).toBeGreaterThan(150);
  });

  it('documents every declared code in a table row of docs/errors.md', () => {
    const missing = [...declaredCodes()]
      .filter(([code]) => !documented.has(code))
      .map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });
});
