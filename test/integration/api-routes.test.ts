import { Router } from 'express';
import { promisify } from 'node:util';
import { zstdCompress } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SealSet } from '../../src/model/seal.ts';
import { encodeManifest } from '../../src/store/cas/manifest-cas.ts';
import { ServerError } from '../../src/server/errors.ts';
import { issuer, startApi, type ApiServer, type Issuer } from './api-harness.ts';
import { driftsBetween, signedSealSet, signedVex, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS } from './store-harness.ts';

const REPO = 'registry.test/api/app';

describe.each(BACKENDS)('API routes on %s', (backend) => {
  let api: ApiServer;
  let key: Issuer;
  let signing: TestKey;
  let token: string;
  let v1: SealSet;
  let v2: SealSet;
  let ready = true;

  beforeAll(async () => {
    key = issuer();
    const webhook = Router();
    webhook.post('/', (req, res) => {
      if (req.get('x-fail') !== undefined) throw new ServerError('BODY_INVALID', 'the webhook refused it');
      res.json({ validated: true });
    });
    api = await startApi(
      backend,
      key,
      { 'body-limit': '256kb' },
      {
        routers: [{ path: '/validate', handler: webhook }],
        readiness: {
          informer: () => (ready ? Promise.resolve() : Promise.reject(new Error('not synced'))),
        },
      },
    );
    token = await key.token({ tenant: 'api' });
    signing = testKey();
    v1 = await signedSealSet(signing, { imageRef: `${REPO}:1` });
    v2 = await signedSealSet(signing, { imageRef: `${REPO}:2` });
  });
  afterAll(async () => api?.close());

  const call = (method: string, path: string, body?: unknown) =>
    api.call(method, path, { token, ...(body === undefined ? {} : { body }) });

  it('adds a trusted key, then stores seal sets (201, then 200 when already stored)', async () => {
    const added = await call('POST', '/api/v1/keys', { publicKey: signing.publicPem });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body.keyId).toBe(signing.signer.keyId);
    const first = await call('POST', '/api/v1/seals', v1);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((first.body.stored as string[]).length).toBe(6);
    expect((await call('POST', '/api/v1/seals', v1)).status).toBe(200);
    expect((await call('POST', '/api/v1/seals', v2)).status).toBe(201);
    const set = await call('GET', `/api/v1/seal-sets/${v1.imageDigest}`);
    expect(set.body.seals).toEqual(v1.seals);
    const byConfig = await call(
      'GET',
      `/api/v1/seal-sets/sha256:${'7'.repeat(64)}?configDigest=${v2.configDigest}`,
    );
    expect(byConfig.body.imageDigest).toBe(v2.imageDigest);
    const one = await call('GET', `/api/v1/seals/${v1.seals[2]!.sealId}`);
    expect(one.body).toEqual(v1.seals[2]);
  });

  it('a seal set with a bad signature: 422 with the reason, nothing stored, an audit row', async () => {
    const v3 = await signedSealSet(testKey(), { imageRef: `${REPO}:3` });
    const r = await api.call('POST', '/api/v1/seals', {
      token,
      body: v3,
      headers: { 'x-correlation-id': 'bad-sig-1' },
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('SEAL_SIGNATURE_UNTRUSTED');
    expect(r.body.message).toMatch(/signature/);
    // facet_seal_total (seed §8) counts each seal of each submission by outcome
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const count = (status: string) =>
      [...metrics.matchAll(new RegExp(`^facet_seal_total\\{[^}]*status="${status}"[^}]*\\} (\\d+)$`, 'gm'))]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    expect([count('stored'), count('already_stored'), count('rejected')]).toEqual([12, 6, 6]);
    expect(metrics).toMatch(/facet_seal_total\{tenant="api",facet_type="Binary",status="stored"\} 2/);
    expect(r.headers.get('x-correlation-id')).toBe('bad-sig-1');
    expect((await call('GET', `/api/v1/seal-sets/${v3.imageDigest}`)).status).toBe(404);
    const audit = await call('GET', '/api/v1/audit?correlationId=bad-sig-1');
    expect(audit.body.entries).toMatchObject([
      {
        action: 'seal.reject',
        actor: 'ci-bot',
        details: { code: 'SEAL_SIGNATURE_UNTRUSTED', imageDigest: v3.imageDigest },
      },
    ]);
  });

  it('refuses bodies: invalid (400 BODY_INVALID naming the field), not JSON (400), too large (413)', async () => {
    const invalid = await call('POST', '/api/v1/seals', { ...v1, imageDigest: 'sha256:nope' });
    expect([invalid.status, invalid.body.code]).toEqual([400, 'BODY_INVALID']);
    expect(invalid.body.message).toContain('imageDigest');
    const malformed = await api.call('POST', '/api/v1/seals', { token, raw: '{"imageRef":' });
    expect([malformed.status, malformed.body.code]).toEqual([400, 'BODY_MALFORMED']);
    const big = await signedSealSet(signing, { imageRef: `${REPO}:big`, filesPerFacet: 400 });
    const large = await call('POST', '/api/v1/seals', big);
    expect([large.status, large.body.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const noBody = await api.call('POST', '/api/v1/seals', { token });
    expect(noBody.body.code).toBe('BODY_INVALID');
  });

  it('approves baselines by reference or digest and serves the latest one', async () => {
    const a1 = await call('POST', '/api/v1/approvals', { image: `${REPO}:1`, reason: 'release 1' });
    expect(a1.status, JSON.stringify(a1.body)).toBe(201);
    expect(a1.body).toMatchObject({ repository: REPO, imageDigest: v1.imageDigest, approvedBy: 'ci-bot' });
    const a2 = await call('POST', '/api/v1/approvals', { imageDigest: v2.imageDigest });
    expect(a2.body.repository).toBe(REPO);
    const baseline = await call('GET', `/api/v1/baselines?repository=${encodeURIComponent(REPO)}`);
    expect(baseline.body.approval).toMatchObject({ imageDigest: v2.imageDigest });
    expect((baseline.body.facets as { facetId: string }[]).map((f) => f.facetId)).toHaveLength(6);
    const full = await call('GET', `/api/v1/baselines?repository=${encodeURIComponent(REPO)}&full=true`);
    expect((full.body.sealSet as SealSet).seals).toEqual(v2.seals);
    const history = await call('GET', `/api/v1/approvals?repository=${encodeURIComponent(REPO)}`);
    expect((history.body.approvals as unknown[]).length).toBe(2);
    const none = await call('GET', '/api/v1/baselines?repository=registry.test/none');
    expect([none.status, none.body.code]).toEqual([404, 'BASELINE_NOT_FOUND']);
    const missing = await call('GET', '/api/v1/baselines');
    expect([missing.status, missing.body.code]).toEqual([400, 'QUERY_INVALID']);
    const unsealed = await call('POST', '/api/v1/approvals', { imageDigest: `sha256:${'1'.repeat(64)}` });
    expect([unsealed.status, unsealed.body.code]).toEqual([404, 'SEALS_NOT_FOUND']);
  });

  it('records drift and lists it by image', async () => {
    const posted = await call('POST', '/api/v1/drift', {
      drifts: driftsBetween(v1, v2),
      details: { decision: 'Warn' },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect((posted.body.driftIds as string[]).length).toBe(6);
    const listed = await call('GET', `/api/v1/drift?imageDigest=${v2.imageDigest}`);
    expect((listed.body.drift as unknown[]).length).toBe(6);
  });

  it('stores signed VEX documents and refuses unsigned ones (422)', async () => {
    const vex = await signedVex(signing, v2.imageDigest, 'os');
    const ok = await call('POST', '/api/v1/vex', {
      imageDigest: v2.imageDigest,
      facetId: 'os',
      envelope: vex.envelope,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.document).toEqual(vex.document);
    const bad = await signedVex(testKey(), v2.imageDigest, 'os');
    const refused = await call('POST', '/api/v1/vex', {
      imageDigest: v2.imageDigest,
      envelope: bad.envelope,
    });
    expect([refused.status, refused.body.code]).toEqual([422, 'DSSE_SIGNATURE_UNTRUSTED']);
    const listed = await call('GET', `/api/v1/vex?imageDigest=${v2.imageDigest}&facetId=os`);
    expect((listed.body.statements as unknown[]).length).toBe(1);
  });

  it('reports a manifest altered in the CAS as 500 CAS_TAMPERED, not as data', async () => {
    const casKey = (await encodeManifest(v1.seals[0]!.manifest)).key;
    const bytes = await promisify(zstdCompress)(Buffer.from('{"facetId":"os"}'));
    await api.store.db.asOwner(async (sql) => {
      await sql.exec('ALTER TABLE facet_manifests DISABLE TRIGGER USER');
      await sql.query('UPDATE facet_manifests SET content = $1 WHERE cas_key = $2', [bytes, casKey]);
      await sql.exec('ALTER TABLE facet_manifests ENABLE TRIGGER USER');
    });
    const r = await call('GET', `/api/v1/seal-sets/${v1.imageDigest}`);
    expect([r.status, r.body.code]).toEqual([500, 'CAS_TAMPERED']);
  });

  it('serves health, readiness with every check, and metrics by route pattern', async () => {
    expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const readyz = await api.call('GET', '/readyz');
    expect(readyz.body).toEqual({ status: 'ready', checks: { database: 'ok', informer: 'ok' } });
    ready = false;
    const notReady = await api.call('GET', '/readyz');
    expect([notReady.status, notReady.body.code]).toEqual([503, 'NOT_READY']);
    ready = true;
    const metrics = await fetch(`${api.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain(
      'zastava_http_requests_total{method="POST",route="/api/v1/seals",status="201"}',
    );
    expect(metrics).not.toContain(v1.imageDigest);
  });

  it('mounts extra routers (the webhook) before /api/v1, with JSON errors; unknown routes are 404 JSON', async () => {
    expect((await api.call('POST', '/validate', { body: {} })).body).toEqual({ validated: true });
    const failed = await api.call('POST', '/validate', { body: {}, headers: { 'x-fail': '1' } });
    expect([failed.status, failed.body.code]).toEqual([400, 'BODY_INVALID']);
    const unknown = await api.call('GET', '/nope');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
  });
});
