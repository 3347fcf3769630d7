import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tenant } from '../../src/model/tenant.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { ISSUER, issuer, jwksOf, signToken, startApi, type ApiServer, type Issuer } from './api-harness.ts';
import { signedSealSet, testKey } from './store-fixtures.ts';
import { BACKENDS } from './store-harness.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(BACKENDS)('API tokens on %s', (backend) => {
  let api: ApiServer;
  let key: Issuer;
  let foreignSealId = '';

  beforeAll(async () => {
    key = issuer();
    api = await startApi(backend, key, { 'allowed-tenant': ['team-a', 'team-b'] });
    // A seal of tenant team-b, to ask for with a team-a token.
    const signing = testKey();
    const b = Tenant.parse('team-b');
    await addTrustedKey(
      api.store.db,
      b,
      { publicKey: signing.publicPem },
      { actor: 'x', correlationId: 'x' },
    );
    const set = await signedSealSet(signing, { imageRef: 'registry.test/b/app:1' });
    await storeSealSet(api.store, b, set, { actor: 'x', correlationId: 'x' });
    foreignSealId = set.seals[0]!.sealId;
  });
  afterAll(async () => api?.close());

  const get = (token: string | undefined, path = '/api/v1/seals', headers: Record<string, string> = {}) =>
    api.call('GET', path, { ...(token === undefined ? {} : { token }), headers });

  it('accepts a valid token and scopes the call to its tenant', async () => {
    const ok = await get(await key.token({ tenant: 'team-b' }));
    expect(ok.status).toBe(200);
    expect((ok.body.seals as unknown[]).length).toBe(6);
    const empty = await get(await key.token({ tenant: 'team-a' }));
    expect(empty.body).toEqual({ seals: [] });
  });

  it('refuses a request without a token: 401 TOKEN_MISSING with WWW-Authenticate', async () => {
    const r = await get(undefined);
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('TOKEN_MISSING');
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a token without a tenant claim: 403 TENANT_MISSING', async () => {
    const r = await get(await key.token({}));
    expect([r.status, r.body.code]).toEqual([403, 'TENANT_MISSING']);
  });

  it('refuses a tenant that is not a valid name: 403 TENANT_INVALID', async () => {
    const r = await get(await key.token({ tenant: '../../etc' }));
    expect([r.status, r.body.code]).toEqual([403, 'TENANT_INVALID']);
    const notString = await get(await key.token({ tenant: ['team-a'] }));
    expect(notString.body.code).toBe('TENANT_INVALID');
  });

  it('refuses a request naming another tenant than its token: 403 TENANT_FOREIGN', async () => {
    const token = await key.token({ tenant: 'team-a' });
    expect((await get(token, '/api/v1/seals', { 'x-zastava-tenant': 'team-b' })).body.code).toBe(
      'TENANT_FOREIGN',
    );
    const q = await get(token, '/api/v1/seals?tenant=team-b');
    expect([q.status, q.body.code]).toEqual([403, 'TENANT_FOREIGN']);
    expect((await get(token, '/api/v1/seals', { 'x-zastava-tenant': 'team-a' })).status).toBe(200);
  });

  it('refuses a tenant this server does not serve: 403 TENANT_FOREIGN', async () => {
    const r = await get(await key.token({ tenant: 'team-c' }));
    expect([r.status, r.body.code]).toEqual([403, 'TENANT_FOREIGN']);
  });

  it("never shows another tenant's resources: 404 for its seal id", async () => {
    const r = await get(await key.token({ tenant: 'team-a' }), `/api/v1/seals/${foreignSealId}`);
    expect([r.status, r.body.code]).toEqual([404, 'SEAL_NOT_FOUND']);
    const own = await get(await key.token({ tenant: 'team-b' }), `/api/v1/seals/${foreignSealId}`);
    expect(own.status).toBe(200);
  });

  it('refuses an expired token: 401 TOKEN_EXPIRED', async () => {
    const r = await get(await key.token({ tenant: 'team-a', expiresIn: -120 }));
    expect([r.status, r.body.code]).toEqual([401, 'TOKEN_EXPIRED']);
  });

  it('refuses a token signed by another key: 401 TOKEN_SIGNATURE_INVALID', async () => {
    const other = issuer();
    const r = await get(await other.token({ tenant: 'team-a' }));
    expect([r.status, r.body.code]).toEqual([401, 'TOKEN_SIGNATURE_INVALID']);
  });

  it('refuses a token whose payload was altered after signing: 401 TOKEN_SIGNATURE_INVALID', async () => {
    const [h, , s] = (await key.token({ tenant: 'team-a' })).split('.');
    const forged = `${h}.${b64({ iss: ISSUER, aud: 'zastava-api', sub: 'x', tenant: 'team-b', exp: 4e9, scope: 'seals:read' })}.${s}`;
    const r = await get(forged);
    expect([r.status, r.body.code]).toEqual([401, 'TOKEN_SIGNATURE_INVALID']);
  });

  it('refuses alg none: 401 TOKEN_ALG_REFUSED', async () => {
    const payload = {
      iss: ISSUER,
      aud: 'zastava-api',
      sub: 'x',
      tenant: 'team-a',
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const r = await get(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`);
    expect([r.status, r.body.code]).toEqual([401, 'TOKEN_ALG_REFUSED']);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion): 401', async () => {
    const { createHmac } = await import('node:crypto');
    const payload = {
      iss: ISSUER,
      aud: 'zastava-api',
      sub: 'x',
      tenant: 'team-a',
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    const sig = createHmac('sha256', key.publicPem).update(input).digest('base64url');
    const r = await get(`${input}.${sig}`);
    expect([r.status, r.body.code]).toEqual([401, 'TOKEN_ALG_REFUSED']);
  });

  it('refuses a wrong issuer or audience: 401 TOKEN_CLAIM_INVALID', async () => {
    expect(
      (await get(await signToken(key.privateKey, { tenant: 'team-a', iss: 'https://evil.test' }))).body.code,
    ).toBe('TOKEN_CLAIM_INVALID');
    expect((await get(await signToken(key.privateKey, { tenant: 'team-a', aud: 'other' }))).body.code).toBe(
      'TOKEN_CLAIM_INVALID',
    );
  });

  it('refuses a malformed Authorization header: 401 TOKEN_MALFORMED', async () => {
    const r = await api.call('GET', '/api/v1/seals', { headers: { authorization: 'Basic abc' } });
    expect([r.status, r.body.code]).toEqual([401, 'TOKEN_MALFORMED']);
    const junk = await get('abc.def.ghi');
    expect(junk.status).toBe(401);
  });

  it('refuses a token without the scope of the route: 403 SCOPE_MISSING', async () => {
    const readOnly = await key.token({ tenant: 'team-a', scope: 'seals:read' });
    expect((await get(readOnly)).status).toBe(200);
    const r = await api.call('POST', '/api/v1/approvals', {
      token: readOnly,
      body: { imageDigest: `sha256:${'1'.repeat(64)}` },
    });
    expect([r.status, r.body.code]).toEqual([403, 'SCOPE_MISSING']);
    const audit = await get(readOnly, '/api/v1/audit');
    expect(audit.body.code).toBe('SCOPE_MISSING');
  });
});

describe('API tokens from a JWKS URL', () => {
  let api: ApiServer;
  let key: Issuer;
  let jwks: Server;

  beforeAll(async () => {
    key = issuer();
    const body = JSON.stringify(await jwksOf(key));
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    api = await startApi('postgres', key, { 'auth-jwks-url': `http://127.0.0.1:${port}/jwks.json` });
  });
  afterAll(async () => {
    await api?.close();
    jwks?.close();
  });

  it('verifies tokens against the keys the JWKS publishes, and refuses others', async () => {
    expect(
      (await api.call('GET', '/api/v1/seals', { token: await key.token({ tenant: 'jwks' }) })).status,
    ).toBe(200);
    const stranger = await issuer().token({ tenant: 'jwks' });
    const r = await api.call('GET', '/api/v1/seals', { token: stranger });
    expect(r.status).toBe(401);
  });
});
