import { ZastavaError } from '../model/errors.ts';

export type ServerErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_SIGNATURE_INVALID'
  | 'TOKEN_ALG_REFUSED'
  | 'TOKEN_CLAIM_INVALID'
  | 'TOKEN_KEY_UNKNOWN'
  | 'AUTH_UNAVAILABLE'
  | 'TENANT_MISSING'
  | 'TENANT_INVALID'
  | 'TENANT_FOREIGN'
  | 'SCOPE_MISSING'
  | 'API_NOT_CONFIGURED'
  | 'BODY_MALFORMED'
  | 'BODY_TOO_LARGE'
  | 'BODY_INVALID'
  | 'QUERY_INVALID'
  | 'NOT_FOUND'
  | 'NOT_READY'
  | 'INTERNAL';

export class ServerError extends ZastavaError<ServerErrorCode> {}

const STATUS: Readonly<Record<string, number>> = {
  TOKEN_MISSING: 401,
  TOKEN_MALFORMED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_SIGNATURE_INVALID: 401,
  TOKEN_ALG_REFUSED: 401,
  TOKEN_CLAIM_INVALID: 401,
  TOKEN_KEY_UNKNOWN: 401,
  AUTH_UNAVAILABLE: 503,
  TENANT_MISSING: 403,
  TENANT_INVALID: 403,
  TENANT_FOREIGN: 403,
  SCOPE_MISSING: 403,
  API_NOT_CONFIGURED: 503,
  BODY_MALFORMED: 400,
  BODY_TOO_LARGE: 413,
  BODY_INVALID: 400,
  QUERY_INVALID: 400,
  NOT_FOUND: 404,
  NOT_READY: 503,
  INTERNAL: 500,
  // store (src/store/errors.ts)
  DB_UNREACHABLE: 503,
  DB_LOCKED: 503,
  SEAL_NOT_FOUND: 404,
  SEALS_NOT_FOUND: 404,
  BASELINE_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  SEAL_CONFLICT: 409,
  IMAGE_AMBIGUOUS: 409,
  DB_CONFLICT: 409,
  SEAL_SET_INVALID: 422,
  IMAGE_REPOSITORY_UNKNOWN: 422,
  KEY_INVALID: 422,
  VEX_INVALID: 422,
  VEX_PAYLOAD_MISMATCH: 422,
  // an image reference that does not parse (src/image)
  REFERENCE_INVALID: 422,
  TRANSPORT_UNKNOWN: 422,
};

/**
 * The HTTP status of an error code. Every seal, DSSE and canonical-JSON code (src/seal) is 422: the
 * request was well-formed JSON but what it carries does not verify. Anything unknown is a 500.
 */
export function httpStatusOf(code: string): number {
  const status = STATUS[code];
  if (status !== undefined) return status;
  if (/^(SEAL|DSSE|CANONICAL|KEYRING|KEY|INTOTO)_/.test(code)) return 422;
  return 500;
}
