/**
 * A separate process for store-migrate.test.ts: `migrate URL SCHEMA START_AT_MS` migrates the schema at
 * the given instant and prints the versions it applied; `lock DIR` holds the embedded database's
 * directory lock until killed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireDirLock } from '../../src/store/dir-lock.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPgDb } from '../../src/store/pg-db.ts';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'migrate') {
  const [url, schema, startAt] = args as [string, string, string];
  const db = openPgDb({ connectionString: url, schema, maxConnections: 1 });
  await db.ping();
  await sleep(Math.max(0, Number(startAt) - Date.now()));
  const result = await migrate(db);
  process.stdout.write(
    `${JSON.stringify({ applied: result.applied.map((m) => m.version), current: result.current })}\n`,
  );
  await db.close();
} else if (mode === 'lock') {
  await acquireDirLock(args[0]!);
  process.stdout.write('locked\n');
  await sleep(600_000);
}
