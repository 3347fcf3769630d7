import { ZastavaError } from '../model/errors.ts';

export type CliErrorCode = 'USAGE' | 'OUTPUT_WRITE_FAILED' | 'INPUT_UNREADABLE' | 'SUBMIT_FAILED';

export class CliError extends ZastavaError<CliErrorCode> {}

/** Exit codes (SPEC §10): 0 ok, 1 error, 2 usage; `stella drift` adds 3 RequireVex and 4 Block. */
export const EXIT = Object.freeze({ ok: 0, error: 1, usage: 2, requireVex: 3, block: 4 });

export function usageError(message: string, hint?: string): CliError {
  return new CliError('USAGE', message, hint === undefined ? {} : { hint });
}
