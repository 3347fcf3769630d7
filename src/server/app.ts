import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isZastavaError } from '../model/errors.ts';
import type { Tenant } from '../model/tenant.ts';
import type { Store } from '../store/store.ts';
import type { FacetMetrics } from '../telemetry/metrics.ts';
import { approvalRoutes } from './api/approvals.ts';
import { driftVexAuditRoutes } from './api/drift-vex-audit.ts';
import { keyRoutes } from './api/keys.ts';
import { sealRoutes } from './api/seals.ts';
import type { TokenVerifier } from './auth.ts';
import { authenticate } from './authenticate.ts';
import { httpStatusOf, ServerError } from './errors.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';
import { correlation, contextOf } from './http.ts';
import { httpMetrics, measure } from './http-metrics.ts';

export interface AppOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Served on /metrics; never prom-client's global registry. */
  readonly registry: Registry;
  /** Undefined: /api/v1 answers 503 API_NOT_CONFIGURED. */
  readonly verifier: TokenVerifier | undefined;
  readonly requireScopes?: boolean;
  /** `facet_seal_total`, counted by POST /api/v1/seals. */
  readonly sealTotal?: FacetMetrics['sealTotal'] | undefined;
  readonly allowedTenants?: readonly Tenant[] | undefined;
  /** Largest /api/v1 body in bytes. */
  readonly bodyLimitBytes: number;
  /** More /readyz checks (informer synced, certificate loaded); the database is always checked. */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /**
   * More routes, mounted before /api/v1 with no body parser of their own (the webhook's `/validate`
   * parses its AdmissionReview itself). Their errors reach the JSON error handler too.
   */
  readonly routers?: readonly { readonly path: string; readonly handler: Router | RequestHandler }[];
}

/**
 * The HTTP app (SPEC §14): /healthz, /readyz, /metrics, any extra routers (the webhook), and /api/v1
 * behind bearer-token authentication. Every error is JSON `{code, message[, hint]}` with the status of
 * its code. Tested in process through this object (STYLE: fastify's habit).
 */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const metrics = httpMetrics(options.registry);
  app.use(correlation(options.logger), measure(metrics));

  healthRoutes(app, {
    database: () => options.store.db.ping(),
    ...options.readiness,
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', options.registry.contentType);
    res.send(await options.registry.metrics());
  });

  for (const { path, handler } of options.routers ?? []) app.use(path, handler);

  const api = express.Router();
  api.use(authenticate({ verifier: options.verifier, allowedTenants: options.allowedTenants }));
  api.use(express.json({ limit: options.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  const deps = {
    store: options.store,
    requireScopes: options.requireScopes ?? true,
    sealTotal: options.sealTotal,
  };
  sealRoutes(api, deps);
  approvalRoutes(api, deps);
  driftVexAuditRoutes(api, deps);
  keyRoutes(api, deps);
  app.use('/api/v1', api);

  app.use((req) => {
    throw new ServerError('NOT_FOUND', `no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}

/** Errors as JSON with a stable code; 5xx are logged with their cause, 4xx at debug level. */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const body = errorBody(error);
  const status = body.status;
  const { log } = contextOf(res);
  if (status >= 500) log.error({ err: error, code: body.code }, 'request failed');
  else log.debug({ code: body.code }, 'request refused');
  if (res.headersSent) return;
  res
    .status(status)
    .json(
      body.hint === undefined
        ? { code: body.code, message: body.message }
        : { code: body.code, message: body.message, hint: body.hint },
    );
};

/** Codes whose messages are ours and safe to show even on a 5xx. */
const SHOWN_5XX = new Set([
  'CAS_TAMPERED',
  'CAS_MISMATCH',
  'CAS_MISSING',
  'API_NOT_CONFIGURED',
  'AUTH_UNAVAILABLE',
]);

function errorBody(error: unknown): {
  status: number;
  code: string;
  message: string;
  hint?: string | undefined;
} {
  if (isZastavaError(error)) {
    const status = httpStatusOf(error.code);
    // A driver message names hosts and tables: 5xx bodies say only the code, the log has the rest.
    if (status >= 500 && !SHOWN_5XX.has(error.code))
      return {
        status,
        code: error.code,
        message: 'the server could not complete the request; see its log for the correlation id',
      };
    return { status, code: error.code, message: error.message, hint: error.hint };
  }
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large')
    return { status: 413, code: 'BODY_TOO_LARGE', message: 'the request body exceeds the configured limit' };
  if (type === 'entity.parse.failed')
    return { status: 400, code: 'BODY_MALFORMED', message: 'the body is not valid JSON' };
  if (typeof type === 'string' && type.startsWith('encoding.'))
    return { status: 415, code: 'BODY_MALFORMED', message: 'unsupported body encoding' };
  return {
    status: 500,
    code: 'INTERNAL',
    message: 'the server could not complete the request; see its log for the correlation id',
  };
}
