import { ZastavaError } from '../model/errors.ts';
import { StoreError } from './errors.ts';

/** SQLSTATE raised by the immutability triggers (migrations/0005). */
export const IMMUTABLE_SQLSTATE = 'ZA001';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/**
 * Turns a driver error into a StoreError with a stable code. ZastavaErrors pass through unchanged, so a
 * repository can throw its own codes from inside a transaction.
 */
export function toStoreError(error: unknown, what: string): ZastavaError<string> {
  if (error instanceof ZastavaError) return error as ZastavaError<string>;
  const code = sqlState(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === IMMUTABLE_SQLSTATE)
    return new StoreError('ROW_IMMUTABLE', `${what}: ${message}`, {
      cause: error,
      hint: 'stored seals, approvals, VEX statements, drift history and audit rows are append-only',
    });
  if (code === '23505') return new StoreError('DB_CONFLICT', `${what}: ${message}`, { cause: error });
  if (code === '42501')
    return message.includes('row-level security')
      ? new StoreError('TENANT_VIOLATION', `${what}: ${message}`, { cause: error })
      : new StoreError('DB_PERMISSION_DENIED', `${what}: ${message}`, { cause: error });
  if (code !== undefined && CONNECTION_CODES.has(code))
    return new StoreError('DB_UNREACHABLE', `${what}: the database does not answer (${message})`, {
      cause: error,
      hint: 'check --database-url / DATABASE_URL and that the server is running',
    });
  if (code === '57P01' || code === '57P03' || code === '08006' || code === '08001')
    return new StoreError('DB_UNREACHABLE', `${what}: ${message}`, { cause: error });
  return new StoreError('DB_QUERY_FAILED', `${what}: ${message}`, { cause: error });
}

/** The SQLSTATE (pg, PGlite) or errno code (network) of a driver error. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    if (typeof code === 'string') return code;
  }
  if (error instanceof AggregateError) return sqlState(error.errors[0]);
  return undefined;
}
