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
// `stella seal` reads layers on a worker thread whose boot is the longest step before its first read: it
// starts before anything else loads (src/cli/seal-pool.ts).
const argv = process.argv.slice(2);
if (argv[0] === 'seal') (await import('../src/cli/seal-pool.ts')).startSealPool(argv.slice(1));
// The project's own imports are resolved without the default resolver's file-system look-ups.
const { registerFastResolve } = await import('../src/cli/fast-resolve.ts');
registerFastResolve();
const { runCli } = await import('../src/cli/main.ts');
const { processContext } = await import('../src/cli/context.ts');
const code = await runCli(argv, processContext());
if (argv[0] === 'serve') {
  // The server has stopped; its asynchronous logger flushes as the process ends.
  process.exitCode = code;
} else {
  // The command is done. Left to end by itself, Node would first tear down the heap and the isolate:
  // 10-30 ms for `stella seal` (docs/decisions.md, "Seal benchmark, fifth pass"). A write's callback runs
  // once it and everything before it has been handed to the OS.
  for (const stream of [process.stdout, process.stderr]) await new Promise((done) => stream.write('', done));
  process.exit(code);
}
