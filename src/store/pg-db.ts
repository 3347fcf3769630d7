import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Tenant } from '../model/tenant.ts';
import { beginScoped, type Db, type Row, type Sql } from './db.ts';
import { toStoreError } from './db-errors.ts';

export interface PgDbOptions {
  readonly connectionString: string;
  /** Tables live in this schema (created by the migrations) instead of the connection's default. */
  readonly schema?: string | undefined;
  readonly maxConnections?: number;
  /** Called with pool errors of idle connections (a restarted server); they must not crash the process. */
  readonly onPoolError?: (error: Error) => void;
}

/**
 * The PostgreSQL implementation of the Db port on a `pg` Pool. The login role runs migrations (it owns
 * the tables); every tenant transaction switches to the application role with `SET LOCAL ROLE`, so the
 * same pool serves both and the application's queries never run as the owner.
 */
export function openPgDb(options: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${quoteIdent(options.schema)}` }),
  });
  pool.on('error', (error) => options.onPoolError?.(error));

  async function transaction<T>(tenant: Tenant | undefined, fn: (sql: Sql) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toStoreError(error, 'connecting to PostgreSQL');
    }
    let broken = false;
    try {
      await client.query(tenant === undefined ? 'BEGIN' : beginScoped(Tenant.parse(tenant)));
      const result = await fn(clientSql(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw toStoreError(error, 'PostgreSQL transaction');
    } finally {
      client.release(broken);
    }
  }

  return {
    kind: 'postgres',
    schema: options.schema,
    withTenant: (tenant, fn) => transaction(tenant, fn),
    asOwner: (fn) => transaction(undefined, fn),
    async callScoped(text, params) {
      try {
        return (await pool.query(text, params as unknown[])).rows as Row[];
      } catch (error) {
        throw toStoreError(error, 'PostgreSQL query');
      }
    },
    async advisoryLock(key, signal) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw toStoreError(error, 'connecting to PostgreSQL');
      }
      try {
        // Polling a try-lock rather than blocking in pg_advisory_lock: an abort must not leave a
        // connection waiting inside the server.
        for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
          signal?.throwIfAborted();
          const rows = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
          if ((rows.rows[0] as { locked?: unknown } | undefined)?.locked === true) break;
          await sleep(wait, undefined, signal === undefined ? {} : { signal });
        }
      } catch (error) {
        client.release();
        throw signal?.aborted === true ? signal.reason : toStoreError(error, `advisory lock ${key}`);
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        try {
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
          client.release();
        } catch (error) {
          client.release(true);
          throw toStoreError(error, `advisory unlock ${key}`);
        }
      };
    },
    async ping() {
      try {
        await pool.query('SELECT 1');
      } catch (error) {
        throw toStoreError(error, 'PostgreSQL health check');
      }
    },
    close: () => pool.end(),
  };
}

function clientSql(client: pg.PoolClient): Sql {
  return {
    async query(text, params = []) {
      const result = await client.query(text, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(text) {
      await client.query(text);
    },
  };
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
