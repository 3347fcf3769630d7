import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isZastavaError } from '../../src/model/errors.ts';
import { loadMigrations } from '../../src/store/migrate.ts';
import { openPgDb } from '../../src/store/pg-db.ts';
import { openPgliteDb } from '../../src/store/pglite-db.ts';
import { PG_URL, uniqueSchema } from './store-harness.ts';

const CHILD = fileURLToPath(new URL('./store-migrate-child.ts', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('migrations under concurrency', () => {
  const schema = uniqueSchema();
  const db = openPgDb({ connectionString: PG_URL, schema });
  afterAll(async () => {
    await db.asOwner((sql) => sql.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    await db.close();
  });

  it('four processes migrating one empty schema at once apply each migration exactly once', async () => {
    await db.ping(); // fails the test with the reason when PostgreSQL is not there
    const startAt = String(Date.now() + 4000);
    const results = await Promise.all([1, 2, 3, 4].map(() => run(['migrate', PG_URL, schema, startAt])));
    for (const r of results) expect(r.code, r.err).toBe(0);
    const reports = results.map((r) => JSON.parse(r.out) as { applied: number[]; current: number[] });
    const versions = (await loadMigrations()).map((m) => m.version);
    // Every version applied by exactly one process; every process sees all of them afterwards.
    expect(reports.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(versions);
    for (const r of reports) expect(r.current).toEqual(versions);
    const rows = await db.asOwner((sql) =>
      sql.query('SELECT version FROM schema_migrations ORDER BY version'),
    );
    expect(rows.map((r) => r.version)).toEqual(versions);
  });
});

describe('the embedded database', () => {
  let dir = '';
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('refuses a data directory that another live process holds (DB_LOCKED)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zastava-pglite-lock-'));
    const holder = spawn(process.execPath, [CHILD, 'lock', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (c: Buffer) => (c.toString().includes('locked') ? resolve() : undefined));
        holder.on('error', reject);
        holder.on('exit', () => reject(new Error('the lock holder exited early')));
      });
      let code = '';
      try {
        const db = await openPgliteDb({ dataDir: dir });
        await db.close();
      } catch (error) {
        if (isZastavaError(error)) code = error.code;
      }
      expect(code).toBe('DB_LOCKED');
    } finally {
      holder.kill();
    }
  });
});
