import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Tenant } from '../../model/tenant.ts';
import { StoreError } from '../errors.ts';
import { hexOfKey } from './manifest-cas.ts';
import type { CasBackend, CasKey } from './cas.ts';

/**
 * The CAS in a directory: `<root>/<tenant>/sha256/<2 hex>/<64 hex>.json.zst`. Files are written to a
 * temporary name and renamed, so a reader never sees half a manifest. A file written for a transaction
 * that then rolls back stays behind, harmless: it is addressed by its content.
 */
export function fileCas(root: string): CasBackend {
  const pathOf = (tenant: Tenant, key: CasKey): string => {
    const hex = hexOfKey(key);
    return join(root, tenant, 'sha256', hex.slice(0, 2), `${hex}.json.zst`);
  };
  async function putOne(tenant: Tenant, key: CasKey, compressed: Uint8Array): Promise<void> {
    const path = pathOf(tenant, key);
    try {
      await readFile(path);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw casIoError(path, error);
    }
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, compressed, { flag: 'wx', mode: 0o644 });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw casIoError(path, error);
    }
  }
  return {
    kind: 'file',
    async put(_sql, tenant, items) {
      await Promise.all(items.map((item) => putOne(tenant, item.key, item.compressed)));
    },
    async get(_sql, tenant, keys) {
      const found = new Map<CasKey, Uint8Array>();
      await Promise.all(
        keys.map(async (key) => {
          const path = pathOf(tenant, key);
          try {
            found.set(key, await readFile(path));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw casIoError(path, error);
          }
        }),
      );
      return found;
    },
  };
}

function casIoError(path: string, cause: unknown): StoreError {
  return new StoreError('CAS_UNREADABLE', `manifest store file ${path}: ${(cause as Error).message}`, {
    cause,
  });
}
