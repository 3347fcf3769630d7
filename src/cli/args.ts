import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode, with its errors turned into usage errors (exit 2) that name the
 * command. Every command parses its own flags with this.
 */
export function parseFlags<O extends Options>(command: string, args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw usageError(`stella ${command}: ${reason}`, usage);
  }
}

export function requirePositionals(
  command: string,
  positionals: string[],
  count: number,
  usage: string,
): void {
  if (positionals.length !== count) {
    throw usageError(
      `stella ${command}: expected ${count} argument${count === 1 ? '' : 's'}, got ${positionals.length}`,
      usage,
    );
  }
}
