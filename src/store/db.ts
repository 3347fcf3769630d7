import type { Tenant } from '../model/tenant.ts';

/** A row as the driver returns it: parsed by a zod schema before anything else reads it. */
export type Row = Readonly<Record<string, unknown>>;

/** What a repository sees inside a transaction. Both drivers (pg, PGlite) provide it. */
export interface Sql {
  /** One statement with `$n` parameters. jsonb parameters are passed as JSON text with a `::jsonb` cast. */
  query(text: string, params?: readonly unknown[]): Promise<readonly Row[]>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

/**
 * The database port. Repositories are written once against it; `openPgDb` and `openPgliteDb` implement
 * it. Every tenant transaction runs as {@link APP_ROLE} with `zastava.tenant` set for that transaction
 * only, so row-level security applies even to a query that forgets its tenant filter.
 */
export interface Db {
  readonly kind: 'postgres' | 'pglite';
  /** The schema the tables live in when not the connection's default (`search_path`). */
  readonly schema: string | undefined;
  /** One transaction as the application role, scoped to `tenant`: commit on return, rollback on throw. */
  withTenant<T>(tenant: Tenant, fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** One transaction as the connecting role (the tables' owner): migrations and maintenance only. */
  asOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * ONE statement in its own implicit transaction, as the connecting role: only for calling a function
   * of the migrations that scopes itself first (the tenant setting and the application role, for its
   * transaction only, as `withTenant` does), so that a hot read is one round trip instead of three
   * (BEGIN + scope, the query, COMMIT). Never for a plain query: it would run as the tables' owner.
   */
  callScoped(text: string, params: readonly unknown[]): Promise<readonly Row[]>;
  /**
   * A cross-process lock on `key` (PostgreSQL advisory lock, held on its own connection until the
   * returned release is called): one webhook replica extracts a digest at a time (SPEC §11). Rejects
   * with the signal's reason when `signal` aborts first. In PGlite (one process) it is in-process.
   */
  advisoryLock(key: string, signal?: AbortSignal): Promise<() => Promise<void>>;
  /** Throws DB_UNREACHABLE when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The role every tenant transaction assumes (`SET LOCAL ROLE`): it owns nothing, so RLS binds it. */
export const APP_ROLE = 'zastava_app';

/** The per-transaction setting the row-level security policies read. */
export const TENANT_SETTING = 'zastava.tenant';

/** The two settings that scope a tenant transaction, after BEGIN. */
export const SCOPE_SQL = `SELECT set_config('${TENANT_SETTING}', $1, true), set_config('role', '${APP_ROLE}', true)`;

/**
 * BEGIN and the scope in one simple-protocol round trip (a lookup is a handful of round trips, each a
 * context switch on a busy node). The tenant is a validated `Tenant` (letters, digits, `.`, `_`, `-`),
 * and is quoted as a literal all the same.
 */
export function beginScoped(tenant: Tenant): string {
  return `BEGIN; SELECT set_config('${TENANT_SETTING}', ${quoteLiteral(tenant)}, true), set_config('role', '${APP_ROLE}', true)`;
}

export function quoteLiteral(text: string): string {
  if (text.includes('\\') || text.includes('\0')) throw new Error('refusing to quote a backslash or NUL');
  return `'${text.replaceAll("'", "''")}'`;
}
