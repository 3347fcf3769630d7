import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * Loads the CLI's module graphs in a fresh Node (hooks are per thread and cannot be unregistered) and
 * prints every URL loaded and every specifier the default resolver was asked for, as JSON.
 */
function loadGraph(fast: boolean): { loaded: string[]; defaultResolved: string[] } {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set(), defaultResolved = [];
    registerHooks({
      resolve(specifier, context, next) { defaultResolved.push(specifier); return next(specifier, context); },
      load(url, context, next) { loaded.add(url); return next(url, context); },
    });
    if (${fast}) (await import(${JSON.stringify(here('./fast-resolve.ts'))})).registerFastResolve();
    for (const m of ['./main.ts', './seal.ts', './drift.ts', './verify.ts', '../seal/seal-image.ts'])
      await import(new URL(m, ${JSON.stringify(new URL('./', import.meta.url).href)}).href);
    console.log(JSON.stringify({ loaded: [...loaded].sort(), defaultResolved }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as { loaded: string[]; defaultResolved: string[] };
}

describe('registerFastResolve', () => {
  it(
    'loads exactly the modules the default resolver would, asking it only for what is not ours',
    { timeout: 60_000 },
    () => {
      const plain = loadGraph(false);
      const fast = loadGraph(true);
      expect(fast.loaded.filter((url) => !url.endsWith('/fast-resolve.ts'))).toEqual(plain.loaded);
      expect(fast.loaded.some((url) => url.endsWith('/src/cli/seal.ts'))).toBe(true);
      // The default resolver still sees bare specifiers and builtins, never our relative .ts imports.
      expect(fast.defaultResolved).toContain('zod');
      expect(fast.defaultResolved.filter((s) => s.startsWith('.') && s.endsWith('.ts'))).toEqual(
        // The graph roots are imported by absolute URL from the script; fast-resolve.ts by path.
        [],
      );
      expect(
        plain.defaultResolved.filter((s) => s.startsWith('.') && s.endsWith('.ts')).length,
      ).toBeGreaterThan(50);
    },
  );
});
