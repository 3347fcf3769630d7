import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exportPrivateKeyJwk,
  exportPrivateKeyPem,
  exportPublicKeyJwk,
  exportPublicKeyPem,
  generateKeyPair,
  KEY_ALGORITHMS,
  keyAlgorithmOf,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  readPrivateKeyFile,
  readPublicKeyFile,
} from './keys.ts';
import { createSigner, verifySignature } from './signer.ts';

const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;

describe.each(KEY_ALGORITHMS)('%s keys', (algorithm) => {
  const { privateKey, publicKey } = generateKeyPair(algorithm);

  it('round-trip through PEM (PKCS#8 and SPKI) keeping the key id', async () => {
    const pem = exportPrivateKeyPem(privateKey);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(exportPublicKeyPem(publicKey)).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keyIdOf(await parsePrivateKey(pem, 'k'))).toBe(keyIdOf(publicKey));
    expect(keyIdOf(await parsePublicKey(exportPublicKeyPem(publicKey), 'k'))).toBe(keyIdOf(publicKey));
  });

  it('round-trip through JWK (jose) keeping the key id', async () => {
    const priv = await exportPrivateKeyJwk(privateKey);
    const pub = await exportPublicKeyJwk(publicKey);
    expect(priv.d).toBeDefined();
    expect(pub.d).toBeUndefined();
    expect(keyIdOf(await parsePrivateKey(JSON.stringify(priv), 'k'))).toBe(keyIdOf(publicKey));
    expect(keyIdOf(await parsePublicKey(JSON.stringify(pub), 'k'))).toBe(keyIdOf(publicKey));
    const fromJwk = await parsePrivateKey(JSON.stringify(priv), 'k');
    const sig = await createSigner(fromJwk).sign(Buffer.from('x'));
    expect(verifySignature(publicKey, Buffer.from('x'), sig)).toBe(true);
  });

  it('have a key id that is sha256 of the DER SubjectPublicKeyInfo', () => {
    const der = publicKey.export({ type: 'spki', format: 'der' });
    expect(keyIdOf(publicKey)).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
  });

  it('sign through the Signer port and verify', async () => {
    const signer = createSigner(privateKey);
    expect(signer.algorithm).toBe(algorithm);
    expect(signer.keyId).toBe(keyIdOf(publicKey));
    const sig = await signer.sign(Buffer.from('data'));
    expect(verifySignature(publicKey, Buffer.from('data'), sig)).toBe(true);
    expect(verifySignature(publicKey, Buffer.from('date'), sig)).toBe(false);
    expect(verifySignature(publicKey, Buffer.from('data'), Buffer.alloc(3))).toBe(false);
  });

  it('report their algorithm', () => {
    expect(keyAlgorithmOf(publicKey)).toBe(algorithm);
  });
});

describe('ECDSA signatures', () => {
  it('are written DER-encoded', async () => {
    const { privateKey, publicKey } = generateKeyPair('ecdsa-p256');
    const sig = await createSigner(privateKey).sign(Buffer.from('x'));
    expect(sig[0]).toBe(0x30); // an ASN.1 SEQUENCE
    expect(verify('sha256', Buffer.from('x'), { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
  });
});

describe('reading keys', () => {
  it('accepts a private key where a public one is wanted, keeping only its public half', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    const key = await parsePublicKey(exportPrivateKeyPem(privateKey), 'k');
    expect(key.type).toBe('public');
    expect(keyIdOf(key)).toBe(keyIdOf(publicKey));
  });

  it.each([
    ['plain text', 'hello'],
    ['an empty file', ''],
    ['a PEM block that is not a key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'],
    ['JSON that is not a JWK', '{"kty":"OKP","crv":"Ed25519"}'],
    ['broken JSON', '{"kty":'],
  ])('refuses %s as KEY_INVALID', async (_what, text) => {
    await expect(parsePrivateKey(text, 'key file k.pem')).rejects.toThrow(code('KEY_INVALID'));
  });

  it('refuses a public key where a private one is needed', async () => {
    const { publicKey } = generateKeyPair();
    await expect(parsePrivateKey(exportPublicKeyPem(publicKey), 'k')).rejects.toThrow(code('KEY_INVALID'));
    await expect(parsePrivateKey(JSON.stringify(await exportPublicKeyJwk(publicKey)), 'k')).rejects.toThrow(
      code('KEY_INVALID'),
    );
    expect(() => createSigner(publicKey)).toThrow(code('KEY_INVALID'));
  });

  it('refuses RSA keys and other curves as KEY_UNSUPPORTED', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    for (const pair of [rsa, p384]) {
      const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      await expect(parsePrivateKey(pem, 'k')).rejects.toThrow(code('KEY_UNSUPPORTED'));
    }
    await expect(parsePublicKey('{"kty":"RSA","n":"AQAB","e":"AQAB"}', 'k')).rejects.toThrow(
      code('KEY_UNSUPPORTED'),
    );
  });

  it('names the file that is not a key, and KEY_UNREADABLE for a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zastava-keys-'));
    const path = join(dir, 'notakey.pem');
    await writeFile(path, 'this is a README, not a key\n');
    await expect(readPrivateKeyFile(path)).rejects.toThrow(code('KEY_INVALID'));
    await expect(readPublicKeyFile(path)).rejects.toThrow(path);
    await expect(readPublicKeyFile(join(dir, 'missing.pub'))).rejects.toThrow(code('KEY_UNREADABLE'));
  });

  it('reads key files written as PEM and as JWK', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zastava-keys-'));
    const { privateKey, publicKey } = generateKeyPair('ecdsa-p256');
    await writeFile(join(dir, 'k.key'), exportPrivateKeyPem(privateKey));
    await writeFile(join(dir, 'k.jwk'), JSON.stringify(await exportPublicKeyJwk(publicKey)));
    expect(keyIdOf(await readPrivateKeyFile(join(dir, 'k.key')))).toBe(keyIdOf(publicKey));
    expect(keyIdOf(await readPublicKeyFile(join(dir, 'k.jwk')))).toBe(keyIdOf(publicKey));
  });
});
