import type { Span, Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createTracer, SPAN, withSpan } from './tracing.ts';

function recordingTracer() {
  const spans: { name: string; attributes: unknown; ended: boolean; error?: unknown }[] = [];
  const tracer = {
    startActiveSpan(name: string, options: { attributes?: unknown }, fn: (span: Span) => unknown) {
      const record: (typeof spans)[number] = { name, attributes: options.attributes, ended: false };
      spans.push(record);
      const span = {
        end: () => void (record.ended = true),
        recordException: (e: unknown) => void (record.error = e),
        setStatus: () => span,
      } as unknown as Span;
      return fn(span);
    },
  } as unknown as Tracer;
  return { tracer, spans };
}

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
});
