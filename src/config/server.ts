import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { Tenant } from '../model/tenant.ts';
import { ConfigError } from './errors.ts';
import { parseConfig, storeConfig, STORE_FLAG_OPTIONS, type StoreConfig, type StoreFlags } from './store.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** JWS algorithms the API accepts by default; `none` and HMAC are never on the list. */
export const DEFAULT_JWT_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'] as const;

export const AuthConfig = z.strictObject({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  /** A JWKS endpoint (an OIDC provider's `jwks_uri`). */
  jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Public keys read at start: SPKI PEM, a JWK or a JWKS document, one per file. */
  publicKeys: z.array(z.strictObject({ source: z.string(), text: z.string() })),
  algorithms: z
    .array(
      z
        .string()
        .regex(
          /^(EdDSA|Ed25519|ES(256|384|512)|RS(256|384|512)|PS(256|384|512))$/,
          'an asymmetric JWS algorithm',
        ),
    )
    .min(1),
  clockToleranceSeconds: z.number().int().min(0).max(300),
  /** Require the route's scope in the token's `scope`/`scp` claim (default true). */
  requireScopes: z.boolean(),
});
export type AuthConfig = z.infer<typeof AuthConfig>;

export const ServerConfig = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** Largest /api/v1 request body, in bytes (a seal set of 10k files is about 8 MB of JSON). */
  bodyLimitBytes: z.number().int().min(1024),
  /** Absent: /api/v1 is off (503 API_NOT_CONFIGURED); the health, metrics and webhook routes still serve. */
  auth: AuthConfig.optional(),
  /** When set, tokens of any other tenant are refused (TENANT_FOREIGN). */
  allowedTenants: z.array(Tenant).optional(),
  migrateOnStart: z.boolean(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  store: z.custom<StoreConfig>(),
});
export type ServerConfig = Readonly<z.infer<typeof ServerConfig>>;

export interface ServerFlags extends StoreFlags {
  readonly listen?: string | undefined;
  readonly 'tls-cert'?: string | undefined;
  readonly 'tls-key'?: string | undefined;
  readonly 'body-limit'?: string | undefined;
  readonly 'auth-issuer'?: string | undefined;
  readonly 'auth-audience'?: string | undefined;
  readonly 'auth-jwks-url'?: string | undefined;
  readonly 'auth-public-key'?: readonly string[] | undefined;
  readonly 'auth-algorithms'?: string | undefined;
  readonly 'allowed-tenant'?: readonly string[] | undefined;
  readonly 'no-migrate'?: boolean | undefined;
  readonly 'no-require-scopes'?: boolean | undefined;
}

export const SERVER_FLAG_OPTIONS = {
  ...STORE_FLAG_OPTIONS,
  listen: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'body-limit': { type: 'string' },
  'auth-issuer': { type: 'string' },
  'auth-audience': { type: 'string' },
  'auth-jwks-url': { type: 'string' },
  'auth-public-key': { type: 'string', multiple: true },
  'auth-algorithms': { type: 'string' },
  'allowed-tenant': { type: 'string', multiple: true },
  'no-migrate': { type: 'boolean' },
  'no-require-scopes': { type: 'boolean' },
} as const;

/**
 * `stella serve`'s configuration: flags, then the environment (`ZASTAVA_LISTEN`, `ZASTAVA_TLS_CERT`,
 * `ZASTAVA_TLS_KEY`, `ZASTAVA_BODY_LIMIT`, `ZASTAVA_AUTH_ISSUER`, `ZASTAVA_AUTH_AUDIENCE`,
 * `ZASTAVA_AUTH_JWKS_URL`, `ZASTAVA_AUTH_PUBLIC_KEYS` (comma-separated files), `ZASTAVA_AUTH_ALGORITHMS`,
 * `ZASTAVA_ALLOWED_TENANTS`, `ZASTAVA_MIGRATE=false`, `ZASTAVA_REQUIRE_SCOPES=false`, `ZASTAVA_LOG_LEVEL`), then defaults.
 * Key files are read here, once. Validated once and frozen: nothing reads the environment later.
 */
