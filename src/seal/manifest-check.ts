import { computeMerkle, MerkleError } from '../merkle/index.ts';
import type { SealedManifest } from '../model/seal.ts';
import { SealError } from './errors.ts';

/**
 * The manifest's own arithmetic (SPEC §7, after the signature): files sorted and unique, the Merkle
 * root recomputed from them, `fileCount` and `totalBytes`. `where` names the seal in messages.
 */
export function checkManifest(
  manifest: Pick<SealedManifest, 'files' | 'merkleRoot' | 'fileCount' | 'totalBytes'>,
  where: string,
): void {
  let root: string;
  try {
    root = computeMerkle(manifest.files).root;
  } catch (error) {
    if (
      error instanceof MerkleError &&
      (error.code === 'MERKLE_UNSORTED' || error.code === 'MERKLE_DUPLICATE_PATH')
    ) {
      throw new SealError('SEAL_FILES_UNSORTED', `${where}: ${error.message}`, { cause: error });
    }
    if (error instanceof MerkleError)
      throw new SealError('SEAL_PAYLOAD_INVALID', `${where}: ${error.message}`, { cause: error });
    throw error;
  }
  if (root !== manifest.merkleRoot) {
    throw new SealError(
      'SEAL_MERKLE_MISMATCH',
      `${where}: merkleRoot ${manifest.merkleRoot} does not match the root ${root} recomputed from its ${manifest.files.length} files`,
    );
  }
  if (manifest.fileCount !== manifest.files.length) {
    throw new SealError(
      'SEAL_COUNT_MISMATCH',
      `${where}: fileCount ${manifest.fileCount} but the manifest lists ${manifest.files.length} files`,
    );
  }
  let total = 0;
  for (const file of manifest.files) total += file.size;
  if (total !== manifest.totalBytes || !Number.isSafeInteger(total)) {
    throw new SealError(
      'SEAL_BYTES_MISMATCH',
      `${where}: totalBytes ${manifest.totalBytes} but the files' sizes add up to ${total}`,
    );
  }
}
