import { RegistryError } from './errors.ts';
import { allowsPlainHttp } from './hosts.ts';
import type { Credential } from './credentials.ts';
import { CLI_ANONYMOUS_HINT } from './options.ts';
import { display, type Transport } from './transport.ts';

/**
 * The distribution token protocol (distribution/docs/spec/auth/token.md, oauth.md): a GET to the
 * challenge's realm with `service` and `scope` (Basic credentials if we have them), or, for an
 * identity token, an OAuth2 refresh-token POST. Tokens are secrets: never in a message.
 */
export interface BearerToken {
  readonly token: string;
  /** Epoch ms after which we fetch another one instead of waiting for a 401. */
  readonly expiresAt: number;
}

export interface TokenRequest {
  readonly realm: string;
  readonly service: string | undefined;
  readonly scope: string;
  readonly credential: Credential | undefined;
  readonly insecureRegistries: readonly string[];
  readonly signal?: AbortSignal | undefined;
  /** The hint of a refusal without credentials (`RegistryOptions.anonymousHint`). */
  readonly anonymousHint?: string | undefined;
}

/** The spec's default lifetime when `expires_in` is absent. */
const DEFAULT_EXPIRES_IN_S = 60;
/** Refresh this long before the stated expiry, so a token does not lapse between check and use. */
const EXPIRY_MARGIN_MS = 5_000;
const MAX_TOKEN_RESPONSE = 1 << 20;

export async function fetchToken(
  transport: Transport,
  req: TokenRequest,
  now = Date.now,
): Promise<BearerToken> {
  let realm: URL;
  try {
    realm = new URL(req.realm);
  } catch {
    throw new RegistryError(
      'REGISTRY_TOKEN_FAILED',
      `the registry's token realm "${req.realm}" is not a URL`,
    );
  }
  if (
    realm.protocol !== 'https:' &&
    !(realm.protocol === 'http:' && allowsPlainHttp(realm.host, req.insecureRegistries))
  ) {
    throw new RegistryError(
      'REGISTRY_INSECURE_REFUSED',
      `refusing the token realm ${display(realm)}: not HTTPS`,
      {
        hint: `allow it with --insecure-registry ${realm.host} only if that network is trusted`,
      },
    );
  }
  const cred = req.credential;
  const response =
    cred?.kind === 'identity-token'
      ? await transport.request({
          method: 'POST',
          url: realm.href,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: cred.token,
            client_id: 'zastava',
            scope: req.scope,
            ...(req.service ? { service: req.service } : {}),
          }).toString(),
          signal: req.signal,
        })
      : await transport.request({
          method: 'GET',
          url: withQuery(realm, req, cred).href,
          headers: cred ? { authorization: basicAuthorization(cred.username, cred.password) } : {},
          signal: req.signal,
        });

  const who = cred ? `the credentials from ${cred.source}` : 'anonymous access';
  if (response.status === 401 || response.status === 403) {
    await response.discard();
    throw new RegistryError(
      'REGISTRY_AUTH_FAILED',
      `token server ${response.url} refused ${who} for ${req.scope}`,
      {
        hint: cred
          ? 'check the user name and password (or run docker login again)'
          : (req.anonymousHint ?? CLI_ANONYMOUS_HINT),
      },
    );
  }
  if (response.status !== 200) {
    await response.discard();
    throw new RegistryError(
      'REGISTRY_TOKEN_FAILED',
      `token server ${response.url} answered ${response.status} for ${req.scope}`,
    );
  }
  const body = await response.bytes(
    MAX_TOKEN_RESPONSE,
    () => new RegistryError('REGISTRY_TOKEN_FAILED', `token response from ${response.url} is too large`),
  );
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw new RegistryError('REGISTRY_TOKEN_FAILED', `token response from ${response.url} is not JSON`);
  }
  const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryError('REGISTRY_TOKEN_FAILED', `token response from ${response.url} holds no token`);
  }
  const expiresIn =
    typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_EXPIRES_IN_S;
  return { token, expiresAt: now() + expiresIn * 1000 - EXPIRY_MARGIN_MS };
}

function withQuery(realm: URL, req: TokenRequest, cred: Credential | undefined): URL {
  const url = new URL(realm.href);
  if (req.service) url.searchParams.set('service', req.service);
  url.searchParams.set('scope', req.scope);
  if (cred?.kind === 'basic') url.searchParams.set('account', cred.username);
  return url;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
