import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './redact.ts';

/**
 * Logs are pino JSON (SPEC §13) with the seed's fields (`facetId`, `imageRef`, `imageDigest`,
 * `merkleRoot`, `driftScore`, `quotaVerdict`) and a `correlationId`; never a key or a token. Loggers are
 * created here and passed in; nothing logs through a module singleton.
 */
export interface LoggerFactoryOptions {
  readonly level?: LoggerOptions['level'];
  /** Where lines go (default stdout); tests pass a stream they read. */
  readonly destination?: DestinationStream;
  /** Fields on every line (`service`, `version`). */
  readonly base?: Record<string, unknown>;
}

export function createLogger(options: LoggerFactoryOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'zastava', ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Redaction by property name at any depth (src/telemetry/redact.ts): each line's fields, the base
    // bindings, and (below) every child's bindings.
    formatters: {
      level: (label) => ({ level: label }),
      log: redactSecrets,
      bindings: redactSecrets,
    },
    serializers: { err: pino.stdSerializers.err },
  };
  const logger = options.destination === undefined ? pino(config) : pino(config, options.destination);
  return redactingChildren(logger);
}

/**
 * pino applies `formatters.bindings` to the root's base only (a child resets it), so a child's bindings
 * are redacted here. Children are made with `Object.create(parent)`: this own `child` is inherited by
 * every descendant, whose `this` is then the descendant itself.
 */
function redactingChildren(logger: Logger): Logger {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with each logger's own `this`
  const child = logger.child;
  const redacting = function (this: Logger, bindings: Record<string, unknown>, options?: unknown) {
    return child.call(this, redactSecrets(bindings), options as Parameters<Logger['child']>[1]);
  };
  Object.defineProperty(logger, 'child', { value: redacting, writable: true, configurable: true });
  return logger;
}

/** A child logger whose every line carries the request's correlation id (the AdmissionReview uid). */
export function withCorrelation(logger: Logger, correlationId: string): Logger {
  return logger.child({ correlationId });
}
