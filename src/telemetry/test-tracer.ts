import type { Span, Tracer } from '@opentelemetry/api';

export interface RecordedSpan {
  name: string;
  attributes: unknown;
  ended: boolean;
  error?: unknown;
}

/** A tracer for tests that records each span's name, attributes, end and exception. */
export function recordingTracer(): { tracer: Tracer; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startActiveSpan(name: string, options: { attributes?: unknown }, fn: (span: Span) => unknown) {
      const record: RecordedSpan = { name, attributes: options.attributes, ended: false };
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
