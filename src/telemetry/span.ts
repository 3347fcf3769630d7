import type { Attributes, Span, SpanStatusCode, Tracer } from '@opentelemetry/api';

/**
 * The seed's span names (seed §8.2, SPEC §13); nothing else names a span. This module imports only types
 * from @opentelemetry/api, so code on `stella seal`'s path can take an optional tracer without loading it.
 */
export const SPAN = Object.freeze({
  extract: 'facet.extract',
  hash: 'facet.hash',
  seal: 'facet.seal',
  driftCompute: 'facet.drift.compute',
  quotaEvaluate: 'facet.quota.evaluate',
  admission: 'facet.admission',
} as const);
export type SpanName = (typeof SPAN)[keyof typeof SPAN];

/** `SpanStatusCode.ERROR` of @opentelemetry/api (a numeric enum: 0 unset, 1 ok, 2 error). */
const STATUS_ERROR = 2 as SpanStatusCode;

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `fn` inside an active span; records an exception and sets the error status when it throws. */
export async function withSpan<T>(
  tracer: Tracer,
  name: SpanName,
  attributes: Attributes,
  fn: () => Promise<T> | T,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `withSpan` for synchronous work (a Merkle tree); without a tracer, just `fn()`. */
export function withSpanSync<T>(
  tracer: Tracer | undefined,
  name: SpanName,
  attributes: Attributes,
  fn: () => T,
): T {
  if (tracer === undefined) return fn();
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
