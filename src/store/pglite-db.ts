import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Tenant } from '../model/tenant.ts';
import { SCOPE_SQL, type Db, type Row, type Sql } from './db.ts';
import { toStoreError } from './db-errors.ts';
import { acquireDirLock, type DirLock } from './dir-lock.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { quoteIdent } from './pg-db.ts';

export interface PgliteDbOptions {
  /** A directory for the data files; in memory when absent (tests). */
  readonly dataDir?: string | undefined;
  /** A data directory tarball (`dumpDataDir`) to start from instead of running initdb (tests). */
  readonly loadDataDir?: Blob | undefined;
  /** Tables in this schema (PGlite has one connection: its `search_path` is set once). */
  readonly schema?: string | undefined;
}

export interface PgliteDb extends Db {
  readonly kind: 'pglite';
  /** A tarball of the data directory (tests start fresh databases from a migrated one). */
  dumpDataDir(): Promise<Blob>;
}

/**
 * The embedded default (SPEC §8): PostgreSQL compiled to WebAssembly, in process. PGlite connects as a
 * superuser, and superusers bypass row-level security even with FORCE, so tenant transactions switch to
 * the non-superuser application role exactly as on a server. PGlite has one connection and serialises
 * transactions itself; a data directory is locked so that a second process cannot open it at once.
 */
export async function openPgliteDb(options: PgliteDbOptions = {}): Promise<PgliteDb> {
  const lock: DirLock | undefined =
    options.dataDir === undefined ? undefined : await acquireDirLock(options.dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
    });
  } catch (error) {
    await lock?.release();
    throw toStoreError(
      error,
      `opening the embedded database${options.dataDir ? ` at ${options.dataDir}` : ''}`,
    );
  }
  if (options.schema !== undefined) await pglite.exec(`SET search_path TO ${quoteIdent(options.schema)}`);

  const locks = new KeyedMutex();

  async function transaction<T>(tenant: Tenant | undefined, fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return await pglite.transaction(async (tx) => {
        if (tenant !== undefined) await tx.query(SCOPE_SQL, [tenant]);
        return fn(txSql(tx));
      });
    } catch (error) {
      throw toStoreError(error, 'embedded database transaction');
    }
  }

  return {
    kind: 'pglite',
    schema: options.schema,
    withTenant: (tenant, fn) => transaction(tenant, fn),
    asOwner: (fn) => transaction(undefined, fn),
    async callScoped(text, params) {
      try {
        return (await pglite.query<Row>(text, params as unknown[])).rows;
      } catch (error) {
        throw toStoreError(error, 'embedded database query');
      }
    },
    advisoryLock: (key, signal) => locks.acquire(key, signal),
    async ping() {
      try {
        await pglite.query('SELECT 1');
      } catch (error) {
        throw toStoreError(error, 'embedded database health check');
      }
    },
    dumpDataDir: () => pglite.dumpDataDir('none'),
    async close() {
      try {
        await pglite.close();
      } finally {
        await lock?.release();
      }
    },
  };
}

/** Owner access to the raw PGlite handle is deliberately not exported: tests use `asOwner`. */
function txSql(tx: Transaction): Sql {
  return {
    async query(text, params = []) {
      const result = await tx.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(text) {
      await tx.exec(text);
    },
  };
}
