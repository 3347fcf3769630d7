import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionReviewBody, podObject } from '../fixtures/index.ts';
import { makeTestPki, type TestPki } from './registry/tls.ts';
import { startServeChild, type ServeChild } from './serve-child.ts';
import { PG_URL, withPgClient } from './store-harness.ts';

// SPEC §11 "Graceful shutdown on SIGTERM: stop accepting, finish in-flight reviews", on a real `stella
// serve` child over HTTPS. A review is held in flight honestly: its image is a tag, which the webhook
// resolves with a registry HEAD, and the loopback registry answers that HEAD slowly.

const HEAD_DELAY_MS = 2000;
const GRACE_MS = 10_000;
const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

interface SlowRegistry {
  readonly host: string;
  /** Resolves when the first manifest HEAD arrives (the review is then in flight). */
  readonly headArrived: Promise<void>;
  close(): Promise<void>;
}

/** A registry that answers `/v2/` at once and every manifest request after HEAD_DELAY_MS. */
async function slowRegistry(): Promise<SlowRegistry> {
  let arrived: () => void = () => {};
  const headArrived = new Promise<void>((r) => (arrived = r));
  const server: Server = createServer((req, res) => {
    if (req.url === '/v2/' || req.url === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (/^\/v2\/.+\/manifests\//.test(req.url ?? '')) {
      arrived();
      setTimeout(() => {
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': DIGEST,
          'content-length': String(MANIFEST.length),
        });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST);
      }, HEAD_DELAY_MS);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    headArrived,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function send(
  url: string,
  method: string,
  path: string,
  ca: string,
  options: { body?: string; agent?: Agent } = {},
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        ca,
        agent: options.agent ?? false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withPgClient(PG_URL, fn);

describe('stella serve on SIGTERM', () => {
  let dir: string;
  let pki: TestPki;
  let ca: string;
  let registry: SlowRegistry;
  let serve: ServeChild;
  let url: string;
  const schema = `zt_drain_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zastava-drain-'));
    await mkdir(join(dir, 'pki'));
    pki = await makeTestPki(join(dir, 'pki'));
    ca = await readFile(pki.caFile, 'utf8');
    registry = await slowRegistry();
    serve = await startServeChild({
      tls: { cert: pki.serverCert, key: pki.serverKey, ca },
      databaseUrl: PG_URL,
      schema,
      tenant: 'drain',
      env: { ZASTAVA_DATA_DIR: join(dir, 'data') },
    });
    url = serve.url;
  }, 60_000);

  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await registry?.close();
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes the review in flight with its decision, refuses new connections, and exits 0', async () => {
    // An idle keep-alive connection must not hold the shutdown up.
    const agent = new Agent({ keepAlive: true, ca });
    expect((await send(url, 'GET', '/healthz', ca, { agent })).status).toBe(200);

    const uid = `drain-${randomBytes(4).toString('hex')}`;
    // The review goes on a keep-alive connection, as the API server sends them.
    const reviewer = new Agent({ keepAlive: true, ca });
    const inFlight = send(url, 'POST', '/validate', ca, {
      body: admissionReviewBody({
        uid,
        object: podObject('slow', [{ name: 'app', image: `${registry.host}/shop/slow:v1` }]),
      }),
      agent: reviewer,
    });
    await registry.headArrived;
    const signalledAt = Date.now();
    const exited = serve.stop().then((code) => ({ code, at: Date.now() }));

    // New connections are refused while the review is still being decided.
    await sleep(300);
    await expect(send(url, 'GET', '/healthz', ca)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const reply = await inFlight;
    const answeredAt = Date.now();
    expect(reply.status, serve.log().slice(-3000)).toBe(200);
    const body = JSON.parse(reply.text) as {
      response: { uid: string; allowed: boolean; warnings?: string[] };
    };
    expect(body.response.uid).toBe(uid);
    expect(body.response.allowed).toBe(true);
    expect(body.response.warnings?.join('\n')).toContain(
      `no approved baseline for ${registry.host}/shop/slow`,
    );
    expect(answeredAt - signalledAt).toBeGreaterThanOrEqual(HEAD_DELAY_MS - 500);
    // The client is told to reconnect (elsewhere) rather than keep a connection to a server going away.
    expect(reply.headers.connection).toBe('close');

    const { code, at } = await exited;
    expect(code, serve.log().slice(-3000)).toBe(0);
    expect(at - signalledAt).toBeLessThan(GRACE_MS);
    // Nothing waits for keep-alive connections to time out (5 s) once the review is answered.
    expect(at - answeredAt).toBeLessThan(2000);
    agent.destroy();
    reviewer.destroy();

    // The decision was recorded before the store closed.
    const rows = await admin((c) =>
      c.query(`SELECT action FROM "${schema}".facet_audit_log WHERE correlation_id = $1`, [uid]),
    );
    expect(rows.rows.map((r: { action: string }) => r.action)).toEqual(['admission.decision']);
    expect(serve.log()).toContain('shutting down');
  }, 30_000);
});
