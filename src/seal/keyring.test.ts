import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  activeKey,
  keyringTrust,
  parseKeyring,
  readKeyringFile,
  signerFromKeyring,
  trustedKeysAt,
} from './keyring.ts';
import {
  exportPrivateKeyPem,
  exportPublicKeyJwk,
  exportPublicKeyPem,
  generateKeyPair,
  keyIdOf,
} from './keys.ts';

const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;

const oldKey = generateKeyPair('ecdsa-p256');
const newKey = generateKeyPair('ed25519');

async function keyringYaml(overrides: Record<string, unknown>[] = []): Promise<string> {
  const keys: Record<string, unknown>[] = [
    {
      name: 'old',
      publicKey: await exportPublicKeyJwk(oldKey.publicKey),
      status: 'archived',
      notBefore: '2025-01-01T00:00:00Z',
      notAfter: '2025-12-31T23:59:59.999Z',
    },
    {
      name: 'current',
      publicKey: exportPublicKeyPem(newKey.publicKey),
      status: 'active',
      notBefore: '2026-01-01T00:00:00Z',
    },
  ];
  overrides.forEach((o, i) => Object.assign(keys[i]!, o));
  return stringify({ keys });
}

describe('keyring', () => {
  it('reads PEM and JWK public keys from YAML, and JSON too', async () => {
    const ring = await parseKeyring(await keyringYaml(), 'ring.yaml');
    expect(ring.keys.map((k) => k.keyId)).toEqual([keyIdOf(oldKey.publicKey), keyIdOf(newKey.publicKey)]);
    const json = JSON.stringify({
      keys: [
        {
          publicKey: exportPublicKeyPem(newKey.publicKey),
          status: 'active',
          notBefore: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
    expect((await parseKeyring(json, 'ring.json')).keys).toHaveLength(1);
  });

  it('trusts any key, active or archived, whose window covers the instant (bounds included)', async () => {
    const ring = await parseKeyring(await keyringYaml(), 'ring.yaml');
    const ids = (at: string) => trustedKeysAt(ring, at).map(keyIdOf);
    expect(ids('2025-06-01T00:00:00.000Z')).toEqual([keyIdOf(oldKey.publicKey)]);
    expect(ids('2025-12-31T23:59:59.999Z')).toEqual([keyIdOf(oldKey.publicKey)]);
    expect(ids('2026-01-01T00:00:00.000Z')).toEqual([keyIdOf(newKey.publicKey)]);
    expect(ids('2030-01-01T00:00:00.000Z')).toEqual([keyIdOf(newKey.publicKey)]);
    expect(ids('2024-12-31T23:59:59.999Z')).toEqual([]);
    expect(ids('not a time')).toEqual([]);
    expect(keyringTrust(ring).allKeys()).toHaveLength(2);
  });

  it('signs with the single active key, read from its privateKeyFile and checked against its public key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zastava-ring-'));
    await writeFile(join(dir, 'current.key'), exportPrivateKeyPem(newKey.privateKey));
    await writeFile(join(dir, 'old.key'), exportPrivateKeyPem(oldKey.privateKey));
    await writeFile(join(dir, 'ring.yaml'), await keyringYaml([{}, { privateKeyFile: 'current.key' }]));
    const ring = await readKeyringFile(join(dir, 'ring.yaml'));
    expect(activeKey(ring).keyId).toBe(keyIdOf(newKey.publicKey));
    expect((await signerFromKeyring(ring)).keyId).toBe(keyIdOf(newKey.publicKey));

    await writeFile(join(dir, 'wrong.yaml'), await keyringYaml([{}, { privateKeyFile: 'old.key' }]));
    await expect(signerFromKeyring(await readKeyringFile(join(dir, 'wrong.yaml')))).rejects.toThrow(
      code('KEYRING_KEY_MISMATCH'),
    );
    await expect(
      signerFromKeyring(await parseKeyring(await keyringYaml(), join(dir, 'ring.yaml'))),
    ).rejects.toThrow(code('KEYRING_INVALID'));
  });

  it('refuses to choose when no key or several keys are active', async () => {
    const none = await parseKeyring(await keyringYaml([{}, { status: 'archived' }]), 'ring.yaml');
    expect(() => activeKey(none)).toThrow(code('KEYRING_NO_ACTIVE_KEY'));
    const two = await parseKeyring(await keyringYaml([{ status: 'active' }]), 'ring.yaml');
    expect(() => activeKey(two)).toThrow(code('KEYRING_ACTIVE_AMBIGUOUS'));
  });

  it.each([
    ['an unknown status', [{ status: 'revoked' }], 'KEYRING_INVALID'],
    ['a missing notBefore', [{ notBefore: undefined }], 'KEYRING_INVALID'],
    ['a notAfter before notBefore', [{ notAfter: '2024-01-01T00:00:00Z' }], 'KEYRING_INVALID'],
    ['an unknown field', [{ trusted: true }], 'KEYRING_INVALID'],
    ['a key listed twice', [{}, { publicKey: exportPublicKeyPem(oldKey.publicKey) }], 'KEYRING_INVALID'],
    ['a publicKey that is not a key', [{ publicKey: 'hello' }], 'KEY_INVALID'],
  ])('refuses %s', async (_what, overrides, expected) => {
    await expect(parseKeyring(await keyringYaml(overrides), 'ring.yaml')).rejects.toThrow(code(expected));
  });

  it('names the file and the field', async () => {
    await expect(parseKeyring(await keyringYaml([{ status: 'revoked' }]), 'ring.yaml')).rejects.toThrow(
      /ring\.yaml.*keys\.0\.status/,
    );
  });

  it('refuses YAML that does not parse, an empty keyring, and a missing file', async () => {
    await expect(parseKeyring('keys: [', 'ring.yaml')).rejects.toThrow(code('KEYRING_SYNTAX'));
    await expect(parseKeyring('keys: []', 'ring.yaml')).rejects.toThrow(code('KEYRING_INVALID'));
    await expect(readKeyringFile('/nonexistent/ring.yaml')).rejects.toThrow(code('KEYRING_UNREADABLE'));
  });
});
