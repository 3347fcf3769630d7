import { sign, verify, type KeyObject } from 'node:crypto';
import { SealError } from './errors.ts';
import { keyAlgorithmOf, keyIdOf, type KeyAlgorithm } from './keys.ts';

/** The signing port: a local key today, a KMS or an HSM tomorrow. */
export interface Signer {
  /** `sha256:` id of the public key (SPEC §7); written as the DSSE `keyid` hint. */
  readonly keyId: string;
  readonly algorithm: KeyAlgorithm;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A Signer over a local private key. ECDSA signatures are written DER-encoded (SPEC §7). */
export function createSigner(privateKey: KeyObject): Signer {
  if (privateKey.type !== 'private')
    throw new SealError('KEY_INVALID', 'signing needs a private key, not a public one');
  const algorithm = keyAlgorithmOf(privateKey);
  return {
    keyId: keyIdOf(privateKey),
    algorithm,
    sign: (data) =>
      new Promise((resolve, reject) => {
        // The callback form runs in libuv's thread pool, off the event loop.
        const done = (error: Error | null, signature: Buffer): void =>
          error ? reject(error) : resolve(signature);
        if (algorithm === 'ed25519') sign(null, data, privateKey, done);
        else sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }, done);
      }),
  };
}

/**
 * Whether `signature` is `publicKey`'s over `data`. Hostile input gives `false`, never an exception.
 * ECDSA accepts DER and the IEEE-P1363 r‖s form (64 bytes), which the DSSE test vector and WebCrypto use.
 */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  let algorithm: KeyAlgorithm;
  try {
    algorithm = keyAlgorithmOf(publicKey);
  } catch {
    return false;
  }
  if (algorithm === 'ed25519')
    return signature.length === 64 && attempt(() => verify(null, data, publicKey, signature));
  return (
    attempt(() => verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature)) ||
    (signature.length === 64 &&
      attempt(() => verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)))
  );
}

/** OpenSSL throws on some malformed signatures instead of returning false. */
function attempt(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
