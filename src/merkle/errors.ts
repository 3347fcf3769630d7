import { ZastavaError } from '../model/errors.ts';

export type MerkleErrorCode =
  'MERKLE_ENTRY_INVALID' | 'MERKLE_DUPLICATE_PATH' | 'MERKLE_UNSORTED' | 'MERKLE_INDEX_OUT_OF_RANGE';

export class MerkleError extends ZastavaError<MerkleErrorCode> {}
