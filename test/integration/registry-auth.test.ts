import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrySource } from '../../src/image/registry/index.ts';
import { installCredentialHelper } from './registry/credential-helper.ts';
import { writeRegistryFixtures, type RegistryFixtures } from './registry/images.ts';
import { startRegistry, type RegistryProcess } from './registry/registry-process.ts';
import { pushLayout } from './registry/skopeo.ts';
import { pull, registryRef, withLog } from './registry/support.ts';
import { makeTestPki, type TestPki } from './registry/tls.ts';
import { startTokenServer, type TokenServer } from './registry/token-server.ts';
import { WEBHOOK_ANONYMOUS_HINT } from '../../src/admission/wiring/webhook.ts';
import { CLI_ANONYMOUS_HINT } from '../../src/image/registry/options.ts';

const USER = 'alice';
const PASSWORD = 's3cret-pa55';
const creds = { username: USER, password: PASSWORD };

let dir: string;
let pki: TestPki;
let fx: RegistryFixtures;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-registry-auth-'));
  pki = await makeTestPki(dir);
  fx = await writeRegistryFixtures(join(dir, 'layout'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('htpasswd Basic auth over TLS with a private CA', () => {
  let registry: RegistryProcess;

  beforeAll(async () => {
    registry = await startRegistry({
      dir: join(dir, 'htpasswd'),
      tls: { cert: pki.serverCert, key: pki.serverKey },
      auth: { kind: 'htpasswd', users: { [USER]: PASSWORD } },
    });
    await pushLayout(fx.layout, 'app', `${registry.host}/team/app:v1`, { creds: `${USER}:${PASSWORD}` });
  });
  afterAll(() => registry?.stop());

  it('pulls with --creds and --ca-file: one 401 to learn the challenge, then Basic up front', async () => {
    const { options, log } = withLog({ creds, caFile: pki.caFile });
    const { resolved, layerDigests } = await pull(registry.host, 'team/app', 'v1', options);
    expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    expect(layerDigests).toEqual(fx.app.layers.map((l) => l.digest));
    expect(log.every((r) => r.url.startsWith('https://'))).toBe(true);
    expect(log.map((r) => r.status)).toEqual([401, 200, 200, ...fx.app.layers.map(() => 200)]);
  });

  it('refuses the server certificate without --ca-file', async () => {
    const source = createRegistrySource(
      registryRef(registry.host, 'team/app', 'v1'),
      withLog({ creds }).options,
    );
    await expect(source.resolve()).rejects.toMatchObject({ code: 'REGISTRY_TLS_FAILED' });
    await source.close();
  });

  it('fails with REGISTRY_CA_FILE_UNREADABLE for a missing or non-PEM --ca-file', async () => {
    const notPem = join(dir, 'not-a-cert.pem');
    await writeFile(notPem, 'hello');
    for (const caFile of [join(dir, 'missing.pem'), notPem]) {
      const source = createRegistrySource(
        registryRef(registry.host, 'team/app', 'v1'),
        withLog({ creds, caFile }).options,
      );
      await expect(source.resolve()).rejects.toMatchObject({ code: 'REGISTRY_CA_FILE_UNREADABLE' });
      await source.close();
    }
  });

  it('refuses a wrong password and no credentials with REGISTRY_AUTH_FAILED, never echoing the password', async () => {
    for (const extra of [{ creds: { username: USER, password: 'wrong-password' } }, {}]) {
      const source = createRegistrySource(
        registryRef(registry.host, 'team/app', 'v1'),
        withLog({ ...extra, caFile: pki.caFile }).options,
      );
      const error = await source.resolve().catch((e: unknown) => e);
      await source.close();
      expect(error).toMatchObject({ code: 'REGISTRY_AUTH_FAILED' });
      expect(JSON.stringify(error) + String(error)).not.toContain('wrong-password');
    }
  });

  it('gives an anonymous refusal the caller’s hint (the webhook speaks of pull secrets), else the CLI’s', async () => {
    for (const [extra, hint] of [
      [{ anonymousHint: WEBHOOK_ANONYMOUS_HINT }, WEBHOOK_ANONYMOUS_HINT],
      [{}, CLI_ANONYMOUS_HINT],
    ] as const) {
      const source = createRegistrySource(
        registryRef(registry.host, 'team/app', 'v1'),
        withLog({ ...extra, caFile: pki.caFile }).options,
      );
      const error = await source.resolve().catch((e: unknown) => e);
      await source.close();
      expect(error).toMatchObject({ code: 'REGISTRY_AUTH_FAILED', hint });
    }
  });

  it('gets the credential from docker-credential-test named in credHelpers, and from credsStore', async () => {
    const secrets = { [registry.host]: { username: USER, secret: PASSWORD } };
    for (const [name, config] of [
      ['helpers', { credHelpers: { [registry.host]: 'test' } }],
      ['store', { credsStore: 'test', auths: { [registry.host]: {} } }],
    ] as const) {
      const env = await installCredentialHelper(join(dir, `helper-${name}`), secrets, config);
      const { resolved } = await pull(
        registry.host,
        'team/app',
        'v1',
        withLog({ env, caFile: pki.caFile }).options,
      );
      expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    }
  });

  it('reads auths from REGISTRY_AUTH_FILE and from --authfile', async () => {
    const authFile = join(dir, 'auth.json');
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    await writeFile(authFile, JSON.stringify({ auths: { [`https://${registry.host}`]: { auth } } }));
    for (const extra of [{ env: { REGISTRY_AUTH_FILE: authFile } }, { authFile }]) {
      const { resolved } = await pull(
        registry.host,
        'team/app',
        'v1',
        withLog({ ...extra, caFile: pki.caFile }).options,
      );
      expect(resolved.configDigest).toBe(fx.app.configDigest);
    }
  });
});

describe('Bearer tokens from a token server (JWTs signed with jose)', () => {
  const SERVICE = 'zastava-test-registry';
  const ISSUER = 'zastava-test-issuer';
  let registry: RegistryProcess;
  let tokens: TokenServer;
  // The registry allows 60 s of clock leeway on `exp`: a lifetime of -54 s leaves a token 6 s to live.
  let jwtLifetime = 300;
  let reportedExpiresIn: number | undefined;

  beforeAll(async () => {
    tokens = await startTokenServer({
      users: { [USER]: PASSWORD },
      service: SERVICE,
      issuer: ISSUER,
      signingKeyPem: await readFile(pki.tokenKey, 'utf8'),
      certDer: pki.tokenCertDer,
      jwtLifetime: () => jwtLifetime,
      get reportedExpiresIn() {
        return reportedExpiresIn;
      },
    });
    registry = await startRegistry({
      dir: join(dir, 'token'),
      auth: {
        kind: 'token',
        realm: tokens.realm,
        service: SERVICE,
        issuer: ISSUER,
        rootCertBundle: await readFile(pki.tokenCert, 'utf8'),
      },
    });
    await pushLayout(fx.layout, 'app', `${registry.host}/team/app:v1`, { creds: `${USER}:${PASSWORD}` });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  const pullTokenRequests = () => tokens.requests.filter((r) => r.scope === 'repository:team/app:pull');

  it('asks once per scope and reuses the token for manifest, config and every layer', async () => {
    jwtLifetime = 300;
    reportedExpiresIn = undefined;
    const before = pullTokenRequests().length;
    const { options, log } = withLog({ creds });
    const { resolved, layerDigests } = await pull(registry.host, 'team/app', 'v1', options);
    expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    expect(layerDigests).toEqual(fx.app.layers.map((l) => l.digest));
    expect(pullTokenRequests().length - before).toBe(1);
    expect(pullTokenRequests().at(-1)?.account).toBe(USER);
    expect(log.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('replaces a token that expires during the pull and carries on', async () => {
    jwtLifetime = -54;
    reportedExpiresIn = 300; // the client believes it has five minutes
    const before = pullTokenRequests().length;
    const { options, log } = withLog({ creds });
    const source = createRegistrySource(registryRef(registry.host, 'team/app', 'v1'), options);
    try {
      const resolved = await source.resolve();
      jwtLifetime = 300;
      // The first token lapses between the config and the first layer.
      const issuedAt = pullTokenRequests().at(-1)!.at;
      await sleep(Math.max(0, issuedAt + 7_000 - Date.now()));
      for (const layer of resolved.layers) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of await source.openBlob(layer.digest, layer.size)) chunks.push(chunk);
        expect(Buffer.concat(chunks).byteLength).toBe(layer.size);
      }
    } finally {
      await source.close();
    }
    expect(pullTokenRequests().length - before).toBe(2);
    const statuses = log.filter((r) => !r.url.endsWith('/token')).map((r) => r.status);
    expect(statuses).toEqual([401, 200, 200, 401, 200, 200, 200]);
  });

  it('fetches a new token when expires_in has passed, without waiting for a 401', async () => {
    jwtLifetime = 300;
    reportedExpiresIn = 6; // minus the 5 s safety margin: stale after 1 s
    const before = pullTokenRequests().length;
    const { options, log } = withLog({ creds });
    const source = createRegistrySource(registryRef(registry.host, 'team/app', 'v1'), options);
    try {
      const resolved = await source.resolve();
      await sleep(1_500);
      const layer = resolved.layers[0]!;
      for await (const _ of await source.openBlob(layer.digest, layer.size));
    } finally {
      await source.close();
    }
    expect(pullTokenRequests().length - before).toBe(2);
    expect(log.filter((r) => r.status === 401)).toHaveLength(1); // only the very first request
  });

  it('refuses wrong credentials and anonymous access with REGISTRY_AUTH_FAILED', async () => {
    jwtLifetime = 300;
    reportedExpiresIn = undefined;
    for (const extra of [{ creds: { username: USER, password: 'nope' } }, {}]) {
      const source = createRegistrySource(
        registryRef(registry.host, 'team/app', 'v1'),
        withLog(extra).options,
      );
      await expect(source.resolve()).rejects.toMatchObject({ code: 'REGISTRY_AUTH_FAILED' });
      await source.close();
    }
    // From the token server too: an anonymous refusal carries the caller's hint.
    const source = createRegistrySource(
      registryRef(registry.host, 'team/app', 'v1'),
      withLog({ anonymousHint: WEBHOOK_ANONYMOUS_HINT }).options,
    );
    await expect(source.resolve()).rejects.toMatchObject({
      code: 'REGISTRY_AUTH_FAILED',
      hint: WEBHOOK_ANONYMOUS_HINT,
    });
    await source.close();
  });
});
