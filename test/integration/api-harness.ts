import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadServerConfig, type ServerFlags } from '../../src/config/server.ts';
import { SCOPES } from '../../src/server/api/deps.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/start.ts';
import { openTestStore, type Backend, type TestStore } from './store-harness.ts';
import { createMetrics } from '../../src/telemetry/metrics.ts';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'zastava-api';
export const ALL_SCOPES = Object.values(SCOPES).join(' ');

export interface TokenClaims {
  readonly tenant?: unknown;
  readonly sub?: string;
  readonly scope?: string;
  readonly iss?: string;
  readonly aud?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
}

export interface Issuer {
  readonly privateKey: KeyObject;
  readonly publicPem: string;
  token(claims?: TokenClaims): Promise<string>;
}

export function issuer(): Issuer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    token: (claims = {}) => signToken(privateKey, claims),
  };
}

export async function signToken(privateKey: KeyObject, claims: TokenClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { scope: claims.scope ?? ALL_SCOPES };
  if (claims.tenant !== undefined) body.tenant = claims.tenant;
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub ?? 'ci-bot')
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (claims.expiresIn ?? 300))
    .sign(privateKey);
}

export async function jwksOf(key: Issuer): Promise<{ keys: unknown[] }> {
  const { createPublicKey } = await import('node:crypto');
  return { keys: [{ ...(await exportJWK(createPublicKey(key.publicPem))), alg: 'EdDSA', use: 'sig' }] };
}

export interface ApiServer {
  readonly url: string;
  readonly store: TestStore;
  readonly running: RunningServer;
  readonly registry: Registry;
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    body: Record<string, unknown>;
    headers: Headers;
  }>;
  close(): Promise<void>;
}

/** `stella serve`'s server on an ephemeral port, over a fresh test store, trusting `key`'s tokens. */
export async function startApi(
  backend: Backend,
  key: Issuer,
  flags: ServerFlags = {},
  extra: Pick<StartOptions, 'routers' | 'readiness'> = {},
): Promise<ApiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'zastava-api-'));
  await writeFile(join(dir, 'issuer.pub'), key.publicPem);
  const config = await loadServerConfig(
    { ZASTAVA_DATA_DIR: dir },
    {
      listen: '127.0.0.1:0',
      'auth-issuer': ISSUER,
      'auth-audience': AUDIENCE,
      ...(flags['auth-jwks-url'] === undefined ? { 'auth-public-key': [join(dir, 'issuer.pub')] } : {}),
      ...flags,
    },
  );
  const store = await openTestStore(backend);
  const registry = new Registry();
  const running = await startServer(config, {
    logger: pino({ level: 'silent' }),
    registry,
    sealTotal: createMetrics(registry).sealTotal, // as stella serve does
    store: { ...store, migration: undefined },
    ...extra,
  });
  return {
    url: running.url,
    store,
    running,
    registry,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.raw;
      if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${running.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { text };
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await running.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
