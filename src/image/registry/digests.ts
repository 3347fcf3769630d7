import { createHash } from 'node:crypto';
import { RegistryError } from './errors.ts';

/** The algorithms we verify (OCI image-spec descriptor.md registers sha256 and sha512). */
export type DigestAlgorithm = 'sha256' | 'sha512';

export function digestAlgorithm(digest: string): DigestAlgorithm | undefined {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  return algorithm === 'sha256' || algorithm === 'sha512' ? algorithm : undefined;
}

export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Does `bytes` have this digest? An algorithm we cannot compute is a refusal, never a pass. */
export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
  const algorithm = digestAlgorithm(digest);
  return algorithm !== undefined && computeDigest(bytes, algorithm) === digest;
}

/**
 * Passes a blob's chunks through while hashing and counting them. More bytes than the manifest's size
 * fail at once (a hostile server cannot stream forever); at the end, the size and the digest must both
 * match, or the last `next()` throws and the consumer refuses the image.
 */
export async function* verifyingStream(
  source: AsyncIterable<Uint8Array>,
  digest: string,
  expectedSize: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  const algorithm = digestAlgorithm(digest);
  if (!algorithm) {
    throw new RegistryError(
      'REGISTRY_BLOB_DIGEST_MISMATCH',
      `${what}: cannot verify a ${digest.split(':')[0]} digest`,
    );
  }
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > expectedSize) {
      throw new RegistryError(
        'REGISTRY_BLOB_SIZE_MISMATCH',
        `${what}: more than the ${expectedSize} bytes the manifest declares`,
      );
    }
    hash.update(chunk);
    yield chunk;
  }
  if (size !== expectedSize) {
    throw new RegistryError(
      'REGISTRY_BLOB_SIZE_MISMATCH',
      `${what}: ${size} bytes, the manifest declares ${expectedSize}`,
    );
  }
  const actual = `${algorithm}:${hash.digest('hex')}`;
  if (actual !== digest) {
    throw new RegistryError('REGISTRY_BLOB_DIGEST_MISMATCH', `${what}: the bytes served hash to ${actual}`);
  }
}
