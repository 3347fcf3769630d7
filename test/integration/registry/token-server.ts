import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importPKCS8, SignJWT } from 'jose';

/**
 * A distribution token server (distribution/docs/spec/auth/token.md) for the tests: Basic credentials
 * in, an ES256 JWT out, signed with a key whose certificate travels in the `x5c` header and sits in the
 * registry's `rootcertbundle`. It grants every action asked for to a known user.
 */
export interface TokenServerOptions {
  readonly users: Readonly<Record<string, string>>;
  readonly service: string;
  readonly issuer: string;
  readonly signingKeyPem: string;
  /** base64 DER of the signing certificate. */
  readonly certDer: string;
  /** Seconds until the JWT's `exp` for the n-th token issued (0-based); default 300. */
  readonly jwtLifetime?: (n: number) => number;
  /** What `expires_in` tells the client; default the JWT's real lifetime. */
  readonly reportedExpiresIn?: number;
}

export interface TokenServer {
  readonly realm: string;
  /** One entry per token request: who asked (no password) and for what. */
  readonly requests: Array<{
    account: string | undefined;
    scope: string | null;
    granted: boolean;
    at: number;
  }>;
  stop(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = await importPKCS8(options.signingKeyPem, 'ES256');
  const requests: TokenServer['requests'] = [];
  let issued = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const scope = url.searchParams.get('scope');
      const user = basicUser(req.headers.authorization, options.users);
      if (user === null) {
        requests.push({ account: undefined, scope, granted: false, at: Date.now() });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      requests.push({ account: user, scope, granted: user !== undefined, at: Date.now() });
      const access = user === undefined ? [] : parseScopes(scope);
      const lifetime = options.jwtLifetime?.(issued++) ?? 300;
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [options.certDer] })
        .setIssuer(options.issuer)
        .setSubject(user ?? '')
        .setAudience(options.service)
        .setIssuedAt(now)
        .setNotBefore(now - 10)
        .setExpirationTime(now + lifetime)
        .setJti(randomUUID())
        .sign(key);
      const body = {
        token,
        access_token: token,
        expires_in: options.reportedExpiresIn ?? lifetime,
        issued_at: new Date().toISOString(),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** undefined: anonymous; null: wrong credentials. */
function basicUser(
  header: string | undefined,
  users: Readonly<Record<string, string>>,
): string | undefined | null {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : null;
}

/** `repository:a/b:pull,push` (several, space-separated) → the JWT `access` claim. */
function parseScopes(scope: string | null): Array<{ type: string; name: string; actions: string[] }> {
  if (!scope) return [];
  return scope.split(' ').flatMap((s) => {
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    if (first === -1 || last === first) return [];
    return [
      { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',') },
    ];
  });
}
