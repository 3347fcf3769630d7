import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as Jose from 'jose';
import type { JWK } from 'jose';
import { SealError } from './errors.ts';

/** SPEC §7: Ed25519 by default, ECDSA P-256 with SHA-256. */
export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ed25519', 'ecdsa-p256'];

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateKeyPair(algorithm: KeyAlgorithm = 'ed25519'): KeyPair {
  return algorithm === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** The algorithm of a key; KEY_UNSUPPORTED for RSA, other curves and the rest. */
export function keyAlgorithmOf(key: KeyObject, source = 'the key'): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ecdsa-p256';
  const kind = key.asymmetricKeyDetails?.namedCurve ?? key.asymmetricKeyType ?? key.type;
  throw new SealError(
    'KEY_UNSUPPORTED',
    `${source} is a ${kind} key; only Ed25519 and ECDSA P-256 are supported`,
  );
}

/** The public half of a key (itself when already public). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** `sha256:` + hex SHA-256 of the DER SubjectPublicKeyInfo (SPEC §7); a private key gives its public key's id. */
export function keyIdOf(key: KeyObject): string {
  let id = keyIds.get(key);
  if (id === undefined) {
    const spki = publicKeyOf(key).export({ type: 'spki', format: 'der' });
    id = `sha256:${createHash('sha256').update(spki).digest('hex')}`;
    keyIds.set(key, id);
  }
  return id;
}

/** A KeyObject never changes: its id is computed once (verification asks for it per key per envelope). */
const keyIds = new WeakMap<KeyObject, string>();

const jwkAlgorithm = (jwk: JWK): string | undefined =>
  jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
    ? 'Ed25519'
    : jwk.kty === 'EC' && jwk.crv === 'P-256'
      ? 'ES256'
      : undefined;

async function importKey(text: string, source: string, want: 'private' | 'public'): Promise<KeyObject> {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.startsWith('{')) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(trimmed) as JWK;
    } catch (cause) {
      throw new SealError(
        'KEY_INVALID',
        `${source} is neither a PEM key nor a JWK: the JSON does not parse`,
        { cause },
      );
    }
    const alg = jwkAlgorithm(jwk);
    if (alg === undefined) {
      throw new SealError(
        'KEY_UNSUPPORTED',
        `${source} is a JWK of kty ${String(jwk.kty)} crv ${String(jwk.crv)}; only Ed25519 (OKP) and P-256 (EC) are supported`,
      );
    }
    if (want === 'private' && jwk.d === undefined) {
      throw new SealError('KEY_INVALID', `${source} is a public JWK where a private key is needed`);
    }
    try {
      const { importJWK } = await loadJose();
      const imported = await importJWK(jwk, alg, { extractable: true });
      if (imported instanceof Uint8Array) throw new Error('a symmetric key');
      key = KeyObject.from(imported);
    } catch (cause) {
      throw new SealError('KEY_INVALID', `${source} is not a usable JWK: ${(cause as Error).message}`, {
        cause,
      });
    }
  } else if (trimmed.startsWith('-----BEGIN ')) {
    if (want === 'private' && !/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) {
      throw new SealError(
        'KEY_INVALID',
        `${source} holds a public key or certificate where a private key is needed`,
      );
    }
    try {
      key = want === 'private' ? createPrivateKey(trimmed) : createPublicKey(trimmed);
    } catch (cause) {
      throw new SealError(
        'KEY_INVALID',
        `${source} holds a PEM block that is not a usable ${want} key (encrypted keys are not supported): ${(cause as Error).message}`,
        { cause },
      );
    }
  } else {
    throw new SealError(
      'KEY_INVALID',
      `${source} is not a key: expected a PEM block (PKCS#8 or SPKI) or a JWK`,
      { hint: 'create a key pair with `stella keys generate`' },
    );
  }
  keyAlgorithmOf(key, source);
  return want === 'public' ? publicKeyOf(key) : key;
}

/** A private key from PKCS#8 PEM (SEC1 EC PEM also reads) or a private JWK. `source` names it in errors. */
export function parsePrivateKey(text: string, source: string): Promise<KeyObject> {
  return importKey(text, source, 'private');
}

/** A public key from SPKI PEM or a JWK; a private key is accepted and its public half kept. */
export function parsePublicKey(text: string, source: string): Promise<KeyObject> {
  return importKey(text, source, 'public');
}

async function readKeyText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new SealError('KEY_UNREADABLE', `cannot read key file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

export async function readPrivateKeyFile(path: string): Promise<KeyObject> {
  return parsePrivateKey(await readKeyText(path), `key file ${path}`);
}

export async function readPublicKeyFile(path: string): Promise<KeyObject> {
  return parsePublicKey(await readKeyText(path), `key file ${path}`);
}

/** SPKI PEM of the public half. */
export function exportPublicKeyPem(key: KeyObject): string {
  return publicKeyOf(key).export({ type: 'spki', format: 'pem' }) as string;
}

/** PKCS#8 PEM, unencrypted: the file is protected by its mode (0600), as ssh keys are. */
export function exportPrivateKeyPem(key: KeyObject): string {
  if (key.type !== 'private') throw new SealError('KEY_INVALID', 'a public key has no private PEM');
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export async function exportPublicKeyJwk(key: KeyObject): Promise<JWK> {
  return (await loadJose()).exportJWK(publicKeyOf(key));
}

export async function exportPrivateKeyJwk(key: KeyObject): Promise<JWK> {
  if (key.type !== 'private') throw new SealError('KEY_INVALID', 'a public key has no private JWK');
  return (await loadJose()).exportJWK(key);
}

/** jose (46 modules) is loaded only for JWK keys: PEM keys, the common case, never need it. */
function loadJose(): Promise<typeof Jose> {
  return import('jose');
}
