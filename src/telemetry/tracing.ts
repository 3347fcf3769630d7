import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';

export { SPAN, withSpan, withSpanSync, type SpanName } from './span.ts';

export const TRACER_NAME = 'zastava';

/**
 * The tracer to inject. Without a provider it is the OpenTelemetry API's proxy tracer: a no-op until an
 * SDK registers a global provider (for example `node --import` of an OTLP set-up at start), so exporting
 * spans needs no code here and no exporter dependency in the package (docs/decisions.md).
 */
export function createTracer(provider?: TracerProvider): Tracer {
  return (provider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
}
