import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, MAX_REDIRECTS, type Transport } from './transport.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const transports: Transport[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function transport(overrides: { timeoutMs?: number; retries?: number; maxRetryAfterMs?: number } = {}) {
  const seen: Array<{ method: string; url: string; status: number }> = [];
  const t = createTransport({
    timeoutMs: overrides.timeoutMs ?? 5_000,
    retryPolicy: {
      retries: overrides.retries ?? 3,
      baseDelayMs: 5,
      maxDelayMs: 20,
      maxRetryAfterMs: overrides.maxRetryAfterMs ?? 5_000,
    },
    insecureRegistries: [],
    onRequest: (r) => seen.push(r),
  });
  transports.push(t);
  return { t, seen };
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('redirects', () => {
  it('drops Authorization when a redirect leaves the origin, keeps it within, and hides signed queries', async () => {
    const storageSaw: Array<string | undefined> = [];
    const storage = await serve((req, res) => {
      storageSaw.push(req.headers.authorization);
      res.end('blob bytes');
    });
    const registrySaw: Array<string | undefined> = [];
    const registry = await serve((req, res) => {
      registrySaw.push(req.headers.authorization);
      if (req.url === '/v2/r/blobs/a') res.writeHead(307, { location: '/v2/r/blobs/b' }).end();
      else res.writeHead(302, { location: `${storage}/bucket/b?X-Amz-Signature=secret` }).end();
    });
    const { t, seen } = transport();
    const response = await t.request({
      method: 'GET',
      url: `${registry}/v2/r/blobs/a`,
      headers: { Authorization: 'Bearer tok' },
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.bytes(100, () => new Error('big'))).toString()).toBe('blob bytes');
    expect(registrySaw).toEqual(['Bearer tok', 'Bearer tok']);
    expect(storageSaw).toEqual([undefined]);
    expect(seen.map((r) => r.status)).toEqual([307, 302, 200]);
    expect(seen.every((r) => !r.url.includes('secret'))).toBe(true);
    expect(response.url).toBe(`${storage}/bucket/b`);
  });

  it('refuses a redirect to plain HTTP on a non-loopback host before connecting', async () => {
    const registry = await serve((_req, res) =>
      res.writeHead(302, { location: 'http://storage.example/blob' }).end(),
    );
    await expect(transport().t.request({ method: 'GET', url: `${registry}/x` })).rejects.toMatchObject({
      code: 'REGISTRY_INSECURE_REFUSED',
    });
  });

  it('stops after a bounded number of redirects, and refuses one without Location', async () => {
    let hops = 0;
    const loop = await serve((req, res) => {
      hops++;
      if (req.url === '/nowhere') res.writeHead(302).end();
      else res.writeHead(302, { location: '/again' }).end();
    });
    await expect(transport().t.request({ method: 'GET', url: `${loop}/start` })).rejects.toMatchObject({
      code: 'REGISTRY_REDIRECT_INVALID',
    });
    expect(hops).toBe(MAX_REDIRECTS + 1);
    await expect(transport().t.request({ method: 'GET', url: `${loop}/nowhere` })).rejects.toMatchObject({
      code: 'REGISTRY_REDIRECT_INVALID',
    });
  });
});

describe('retries', () => {
  it('retries 429 and 503, honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else if (calls === 2) res.writeHead(503).end();
      else res.end('ok');
    });
    const started = Date.now();
    const response = await transport().t.request({ method: 'GET', url });
    expect(response.status).toBe(200);
    expect(calls).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up after the configured retries and returns the last answer', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      res.writeHead(502).end();
    });
    const response = await transport({ retries: 2 }).t.request({ method: 'GET', url });
    expect(response.status).toBe(502);
    expect(calls).toBe(3);
  });

  it('fails at once when Retry-After asks for longer than allowed', async () => {
    const url = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    await expect(transport().t.request({ method: 'GET', url })).rejects.toMatchObject({
      code: 'REGISTRY_RATE_LIMITED',
    });
  });

  it('retries a connection reset', async () => {
    let calls = 0;
    const url = await serve((req, res) => {
      calls++;
      if (calls === 1) req.socket.destroy();
      else res.end('ok');
    });
    expect((await transport().t.request({ method: 'GET', url })).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('does not retry 404 or 401', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 404 : 401).end();
    });
    expect((await transport().t.request({ method: 'GET', url })).status).toBe(404);
    expect((await transport().t.request({ method: 'GET', url })).status).toBe(401);
    expect(calls).toBe(2);
  });

  it('reports a refused connection as unreachable once retries are spent', async () => {
    const url = await serve((_req, res) => res.end());
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    await expect(transport({ retries: 1 }).t.request({ method: 'GET', url })).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
    });
  });
});

describe('timeouts', () => {
  it('times out a server that never answers', async () => {
    const url = await serve(() => {});
    await expect(
      transport({ timeoutMs: 200, retries: 0 }).t.request({ method: 'GET', url }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_TIMEOUT',
    });
  });

  it('times out a body that stalls between chunks', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345'); // and never the rest
    });
    const response = await transport({ timeoutMs: 200, retries: 0 }).t.request({ method: 'GET', url });
    await expect(response.bytes(100, () => new Error('big'))).rejects.toMatchObject({
      code: 'REGISTRY_TIMEOUT',
    });
  });

  it('honours the caller signal without retrying', async () => {
    const url = await serve(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(transport().t.request({ method: 'GET', url, signal: controller.signal })).rejects.toThrow(
      'caller gave up',
    );
  });
});

describe('bodies', () => {
  it('refuses a body over the limit, by Content-Length or by counting', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/declared') res.end('x'.repeat(100));
      else {
        res.write('x'.repeat(60));
        res.end('x'.repeat(60));
      }
    });
    const { t } = transport();
    await expect(
      (await t.request({ method: 'GET', url: `${url}/declared` })).bytes(50, () => new Error('too big')),
    ).rejects.toThrow('too big');
    await expect(
      (await t.request({ method: 'GET', url: `${url}/chunked` })).bytes(100, () => new Error('too big')),
    ).rejects.toThrow('too big');
  });
});
