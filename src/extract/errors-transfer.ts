import { ImageError, type ImageErrorCode } from '../image/errors.ts';
import { ExtractError, type ExtractErrorCode } from './errors.ts';
import type { SerializedError } from './worker-protocol.ts';

/** Errors cross the worker boundary as plain data and are rebuilt with their class and code. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof ImageError || error instanceof ExtractError) {
    return {
      module: error instanceof ImageError ? 'image' : 'extract',
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      name: error.name,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    module: 'other',
    message: e.message,
    name: e.name,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
  };
}

export function deserializeError(data: SerializedError): Error {
  const options = data.hint === undefined ? {} : { hint: data.hint };
  if (data.module === 'image') return new ImageError(data.code as ImageErrorCode, data.message, options);
  if (data.module === 'extract')
    return new ExtractError(data.code as ExtractErrorCode, data.message, options);
  return new ExtractError('EXTRACT_WORKER_FAILED', `layer worker failed: ${data.name}: ${data.message}`);
}
