import { createPublicKey, type KeyObject } from 'node:crypto';
import type { KeyStatus, TrustedKeyRecord } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import { exportPublicKeyPem, keyIdOf, parsePublicKey } from '../seal/keys.ts';
import type { TrustStore } from '../seal/trust.ts';
import { appendAudit } from './audit.ts';
import type { Db, Sql } from './db.ts';
import { StoreError } from './errors.ts';
import { KEY_COLUMNS, parseRow, TrustedKeyRow } from './rows.ts';
import type { Actor } from './store.ts';

export interface NewTrustedKey {
  /** SPKI PEM or a public JWK (JSON text); a private key is accepted and only its public half kept. */
  readonly publicKey: string;
  readonly status?: KeyStatus | undefined;
  /** The window in which this key may have sealed; open-ended when absent. */
  readonly notBefore?: string | undefined;
  readonly notAfter?: string | undefined;
}

/** Adds a public key to the tenant's keyring. Adding a key already there is refused (KEY_INVALID). */
export async function addTrustedKey(
  db: Db,
  tenant: Tenant,
  key: NewTrustedKey,
  by: Actor,
): Promise<TrustedKeyRecord> {
  let publicKey: KeyObject;
  try {
    publicKey = await parsePublicKey(key.publicKey, 'the public key');
  } catch (cause) {
    throw new StoreError('KEY_INVALID', (cause as Error).message, { cause });
  }
  const notBefore = instant(key.notBefore, 'notBefore');
  const notAfter = instant(key.notAfter, 'notAfter');
  if (notBefore !== null && notAfter !== null && notAfter < notBefore)
    throw new StoreError('KEY_INVALID', `notAfter ${notAfter} is before notBefore ${notBefore}`);
  const keyId = keyIdOf(publicKey);
  return db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `INSERT INTO facet_trusted_keys (tenant, key_id, public_key_pem, status, not_before, not_after, added_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, key_id) DO NOTHING RETURNING ${KEY_COLUMNS}`,
      [tenant, keyId, exportPublicKeyPem(publicKey), key.status ?? 'active', notBefore, notAfter, by.actor],
    );
    if (rows[0] === undefined)
      throw new StoreError('KEY_INVALID', `key ${keyId} is already in the keyring of tenant ${tenant}`);
    await appendAudit(sql, tenant, 'key.add', by, {
      keyId,
      status: key.status ?? 'active',
      notBefore,
      notAfter,
    });
    return parseRow(TrustedKeyRow, rows[0], 'facet_trusted_keys');
  });
}

/** Rotation: archive a key (it keeps verifying seals made inside its window), or re-activate it. */
export async function setTrustedKeyStatus(
  db: Db,
  tenant: Tenant,
  keyId: string,
  change: { status: KeyStatus; notAfter?: string | undefined },
  by: Actor,
): Promise<TrustedKeyRecord> {
  const notAfter = instant(change.notAfter, 'notAfter');
  return db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `UPDATE facet_trusted_keys SET status = $3, not_after = COALESCE($4, not_after)
       WHERE tenant = $1 AND key_id = $2 RETURNING ${KEY_COLUMNS}`,
      [tenant, keyId, change.status, notAfter],
    );
    if (rows[0] === undefined)
      throw new StoreError('KEY_NOT_FOUND', `key ${keyId} is not in the keyring of tenant ${tenant}`);
    await appendAudit(sql, tenant, 'key.status', by, { keyId, status: change.status, notAfter });
    return parseRow(TrustedKeyRow, rows[0], 'facet_trusted_keys');
  });
}

export function listTrustedKeys(db: Db, tenant: Tenant): Promise<TrustedKeyRecord[]> {
  return db.withTenant(tenant, (sql) => readTrustedKeys(sql, tenant));
}

export async function readTrustedKeys(sql: Sql, tenant: Tenant): Promise<TrustedKeyRecord[]> {
  const rows = await sql.query(
    `SELECT ${KEY_COLUMNS} FROM facet_trusted_keys WHERE tenant = $1 ORDER BY added_at, key_id`,
    [tenant],
  );
  return rows.map((r) => parseRow(TrustedKeyRow, r, 'facet_trusted_keys'));
}

/**
 * The tenant's keyring as the seal module's verification port: every key, active or archived, whose
 * window covers the instant (SPEC §7 rotation). A key row whose PEM no longer parses is a DB_ROW_INVALID.
 */
export function trustStoreOf(keys: readonly TrustedKeyRecord[]): TrustStore {
  const entries = keys.map((k) => {
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(k.publicKeyPem);
    } catch (cause) {
      throw new StoreError('DB_ROW_INVALID', `trusted key ${k.keyId} does not parse`, { cause });
    }
    return {
      publicKey,
      from: k.notBefore === null ? -Infinity : Date.parse(k.notBefore),
      to: k.notAfter === null ? Infinity : Date.parse(k.notAfter),
    };
  });
  return {
    allKeys: () => entries.map((e) => e.publicKey),
    keysAt: (at) => {
      const t = Date.parse(at);
      if (Number.isNaN(t)) return [];
      return entries.filter((e) => e.from <= t && t <= e.to).map((e) => e.publicKey);
    },
  };
}

function instant(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw new StoreError('KEY_INVALID', `${field} "${value}" is not an ISO 8601 instant`);
  return new Date(t).toISOString();
}
