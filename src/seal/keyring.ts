import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SealError } from './errors.ts';
import { keyIdOf, parsePublicKey, readPrivateKeyFile } from './keys.ts';
import { createSigner, type Signer } from './signer.ts';
import type { TrustStore } from './trust.ts';

const Instant = z.iso.datetime({ offset: true });

/**
 * A keyring file (YAML or JSON). Verification trusts every listed key within its window; signing uses
 * the one `active` key, whose private key file is named by `privateKeyFile` (relative to the keyring).
 */
export const KeyringFile = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        name: z.string().min(1).optional(),
        /** SPKI PEM text, or a JWK object. */
        publicKey: z.union([z.string().min(1), z.looseObject({ kty: z.string() })]),
        status: z.enum(['active', 'archived']),
        /** The window in which this key may have sealed: `notBefore ≤ sealedAt ≤ notAfter`. */
        notBefore: Instant,
        notAfter: Instant.optional(),
        privateKeyFile: z.string().min(1).optional(),
      }),
    )
    .min(1),
});
export type KeyringFile = z.infer<typeof KeyringFile>;

export interface KeyringEntry {
  keyId: string;
  name: string | undefined;
  publicKey: KeyObject;
  status: 'active' | 'archived';
  /** Milliseconds since the epoch; `notAfter` is `undefined` for an open window. */
  notBefore: number;
  notAfter: number | undefined;
  /** Absolute path, resolved against the keyring file's directory. */
  privateKeyFile: string | undefined;
}

export interface Keyring {
  source: string;
  keys: KeyringEntry[];
}

/** Parses and validates a keyring. `source` names the file in errors and anchors relative paths. */
export async function parseKeyring(text: string, source: string): Promise<Keyring> {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (cause) {
    throw new SealError('KEYRING_SYNTAX', `keyring ${source} does not parse: ${(cause as Error).message}`, {
      cause,
    });
  }
  const parsed = KeyringFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(top level)';
    throw new SealError(
      'KEYRING_INVALID',
      `keyring ${source}: field ${field}: ${issue?.message ?? 'invalid'}`,
      {
        cause: parsed.error,
      },
    );
  }
  const keys: KeyringEntry[] = [];
  for (const [i, entry] of parsed.data.keys.entries()) {
    const where = `keyring ${source}, keys.${i}${entry.name === undefined ? '' : ` (${entry.name})`}`;
    const text = typeof entry.publicKey === 'string' ? entry.publicKey : JSON.stringify(entry.publicKey);
    const publicKey = await parsePublicKey(text, `the publicKey of ${where}`);
    const notBefore = Date.parse(entry.notBefore);
    const notAfter = entry.notAfter === undefined ? undefined : Date.parse(entry.notAfter);
    if (notAfter !== undefined && notAfter < notBefore) {
      throw new SealError(
        'KEYRING_INVALID',
        `${where}: notAfter ${entry.notAfter} is before notBefore ${entry.notBefore}`,
      );
    }
    const keyId = keyIdOf(publicKey);
    if (keys.some((k) => k.keyId === keyId)) {
      throw new SealError('KEYRING_INVALID', `${where}: key ${keyId} is listed twice`);
    }
    keys.push({
      keyId,
      name: entry.name,
      publicKey,
      status: entry.status,
      notBefore,
      notAfter,
      privateKeyFile:
        entry.privateKeyFile === undefined ? undefined : resolve(dirname(source), entry.privateKeyFile),
    });
  }
  return { source, keys };
}

export async function readKeyringFile(path: string): Promise<Keyring> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SealError('KEYRING_UNREADABLE', `cannot read keyring ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseKeyring(text, path);
}

const covers = (entry: KeyringEntry, at: number): boolean =>
  entry.notBefore <= at && (entry.notAfter === undefined || at <= entry.notAfter);

/** Every key, active or archived, whose window covers `instant`. An unparsable instant trusts nothing. */
export function trustedKeysAt(keyring: Keyring, instant: string): KeyObject[] {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) return [];
  return keyring.keys.filter((k) => covers(k, at)).map((k) => k.publicKey);
}

export function keyringTrust(keyring: Keyring): TrustStore {
  return {
    allKeys: () => keyring.keys.map((k) => k.publicKey),
    keysAt: (instant) => trustedKeysAt(keyring, instant),
  };
}

/** The single active key; KEYRING_NO_ACTIVE_KEY or KEYRING_ACTIVE_AMBIGUOUS otherwise. */
export function activeKey(keyring: Keyring): KeyringEntry {
  const active = keyring.keys.filter((k) => k.status === 'active');
  if (active.length === 0) {
    throw new SealError('KEYRING_NO_ACTIVE_KEY', `keyring ${keyring.source} has no active key to sign with`, {
      hint: 'mark the current key `status: active`',
    });
  }
  if (active.length > 1) {
    throw new SealError(
      'KEYRING_ACTIVE_AMBIGUOUS',
      `keyring ${keyring.source} has ${active.length} active keys (${active.map((k) => k.keyId).join(', ')}); exactly one signs`,
      { hint: 'mark all but the current key `status: archived`' },
    );
  }
  return active[0]!;
}

/** A Signer for the active key, from its `privateKeyFile`, checked to be the listed public key's pair. */
export async function signerFromKeyring(keyring: Keyring): Promise<Signer> {
  const entry = activeKey(keyring);
  if (entry.privateKeyFile === undefined) {
    throw new SealError(
      'KEYRING_INVALID',
      `keyring ${keyring.source}: the active key ${entry.keyId} has no privateKeyFile`,
    );
  }
  const privateKey = await readPrivateKeyFile(entry.privateKeyFile);
  if (keyIdOf(privateKey) !== entry.keyId) {
    throw new SealError(
      'KEYRING_KEY_MISMATCH',
      `keyring ${keyring.source}: ${entry.privateKeyFile} is the private key of ${keyIdOf(privateKey)}, not of the active key ${entry.keyId}`,
    );
  }
  return createSigner(privateKey);
}
