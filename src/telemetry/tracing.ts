import { SpanStatusCode, trace, type Attributes, type Tracer, type TracerProvider } from '@opentelemetry/api';

/** The seed's span names (seed §8.2, SPEC §13); nothing else names a span. */
export const SPAN = Object.freeze({
  extract: 'facet.extract',
  hash: 'facet.hash',
  seal: 'facet.seal',
  driftCompute: 'facet.drift.compute',
  quotaEvaluate: 'facet.quota.evaluate',
  admission: 'facet.admission',
} as const);
export type SpanName = (typeof SPAN)[keyof typeof SPAN];

export const TRACER_NAME = 'zastava';

/**
 * The tracer to inject. Without a provider it is the OpenTelemetry API's proxy tracer: a no-op until an
 * SDK registers a global provider (for example `node --import` of an OTLP set-up at start), so exporting
 * spans needs no code here and no exporter dependency in the package (docs/decisions.md).
 */
export function createTracer(provider?: TracerProvider): Tracer {
  return (provider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
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
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
