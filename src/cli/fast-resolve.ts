import { registerHooks, type ResolveHookContext } from 'node:module';

/**
 * Start-up: resolves this project's own relative `.ts` imports by URL arithmetic alone. Node's default
 * resolver also stats the file, walks its real path and looks up the nearest package.json's `type` for
 * each of the ~100 modules `stella seal` loads before it reads a layer: 15-20 ms of CPU there (docs/
 * decisions.md, "Seal benchmark, fourth pass"). Every module under src/ is an ES module written in
 * TypeScript (package.json `"type": "module"`, no symlinks), so the answer is known. Anything else (bare
 * specifiers, `node:` builtins, dependencies' own files, `.js`) goes to the default resolver. A missing
 * file still fails, when it is loaded (ENOENT naming the path) rather than when it is resolved.
 */
export function registerFastResolve(): void {
  // registerHooks is Node >= 22.15; without it the default resolver does the work.
  registerHooks?.({
    resolve(specifier: string, context: ResolveHookContext, nextResolve) {
      const parent = context.parentURL;
      if (
        parent !== undefined &&
        parent.startsWith(SRC) &&
        specifier.endsWith('.ts') &&
        (specifier.startsWith('./') || specifier.startsWith('../'))
      ) {
        const url = new URL(specifier, parent).href;
        if (url.startsWith(SRC)) return { url, format: 'module-typescript', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

/** The project's src/ directory as a URL prefix: this file lives in src/cli/. */
const SRC = new URL('../', import.meta.url).href;
