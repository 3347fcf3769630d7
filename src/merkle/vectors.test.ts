import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  computeMerkle,
  encodeLeaf,
  inclusionProof,
  sortEntriesByPath,
  toSha256Digest,
  verifyInclusion,
} from './index.ts';
import type { LeafFields } from './leaf.ts';

interface VectorCase {
  name: string;
  entries: LeafFields[];
  sortedPaths: string[];
  leafData: string[];
  leafHashes: string[];
  merkleRoot: string;
  inclusionProofs: { index: number; path: string; auditPath: string[] }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../test/vectors/merkle.json', import.meta.url), 'utf8'),
) as { cases: VectorCase[] };

describe('shared Merkle vectors (test/vectors/merkle.json, a copy of ../shared/vectors/merkle.json)', () => {
  it('holds the cases the spec lists', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(9);
  });

  for (const c of vectors.cases) {
    describe(c.name, () => {
      const sorted = sortEntriesByPath(c.entries);

      it('sorts paths by UTF-8 bytes', () => {
        expect(sorted.map((e) => e.path)).toEqual(c.sortedPaths);
      });

      it('encodes every leaf byte for byte', () => {
        expect(sorted.map((e) => Buffer.from(encodeLeaf(e)).toString('hex'))).toEqual(c.leafData);
      });

      it('reproduces the leaf hashes and the root', () => {
        const { root, leafHashes } = computeMerkle(sorted);
        expect(leafHashes.map(toSha256Digest)).toEqual(c.leafHashes);
        expect(root).toBe(c.merkleRoot);
      });

      it('reproduces every inclusion proof, and each verifies', () => {
        const { root, leafHashes } = computeMerkle(sorted);
        for (const p of c.inclusionProofs) {
          expect(sorted[p.index]!.path).toBe(p.path);
          const auditPath = inclusionProof(leafHashes, p.index);
          expect(auditPath).toEqual(p.auditPath);
          expect(
            verifyInclusion({
              leafHash: leafHashes[p.index]!,
              index: p.index,
              treeSize: sorted.length,
              auditPath,
              root,
            }),
          ).toBe(true);
        }
      });
    });
  }
});
