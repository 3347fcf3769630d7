import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { request, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { admissionReview, podObject } from '../fixtures/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhook, type Webhook } from '../../src/admission/wiring/webhook.ts';
import { loadServerConfig } from '../../src/config/server.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { reloadTlsOnChange, type TlsReloader } from '../../src/server/tls-reload.ts';
import { validateRouter } from '../../src/server/validate.ts';
import { createMetrics } from '../../src/telemetry/metrics.ts';
import { makeTestPki, readPem, type TestPki } from './registry/tls.ts';
import { openTestStore, type TestStore } from './store-harness.ts';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  fingerprint: string;
  protocol: string | null;
}

function post(url: string, ca: string, body: string | Buffer, path = '/validate'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const socket = res.socket as TLSSocket;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = { text };
          }
          resolve({
            status: res.statusCode ?? 0,
            body: parsed,
            fingerprint: socket.getPeerCertificate().fingerprint256,
            protocol: socket.getProtocol(),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function review(request: object): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
}

const POD = admissionReview({
  uid: '5f0e3c52-2d35-4d44-9b0c-0d8f3c1e0a11',
  operation: 'DELETE',
  userInfo: { username: 'alice' },
  object: null,
  oldObject: podObject('web', [{ name: 'web', image: 'registry.invalid/shop/web:1' }]),
  dryRun: false,
}).request;

describe('POST /validate over HTTPS (in process)', () => {
  let dir: string;
  let pki: TestPki;
  let pki2: TestPki;
  let store: TestStore;
  let running: RunningServer;
  let webhook: Webhook;
  let tls: TlsReloader;
  let ca: string;
  const served = { cert: '', key: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zastava-webhook-'));
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    [pki, pki2] = await Promise.all([makeTestPki(join(dir, 'a')), makeTestPki(join(dir, 'b'))]);
    served.cert = join(dir, 'tls.crt');
    served.key = join(dir, 'tls.key');
    await copyFile(pki.serverCert, served.cert);
    await copyFile(pki.serverKey, served.key);
    ca = await readPem(pki.caFile);
    const config = await loadServerConfig(
      { ZASTAVA_DATA_DIR: dir },
      { listen: '127.0.0.1:0', 'tls-cert': served.cert, 'tls-key': served.key },
    );
    store = await openTestStore('pglite');
    const registry = new Registry();
    const log = pino({ level: 'silent' });
    webhook = createWebhook({
      store,
      log,
      metrics: createMetrics(registry),
      defaults: { tenant: 'default', onError: 'deny', noBaseline: 'allow' },
      timeoutSeconds: 5,
      env: {},
    });
    const late: { tls?: TlsReloader } = {};
    running = await startServer(config, {
      logger: log,
      registry,
      store: { ...store, migration: undefined },
      routers: [
        {
          path: '/validate',
          handler: validateRouter({ context: webhook.context, bodyLimitBytes: 64 * 1024 }),
        },
      ],
      readiness: { certificate: () => late.tls?.check() ?? Promise.reject(new Error('no reloader')) },
    });
    tls = late.tls = reloadTlsOnChange(
      running.server as HttpsServer,
      { certFile: served.cert, keyFile: served.key },
      log,
      {
        intervalMs: 200,
      },
    );
  });

  afterAll(async () => {
    tls?.close();
    await running?.close();
    await webhook?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a valid review over TLS ≥ 1.2 with the uid echoed', async () => {
    const reply = await post(running.url, ca, review(POD));
    expect(reply.status).toBe(200);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(reply.protocol);
    expect(reply.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: POD.uid, allowed: true },
    });
  });

  it('states the onError decision when the registry cannot be reached', async () => {
    const create = {
      ...POD,
      operation: 'CREATE',
      object: POD.oldObject,
      oldObject: null,
    };
    const reply = await post(running.url, ca, review(create));
    expect(reply.status).toBe(200);
    const response = reply.body.response as { allowed: boolean; status?: { message?: string } };
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toMatch(/onError/);
  });

  it("exports the decision cache's metrics on /metrics, and no approval cache on PGlite", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${running.url}/metrics`, { ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      req.on('error', reject);
      req.end();
    });
    expect(text).toContain('# TYPE zastava_webhook_cache_lookups_total counter');
    for (const result of ['hit', 'miss'])
      expect(text).toMatch(
        new RegExp(
          `^zastava_webhook_cache_lookups_total\\{cache="decision",result="${result}"\\} \\d+$`,
          'm',
        ),
      );
    expect(text).toMatch(/^zastava_webhook_cache_invalidations_total\{cache="decision",kind="vex"\} 0$/m);
    expect(text).toMatch(/^zastava_webhook_cache_entries\{cache="decision"\} \d+$/m);
    // No LISTEN on the embedded database: no approval cache, no listener.
    expect(text).not.toContain('cache="baseline"');
    expect(text).not.toContain('zastava_webhook_cache_listener_up');
  });

  it('refuses TLS 1.1', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const req = request(
          `${running.url}/healthz`,
          { ca, agent: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
          resolve,
        );
        req.on('error', reject);
        req.end();
      }),
    ).rejects.toThrow();
  });

  it('answers malformed and fuzzed bodies 400 and keeps serving', async () => {
    const bodies: (string | Buffer)[] = [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '{"kind":"AdmissionReview"}',
      review({ ...POD, uid: 42 }),
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: 'no' }),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
    ];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const valid = review({ ...POD, operation: 'CREATE', object: POD.oldObject, oldObject: null });
    for (let i = 0; i < 40; i++) {
      const chars = [...valid];
      for (let k = 0; k < 3; k++)
        chars[Math.floor(rand() * chars.length)] = String.fromCharCode(Math.floor(rand() * 128));
      bodies.push(chars.join(''));
    }
    for (const body of bodies) {
      const reply = await post(running.url, ca, body);
      // a mutation can leave a valid review (e.g. in a string value): then it is answered 200
      expect([200, 400], `body ${String(body).slice(0, 80)}`).toContain(reply.status);
    }
    for (const body of bodies.slice(0, 9)) expect((await post(running.url, ca, body)).status).toBe(400);
    const tooBig = review({ ...POD, padding: 'x'.repeat(100 * 1024) });
    expect((await post(running.url, ca, tooBig)).status).toBe(413);
    expect((await post(running.url, ca, review(POD))).status).toBe(200);
  });

  it('picks up a rotated certificate without restart', async () => {
    const before = await post(running.url, ca, review(POD));
    // write the new pair beside, then rename over (what kubelet and cert-manager do, atomically)
    await copyFile(pki2.serverKey, `${served.key}.new`);
    await copyFile(pki2.serverCert, `${served.cert}.new`);
    await rename(`${served.key}.new`, served.key);
    await rename(`${served.cert}.new`, served.cert);
    const ca2 = await readPem(pki2.caFile);
    let after: Reply | undefined;
    for (let i = 0; i < 50 && after === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await post(running.url, ca2, review(POD)).catch(() => undefined);
    }
    expect(after?.status).toBe(200);
    expect(after?.fingerprint).not.toBe(before.fingerprint);
    expect(tls.reloads).toBeGreaterThanOrEqual(1);
    await expect(post(running.url, ca, review(POD))).rejects.toThrow();
    await tls.check();
  });
});
