import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * SPEC §1: the package's scripts run on the Node 24 the project pins, with nothing to build first.
 * A script naming a file or a loader that is not in the tree fails only when someone runs it.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

describe('package.json scripts', () => {
  it.each(Object.entries(scripts))('%s names only files and tools that exist', (_name, command) => {
    for (const word of command.split(/\s+/)) {
      if (/^(?:scripts|bin|src)\/|\.json$/.test(word)) expect(existsSync(join(root, word)), word).toBe(true);
    }
    const imported = /--import\s+(\S+)/.exec(command)?.[1];
    if (imported !== undefined) expect(existsSync(join(root, 'node_modules', imported)), imported).toBe(true);
  });

  it('npm run stella runs the CLI', async () => {
    const env = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` };
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'stella', '--', 'facets'], {
      cwd: root,
      env,
    });
    expect(stdout).toContain('lang/node');
  });
});
