import { createHash } from 'node:crypto';
import { computeMerkle, inclusionProof, leafHash, MerkleError, verifyInclusion } from '../merkle/index.ts';
import {
  FacetInclusionProof,
  FacetRootStatement,
  INCLUSION_PROOF_TYPE,
  ROOT_PAYLOAD_TYPE,
  type FacetSeal,
  type ProvenEntry,
} from '../model/seal.ts';
import { SealError } from './errors.ts';
import { openTrustedEnvelope } from './trusted-envelope.ts';
import type { TrustStore } from './trust.ts';

/**
 * An inclusion proof for one path of a sealed facet: the entry, its RFC 6962 audit path, and the
 * seal's signed root statement, so it verifies without the rest of the manifest (SPEC §6).
 * Built from the seal's manifest; a tampered manifest gives a proof that does not verify.
 */
export function makeInclusionProof(seal: FacetSeal, path: string): FacetInclusionProof {
  if (seal.rootEnvelope === undefined) {
    throw new SealError(
      'PROOF_NO_ROOT_ENVELOPE',
      `seal ${seal.sealId} (facet ${seal.manifest.facetId}) has no signed root statement to prove against`,
      { hint: 'seal the image again with this version of stella' },
    );
  }
  const { files } = seal.manifest;
  const leafIndex = files.findIndex((f) => f.path === path);
  if (leafIndex < 0) {
    throw new SealError(
      'PROOF_PATH_NOT_FOUND',
      `${path} is not in facet ${seal.manifest.facetId} of seal ${seal.sealId}`,
    );
  }
  const { root, leafHashes } = computeMerkle(files);
  if (root !== seal.manifest.merkleRoot) {
    throw new SealError(
      'SEAL_MERKLE_MISMATCH',
      `seal ${seal.sealId}: merkleRoot ${seal.manifest.merkleRoot} does not match its files (${root})`,
    );
  }
  const { type, contentHash, size, mode, linkTarget } = files[leafIndex]!;
  const entry: ProvenEntry =
    linkTarget === undefined
      ? { path, type, contentHash, size, mode }
      : { path, type, contentHash, size, mode, linkTarget };
  return {
    _type: INCLUSION_PROOF_TYPE,
    entry,
    leafIndex,
    treeSize: files.length,
    auditPath: inclusionProof(leafHashes, leafIndex),
    rootEnvelope: seal.rootEnvelope,
  };
}

export interface VerifiedInclusion {
  /** From the verified root envelope only. */
  statement: FacetRootStatement;
  entry: ProvenEntry;
  keyId: string;
}

/**
 * Checks a proof: the root statement's signature, type, bytes and key window as for a seal (SEAL_*
 * codes), then that the tree size is the signed file count, that a symlink's target matches its
 * hash, and that the audit path leads from the entry's leaf to the signed root.
 */
export function verifyInclusionProof(input: unknown, trust: TrustStore): VerifiedInclusion {
  const parsed = FacetInclusionProof.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SealError(
      'PROOF_INVALID',
      `not an inclusion proof: field ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? ''}`,
      { cause: parsed.error },
    );
  }
  const proof = parsed.data;
  const { entry } = proof;
  const { value: statement, keyId } = openTrustedEnvelope(proof.rootEnvelope, trust, {
    payloadType: ROOT_PAYLOAD_TYPE,
    schema: FacetRootStatement,
    instants: (s) => [s.sealedAt],
    what: `the root statement of the proof for ${entry.path}`,
  });
  const where = `proof for ${entry.path} in facet ${statement.facetId} of seal ${statement.sealId}`;
  if (proof.treeSize !== statement.fileCount) {
    throw new SealError(
      'PROOF_TREE_SIZE_MISMATCH',
      `${where}: tree size ${proof.treeSize} but the signed statement counts ${statement.fileCount} files`,
    );
  }
  checkLinkTarget(entry, where);
  let leaf: Uint8Array;
  try {
    leaf = leafHash(entry);
  } catch (cause) {
    if (!(cause instanceof MerkleError)) throw cause;
    throw new SealError('PROOF_INVALID', `${where}: ${cause.message}`, { cause });
  }
  const included = verifyInclusion({
    leafHash: leaf,
    index: proof.leafIndex,
    treeSize: proof.treeSize,
    auditPath: proof.auditPath,
    root: statement.merkleRoot,
  });
  if (!included) {
    throw new SealError(
      'PROOF_INCLUSION_FAILED',
      `${where}: the audit path does not lead from this entry at index ${proof.leafIndex} to the signed root ${statement.merkleRoot}`,
    );
  }
  return { statement, entry, keyId };
}

/** The leaf commits to a symlink's target only through its hash and size (SPEC §2): check both. */
function checkLinkTarget(entry: ProvenEntry, where: string): void {
  if (entry.type === 'file') {
    if (entry.linkTarget !== undefined)
      throw new SealError('PROOF_INVALID', `${where}: a regular file has no linkTarget`);
    return;
  }
  if (entry.linkTarget === undefined) return;
  const bytes = Buffer.from(entry.linkTarget, 'utf8');
  const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (hash !== entry.contentHash || bytes.length !== entry.size) {
    throw new SealError(
      'PROOF_LINK_TARGET_MISMATCH',
      `${where}: linkTarget ${JSON.stringify(entry.linkTarget)} does not match the entry's contentHash and size`,
    );
  }
}
