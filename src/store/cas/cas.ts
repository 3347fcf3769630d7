import type { Tenant } from '../../model/tenant.ts';
import type { Sql } from '../db.ts';

/** `cas:sha256:<hex of the canonical manifest JSON>` (SPEC §8). */
export type CasKey = string;

/**
 * Where compressed canonical manifests live. Backends only move bytes: hashing, compression and parsing
 * happen once, in manifest-cas.ts, so that every backend re-hashes every read the same way. A backend
 * receives the transaction so the `postgres` one writes in the same transaction as the seal rows.
 */
export interface CasBackend {
  readonly kind: 'file' | 'postgres';
  /**
   * Stores each item's bytes under its key unless already present (content-addressed: same key, same
   * bytes). The `postgres` backend writes them all in one statement.
   */
  put(sql: Sql, tenant: Tenant, items: readonly CasItem[]): Promise<void>;
  /** The stored bytes of each key found; missing keys are absent from the map. */
  get(sql: Sql, tenant: Tenant, keys: readonly CasKey[]): Promise<Map<CasKey, Uint8Array>>;
}

/** A manifest ready for the CAS: its key and its compressed canonical bytes. */
export interface CasItem {
  readonly key: CasKey;
  readonly compressed: Uint8Array;
}
