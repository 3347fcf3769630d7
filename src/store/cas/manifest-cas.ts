import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import { FacetManifest } from '../../model/manifest.ts';
import type { Tenant } from '../../model/tenant.ts';
import { canonicalBytes } from '../../seal/canonical.ts';
import type { Sql } from '../db.ts';
import { StoreError } from '../errors.ts';
import type { CasBackend, CasKey } from './cas.ts';

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

const KEY = /^cas:sha256:([0-9a-f]{64})$/;
/** A manifest of 10 M entries is about 2.5 GB of JSON; a stream inflating past this is hostile. */
const MAX_MANIFEST_BYTES = 1 << 30;

export interface EncodedManifest {
  readonly key: CasKey;
  readonly compressed: Uint8Array;
}

/** The CAS key of a manifest and its compressed canonical (RFC 8785) bytes. */
export async function encodeManifest(manifest: FacetManifest): Promise<EncodedManifest> {
  const canonical = canonicalBytes(manifest);
  const key = `cas:sha256:${createHash('sha256').update(canonical).digest('hex')}`;
  return { key, compressed: await compress(canonical) };
}

/** The hex digest a key names; a malformed key (a hand-edited row) is refused. */
export function hexOfKey(key: CasKey): string {
  const match = KEY.exec(key);
  if (match?.[1] === undefined)
    throw new StoreError('CAS_UNREADABLE', `"${key}" is not a manifest key (cas:sha256:<64 hex>)`);
  return match[1];
}

/**
 * Decompresses, re-hashes and parses one stored manifest. Bytes that do not hash to their key were
 * changed after they were stored: CAS_TAMPERED, and nothing is returned, so no drift is computed from
 * them.
 */
export async function decodeManifest(key: CasKey, compressed: Uint8Array): Promise<FacetManifest> {
  const hex = hexOfKey(key);
  let canonical: Buffer;
  try {
    canonical = await decompress(compressed, { maxOutputLength: MAX_MANIFEST_BYTES });
  } catch (cause) {
    throw tampered(key, 'its bytes are not a zstd stream', cause);
  }
  const actual = createHash('sha256').update(canonical).digest('hex');
  if (actual !== hex) throw tampered(key, `its content hashes to sha256:${actual}`);
  let parsed;
  try {
    parsed = FacetManifest.safeParse(JSON.parse(canonical.toString('utf8')));
  } catch (cause) {
    throw tampered(key, 'its content is not JSON', cause);
  }
  if (!parsed.success)
    throw new StoreError('DB_ROW_INVALID', `stored manifest ${key} is not a facet manifest`, {
      cause: parsed.error,
    });
  return parsed.data;
}

/** Stores a manifest; returns its key. */
export async function putManifest(
  sql: Sql,
  cas: CasBackend,
  tenant: Tenant,
  manifest: FacetManifest,
): Promise<CasKey> {
  const encoded = await encodeManifest(manifest);
  await cas.put(sql, tenant, encoded.key, encoded.compressed);
  return encoded.key;
}

/** Reads and verifies several manifests in one round trip; any missing or altered one fails the read. */
export async function readManifests(
  sql: Sql,
  cas: CasBackend,
  tenant: Tenant,
  keys: readonly CasKey[],
): Promise<Map<CasKey, FacetManifest>> {
  const unique = [...new Set(keys)];
  for (const key of unique) hexOfKey(key);
  const stored = await cas.get(sql, tenant, unique);
  const manifests = new Map<CasKey, FacetManifest>();
  for (const key of unique) {
    const bytes = stored.get(key);
    if (bytes === undefined)
      throw new StoreError('CAS_MISSING', `manifest ${key} is not in the ${cas.kind} manifest store`, {
        hint:
          cas.kind === 'file'
            ? 'the CAS directory may be a different one than when the seal was stored'
            : undefined,
      });
    manifests.set(key, await decodeManifest(key, bytes));
  }
  return manifests;
}

function tampered(key: CasKey, why: string, cause?: unknown): StoreError {
  return new StoreError('CAS_TAMPERED', `stored manifest ${key} was altered after it was stored: ${why}`, {
    cause,
    hint: 'restore the manifest from a backup or re-seal the image; no drift is computed from it',
  });
}
