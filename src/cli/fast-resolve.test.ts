import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vendoredZod } from '../../scripts/vendor-zod.ts';
import { VENDORED_ZOD, vendoredZodUrl, vendoredZodVersion } from './fast-resolve.ts';

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

const isZod = (url: string): boolean => url.includes('/node_modules/zod/') || url === VENDORED_ZOD.href;

describe('registerFastResolve', () => {
  it(
    'loads the modules the default resolver would, zod as its one vendored file',
    { timeout: 60_000 },
    () => {
      const plain = loadGraph(false);
      const fast = loadGraph(true);
      const ours = (urls: string[]): string[] =>
        urls.filter((u) => !isZod(u) && !u.endsWith('/fast-resolve.ts'));
      expect(ours(fast.loaded)).toEqual(ours(plain.loaded));
      expect(fast.loaded.some((url) => url.endsWith('/src/cli/seal.ts'))).toBe(true);
      expect(fast.loaded.filter(isZod)).toEqual([VENDORED_ZOD.href]);
      expect(plain.loaded.filter(isZod).length).toBeGreaterThan(50);
      // The default resolver still sees other bare specifiers and builtins, never our relative .ts imports.
      expect(fast.defaultResolved).toContain('canonicalize');
      expect(fast.defaultResolved).not.toContain('zod');
      expect(fast.defaultResolved.filter((s) => s.startsWith('.') && s.endsWith('.ts'))).toEqual([]);
      expect(
        plain.defaultResolved.filter((s) => s.startsWith('.') && s.endsWith('.ts')).length,
      ).toBeGreaterThan(50);
    },
  );

  it('uses the vendored zod only when it was made from the installed version', () => {
    const installed = (
      JSON.parse(readFileSync(here('../../node_modules/zod/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(vendoredZodVersion(), 'run: node scripts/vendor-zod.ts').toBe(installed);
    expect(vendoredZodUrl()).toBe(VENDORED_ZOD.href);
  });

  it('holds src/vendor/zod.mjs byte for byte what scripts/vendor-zod.ts makes of the installed zod', async () => {
    const current = readFileSync(VENDORED_ZOD, 'utf8');
    expect(
      current === (await vendoredZod()),
      'src/vendor/zod.mjs is stale: run node scripts/vendor-zod.ts',
    ).toBe(true);
  });
});
