import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Actor } from '../store/store.ts';
import type { Principal } from './auth.ts';
import { ServerError } from './errors.ts';

/** What the middleware leaves on `res.locals` for the handlers. */
export interface RequestContext {
  readonly correlationId: string;
  readonly log: Logger;
  /** Set by `authenticate` on /api/v1. */
  principal?: Principal;
}

export function contextOf(res: Response): RequestContext {
  return res.locals as RequestContext;
}

/** The verified caller; only under `authenticate`. */
export function principalOf(res: Response): Principal {
  const principal = contextOf(res).principal;
  if (principal === undefined) throw new ServerError('INTERNAL', 'route not behind authentication');
  return principal;
}

/** The audit actor of a request: the token subject, with the request's correlation id. */
export function actorOf(res: Response): Actor {
  return { actor: principalOf(res).subject, correlationId: contextOf(res).correlationId };
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every request gets a correlation id: the caller's `X-Correlation-Id` when it is a sane token, else a
 * new UUID; echoed in the response and carried by every log line and audit row of the request. The
 * request's child logger is made on first use: most requests (every webhook review) never log through
 * it, and a pino child costs its bindings' serialisation and redaction.
 */
export function correlation(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-correlation-id');
    const correlationId = given !== undefined && CORRELATION_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Correlation-Id', correlationId);
    let log: Logger | undefined;
    Object.defineProperties(res.locals, {
      correlationId: { value: correlationId, enumerable: true, writable: true, configurable: true },
      log: {
        get: () => (log ??= logger.child({ correlationId })),
        enumerable: true,
        configurable: true,
      },
    });
    next();
  };
}

/** A request body validated by a zod schema; BODY_INVALID names the first field at fault. */
export function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  if (req.body === undefined)
    throw new ServerError('BODY_INVALID', 'expected a JSON body (Content-Type: application/json)');
  const parsed = schema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ServerError(
    'BODY_INVALID',
    `body field ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`,
  );
}

export function parseQuery<T>(schema: z.ZodType<T>, req: Request): T {
  const parsed = schema.safeParse(req.query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ServerError(
    'QUERY_INVALID',
    `query parameter ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}`,
  );
}

export function requireScope(scope: string, enforced: boolean): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (enforced && !principalOf(res).scopes.has(scope))
      throw new ServerError('SCOPE_MISSING', `this call needs the "${scope}" scope in the token`);
    next();
  };
}
