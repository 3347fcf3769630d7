import { describe, expect, it } from 'vitest';
import { isZastavaError } from '../model/errors.ts';
import {
  cachedSecretReader,
  credentialFor,
  parsePullSecret,
  readPullSecrets,
  type SecretData,
  type SecretReader,
} from './pull-secrets.ts';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const auth = (user: string, pass: string) => b64(`${user}:${pass}`);

const dockerConfigJson = (auths: Record<string, object>): SecretData => ({
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': b64({ auths }) },
});

function reader(secrets: Record<string, SecretData>, accounts: Record<string, string[]> = {}) {
  const reads: string[] = [];
  const r: SecretReader = {
    readSecret: (namespace, name) => {
      reads.push(`secret ${namespace}/${name}`);
      return Promise.resolve(secrets[`${namespace}/${name}`] ?? null);
    },
    readServiceAccountPullSecrets: (namespace, name) => {
      reads.push(`sa ${namespace}/${name}`);
      return Promise.resolve(accounts[`${namespace}/${name}`] ?? null);
    },
  };
  return { r, reads };
}

describe('pull secrets', () => {
  it("reads the pod's secrets, then its ServiceAccount's, in its namespace, each once", async () => {
    const { r, reads } = reader(
      {
        'shop/pod-cred': dockerConfigJson({ 'registry.example': { auth: auth('pod', 'p1') } }),
        'shop/sa-cred': dockerConfigJson({ 'ghcr.io': { username: 'sa', password: 'p2' } }),
      },
      { 'shop/web': ['sa-cred', 'pod-cred'] },
    );
    const result = await readPullSecrets(r, {
      namespace: 'shop',
      serviceAccountName: 'web',
      imagePullSecrets: ['pod-cred'],
    });
    expect(result.configs.map((c) => c.source)).toEqual(['shop/pod-cred', 'shop/sa-cred']);
    expect(reads).toEqual(['sa shop/web', 'secret shop/pod-cred', 'secret shop/sa-cred']);
    expect(credentialFor(result.configs, 'registry.example', 'team/app')).toEqual({
      username: 'pod',
      password: 'p1',
      source: 'shop/pod-cred',
    });
    expect(credentialFor(result.configs, 'ghcr.io', 'acme/app')).toMatchObject({
      username: 'sa',
      source: 'shop/sa-cred',
    });
    expect(credentialFor(result.configs, 'quay.io', 'x/y')).toBeUndefined();
  });

  it('matches Docker Hub whichever way the secret names it, and the first secret wins', async () => {
    const { r } = reader({
      'ns/a': dockerConfigJson({ 'https://index.docker.io/v1/': { auth: auth('hub', 'h') } }),
      'ns/b': dockerConfigJson({ 'docker.io': { auth: auth('other', 'o') } }),
    });
    const { configs } = await readPullSecrets(r, {
      namespace: 'ns',
      serviceAccountName: 'default',
      imagePullSecrets: ['a', 'b'],
    });
    expect(credentialFor(configs, 'docker.io', 'library/nginx')?.username).toBe('hub');
  });

  it('reads the legacy .dockercfg format', () => {
    const config = parsePullSecret(
      {
        type: 'kubernetes.io/dockercfg',
        data: { '.dockercfg': b64({ 'registry.example': { auth: auth('u', 'p') } }) },
      },
      'ns/old',
    );
    expect(credentialFor([{ source: 'ns/old', config }], 'registry.example', 'a/b')?.username).toBe('u');
  });

  it('skips missing and malformed secrets as the kubelet does, without quoting them', async () => {
    const { r } = reader({
      'ns/opaque': { type: 'Opaque', data: { token: b64('SECRET') } },
      'ns/garbage': { data: { '.dockerconfigjson': b64('{"auths": SECRET') } },
    });
    const result = await readPullSecrets(r, {
      namespace: 'ns',
      serviceAccountName: 'default',
      imagePullSecrets: ['missing', 'opaque', 'garbage'],
    });
    expect(result.configs).toEqual([]);
    expect(result.skipped).toEqual([
      'ns/missing: not found',
      'secret ns/opaque has neither .dockerconfigjson nor .dockercfg',
      'secret ns/garbage is not valid JSON',
    ]);
    expect(result.skipped.join()).not.toContain('SECRET');
  });

  it('refuses a secret that is not a docker config with PULL_SECRET_INVALID', () => {
    try {
      parsePullSecret({ data: { '.dockerconfigjson': b64({ auths: 'nope' }) } }, 'ns/x');
      expect.unreachable();
    } catch (error) {
      expect(isZastavaError(error) && error.code).toBe('PULL_SECRET_INVALID');
    }
  });

  it('caches reads for the TTL and never caches a failure', async () => {
    let now = 0;
    let calls = 0;
    let fail = true;
    const base: SecretReader = {
      readSecret: () => {
        calls += 1;
        return fail ? Promise.reject(new Error('down')) : Promise.resolve({ data: {} });
      },
      readServiceAccountPullSecrets: () => Promise.resolve([]),
    };
    const cached = cachedSecretReader(base, 1000, () => now);
    await expect(cached.readSecret('ns', 'a')).rejects.toThrow('down');
    fail = false;
    await cached.readSecret('ns', 'a');
    await cached.readSecret('ns', 'a');
    expect(calls).toBe(2);
    now = 1000;
    await cached.readSecret('ns', 'a');
    expect(calls).toBe(3);
  });
});
