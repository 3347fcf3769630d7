import { ZastavaError } from '../model/errors.ts';

export type DriftErrorCode =
  | 'DRIFT_MANIFEST_UNSORTED'
  | 'DRIFT_FACET_DEFINITIONS_DIFFER'
  | 'DRIFT_SEAL_INVALID'
  | 'DRIFT_INPUT_UNREADABLE'
  | 'DRIFT_INPUT_INVALID'
  | 'DRIFT_INPUT_NOT_FOUND';

export class DriftError extends ZastavaError<DriftErrorCode> {}
