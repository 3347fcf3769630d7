import express, { type Router } from 'express';
import { handleValidate, type ValidateContext } from '../admission/handle.ts';

/** The API server caps a request object at 3 MiB; an AdmissionReview holds it (and oldObject) in JSON. */
export const DEFAULT_VALIDATE_BODY_LIMIT = 8 * 1024 * 1024;

export interface ValidateRouteOptions {
  readonly context: ValidateContext;
  readonly bodyLimitBytes?: number;
  /** Counts requests reaching the route (tests, scenario 9: not called for unlabelled namespaces). */
  readonly onRequest?: () => void;
}

/**
 * `POST /validate` (SPEC §11): parse the JSON body (size-limited; a parse error is the app's 400
 * BODY_MALFORMED), hand it to `handleValidate`, write what it returns. Any content type is read as JSON:
 * the API server sends `application/json`, and a wrong type is still answered 400, not 415.
 */
export function validateRouter(options: ValidateRouteOptions): Router {
  const router = express.Router();
  router.post(
    '/',
    (req, _res, next) => {
      options.onRequest?.();
      next();
    },
    express.json({
      limit: options.bodyLimitBytes ?? DEFAULT_VALIDATE_BODY_LIMIT,
      type: () => true,
      strict: false,
    }),
    async (req, res) => {
      const reply = await handleValidate(req.body as unknown, options.context);
      res.status(reply.status).json(reply.body);
    },
  );
  return router;
}
