import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './errors.ts';

export interface DirLock {
  release(): Promise<void>;
}

const LOCK_FILE = 'zastava.lock';

/**
 * An exclusive lock on a directory for one process: PGlite has no lock of its own, and two processes
 * writing one data directory corrupt it. The lock file holds the owner's pid; a lock whose process is
 * gone is stale and taken over.
 */
export async function acquireDirLock(dir: string): Promise<DirLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
        throw new StoreError('DB_LOCKED', `the embedded database at ${dir} is in use by process ${pid}`, {
          hint: 'stop the other stella process, or give both a PostgreSQL server with --database-url',
        });
      await rm(path, { force: true });
    }
  }
  throw new StoreError('DB_LOCKED', `cannot lock the embedded database at ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
