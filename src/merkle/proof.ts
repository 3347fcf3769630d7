import { MerkleError } from './errors.ts';
import { levelFromHashes, nodeAt, nodeHash, parentLevel } from './tree.ts';
import { parseSha256Digest, toSha256Digest } from './digest.ts';

/**
 * The RFC 6962 §2.1.1 audit path for leaf `index`, nearest sibling first, as `sha256:<hex>`.
 * Level by level (the same shape as the root): the sibling is the neighbour `index ^ 1` when it
 * exists; a rightmost node without a partner is carried up and adds nothing to the path.
 */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new MerkleError(
      'MERKLE_INDEX_OUT_OF_RANGE',
      `leaf index ${index} is outside a tree of ${leafHashes.length} leaves`,
    );
  }
  const path: string[] = [];
  let level = levelFromHashes(leafHashes);
  let k = index;
  while (level.count > 1) {
    const sibling = k ^ 1;
    if (sibling < level.count) path.push(toSha256Digest(nodeAt(level, sibling)));
    level = parentLevel(level);
    k >>= 1;
  }
  return path;
}

export interface InclusionClaim {
  leafHash: Uint8Array | string;
  index: number;
  treeSize: number;
  auditPath: readonly string[];
  root: string;
}

/**
 * RFC 9162 §2.1.3.2 (the corrected RFC 6962 verification): fold the audit path into a root and compare.
 * Every input may be hostile, so anything malformed is simply `false`.
 */
export function verifyInclusion(claim: InclusionClaim): boolean {
  const { index, treeSize, auditPath } = claim;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize)
    return false;
  const elements: unknown = auditPath;
  if (!Array.isArray(elements)) return false;
  const leaf = typeof claim.leafHash === 'string' ? parseSha256Digest(claim.leafHash) : claim.leafHash;
  const root = parseSha256Digest(claim.root);
  if (!(leaf instanceof Uint8Array) || leaf.length !== 32 || root === undefined) return false;

  // fn: the node's index at the current level; sn: the last index at that level. Divisions, not
  // 32-bit shifts: sizes are only bounded by Number.MAX_SAFE_INTEGER here.
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leaf;
  for (const element of elements as unknown[]) {
    const p = parseSha256Digest(element);
    if (p === undefined || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // A right-edge node carried up unpaired: skip the levels where it had no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.compare(r, root) === 0;
}
