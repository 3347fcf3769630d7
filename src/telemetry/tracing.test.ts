import { describe, expect, it } from 'vitest';
import { recordingTracer } from './test-tracer.ts';
import { createTracer, SPAN, withSpan, withSpanSync } from './tracing.ts';

describe('tracing', () => {
  it('names spans only with the seed names', () => {
    expect(Object.values(SPAN)).toEqual([
      'facet.extract',
      'facet.hash',
      'facet.seal',
      'facet.drift.compute',
      'facet.quota.evaluate',
      'facet.admission',
    ]);
  });

  it('is a no-op tracer by default', async () => {
    expect(await withSpan(createTracer(), SPAN.admission, {}, () => 42)).toBe(42);
  });

  it('ends the span and records the exception on failure', async () => {
    const { tracer, spans } = recordingTracer();
    await expect(
      withSpan(tracer, SPAN.driftCompute, { a: 1 }, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    expect(spans).toEqual([
      { name: 'facet.drift.compute', attributes: { a: 1 }, ended: true, error: new Error('x') },
    ]);
  });

  it('withSpanSync: a span around synchronous work, or just the work without a tracer', () => {
    const { tracer, spans } = recordingTracer();
    expect(withSpanSync(tracer, SPAN.hash, { f: 'x' }, () => 7)).toBe(7);
    expect(withSpanSync(undefined, SPAN.hash, {}, () => 8)).toBe(8);
    expect(() =>
      withSpanSync(tracer, SPAN.hash, {}, () => {
        throw new Error('y');
      }),
    ).toThrow('y');
    expect(spans).toEqual([
      { name: 'facet.hash', attributes: { f: 'x' }, ended: true },
      { name: 'facet.hash', attributes: {}, ended: true, error: new Error('y') },
    ]);
  });
});
