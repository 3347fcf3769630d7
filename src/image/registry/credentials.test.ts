import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCredential } from './credentials.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A real `docker-credential-test` on a temporary PATH: it knows one server and logs what it was asked. */
const HELPER = `#!/bin/sh
read -r server
echo "$server" >> "$HELPER_LOG"
case "$server" in
  reg.example) printf '{"ServerURL":"reg.example","Username":"helper-user","Secret":"helper-secret"}' ;;
  acr.example) printf '{"ServerURL":"acr.example","Username":"<token>","Secret":"refresh-token"}' ;;
  broken.example) echo "keychain locked" >&2; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-creds-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'home', '.docker'), { recursive: true });
  await writeFile(join(dir, 'bin', 'docker-credential-test'), HELPER);
  await chmod(join(dir, 'bin', 'docker-credential-test'), 0o755);
  env = {
    HOME: join(dir, 'home'),
    PATH: `${join(dir, 'bin')}:/usr/bin:/bin`,
    HELPER_LOG: join(dir, 'helper.log'),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeJson(path: string, value: unknown) {
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe('findCredential', () => {
  it('uses --creds before any file', async () => {
    await writeJson(join(dir, 'home', '.docker', 'config.json'), {
      auths: { 'reg.example': { auth: b64('file:x') } },
    });
    const cred = await findCredential('reg.example', 'app', {
      env,
      creds: { username: 'cli', password: 'pw' },
    });
    expect(cred).toEqual({ kind: 'basic', username: 'cli', password: 'pw', source: '--creds' });
  });

  it("names a caller's credentials by their own source (a pod's pull secret in the webhook)", async () => {
    const cred = await findCredential('reg.example', 'app', {
      env,
      creds: { username: 'u', password: 'pw', source: 'team-a/regcred' },
    });
    expect(cred).toEqual({ kind: 'basic', username: 'u', password: 'pw', source: 'team-a/regcred' });
  });

  it('reads ~/.docker/config.json, and DOCKER_CONFIG instead when set', async () => {
    await writeJson(join(dir, 'home', '.docker', 'config.json'), {
      auths: { 'reg.example': { auth: b64('home:x') } },
    });
    await mkdir(join(dir, 'dc'), { recursive: true });
    await writeJson(join(dir, 'dc', 'config.json'), { auths: { 'reg.example': { auth: b64('dc:x') } } });
    expect(await findCredential('reg.example', 'app', { env })).toMatchObject({ username: 'home' });
    expect(
      await findCredential('reg.example', 'app', { env: { ...env, DOCKER_CONFIG: join(dir, 'dc') } }),
    ).toMatchObject({
      username: 'dc',
    });
  });

  it('reads --authfile, then REGISTRY_AUTH_FILE, then the docker config, first match wins', async () => {
    const authFile = await writeJson(join(dir, 'auth.json'), {
      auths: { 'only-authfile.example': { auth: b64('af:x') } },
    });
    const envFile = await writeJson(join(dir, 'env-auth.json'), {
      auths: { 'reg.example': { auth: b64('envfile:x') } },
    });
    const opts = { env: { ...env, REGISTRY_AUTH_FILE: envFile }, authFile };
    expect(await findCredential('only-authfile.example', 'app', opts)).toMatchObject({ username: 'af' });
    expect(await findCredential('reg.example', 'app', opts)).toMatchObject({ username: 'envfile' });
    expect(await findCredential('nowhere.example', 'app', opts)).toBeUndefined();
  });

  it('runs docker-credential-NAME get for credHelpers and credsStore, and names the helper as the source', async () => {
    await writeJson(join(dir, 'home', '.docker', 'config.json'), {
      credHelpers: { 'reg.example': 'test' },
      credsStore: 'test',
    });
    const cred = await findCredential('reg.example', 'app', { env });
    expect(cred).toMatchObject({ kind: 'basic', username: 'helper-user', password: 'helper-secret' });
    expect(cred?.source).toContain('docker-credential-test');
    expect(await findCredential('acr.example', 'app', { env })).toMatchObject({
      kind: 'identity-token',
      token: 'refresh-token',
    });
    expect(await findCredential('unknown.example', 'app', { env })).toBeUndefined();
  });

  it('fails with the helper code when the helper fails or is missing, without its output', async () => {
    await writeJson(join(dir, 'home', '.docker', 'config.json'), {
      credHelpers: { 'broken.example': 'test', 'x.example': 'absent' },
    });
    await expect(findCredential('broken.example', 'app', { env })).rejects.toMatchObject({
      code: 'REGISTRY_CREDENTIAL_HELPER_FAILED',
    });
    await expect(findCredential('x.example', 'app', { env })).rejects.toMatchObject({
      code: 'REGISTRY_CREDENTIAL_HELPER_FAILED',
    });
  });

  it('refuses a malformed or missing named auth file, and never quotes its content', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"auths": {"reg.example": {"auth": "c2VjcmV0"}');
    const error = await findCredential('reg.example', 'app', { env, authFile: bad }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_CREDENTIALS_INVALID' });
    expect(String((error as Error).message)).not.toContain('c2VjcmV0');
    await expect(
      findCredential('reg.example', 'app', { env, authFile: join(dir, 'missing.json') }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_CREDENTIALS_INVALID',
    });
    await writeJson(join(dir, 'wrong-shape.json'), { auths: { 'reg.example': 'not an object' } });
    await expect(
      findCredential('reg.example', 'app', { env, authFile: join(dir, 'wrong-shape.json') }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_CREDENTIALS_INVALID',
    });
  });

  it('treats a missing default docker config as no credentials', async () => {
    expect(
      await findCredential('reg.example', 'app', { env: { ...env, HOME: join(dir, 'nohome') } }),
    ).toBeUndefined();
  });
});
