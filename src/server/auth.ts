import { createPublicKey } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  exportJWK,
  jwtVerify,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { AuthConfig } from '../config/server.ts';
import { ConfigError } from '../config/errors.ts';
import { Tenant } from '../model/tenant.ts';
import { ServerError } from './errors.ts';

/** Who is calling, from a verified token: every /api/v1 call is scoped to `tenant`. */
export interface Principal {
  /** The token's `sub`: the actor in the audit log. */
  readonly subject: string;
  readonly tenant: Tenant;
  readonly scopes: ReadonlySet<string>;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Bearer JWTs checked with jose (SPEC §14): signature by a configured key or the JWKS, an allowed
 * asymmetric algorithm (never `none`, never HMAC), `iss`, `aud`, `exp` required and not past, `sub`
 * required, and the `tenant` claim (TENANT_MISSING without it).
 */
export async function jwtVerifier(auth: AuthConfig): Promise<TokenVerifier> {
  const keys = await keySet(auth);
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: auth.algorithms,
        clockTolerance: auth.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw tokenError(error);
    }
    const tenant = payload.tenant;
    if (tenant === undefined || tenant === null || tenant === '')
      throw new ServerError('TENANT_MISSING', 'the token has no tenant claim');
    const parsed = Tenant.safeParse(tenant);
    if (!parsed.success)
      throw new ServerError('TENANT_INVALID', "the token's tenant claim is not a valid tenant name");
    return { subject: payload.sub!, tenant: parsed.data, scopes: scopesOf(payload) };
  };
}

function scopesOf(payload: Record<string, unknown>): ReadonlySet<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string') for (const s of payload.scope.split(' ')) if (s) scopes.add(s);
  if (Array.isArray(payload.scp)) for (const s of payload.scp) if (typeof s === 'string') scopes.add(s);
  return scopes;
}

async function keySet(auth: AuthConfig): Promise<JWTVerifyGetKey> {
  const local: JWK[] = [];
  for (const { source, text } of auth.publicKeys) local.push(...(await jwksOf(text, source)));
  const localSet = local.length === 0 ? undefined : createLocalJWKSet({ keys: local });
  const remote =
    auth.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  if (localSet !== undefined && remote === undefined) return localSet;
  if (remote !== undefined && localSet === undefined) return remote;
  // Both: the configured keys first, then the JWKS.
  return async (header, token) => {
    try {
      return await localSet!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return remote!(header, token);
    }
  };
}

/** SPKI PEM, one JWK, or a JWKS document. */
async function jwksOf(text: string, source: string): Promise<JWK[]> {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) return [await exportJWK(createPublicKey(trimmed))];
    const json = JSON.parse(trimmed) as { keys?: unknown };
    const keys = Array.isArray(json.keys) ? (json.keys as JWK[]) : [json as JWK];
    for (const key of keys) if ('d' in key) throw new Error('it holds a private key');
    return keys;
  } catch (cause) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `API public key ${source} is not an SPKI PEM, a JWK or a JWKS: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

function tokenError(error: unknown): ServerError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.JWTExpired) return new ServerError('TOKEN_EXPIRED', 'the token has expired');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new ServerError('TOKEN_SIGNATURE_INVALID', 'the token signature does not verify');
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return new ServerError('TOKEN_ALG_REFUSED', `the token's algorithm is refused: ${message}`);
  if (error instanceof errors.JWTClaimValidationFailed)
    return new ServerError(
      'TOKEN_CLAIM_INVALID',
      `the token's ${error.claim} claim is refused: ${error.reason}`,
    );
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new ServerError('TOKEN_KEY_UNKNOWN', 'no configured key matches the token');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return new ServerError('AUTH_UNAVAILABLE', `the JWKS could not be read: ${message}`, { cause: error });
  if (error instanceof errors.JOSEError)
    return new ServerError('TOKEN_MALFORMED', `the token is not a valid JWT: ${message}`);
  // createRemoteJWKSet's fetch failures are plain errors.
  return new ServerError('AUTH_UNAVAILABLE', `the token keys could not be read: ${message}`, {
    cause: error,
  });
}
