import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress, zstdDecompressSync } from 'node:zlib';
import { z } from 'zod';
import { FacetManifest } from '../../model/manifest.ts';
import type { Tenant } from '../../model/tenant.ts';
import type { Sql } from '../db.ts';
import { StoreError } from '../errors.ts';
import type { CasBackend, CasItem, CasKey } from './cas.ts';
import { canonicalManifestJson } from './canonical-manifest.ts';
import type { ManifestCache } from './manifest-cache.ts';
import { declaredContentSize } from './zstd-frame.ts';

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

const KEY = /^cas:sha256:([0-9a-f]{64})$/;
/** About 1 ms of decompression: below this, on the event loop. */
const SYNC_DECOMPRESS_BELOW = 256 * 1024;
/** A manifest of 10 M entries is about 2.5 GB of JSON; a stream inflating past this is hostile. */
const MAX_MANIFEST_BYTES = 1 << 30;

export type EncodedManifest = CasItem;

/**
 * The CAS key of a manifest and its compressed canonical (RFC 8785) bytes. `canonicalFiles`: the RFC 8785
 * text of exactly `manifest.files` when the caller has it (a verified seal's `canonicalFiles`).
 */
export async function encodeManifest(
  manifest: FacetManifest,
  canonicalFiles?: string,
): Promise<EncodedManifest> {
  const canonical = Buffer.from(canonicalManifestJson(manifest, canonicalFiles), 'utf8');
  const key = `cas:sha256:${createHash('sha256').update(canonical).digest('hex')}`;
  // The frame declares its size, so a reader allocates its output once (see decodeManifest).
  return { key, compressed: await compress(canonical, { pledgedSrcSize: canonical.length }) };
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
    // One output buffer of the declared size (+1, so that a full buffer does not make zlib allocate
    // another): without it zlib allocates 128 KiB chunks and joins them, twice the memory, and every
    // byte of it counts towards V8's external memory, whose growth triggers full collections (the
    // baseline lookup's tail: docs/decisions.md). A declaration is only believed up to 64 times the
    // compressed size (manifests compress about 5 times); a wrong one costs only memory: the output is
    // whatever the frame holds, and it is hashed below.
    const declared = declaredContentSize(compressed);
    const options = {
      maxOutputLength: MAX_MANIFEST_BYTES,
      ...(declared !== undefined && declared <= MAX_MANIFEST_BYTES && declared <= compressed.length * 64
        ? { chunkSize: Math.max(declared + 1, 64) }
        : {}),
    };
    // Small streams inline: a thread-pool round trip costs more than the work on a busy node.
    canonical =
      compressed.length < SYNC_DECOMPRESS_BELOW
        ? zstdDecompressSync(compressed, options)
        : await decompress(compressed, options);
  } catch (cause) {
    throw tampered(key, 'its bytes are not a zstd stream', cause);
  }
  const actual = createHash('sha256').update(canonical).digest('hex');
  if (actual !== hex) throw tampered(key, `its content hashes to sha256:${actual}`);
  let parsed;
  try {
    parsed = StoredManifestHeader.safeParse(JSON.parse(canonical.toString('utf8')));
  } catch (cause) {
    throw tampered(key, 'its content is not JSON', cause);
  }
  if (!parsed.success || parsed.data.files.length !== parsed.data.fileCount)
    throw new StoreError('DB_ROW_INVALID', `stored manifest ${key} is not a facet manifest`, {
      cause: parsed.error,
    });
  // The entries are not parsed again: the bytes hash to the key, so they are exactly the canonical JSON
  // that encodeManifest wrote from a validated FacetManifest (docs/decisions.md: zod over 2,000 entries
  // costs 12–19 ms, JSON.parse 0.7 ms, and the baseline lookup budget is 10 ms).
  return parsed.data as FacetManifest;
}

/** Everything but the entries, which the hash vouches for. */
const StoredManifestHeader = FacetManifest.omit({ files: true }).extend({ files: z.array(z.unknown()) });

/** Reads and verifies several manifests in one round trip; any missing or altered one fails the read. */
export async function readManifests(
  sql: Sql,
  cas: CasBackend,
  tenant: Tenant,
  keys: readonly CasKey[],
  cache?: ManifestCache,
): Promise<Map<CasKey, FacetManifest>> {
  const unique = [...new Set(keys)];
  for (const key of unique) hexOfKey(key);
  const stored = await cas.get(sql, tenant, unique);
  const manifests = new Map<CasKey, FacetManifest>();
  for (const key of unique) {
    const bytes = stored.get(key);
    if (bytes === undefined) throw casMissing(key, cas.kind);
    manifests.set(key, await verifiedManifest(tenant, key, bytes, cache));
  }
  return manifests;
}

/**
 * One stored manifest, its bytes just read: decompressed, re-hashed and parsed, or, when the cache holds
 * the manifest decoded from these very bytes (same SHA-256 of the stored bytes), that manifest.
 */
export async function verifiedManifest(
  tenant: Tenant,
  key: CasKey,
  bytes: Uint8Array,
  cache?: ManifestCache,
): Promise<FacetManifest> {
  if (cache === undefined) return decodeManifest(key, bytes);
  const storedDigest = storedDigestOf(bytes);
  return (
    cache.get(tenant, key, storedDigest) ??
    cache.set(tenant, key, storedDigest, await decodeManifest(key, bytes))
  );
}

/** The hex SHA-256 of the stored (compressed) bytes: what the cache is keyed by, with the CAS key. */
export function storedDigestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function casMissing(key: CasKey, kind: CasBackend['kind']): StoreError {
  return new StoreError('CAS_MISSING', `manifest ${key} is not in the ${kind} manifest store`, {
    hint:
      kind === 'file' ? 'the CAS directory may be a different one than when the seal was stored' : undefined,
  });
}

function tampered(key: CasKey, why: string, cause?: unknown): StoreError {
  return new StoreError('CAS_TAMPERED', `stored manifest ${key} was altered after it was stored: ${why}`, {
    cause,
    hint: 'restore the manifest from a backup or re-seal the image; no drift is computed from it',
  });
}
