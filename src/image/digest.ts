import { createHash, type Hash } from 'node:crypto';
import { ImageError } from './errors.ts';

/** The digest algorithms Zastava verifies (OCI image-spec descriptor.md: sha256 and sha512 registered). */
export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
}

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/**
 * Parses `sha256:<64 hex>` or `sha512:<128 hex>` strictly (lower-case hex only). A digest is also a file
 * name in an OCI layout (`blobs/<alg>/<hex>`), so anything looser could reach outside the layout.
 */
export function parseDigest(text: string, what = 'digest'): ParsedDigest {
  const colon = text.indexOf(':');
  const algorithm = colon === -1 ? '' : text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new ImageError('DIGEST_UNSUPPORTED', `${what} "${text}" does not use sha256 or sha512`, {
      hint: 'Zastava verifies sha256 and sha512 digests only',
    });
  }
  if (hex.length !== ENCODED_LENGTH[algorithm] || !/^[0-9a-f]+$/.test(hex)) {
    throw new ImageError(
      'REFERENCE_INVALID',
      `${what} "${text}" is not ${algorithm}:<${ENCODED_LENGTH[algorithm]} hex>`,
    );
  }
  return { algorithm, hex };
}

export function isDigest(text: string): boolean {
  return /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.test(text);
}

export function createDigestHash(digest: ParsedDigest): Hash {
  return createHash(digest.algorithm);
}

export function sha256Digest(bytes: Uint8Array): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Hashes `bytes` with the algorithm of `expected` and throws BLOB_DIGEST_MISMATCH naming `what` if they differ. */
export function verifyBlob(bytes: Uint8Array, expected: string, what: string): void {
  const parsed = parseDigest(expected, what);
  const actual = createHash(parsed.algorithm).update(bytes).digest('hex');
  if (actual !== parsed.hex) {
    throw new ImageError(
      'BLOB_DIGEST_MISMATCH',
      `${what} ${expected}: its bytes hash to ${parsed.algorithm}:${actual} (${bytes.byteLength} bytes)`,
      { hint: 'the blob is corrupt or was altered; fetch or save the image again' },
    );
  }
}
