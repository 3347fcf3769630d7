import { ZastavaError } from '../model/errors.ts';
import { processContext, print, type CliContext, type Command } from './context.ts';
import { EXIT } from './errors.ts';

/** Commands load lazily: `stella facets` must not pay for the webhook's dependencies. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  seal: { summary: 'seal the facets of an image', load: async () => (await import('./seal.ts')).sealCommand },
  verify: { summary: 'verify a seals file', load: async () => (await import('./verify.ts')).verifyCommand },
  prove: {
    summary: 'print an inclusion proof for one path',
    load: async () => (await import('./prove.ts')).proveCommand,
  },
  'verify-proof': {
    summary: 'check an inclusion proof against its signed root',
    load: async () => (await import('./verify-proof.ts')).verifyProofCommand,
  },
  facets: {
    summary: 'print the effective facet definitions',
    load: async () => (await import('./facets.ts')).facetsCommand,
  },
  keys: { summary: 'generate signing keys', load: async () => (await import('./keys.ts')).keysCommand },
  drift: {
    summary: 'compare two images facet by facet',
    load: async () => (await import('./drift.ts')).driftCommand,
  },
  vex: {
    summary: 'draft (gen) or sign an OpenVEX document',
    load: async () => (await import('./vex.ts')).vexCommand,
  },
  db: {
    summary: 'migrate the store; manage trusted keys',
    load: async () => (await import('./db.ts')).dbCommand,
  },
  baseline: {
    summary: 'approve or show a baseline',
    load: async () => (await import('./baseline.ts')).baselineCommand,
  },
  serve: {
    summary: 'serve the HTTP API, metrics and health',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: stella <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "stella <command> --help" for a command's options.`;
}

export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(name === undefined ? ctx.stderr : ctx.stdout, usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    print(ctx.stderr, `error[USAGE]: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    const command = await entry.load();
    return await command(rest, ctx);
  } catch (error) {
    return reportError(error, ctx);
  }
}

export function reportError(error: unknown, ctx: CliContext): number {
  if (error instanceof ZastavaError) {
    print(ctx.stderr, `error[${error.code}]: ${error.message}${causeSuffix(error.cause)}`);
    if (error.hint !== undefined) print(ctx.stderr, `hint: ${error.hint}`);
    return error.code === 'USAGE' ? EXIT.usage : EXIT.error;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  print(ctx.stderr, `error[INTERNAL]: ${detail}`);
  return EXIT.error;
}

function causeSuffix(cause: unknown): string {
  if (cause instanceof Error && cause.message) return `: ${cause.message}`;
  return '';
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2), processContext());
}
