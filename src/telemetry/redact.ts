import { pino } from 'pino';

/**
 * Property names whose values never reach a log line, compared without case, at any depth up to
 * MAX_DEPTH: keys, tokens, passwords, registry credentials, pull-secret payloads, database URLs (which
 * may carry a password). Broader than a list of paths: a secret under an unexpected parent is caught too.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set(
  [
    'authorization',
    'cookie',
    'password',
    'token',
    'accessToken',
    'refreshToken',
    'identitytoken',
    'registrytoken',
    'auth',
    'auths',
    'privateKey',
    'signingKey',
    'secretKey',
    'credentials',
    'dockerconfigjson',
    '.dockerconfigjson',
    'databaseUrl',
  ].map((k) => k.toLowerCase()),
);

export const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/**
 * The log object with every secret-named property's value replaced by CENSOR; the same object when it
 * holds none (nothing copied: the common case costs one walk over a small object). Copies only along
 * the paths it changes. Errors are judged by their serialised form (pino's `err` serializer), which is
 * what would be written. Replaces pino's `redact` option, whose redactor (@pinojs/redact, pino 10)
 * re-parses every path and deep-clones on every call: a fifth of the webhook's allocations
 * (docs/decisions.md, "Log redaction").
 */
export function redactSecrets(value: Record<string, unknown>): Record<string, unknown> {
  return walk(value, 0) as Record<string, unknown>;
}

function walk(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    const serialised = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
    const redacted = walkObject(serialised, depth);
    return redacted === serialised ? value : redacted;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = walk(item, depth + 1);
      if (next !== item) (copy ??= [...(value as unknown[])])[i] = next;
    }
    return copy ?? value;
  }
  return isPlain(value) ? walkObject(value as Record<string, unknown>, depth) : value;
}

function walkObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const next = SECRET_KEYS.has(key.toLowerCase())
      ? item === undefined
        ? item
        : CENSOR
      : walk(item, depth + 1);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/** Plain objects and null-prototype objects (headers): what a log line's fields are made of. */
function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
