import { RegistryError } from './errors.ts';
import { errorCodes } from './retry.ts';

/** Marks an abort caused by our own per-request timer (as opposed to the caller's signal). */
export class RequestTimeout extends Error {
  constructor(what: string) {
    super(`no response within the timeout: ${what}`);
    this.name = 'RequestTimeout';
  }
}

const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** A fetch failure → the RegistryError a user sees, naming the request (never its headers). */
export function networkError(error: unknown, what: string): RegistryError {
  const codes = errorCodes(error);
  if (
    error instanceof RequestTimeout ||
    codes.includes('UND_ERR_HEADERS_TIMEOUT') ||
    codes.includes('UND_ERR_BODY_TIMEOUT')
  ) {
    return new RegistryError('REGISTRY_TIMEOUT', `${what}: no answer within the timeout`, {
      cause: error,
      hint: 'the registry or the network is too slow; try again, or check the registry',
    });
  }
  const tls = codes.find((c) => TLS_CODES.test(c));
  if (tls) {
    return new RegistryError('REGISTRY_TLS_FAILED', `${what}: TLS failed (${tls})`, {
      cause: error,
      hint: 'for a registry with a private CA pass --ca-file CA.pem',
    });
  }
  const detail = codes[codes.length - 1] ?? (error instanceof Error ? error.message : String(error));
  return new RegistryError('REGISTRY_UNREACHABLE', `${what}: ${detail}`, { cause: error });
}

/** True when an HTTPS attempt reached a server that speaks plain HTTP. */
export function isPlainHttpServer(error: unknown): boolean {
  return errorCodes(error).some(
    (c) => c === 'ERR_SSL_WRONG_VERSION_NUMBER' || c === 'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  );
}