export async function loadServerConfig(env: Env, flags: ServerFlags = {}): Promise<ServerConfig> {
  const tlsCert = flags['tls-cert'] ?? env.ZASTAVA_TLS_CERT;
  const tlsKey = flags['tls-key'] ?? env.ZASTAVA_TLS_KEY;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new ConfigError('CONFIG_INVALID', 'TLS needs both --tls-cert and --tls-key');
  const { host, port } = parseListen(
    flags.listen ?? env.ZASTAVA_LISTEN ?? (tlsCert ? '0.0.0.0:8443' : '0.0.0.0:8080'),
  );

  const issuer = flags['auth-issuer'] ?? env.ZASTAVA_AUTH_ISSUER;
  const audience = flags['auth-audience'] ?? env.ZASTAVA_AUTH_AUDIENCE;
  const jwksUrl = flags['auth-jwks-url'] ?? env.ZASTAVA_AUTH_JWKS_URL;
  const keyFiles = flags['auth-public-key'] ?? list(env.ZASTAVA_AUTH_PUBLIC_KEYS);
  const algorithms = list(flags['auth-algorithms'] ?? env.ZASTAVA_AUTH_ALGORITHMS);
  const anyAuth = issuer ?? audience ?? jwksUrl ?? keyFiles[0];
  let auth: unknown;
  if (anyAuth !== undefined) {
    if (issuer === undefined || audience === undefined)
      throw new ConfigError(
        'CONFIG_INVALID',
        'API authentication needs both --auth-issuer and --auth-audience',
      );
    if (jwksUrl === undefined && keyFiles.length === 0)
      throw new ConfigError(
        'CONFIG_INVALID',
        'API authentication needs --auth-jwks-url or --auth-public-key FILE',
      );
    auth = {
      issuer,
      audience,
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
      publicKeys: await Promise.all(
        keyFiles.map(async (source) => ({ source, text: await readKeyFile(source) })),
      ),
      algorithms: algorithms.length > 0 ? algorithms : [...DEFAULT_JWT_ALGORITHMS],
      clockToleranceSeconds: 30,
      requireScopes: !(flags['no-require-scopes'] === true || env.ZASTAVA_REQUIRE_SCOPES === 'false'),
    };
  }
  const tenants = flags['allowed-tenant'] ?? list(env.ZASTAVA_ALLOWED_TENANTS);
  const raw = {
    host,
    port,
    ...(tlsCert === undefined || tlsKey === undefined ? {} : { tls: { certFile: tlsCert, keyFile: tlsKey } }),
    bodyLimitBytes: parseSize(flags['body-limit'] ?? env.ZASTAVA_BODY_LIMIT ?? '32mb'),
    ...(auth === undefined ? {} : { auth }),
    ...(tenants.length === 0 ? {} : { allowedTenants: tenants }),
    migrateOnStart: !(flags['no-migrate'] === true || env.ZASTAVA_MIGRATE === 'false'),
    logLevel: env.ZASTAVA_LOG_LEVEL ?? 'info',
    store: storeConfig(env, flags),
  };
  return deepFreeze(parseConfig(ServerConfig, raw, 'server configuration'));
}

function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:]+):)?(\d{1,5})$/.exec(text);
  if (match === null) throw new ConfigError('CONFIG_INVALID', `--listen "${text}" is not [HOST:]PORT`);
  return { host: (match[1] ?? '0.0.0.0').replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/** `32mb`, `512kb`, `1048576`. */
export function parseSize(text: string): number {
  const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (match === null) throw new ConfigError('CONFIG_INVALID', `"${text}" is not a size (e.g. 32mb)`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Number(match[1]) * unit;
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('CONFIG_UNREADABLE', `cannot read API public key file ${path}`, { cause });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
