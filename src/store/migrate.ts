import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Db, Sql } from './db.ts';
import { StoreError } from './errors.ts';
import { quoteIdent } from './pg-db.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the file: a file edited after it was applied somewhere is refused. */
  readonly checksum: string;
}

export interface MigrationResult {
  /** Versions this call applied (empty when another process had already done it). */
  readonly applied: readonly Migration[];
  /** Every version now recorded in the database. */
  readonly current: readonly number[];
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The numbered SQL files, in order. Two files with one number are a packaging error. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const fileName of names) {
    const match = FILE_NAME.exec(fileName);
    if (match === null)
      throw new StoreError('MIGRATION_FAILED', `migration file ${fileName} is not named NNNN_name.sql`);
    const sql = await readFile(`${dir}/${fileName}`, 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version))
      throw new StoreError('MIGRATION_FAILED', `two migration files have number ${match[1]}`);
    migrations.push({
      version,
      name: match[2] ?? '',
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

const AppliedRow = z.object({ version: z.number().int(), checksum: z.string() });

/**
 * Applies the pending migrations in order, in ONE transaction holding a transaction-scoped advisory lock,
 * so N replicas starting together apply each migration exactly once: the others wait on the lock, then
 * find every version recorded. A failed migration rolls everything back.
 */
export async function migrate(db: Db, migrations?: readonly Migration[]): Promise<MigrationResult> {
  const files = migrations ?? (await loadMigrations());
  try {
    return await db.asOwner(async (sql) => {
      await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`zastava.migrate:${db.schema ?? ''}`]);
      if (db.schema !== undefined) await sql.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db.schema)}`);
      await sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        checksum TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`);
      const done = new Map((await appliedRows(sql)).map((r) => [r.version, r.checksum]));
      const applied: Migration[] = [];
      for (const migration of files) {
        const checksum = done.get(migration.version);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum)
            throw new StoreError(
              'MIGRATION_CHANGED',
              `migration ${label(migration)} differs from the one applied to this database`,
              { hint: 'applied migrations must never be edited; add a new numbered file instead' },
            );
          continue;
        }
        try {
          await sql.exec(migration.sql);
        } catch (error) {
          throw new StoreError('MIGRATION_FAILED', `migration ${label(migration)} failed`, { cause: error });
        }
        await sql.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        applied.push(migration);
      }
      const current = (await appliedRows(sql)).map((r) => r.version);
      return { applied, current };
    });
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('MIGRATION_FAILED', 'migrating the database failed', { cause: error });
  }
}

/** What `stella db status` shows: versions applied and pending, without taking the lock. */
export async function migrationStatus(
  db: Db,
  migrations?: readonly Migration[],
): Promise<{ applied: number[]; pending: Migration[] }> {
  const files = migrations ?? (await loadMigrations());
  return db.asOwner(async (sql) => {
    const exists = await sql.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    const applied = exists[0]?.present === true ? (await appliedRows(sql)).map((r) => r.version) : [];
    return { applied, pending: files.filter((m) => !applied.includes(m.version)) };
  });
}

async function appliedRows(sql: Sql) {
  const rows = await sql.query('SELECT version, checksum FROM schema_migrations ORDER BY version');
  return rows.map((r) => AppliedRow.parse(r));
}

function label(m: Migration): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}
