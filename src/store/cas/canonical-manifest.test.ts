import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FacetManifest } from '../../model/manifest.ts';
import { canonicalJson } from '../../seal/canonical.ts';
import { StoreError } from '../errors.ts';
import { canonicalManifestJson } from './canonical-manifest.ts';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const entry = fc.record(
  {
    path: text.map((s) => `/${s}`),
    type: fc.constantFrom('file' as const, 'symlink' as const),
    contentHash: fc.constant(`sha256:${'ab'.repeat(32)}`),
    size: fc.nat(),
    mode: fc.constantFrom('0644', '0755', '4755'),
    modTime: fc.constant('2024-01-01T00:00:00.000Z'),
    linkTarget: text,
  },
  { requiredKeys: ['path', 'type', 'contentHash', 'size', 'mode', 'modTime'] },
);
const manifest = fc.record({
  facetId: fc.constantFrom('os', 'lang/node'),
  type: fc.constantFrom('OS' as const, 'LangNode' as const),
  files: fc.array(entry, { maxLength: 8 }),
  merkleRoot: fc.constant(`sha256:${'cd'.repeat(32)}`),
  fileCount: fc.nat(),
  totalBytes: fc.maxSafeNat(),
  extractedAt: fc.constant('2024-01-02T00:00:00.000Z'),
  extractorVersion: text,
});

describe('canonicalManifestJson', () => {
  it('writes exactly what the RFC 8785 canonicaliser writes, for any manifest', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        expect(canonicalManifestJson(m as FacetManifest)).toBe(canonicalJson(m));
      }),
      { numRuns: 500 },
    );
  });

  it('escapes control characters and quotes as RFC 8785 does', () => {
    const m: FacetManifest = {
      facetId: 'os',
      type: 'OS',
      files: [
        {
          path: '/a"b\\c\u0001\u001f\u2028é😀',
          type: 'symlink',
          linkTarget: 'x\ny',
          contentHash: `sha256:${'0'.repeat(64)}`,
          size: 0,
          mode: '0777',
          modTime: '2024-01-01T00:00:00.000Z',
        },
      ],
      merkleRoot: `sha256:${'1'.repeat(64)}`,
      fileCount: 1,
      totalBytes: 0,
      extractedAt: '2024-01-01T00:00:00.000Z',
      extractorVersion: 'v',
    };
    expect(canonicalManifestJson(m)).toBe(canonicalJson(m));
  });
});

describe('canonicalManifestJson with the files text of a verified seal', () => {
  it('writes the same bytes around the given files text', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const files = canonicalJson(m.files);
        expect(canonicalManifestJson(m as FacetManifest, files)).toBe(canonicalJson(m));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses what has no RFC 8785 form with the store's error, naming it", () => {
    const base: FacetManifest = {
      facetId: 'os',
      type: 'OS',
      files: [],
      merkleRoot: `sha256:${'1'.repeat(64)}`,
      fileCount: 1,
      totalBytes: 0,
      extractedAt: '2024-01-01T00:00:00.000Z',
      extractorVersion: 'v',
    };
    const entry = {
      path: '/a',
      type: 'file' as const,
      contentHash: `sha256:${'0'.repeat(64)}`,
      size: 0,
      mode: '0644',
      modTime: '2024-01-01T00:00:00.000Z',
    };
    for (const [file, named] of [
      [{ ...entry, path: '/bad\ud800' }, 'unpaired UTF-16 surrogate'],
      [{ ...entry, size: 2 ** 60 }, String(2 ** 60)],
    ] as const) {
      let thrown: unknown;
      try {
        canonicalManifestJson({ ...base, files: [file] });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(StoreError);
      expect((thrown as StoreError).code).toBe('SEAL_SET_INVALID');
      expect((thrown as StoreError).message).toContain(named);
    }
  });
});
