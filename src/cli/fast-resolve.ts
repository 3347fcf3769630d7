import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { registerHooks, type ResolveHookContext } from 'node:module';

/**
 * Start-up (docs/decisions.md, "Seal benchmark, fourth pass"):
 *
 * - This project's own relative `.ts` imports are resolved by URL arithmetic alone. Node's default
 *   resolver also stats the file, walks its real path and looks up the nearest package.json's `type`
 *   for each of the ~100 modules `stella seal` loads before it reads a layer: 15-20 ms of CPU there. Every
 *   module under src/ is an ES module written in TypeScript (package.json `"type": "module"`, no
 *   symlinks), so the answer is known. A missing file still fails, when it is loaded (ENOENT naming the
 *   path) rather than when it is resolved.
 * - `zod`, imported from src/, is src/vendor/zod.mjs: the installed zod's ES modules as one file
 *   (scripts/vendor-zod.ts), 14 ms to load instead of 40 (some 120 modules). Only when the file was made
 *   from the installed version; otherwise the installed package, as without this hook.
 *
 * Anything else (other bare specifiers, `node:` builtins, dependencies' own files) goes to the default
 * resolver. Tests (vitest) do not register this: they load zod from node_modules, and
 * fast-resolve.test.ts holds the vendored file equal to what scripts/vendor-zod.ts makes of it.
 */
export function registerFastResolve(): void {
  const zod = vendoredZodUrl();
  // registerHooks is Node >= 22.15; without it the default resolver does the work.
  registerHooks?.({
    resolve(specifier: string, context: ResolveHookContext, nextResolve) {
      const parent = context.parentURL;
      if (parent?.startsWith(SRC)) {
        if (specifier.endsWith('.ts') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
          const url = new URL(specifier, parent).href;
          if (url.startsWith(SRC)) return { url, format: 'module-typescript', shortCircuit: true };
        } else if (specifier === 'zod' && zod !== undefined) {
          return { url: zod, format: 'module', shortCircuit: true };
        }
      }
      return nextResolve(specifier, context);
    },
  });
}

/** The project's src/ directory as a URL prefix: this file lives in src/cli/. */
const SRC = new URL('../', import.meta.url).href;

export const VENDORED_ZOD = new URL('../vendor/zod.mjs', import.meta.url);
const INSTALLED_ZOD_PACKAGE = new URL('../../node_modules/zod/package.json', import.meta.url);

/** src/vendor/zod.mjs if its first line names the installed zod's version, else undefined. */
export function vendoredZodUrl(): string | undefined {
  try {
    const installed = (JSON.parse(readFileSync(INSTALLED_ZOD_PACKAGE, 'utf8')) as { version?: unknown })
      .version;
    return typeof installed === 'string' && vendoredZodVersion() === installed
      ? VENDORED_ZOD.href
      : undefined;
  } catch {
    return undefined;
  }
}

/** The version on the vendored file's first line (`// zod X.Y.Z …`), read without loading the file. */
export function vendoredZodVersion(): string | undefined {
  const head = Buffer.alloc(64);
  const fd = openSync(VENDORED_ZOD, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\/\/ zod (\S+) /.exec(head.subarray(0, n).toString('utf8'))?.[1];
  } finally {
    closeSync(fd);
  }
}
