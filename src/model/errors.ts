/**
 * The one error type users see. Every failure a user can cause has a stable `code` (documented in
 * docs/errors.md), a message naming the thing at fault, and where one exists a `hint` saying how to fix
 * it. Modules declare their own code unions (`ImageErrorCode`, `SealErrorCode`, …) and throw this class.
 * Tests assert the code, never the message.
 */
export class ZastavaError<C extends string = string> extends Error {
  readonly code: C;
  readonly hint: string | undefined;

  constructor(code: C, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZastavaError';
    this.code = code;
    this.hint = options.hint;
  }

  /** A plain object for logs and JSON bodies (`JSON.stringify(new Error())` is `{}`). */
  toJSON(): { code: C; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isZastavaError(error: unknown): error is ZastavaError {
  return error instanceof ZastavaError;
}
