import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../model/store.ts';
import type { Tenant } from '../model/tenant.ts';
import type { Db, Sql } from './db.ts';
import { AUDIT_COLUMNS, AuditRow, parseRow } from './rows.ts';
import type { Actor } from './store.ts';

/** The actions this module writes; the webhook adds its own (`admission.decision`). */
export type AuditAction =
  | 'seal.store'
  | 'seal.reject'
  | 'baseline.approve'
  | 'drift.record'
  | 'vex.submit'
  | 'vex.reject'
  | 'key.add'
  | 'key.status'
  | (string & {});

/** Appends one row inside the caller's transaction. */
export async function appendAudit(
  sql: Sql,
  tenant: Tenant,
  action: AuditAction,
  by: Actor,
  details: Record<string, unknown> = {},
): Promise<string> {
  const auditId = randomUUID();
  await sql.query(
    `INSERT INTO facet_audit_log (audit_id, tenant, action, actor, correlation_id, details)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [auditId, tenant, action, by.actor, by.correlationId, JSON.stringify(details)],
  );
  return auditId;
}

/** Appends one row in its own transaction: for refusals, whose main transaction wrote nothing. */
export function recordAudit(
  db: Db,
  tenant: Tenant,
  action: AuditAction,
  by: Actor,
  details: Record<string, unknown> = {},
): Promise<string> {
  return db.withTenant(tenant, (sql) => appendAudit(sql, tenant, action, by, details));
}

export interface AuditQuery {
  readonly action?: string | undefined;
  readonly correlationId?: string | undefined;
  /** Newest first; at most this many (default 100, at most 1000). */
  readonly limit?: number | undefined;
}

export function listAudit(db: Db, tenant: Tenant, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  return db.withTenant(tenant, async (sql) => {
    const rows = await sql.query(
      `SELECT ${AUDIT_COLUMNS} FROM facet_audit_log
       WHERE tenant = $1 AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR correlation_id = $3)
       ORDER BY occurred_at DESC, seq DESC LIMIT $4`,
      [tenant, query.action ?? null, query.correlationId ?? null, limit],
    );
    return rows.map((r) => parseRow(AuditRow, r, 'facet_audit_log'));
  });
}
