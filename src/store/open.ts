import type { StoreConfig } from '../config/store.ts';
import { fileCas } from './cas/file-cas.ts';
import { ManifestCache } from './cas/manifest-cache.ts';
import { postgresCas } from './cas/postgres-cas.ts';
import type { Db } from './db.ts';
import { migrate, type MigrationResult } from './migrate.ts';
import { openPgDb } from './pg-db.ts';
import { openPgliteDb } from './pglite-db.ts';
import type { Store } from './store.ts';

export interface OpenedStore extends Store {
  /** What the start-up migration did (SPEC §8: migrations run at start, under the advisory lock). */
  readonly migration: MigrationResult | undefined;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Run the migrations now (default true); a deployment that migrates in a Job passes false. */
  readonly migrate?: boolean;
  readonly onPoolError?: (error: Error) => void;
  /** File entries the manifest cache holds (default 200,000); 0: no cache. */
  readonly manifestCacheEntries?: number;
}

/** PostgreSQL when a URL is configured, else the embedded PGlite database; then the CAS backend. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const db: Db =
    config.databaseUrl === undefined
      ? await openPgliteDb({ dataDir: config.pgliteDir, schema: config.schema })
      : openPgDb({
          connectionString: config.databaseUrl,
          schema: config.schema,
          ...(options.onPoolError === undefined ? {} : { onPoolError: options.onPoolError }),
        });
  try {
    const migration = options.migrate === false ? undefined : await migrate(db);
    const cas =
      config.cas.kind === 'file'
        ? fileCas(config.cas.dir)
        : postgresCas({ binaryWrites: db.kind === 'postgres' });
    const manifestCache =
      options.manifestCacheEntries === 0 ? undefined : new ManifestCache(options.manifestCacheEntries);
    return { db, cas, manifestCache, migration, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Opens the store, runs `fn`, and closes it whatever happens: what a CLI command does. */
export async function withStore<T>(
  config: StoreConfig,
  fn: (store: OpenedStore) => Promise<T>,
  options: OpenStoreOptions = {},
): Promise<T> {
  const store = await openStore(config, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
