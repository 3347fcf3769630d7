#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping); there is no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `stella needs Node.js >= 24 (this is ${process.version}); run it with "npx stella" in the project.`,
  );
  process.exit(1);
}
// Cache compiled modules between runs: measured start-up 0.6 s -> 0.4 s (docs/decisions.md). A failure
// to enable it (read-only disk) is reported by the return value, never thrown, and only costs speed.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// The project's own imports are resolved without the default resolver's file-system look-ups.
const { registerFastResolve } = await import('../src/cli/fast-resolve.ts');
registerFastResolve();
const { runCli } = await import('../src/cli/main.ts');
const { processContext } = await import('../src/cli/context.ts');
process.exitCode = await runCli(process.argv.slice(2), processContext());
