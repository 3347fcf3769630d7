import type { RequestHandler } from 'express';
import type { Tenant } from '../model/tenant.ts';
import type { TokenVerifier } from './auth.ts';
import { ServerError } from './errors.ts';
import { contextOf } from './http.ts';

export interface AuthenticateOptions {
  /** Undefined: the API has no authentication configured and refuses every call. */
  readonly verifier: TokenVerifier | undefined;
  /** When set, only these tenants are served. */
  readonly allowedTenants?: readonly Tenant[] | undefined;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/**
 * The /api/v1 gate: a verified bearer token whose `tenant` claim scopes the call. A request that names
 * a tenant (`X-Zastava-Tenant` header or `tenant` query parameter) must name the token's; any other is
 * TENANT_FOREIGN, as is a tenant outside the configured list. The token itself is never logged.
 */
export function authenticate(options: AuthenticateOptions): RequestHandler {
  return async (req, res, next) => {
    if (options.verifier === undefined)
      throw new ServerError('API_NOT_CONFIGURED', 'the API has no token issuer configured', {
        hint: 'start stella serve with --auth-issuer, --auth-audience and --auth-jwks-url or --auth-public-key',
      });
    const header = req.get('authorization');
    if (header === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new ServerError('TOKEN_MISSING', 'an Authorization: Bearer token is required');
    }
    const match = BEARER.exec(header);
    if (match?.[1] === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new ServerError('TOKEN_MALFORMED', 'the Authorization header is not "Bearer <JWT>"');
    }
    let principal;
    try {
      principal = await options.verifier(match[1]);
    } catch (error) {
      if (error instanceof ServerError && error.code.startsWith('TOKEN_'))
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw error;
    }
    if (options.allowedTenants !== undefined && !options.allowedTenants.includes(principal.tenant))
      throw new ServerError('TENANT_FOREIGN', `tenant ${principal.tenant} is not served here`);
    const named = [
      req.get('x-zastava-tenant'),
      typeof req.query.tenant === 'string' ? req.query.tenant : undefined,
    ];
    for (const tenant of named)
      if (tenant !== undefined && tenant !== principal.tenant)
        throw new ServerError(
          'TENANT_FOREIGN',
          `the token is for tenant ${principal.tenant}, the request names ${tenant}`,
        );
    contextOf(res).principal = principal;
    next();
  };
}
