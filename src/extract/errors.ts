import { ZastavaError } from '../model/errors.ts';

/** Failures applying layers or walking a root filesystem (docs/errors.md, "Extract"). */
export type ExtractErrorCode =
  | 'TAR_HEADER_INVALID'
  | 'TAR_TRUNCATED'
  | 'SPARSE_ENTRY'
  | 'PATH_ESCAPE'
  | 'PATH_TOO_LONG'
  | 'TOO_MANY_ENTRIES'
  | 'ROOTFS_UNREADABLE'
  | 'EXTRACT_WORKER_FAILED';

export class ExtractError extends ZastavaError<ExtractErrorCode> {}
