import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEAL_PREDICATE_TYPE, type FacetSealPayload } from '../model/seal.ts';
import { canonicalJson } from './canonical.ts';
import { canonicalEntriesJson, canonicalSealPayload } from './canonical-payload.ts';

const text = fc.string({ unit: 'binary', maxLength: 12 });
const digest = fc.constantFrom(`sha256:${'ab'.repeat(32)}`, `sha256:${'0'.repeat(64)}`);
const instant = fc.constant('2024-01-01T00:00:00.000Z');
const entry = fc.record(
  {
    path: text.map((s) => `/${s}`),
    type: fc.constantFrom('file' as const, 'symlink' as const),
    contentHash: digest,
    size: fc.maxSafeNat(),
    mode: fc.constantFrom('0644', '0755', '4755'),
    modTime: instant,
    linkTarget: text,
  },
  { requiredKeys: ['path', 'type', 'contentHash', 'size', 'mode', 'modTime'] },
);
const quota = fc.option(
  fc.record({
    maxChurnPercent: fc.double({ min: 0, max: 100, noNaN: true }),
    maxChangedFiles: fc.nat(),
    maxAddedFiles: fc.nat(),
    maxRemovedFiles: fc.nat(),
    onExceed: fc.constantFrom('Warn' as const, 'Block' as const, 'RequireVex' as const),
  }),
);
const payload = fc.record({
  _type: fc.constant(SEAL_PREDICATE_TYPE),
  configDigest: digest,
  facetId: fc.constantFrom('os', 'lang/node'),
  facetType: fc.constantFrom('OS' as const, 'LangNode' as const),
  imageDigest: digest,
  imageRef: text,
  manifest: fc.record({
    extractedAt: instant,
    extractorVersion: text,
    fileCount: fc.nat(),
    files: fc.array(entry, { maxLength: 6 }),
    merkleRoot: digest,
    totalBytes: fc.maxSafeNat(),
  }),
  quota,
  sealId: fc.uuid(),
  sealedAt: instant,
  sealedBy: text,
});

describe('canonicalSealPayload', () => {
  it('writes exactly what the RFC 8785 canonicaliser writes, for any well-formed payload', () => {
    fc.assert(
      fc.property(payload, (p) => {
        if (!JSON.stringify(p).isWellFormed()) return;
        const written = canonicalSealPayload(p);
        expect(written.text).toBe(canonicalJson(p));
        expect(written.files).toBe(canonicalJson(p.manifest.files));
        expect(written.text).toContain(`"files":${written.files},"merkleRoot"`);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses what RFC 8785 cannot write, with canonicalJson codes', () => {
    const p = fc.sample(payload, { numRuns: 1, seed: 7 })[0]! as FacetSealPayload;
    const lone = { ...p, imageRef: 'a\ud800' };
    expect(() => canonicalSealPayload(lone)).toThrow(
      expect.objectContaining({ code: 'CANONICAL_LONE_SURROGATE' }),
    );
    const big = { ...p, manifest: { ...p.manifest, totalBytes: 2 ** 53 } };
    expect(() => canonicalSealPayload(big)).toThrow(
      expect.objectContaining({ code: 'CANONICAL_UNSAFE_INTEGER' }),
    );
    const path = [{ path: '/\udc00', type: 'file', contentHash: '', size: 0, mode: '0644', modTime: '' }];
    expect(() => canonicalEntriesJson(path as never)).toThrow(
      expect.objectContaining({ code: 'CANONICAL_LONE_SURROGATE' }),
    );
  });
});
