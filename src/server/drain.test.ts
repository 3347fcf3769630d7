import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainOnClose } from './drain.ts';

interface Reply {
  readonly body: string;
  readonly connection: string | undefined;
}

function get(port: number, path: string, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `/slow/MS` answers after MS milliseconds, anything else at once. */
async function server(): Promise<{ server: Server; port: number; drain: (ms: number) => Promise<number> }> {
  const s = createServer((req, res) => {
    const ms = Number(/^\/slow\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
    setTimeout(() => res.end(req.url), ms);
  });
  const drain = drainOnClose(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { server: s, port: (s.address() as AddressInfo).port, drain };
}

const agents: Agent[] = [];
const keepAlive = () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
};
afterEach(() => {
  for (const a of agents.splice(0)) a.destroy();
});

describe('drainOnClose', () => {
  it('answers requests in flight and queued on a keep-alive connection with Connection: close, then closes at once', async () => {
    const { port, drain } = await server();
    const agent = keepAlive();
    expect(await get(port, '/warm', agent)).toEqual({ body: '/warm', connection: 'keep-alive' });
    const slow = get(port, '/slow/300', agent);
    const queued = get(port, '/after', agent);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const cut = await drain(5000);
    // Without the drain, Node keeps the connection alive and close waits out its 5 s idle timeout.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(cut).toBe(0);
    expect(await slow).toEqual({ body: '/slow/300', connection: 'close' });
    // The queued request went out on a new connection, which the closed server refused.
    await expect(queued).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('closes idle keep-alive connections at once', async () => {
    const { port, drain } = await server();
    await get(port, '/warm', keepAlive());
    const started = Date.now();
    expect(await drain(5000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('cuts connections still busy at the timeout', async () => {
    const { port, drain } = await server();
    const stuck = get(port, '/slow/10000', keepAlive());
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    expect(await drain(200)).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(stuck).rejects.toThrow();
  });
});
