import { CacheInvalidation, DECISION_CACHE_CHANNEL } from '../model/cache-invalidation.ts';
import type { Sql } from './db.ts';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_NOTIFY_PAYLOAD = 7999;

/**
 * The payload for `notice`; one naming a repository too long to fit widens to the tenant's whole
 * baseline rather than failing the write it announces.
 */
export function cacheNoticePayload(notice: CacheInvalidation): string {
  const payload = JSON.stringify(CacheInvalidation.parse(notice));
  if (Buffer.byteLength(payload) <= MAX_NOTIFY_PAYLOAD) return payload;
  if (notice.kind === 'baseline') return JSON.stringify({ kind: 'baseline', tenant: notice.tenant });
  return JSON.stringify({ kind: 'all' });
}

/**
 * Tells webhook replicas what a write made stale. Call it inside the write's transaction: PostgreSQL
 * delivers a NOTIFY on commit only, never for a rolled-back write.
 */
export async function notifyCacheInvalidation(sql: Sql, notice: CacheInvalidation): Promise<void> {
  await sql.query('SELECT pg_notify($1, $2)', [DECISION_CACHE_CHANNEL, cacheNoticePayload(notice)]);
}
