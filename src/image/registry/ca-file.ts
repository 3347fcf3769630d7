import { readFile } from 'node:fs/promises';
import { RegistryError } from './errors.ts';

/** `--ca-file`: PEM certificates to trust in addition to the system roots, read once per source. */
export async function readCaFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new RegistryError('REGISTRY_CA_FILE_UNREADABLE', `cannot read --ca-file ${path}`, { cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new RegistryError('REGISTRY_CA_FILE_UNREADABLE', `--ca-file ${path} holds no PEM certificate`);
  }
  return pem;
}
