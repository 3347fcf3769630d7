import type { ParseArgsConfig } from 'node:util';
import { parseFlags, requirePositionals } from './args.ts';
import { print, type CliContext, type Command } from './context.ts';
import { EXIT } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean' } } as const;

export interface CommandSpec<O extends Options> {
  /** As the user types it (`vex gen`): error messages say `stella <name>: …`. */
  readonly name: string;
  readonly usage: string;
  /** The command's own flags; `--help` is added. */
  readonly options: O;
  /** How many positional arguments the command takes, when it is a fixed number. */
  readonly positionals?: number;
}

/** What a command's body receives: the strictly parsed flags (with `help`) and positionals. */
export type ParsedCommand<O extends Options> = ReturnType<typeof parseFlags<O & typeof HELP>>;

/**
 * The preamble every command shares: strict flag parsing (a bad flag is a usage error, exit 2), `--help`
 * printing the usage (exit 0), and the positional count when it is fixed. The body sees parsed input only.
 */
export function defineCommand<O extends Options>(
  spec: CommandSpec<O>,
  run: (parsed: ParsedCommand<O>, ctx: CliContext) => Promise<number>,
): Command {
  return async (args, ctx) => {
    const parsed = parseFlags(spec.name, args, { ...spec.options, ...HELP }, spec.usage);
    if ((parsed.values as { help?: boolean }).help === true) {
      print(ctx.stdout, spec.usage);
      return EXIT.ok;
    }
    if (spec.positionals !== undefined) {
      requirePositionals(spec.name, parsed.positionals, spec.positionals, spec.usage);
    }
    return run(parsed, ctx);
  };
}
