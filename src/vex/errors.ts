import { ZastavaError } from '../model/errors.ts';

export type VexErrorCode =
  | 'VEX_DOCUMENT_INVALID'
  | 'VEX_NOTHING_TO_STATE'
  | 'VEX_PAYLOAD_TYPE'
  | 'VEX_SIGNATURE_UNTRUSTED'
  | 'VEX_KEY_NOT_VALID_AT_TIMESTAMP'
  | 'VEX_NOT_BOUND_TO_DRIFT'
  | 'VEX_PLACEHOLDER_IMPACT';

export class VexError extends ZastavaError<VexErrorCode> {}
