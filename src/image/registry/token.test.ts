import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fetchToken } from './token.ts';
import { createTransport } from './transport.ts';

const servers: Server[] = [];
const transport = createTransport({
  timeoutMs: 5_000,
  retryPolicy: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
  insecureRegistries: [],
});

async function serve(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(() => transport.close());

const base = { service: 'svc', scope: 'repository:a/b:pull', insecureRegistries: [] as string[] };

describe('fetchToken', () => {
  it('GETs the realm with service, scope, account and Basic credentials; honours expires_in', async () => {
    let seen: { url?: string; auth?: string } = {};
    const realm = await serve((req, _body, res) => {
      seen = { url: req.url, auth: req.headers.authorization };
      res.end(JSON.stringify({ token: 't1', expires_in: 120 }));
    });
    const credential = { kind: 'basic' as const, username: 'ann', password: 'pw', source: 'test' };
    const token = await fetchToken(transport, { ...base, realm, credential }, () => 1_000_000);
    expect(token).toEqual({ token: 't1', expiresAt: 1_000_000 + 120_000 - 5_000 });
    const url = new URL(seen.url!, 'http://x');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      service: 'svc',
      scope: 'repository:a/b:pull',
      account: 'ann',
    });
    expect(seen.auth).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
  });

  it('exchanges an identity token with an OAuth2 refresh-token POST and reads access_token', async () => {
    let form: Record<string, string> = {};
    const realm = await serve((req, body, res) => {
      expect(req.method).toBe('POST');
      form = Object.fromEntries(new URLSearchParams(body));
      res.end(JSON.stringify({ access_token: 'from-refresh' }));
    });
    const credential = { kind: 'identity-token' as const, token: 'refresh-me', source: 'test' };
    const token = await fetchToken(transport, { ...base, realm, credential }, () => 0);
    expect(token.token).toBe('from-refresh');
    expect(token.expiresAt).toBe(60_000 - 5_000); // the spec's default lifetime
    expect(form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'refresh-me', service: 'svc' });
  });

  it('maps refusals and malformed answers to codes', async () => {
    const realm = await serve((req, _body, res) => {
      if (req.url?.includes('deny')) res.writeHead(401).end();
      else if (req.url?.includes('broken')) res.writeHead(500).end();
      else if (req.url?.includes('notjson')) res.end('<html>');
      else res.end('{"expires_in":60}');
    });
    const at = (q: string) => ({ ...base, realm: `${realm}?${q}=1`, credential: undefined });
    await expect(fetchToken(transport, at('deny'))).rejects.toMatchObject({ code: 'REGISTRY_AUTH_FAILED' });
    await expect(fetchToken(transport, at('broken'))).rejects.toMatchObject({
      code: 'REGISTRY_TOKEN_FAILED',
    });
    await expect(fetchToken(transport, at('notjson'))).rejects.toMatchObject({
      code: 'REGISTRY_TOKEN_FAILED',
    });
    await expect(fetchToken(transport, at('empty'))).rejects.toMatchObject({ code: 'REGISTRY_TOKEN_FAILED' });
  });

  it('refuses a plain-HTTP realm on a non-loopback host, and a realm that is not a URL', async () => {
    const credential = { kind: 'basic' as const, username: 'ann', password: 'pw', source: 'test' };
    await expect(
      fetchToken(transport, { ...base, realm: 'http://auth.example/token', credential }),
    ).rejects.toMatchObject({ code: 'REGISTRY_INSECURE_REFUSED' });
    await expect(fetchToken(transport, { ...base, realm: 'not a url', credential })).rejects.toMatchObject({
      code: 'REGISTRY_TOKEN_FAILED',
    });
  });
});
