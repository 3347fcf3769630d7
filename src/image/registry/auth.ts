import { findCredential, type Credential } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { CLI_ANONYMOUS_HINT, type RegistryOptions } from './options.ts';
import { basicAuthorization, fetchToken, type BearerToken } from './token.ts';
import type { HttpResponse, Transport } from './transport.ts';
import { parseWwwAuthenticate, pickChallenge, type AuthChallenge } from './www-authenticate.ts';

/**
 * Authorization for one registry. The first request goes out anonymously; its 401 teaches the
 * challenge (Bearer or Basic), after which every request carries credentials up front. Bearer tokens
 * are cached per (realm, service, scope) until their stated expiry, and dropped on a 401 so that a
 * token that lapses in the middle of a pull is replaced and the request tried once more.
 */
export interface Authenticator {
  headers(scope: string, signal?: AbortSignal): Promise<Record<string, string>>;
  /** After a 401: true when the request is worth one more try with fresh `headers()`. */
  unauthorized(response: HttpResponse, scope: string): Promise<boolean>;
  /** The error for a 401 that a fresh attempt did not cure. */
  failure(scope: string): Promise<RegistryError>;
}

export function createAuthenticator(
  transport: Transport,
  registry: string,
  repository: string,
  options: Pick<RegistryOptions, 'creds' | 'authFile' | 'env' | 'insecureRegistries' | 'anonymousHint'>,
  now: () => number = Date.now,
): Authenticator {
  let challenge: AuthChallenge | undefined;
  let credential: Promise<Credential | undefined> | undefined;
  const tokens = new Map<string, Promise<BearerToken>>();

  const getCredential = () => (credential ??= findCredential(registry, repository, options));
  const tokenKey = (c: AuthChallenge, scope: string) =>
    `${c.params.realm}\n${c.params.service ?? ''}\n${scope}`;

  async function bearer(c: AuthChallenge, scope: string, signal?: AbortSignal): Promise<string> {
    const key = tokenKey(c, scope);
    const cached = tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > now()) return token.token;
      if (tokens.get(key) === cached) tokens.delete(key);
    }
    const pending = getCredential().then((cred) =>
      fetchToken(transport, {
        realm: c.params.realm ?? '',
        service: c.params.service,
        scope,
        credential: cred,
        insecureRegistries: options.insecureRegistries ?? [],
        signal,
        anonymousHint: options.anonymousHint,
      }),
    );
    tokens.set(key, pending);
    pending.catch(() => {
      if (tokens.get(key) === pending) tokens.delete(key);
    });
    return (await pending).token;
  }

  return {
    async headers(scope, signal): Promise<Record<string, string>> {
      if (!challenge) return {};
      if (challenge.scheme === 'bearer')
        return { authorization: `Bearer ${await bearer(challenge, scope, signal)}` };
      const cred = await getCredential();
      return cred?.kind === 'basic'
        ? { authorization: basicAuthorization(cred.username, cred.password) }
        : {};
    },

    async unauthorized(response, scope) {
      const offered = pickChallenge(parseWwwAuthenticate(response.headers.get('www-authenticate') ?? ''));
      await response.discard();
      if (!offered) return false;
      if (offered.scheme === 'bearer' && !offered.params.realm) {
        throw new RegistryError(
          'REGISTRY_TOKEN_FAILED',
          `${registry} sent a Bearer challenge without a realm`,
        );
      }
      const previous = challenge;
      challenge = offered;
      if (offered.scheme === 'bearer') {
        tokens.delete(tokenKey(offered, scope)); // expired or revoked: fetch a fresh one
        return true;
      }
      const cred = await getCredential();
      return cred?.kind === 'basic' && previous?.scheme !== 'basic';
    },

    async failure(scope) {
      const cred = await getCredential().catch(() => undefined);
      const how = cred ? `with the credentials from ${cred.source}` : 'anonymously';
      return new RegistryError('REGISTRY_AUTH_FAILED', `${registry}: not authorised for ${scope} ${how}`, {
        hint: cred
          ? 'check the user name and password, and that the account may pull this repository'
          : (options.anonymousHint ?? CLI_ANONYMOUS_HINT),
      });
    },
  };
}
