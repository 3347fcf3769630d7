import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `stella` keeps its state on a workstation: the default signing key and the embedded PGlite
 * database. `ZASTAVA_DATA_DIR` wins, then `$XDG_DATA_HOME/zastava`, then `~/.local/share/zastava`.
 */
export function dataDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.ZASTAVA_DATA_DIR) return env.ZASTAVA_DATA_DIR;
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'zastava');
}
