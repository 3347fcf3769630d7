import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inclusionProof, rootFromLeafHashes, toSha256Digest, verifyInclusion } from './index.ts';

const leaves = Array.from({ length: 33 }, (_, i) =>
  createHash('sha256')
    .update(Buffer.from([0, i]))
    .digest(),
);

describe('inclusion proofs', () => {
  it('verify for every leaf of every tree size up to 33', () => {
    for (let n = 1; n <= leaves.length; n++) {
      const tree = leaves.slice(0, n);
      const root = toSha256Digest(rootFromLeafHashes(tree));
      for (let i = 0; i < n; i++) {
        const auditPath = inclusionProof(tree, i);
        expect(verifyInclusion({ leafHash: tree[i]!, index: i, treeSize: n, auditPath, root })).toBe(true);
      }
    }
  });

  const tree = leaves.slice(0, 13);
  const root = toSha256Digest(rootFromLeafHashes(tree));
  const good = { leafHash: tree[5]!, index: 5, treeSize: 13, auditPath: inclusionProof(tree, 5), root };

  it('accept the leaf hash as sha256:hex too', () => {
    expect(verifyInclusion({ ...good, leafHash: toSha256Digest(tree[5]!) })).toBe(true);
  });

  it.each([
    ['another leaf', { leafHash: tree[6]! }],
    ['another index', { index: 4 }],
    // A left-side leaf's path does not pin the size among trees of the same shape (13 and 14 here);
    // the signed root statement binds the size. A size of another shape fails.
    ['another tree size', { treeSize: 8 }],
    ['a larger tree size', { treeSize: 17 }],
    ['an index past the end', { index: 13 }],
    ['a negative index', { index: -1 }],
    ['a shortened path', { auditPath: inclusionProof(tree, 5).slice(1) }],
    ['a lengthened path', { auditPath: [...inclusionProof(tree, 5), root] }],
    ['a malformed path element', { auditPath: ['sha256:zz', ...inclusionProof(tree, 5).slice(1)] }],
    ['another root', { root: toSha256Digest(tree[0]!) }],
    ['a malformed root', { root: 'sha256:' }],
  ])('reject %s', (_what, patch) => {
    expect(verifyInclusion({ ...good, ...patch })).toBe(false);
  });

  it('refuse to build a proof for an index outside the tree', () => {
    expect(() => inclusionProof(tree, 13)).toThrow(
      expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }),
    );
    expect(() => inclusionProof([], 0)).toThrow(
      expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }),
    );
  });
});
