import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir } from '../config/paths.ts';
import {
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  readPrivateKeyFile,
  readPublicKeyFile,
} from '../seal/keys.ts';
import { createSigner, type Signer } from '../seal/signer.ts';
import { staticTrust, type TrustStore } from '../seal/trust.ts';
import type { CliContext } from './context.ts';
import { print } from './context.ts';
import { CliError, usageError } from './errors.ts';
import { writeFileAtomic } from './write-atomic.ts';

/** Where `stella seal` keeps the key it creates on first use when no `--key` is given. */
export function defaultKeyPrefix(env: CliContext['env']): string {
  return join(dataDir(env), 'keys', 'stella');
}

/** Writes `P.key` (PKCS#8 PEM, 0600) and `P.pub` (SPKI PEM); refuses to overwrite an existing key. */
export async function writeKeyPair(prefix: string, algorithm: 'ed25519' | 'ecdsa-p256'): Promise<void> {
  const pair = generateKeyPair(algorithm);
  for (const file of [`${prefix}.key`, `${prefix}.pub`]) {
    if (await exists(file)) throw usageError(`${file} already exists; refusing to overwrite a key`);
  }
  writeFileAtomic(`${prefix}.key`, exportPrivateKeyPem(pair.privateKey), 0o600);
  writeFileAtomic(`${prefix}.pub`, exportPublicKeyPem(pair.publicKey), 0o644);
}

/** The signer for `--key FILE`, or the user's default key, created (and announced) on first use. */
export async function resolveSigner(keyFile: string | undefined, ctx: CliContext): Promise<Signer> {
  if (keyFile !== undefined) return createSigner(await readPrivateKeyFile(keyFile));
  const prefix = defaultKeyPrefix(ctx.env);
  if (!(await exists(`${prefix}.key`))) {
    await mkdir(join(prefix, '..'), { recursive: true, mode: 0o700 });
    await writeKeyPair(prefix, 'ed25519');
    print(ctx.stderr, `created a signing key: ${prefix}.key (public key: ${prefix}.pub)`);
  }
  return createSigner(await readPrivateKeyFile(`${prefix}.key`));
}

/** `--key PUB` (trusted at every instant) or `--keyring FILE` (trusted within each key's window). */
export async function resolveTrust(
  command: string,
  values: { key?: string | undefined; keyring?: string | undefined },
  usage: string,
): Promise<TrustStore> {
  if ((values.key === undefined) === (values.keyring === undefined)) {
    throw usageError(`stella ${command}: give exactly one of --key PUB or --keyring FILE`, usage);
  }
  if (values.key !== undefined) return staticTrust([await readPublicKeyFile(values.key)]);
  // The keyring's schema loads only for --keyring: `stella seal` never needs it.
  const { keyringTrust, readKeyringFile } = await import('../seal/keyring.ts');
  return keyringTrust(await readKeyringFile(values.keyring!));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Reads a JSON input file with errors that name it. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError('INPUT_UNREADABLE', `cannot read ${path}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError('INPUT_UNREADABLE', `${path} is not JSON`, { cause: error });
  }
}
