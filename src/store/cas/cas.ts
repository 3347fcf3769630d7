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
  /** Stores `compressed` under `key` unless already present (content-addressed: same key, same bytes). */
  put(sql: Sql, tenant: Tenant, key: CasKey, compressed: Uint8Array): Promise<void>;
  /** The stored bytes of each key found; missing keys are absent from the map. */
  get(sql: Sql, tenant: Tenant, keys: readonly CasKey[]): Promise<Map<CasKey, Uint8Array>>;
}
