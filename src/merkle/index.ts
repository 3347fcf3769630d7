export { MerkleError, type MerkleErrorCode } from './errors.ts';
export { compareUtf8, sortEntriesByPath, assertSortedUnique } from './order.ts';
export { encodeLeaf, leafHash, leafHashBinary, type LeafFields } from './leaf.ts';
export { computeMerkle, rootFromBinaryLeaves, rootFromLeafHashes, type MerkleResult } from './tree.ts';
export { inclusionProof, verifyInclusion, type InclusionClaim } from './proof.ts';
export { toSha256Digest, parseSha256Digest } from './digest.ts';
