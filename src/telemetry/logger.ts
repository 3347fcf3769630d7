import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Logs are pino JSON (SPEC §13) with the seed's fields (`facetId`, `imageRef`, `imageDigest`,
 * `merkleRoot`, `driftScore`, `quotaVerdict`) and a `correlationId`; never a key or a token. Loggers are
 * created here and passed in; nothing logs through a module singleton.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'identitytoken',
  '*.identitytoken',
  'registrytoken',
  '*.registrytoken',
  'auth',
  '*.auth',
  'auths',
  '*.auths',
  'privateKey',
  '*.privateKey',
  'signingKey',
  '*.signingKey',
  'secretKey',
  '*.secretKey',
  'credentials',
  '*.credentials',
  'dockerconfigjson',
  '*.dockerconfigjson',
  '*[".dockerconfigjson"]',
  'databaseUrl',
  '*.databaseUrl',
];

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
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A child logger whose every line carries the request's correlation id (the AdmissionReview uid). */
export function withCorrelation(logger: Logger, correlationId: string): Logger {
  return logger.child({ correlationId });
}
