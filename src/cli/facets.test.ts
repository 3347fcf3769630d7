import { describe, expect, it } from 'vitest';
import { runCli } from './main.ts';
import { captureContext } from './test-context.ts';

describe('stella facets', () => {
  it('prints the seed defaults in precedence order', async () => {
    const ctx = captureContext();
    expect(await runCli(['facets', '--format', 'json'], ctx)).toBe(0);
    const ids = (JSON.parse(ctx.out()) as { facets: { facetId: string }[] }).facets.map((f) => f.facetId);
    expect(ids).toEqual(['os', 'lang/node', 'lang/python', 'lang/go', 'binary', 'config']);
  });

  it('rejects an unknown command with the usage exit code', async () => {
    const ctx = captureContext();
    expect(await runCli(['nope'], ctx)).toBe(2);
    expect(ctx.err()).toContain('error[USAGE]');
  });

  it('rejects an unknown flag with the usage exit code', async () => {
    const ctx = captureContext();
    expect(await runCli(['facets', '--bogus'], ctx)).toBe(2);
  });
});
