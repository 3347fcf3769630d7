import { PassThrough } from 'node:stream';
import type { CliContext } from './context.ts';

/** A CliContext whose output tests can read: commands run in process, no child processes. */
export function captureContext(
  env: Record<string, string> = {},
): CliContext & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    stdout,
    stderr,
    env,
    cwd: process.cwd(),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    out: () => out,
    err: () => err,
  };
}
