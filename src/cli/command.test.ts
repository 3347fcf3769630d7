import { describe, expect, it } from 'vitest';
import { ZastavaError } from '../model/errors.ts';
import { defineCommand } from './command.ts';
import { captureContext } from './test-context.ts';

const USAGE = 'stella demo FILE [--level N]';
const demo = defineCommand(
  { name: 'demo', usage: USAGE, options: { level: { type: 'string', default: '1' } }, positionals: 1 },
  ({ values, positionals }, ctx) => {
    ctx.stdout.write(`${positionals[0]} at ${values.level}\n`);
    return Promise.resolve(7);
  },
);

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof ZastavaError ? (error.code as string) : 'not a ZastavaError';
  }
}

describe('defineCommand', () => {
  it('hands the body parsed flags and positionals, and returns its exit code', async () => {
    const ctx = captureContext();
    expect(await demo(['a.json', '--level', '3'], ctx)).toBe(7);
    expect(ctx.out()).toBe('a.json at 3\n');
  });

  it('prints the usage for --help and exits 0 without running the body', async () => {
    const ctx = captureContext();
    expect(await demo(['--help'], ctx)).toBe(0);
    expect(ctx.out()).toBe(`${USAGE}\n`);
  });

  it('refuses an unknown flag and a wrong positional count as usage errors', async () => {
    expect(await codeOf(demo(['a.json', '--bogus'], captureContext()))).toBe('USAGE');
    expect(await codeOf(demo([], captureContext()))).toBe('USAGE');
    expect(await codeOf(demo(['a', 'b'], captureContext()))).toBe('USAGE');
  });
});
