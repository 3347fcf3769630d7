import { hash } from 'node:crypto';
import { hashLeavesInto, NODE_PREFIX, type LeafFields } from './leaf.ts';
import { assertSortedUnique } from './order.ts';
import { toSha256Digest } from './digest.ts';

export interface MerkleResult {
  /** `sha256:<hex>` of the tree head. */
  root: string;
  /** One per entry, in entry order: what inclusion proofs are built from. */
  leafHashes: Uint8Array[];
}

/** RFC 6962 §2.1: the hash of an empty tree is the hash of the empty string. */
const EMPTY_ROOT: Uint8Array = hash('sha256', Buffer.alloc(0), 'buffer');

/**
 * One level of the tree, laid out so that every pair is ready to hash in place: pair j occupies
 * bytes [65j, 65j+65) as `0x01 ‖ left ‖ right`, so node k sits at `slot(k)`. Hashing a view of the
 * buffer avoids a copy and an allocation per node, which matters at 200k leaves.
 */
export interface Level {
  bytes: Buffer;
  count: number;
}

export const slot = (k: number): number => 65 * (k >> 1) + 1 + 32 * (k & 1);

export function emptyLevel(count: number): Level {
  const bytes = Buffer.allocUnsafe(65 * Math.ceil(count / 2));
  for (let j = 0; j < bytes.length; j += 65) bytes[j] = NODE_PREFIX;
  // An odd last pair has no right node: zero it so no stale memory is ever hashed or shown.
  if (count % 2 === 1) bytes.fill(0, slot(count), bytes.length);
  return { bytes, count };
}

export function levelFromHashes(hashes: readonly Uint8Array[]): Level {
  const level = emptyLevel(hashes.length);
  for (let k = 0; k < hashes.length; k++) level.bytes.set(hashes[k]!, slot(k));
  return level;
}

/**
 * The level above: neighbours paired, an odd last node carried up unchanged. Repeating this gives
 * exactly RFC 6962's shape (split at the largest power of two below n): the left subtree of every
 * split is complete, so only the rightmost node of a level can lack a partner.
 */
export function parentLevel(level: Level): Level {
  const next = emptyLevel(Math.ceil(level.count / 2));
  const pairs = level.count >> 1;
  for (let j = 0; j < pairs; j++) {
    next.bytes.write(hash('sha256', level.bytes.subarray(65 * j, 65 * j + 65), 'binary'), slot(j), 'binary');
  }
  if (level.count % 2 === 1) {
    const from = slot(level.count - 1);
    level.bytes.copy(next.bytes, slot(next.count - 1), from, from + 32);
  }
  return next;
}

export function nodeAt(level: Level, k: number): Uint8Array {
  return level.bytes.subarray(slot(k), slot(k) + 32);
}

function rootOfLevel(level: Level): Uint8Array {
  if (level.count === 0) return EMPTY_ROOT;
  let current = level;
  while (current.count > 1) current = parentLevel(current);
  return Buffer.from(nodeAt(current, 0));
}

/**
 * The Merkle tree over entries already in leaf order (`sortEntriesByPath`). Unsorted or repeated
 * paths are refused rather than sorted here: a caller holding an unsorted list has a bug upstream, and
 * a verifier must not silently repair what it was given.
 */
export function computeMerkle(entries: readonly LeafFields[]): MerkleResult {
  assertSortedUnique(entries);
  const leaves = emptyLevel(entries.length);
  hashLeavesInto(entries, (k, binaryHash) => leaves.bytes.write(binaryHash, slot(k), 'binary'));
  const leafHashes = new Array<Uint8Array>(entries.length);
  for (let k = 0; k < entries.length; k++) leafHashes[k] = nodeAt(leaves, k);
  return { root: toSha256Digest(rootOfLevel(leaves)), leafHashes };
}

/**
 * The root over leaf hashes already computed (`leafHashBinary`: 32-character binary strings), in leaf
 * order: for a caller that hashed each entry's leaf as it built the entry (src/extract/facet-entry.ts).
 */
export function rootFromBinaryLeaves(leaves: readonly string[]): string {
  const level = emptyLevel(leaves.length);
  for (let k = 0; k < leaves.length; k++) level.bytes.write(leaves[k]!, slot(k), 'binary');
  return toSha256Digest(rootOfLevel(level));
}

/** `SHA-256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash('sha256', Buffer.concat([Buffer.of(NODE_PREFIX), left, right]), 'buffer');
}

/**
 * The RFC 6962 tree head over leaf hashes. Internal: exported so tests can check the tree shape
 * against RFC 6962's reference roots independently of the leaf encoding.
 */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return rootOfLevel(levelFromHashes(leafHashes));
}
