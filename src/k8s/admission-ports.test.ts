import { describe, expect, it } from 'vitest';
import { policyPort, pullCredentials } from './admission-ports.ts';
import { PolicyCache } from './policy-cache.ts';
import type { SecretReader } from './pull-secrets.ts';

describe('k8s admission ports', () => {
  it('resolves the policy of an image from the cache', () => {
    const cache = new PolicyCache();
    cache.replace('FacetPolicy', []);
    cache.replace('ClusterFacetPolicy', [
      {
        apiVersion: 'zastava.stellaops.io/v1alpha1',
        kind: 'ClusterFacetPolicy',
        metadata: { name: 'acme' },
        spec: { imageRepositories: ['ghcr.io/acme/**'], tenant: 'acme', noBaseline: 'deny' },
      },
    ]);
    const resolve = policyPort(cache, { tenant: 'default', noBaseline: 'allow', onError: 'deny' });
    expect(
      resolve({ namespace: 'x', repository: 'ghcr.io/acme/app', image: 'ghcr.io/acme/app:1' }),
    ).toMatchObject({
      tenant: 'acme',
      noBaseline: 'deny',
    });
    expect(resolve({ namespace: 'x', repository: 'docker.io/library/nginx', image: 'nginx' })).toMatchObject({
      tenant: 'default',
      noBaseline: 'allow',
    });
  });

  it("gives the pod's credential for the image's registry, and reports skipped secrets", async () => {
    const config = { auths: { 'ghcr.io': { username: 'bot', password: 'pw' } } };
    const reader: SecretReader = {
      readSecret: (_ns, name) =>
        Promise.resolve(
          name === 'ghcr'
            ? { data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') } }
            : null,
        ),
      readServiceAccountPullSecrets: () => Promise.resolve(['gone']),
    };
    const skipped: string[] = [];
    const credentials = pullCredentials(reader, { onSkipped: (s) => skipped.push(...s) });
    const pull = { namespace: 'shop', serviceAccountName: 'web', imagePullSecrets: ['ghcr'] };
    expect(await credentials(pull, 'ghcr.io', 'acme/app')).toEqual({
      username: 'bot',
      password: 'pw',
      source: 'pull secret shop/ghcr',
    });
    expect(await credentials(pull, 'docker.io', 'library/nginx')).toBeUndefined();
    expect(skipped).toContain('shop/gone: not found');
  });
});
