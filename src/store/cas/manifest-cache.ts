import type { FacetManifest } from '../../model/manifest.ts';
import type { Tenant } from '../../model/tenant.ts';
import type { CasKey } from './cas.ts';

/**
 * Decoded manifests, keyed by tenant, CAS key and the SHA-256 of the stored (compressed) bytes. Every
 * read still fetches and hashes the stored bytes: only bytes identical to ones already decompressed,
 * re-hashed against their key and parsed are answered from here, so a manifest altered in the store
 * misses the cache and fails its check (CAS_TAMPERED). What it saves is decompressing and parsing the
 * same baseline for every admission. Bounded by the number of file entries held (least recently used
 * first out); the manifests it returns are frozen and shared.
 */
export class ManifestCache {
  readonly #maxEntries: number;
  readonly #items = new Map<string, { storedDigest: string; manifest: FacetManifest; weight: number }>();
  #weight = 0;
  #hits = 0;
  #misses = 0;

  /** `maxEntries`: file entries held in all (about 300 bytes each). */
  constructor(maxEntries = 200_000) {
    this.#maxEntries = maxEntries;
  }

  get(tenant: Tenant, key: CasKey, storedDigest: string): FacetManifest | undefined {
    const id = `${tenant}\0${key}`;
    const item = this.#items.get(id);
    if (item === undefined || item.storedDigest !== storedDigest) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#items.delete(id);
    this.#items.set(id, item);
    return item.manifest;
  }

  set(tenant: Tenant, key: CasKey, storedDigest: string, manifest: FacetManifest): FacetManifest {
    const weight = manifest.files.length + 1;
    const frozen = freeze(manifest);
    if (weight > this.#maxEntries) return frozen;
    const id = `${tenant}\0${key}`;
    const old = this.#items.get(id);
    if (old !== undefined) {
      this.#items.delete(id);
      this.#weight -= old.weight;
    }
    this.#items.set(id, { storedDigest, manifest: frozen, weight });
    this.#weight += weight;
    for (const [oldest, item] of this.#items) {
      if (this.#weight <= this.#maxEntries) break;
      this.#items.delete(oldest);
      this.#weight -= item.weight;
    }
    return frozen;
  }

  get size(): number {
    return this.#items.size;
  }

  /** Lookups answered from the cache, and not, since it was made. */
  get stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#weight };
  }
}

function freeze(manifest: FacetManifest): FacetManifest {
  for (const file of manifest.files) Object.freeze(file);
  Object.freeze(manifest.files);
  return Object.freeze(manifest);
}
