import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fileCas } from '../../src/store/cas/file-cas.ts';
import { ManifestCache } from '../../src/store/cas/manifest-cache.ts';
import { postgresCas } from '../../src/store/cas/postgres-cas.ts';
import type { Db } from '../../src/store/db.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { openPgDb } from '../../src/store/pg-db.ts';
import { openPgliteDb } from '../../src/store/pglite-db.ts';
import type { Store } from '../../src/store/store.ts';

export type Backend = 'postgres' | 'pglite';
export const BACKENDS: readonly Backend[] = ['postgres', 'pglite'];

/** CI's server (SPEC: 127.0.0.1:5432, database `test`, trust auth). */
export const PG_URL = process.env.ZASTAVA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One connection to `url` for `fn`, closed after. */
export async function withPgClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestStore extends Store {
  readonly backend: Backend;
  /** The schema (PostgreSQL) each test file gets to itself, so parallel files never collide. */
  readonly schema: string | undefined;
  /** The directory of the `file` CAS, when that is the backend. */
  readonly casDir: string | undefined;
  close(): Promise<void>;
}

export interface TestStoreOptions {
  readonly cas?: 'postgres' | 'file';
  /** With a manifest cache (as `openStore` gives the server). */
  readonly cache?: boolean;
}

/**
 * A migrated, empty store on a fresh schema (PostgreSQL) or a fresh in-memory PGlite. A database that
 * cannot be reached FAILS the suite with the reason; it never skips.
 */
export async function openTestStore(backend: Backend, options: TestStoreOptions = {}): Promise<TestStore> {
  const db = backend === 'postgres' ? await freshPgSchema() : await freshPglite();
  let casDir: string | undefined;
  const cas =
    options.cas === 'file'
      ? fileCas((casDir = await mkdtemp(join(tmpdir(), 'zastava-cas-'))))
      : postgresCas();
  return {
    backend,
    db,
    cas,
    ...(options.cache === true ? { manifestCache: new ManifestCache(100_000) } : {}),
    schema: db.schema,
    casDir,
    async close() {
      if (backend === 'postgres') await db.asOwner((sql) => sql.exec(`DROP SCHEMA "${db.schema}" CASCADE`));
      await db.close();
      if (casDir !== undefined) await rm(casDir, { recursive: true, force: true });
    },
  };
}

export function uniqueSchema(): string {
  return `zt_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function freshPgSchema(schema = uniqueSchema()): Promise<Db> {
  const db = openPgDb({ connectionString: PG_URL, schema });
  try {
    await db.ping();
  } catch (error) {
    await db.close();
    throw new Error(
      `the store tests need PostgreSQL at ${PG_URL} (set ZASTAVA_TEST_DATABASE_URL, or start it: ` +
        `pg_ctlcluster --skip-systemctl-redirect 15 main start): ${(error as Error).message}`,
      { cause: error },
    );
  }
  await migrate(db);
  return db;
}

/**
 * initdb in WebAssembly takes 15–30 s on a busy machine: the first test file migrates a fresh PGlite
 * and dumps it; the others start from that dump (keyed by the PGlite version and the migrations).
 */
export async function freshPglite(): Promise<Db> {
  const migrations = await loadMigrations();
  const pkg = JSON.parse(
    await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  const key = createHash('sha256')
    .update(pkg.version)
    .update(migrations.map((m) => m.checksum).join())
    .digest('hex')
    .slice(0, 16);
  const cached = join(tmpdir(), `zastava-test-pglite-${key}.tar`);
  let dump: Blob | undefined;
  try {
    dump = new Blob([await readFile(cached)]);
  } catch {
    dump = undefined;
  }
  if (dump !== undefined) {
    const db = await openPgliteDb({ loadDataDir: dump });
    await migrate(db);
    return db;
  }
  const db = await openPgliteDb();
  await migrate(db);
  const tar = await db.dumpDataDir();
  const temp = `${cached}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, new Uint8Array(await tar.arrayBuffer()));
  await rename(temp, cached);
  return db;
}
