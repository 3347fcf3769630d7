import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FacetPolicySpec } from '../model/policy.ts';
import type { AnyFacetPolicy } from './crd-schema.ts';
import { compareGlobs, compilePolicy, matchingPolicies, resolvePolicy } from './policy-resolve.ts';

const API = 'zastava.stellaops.io/v1alpha1' as const;
type SpecInput = z.input<typeof FacetPolicySpec>;
function ns(namespace: string, name: string, spec: SpecInput): AnyFacetPolicy {
  const parsed = FacetPolicySpec.parse(spec);
  return {
    apiVersion: API,
    kind: 'FacetPolicy',
    metadata: { name, namespace, resourceVersion: '1' },
    spec: parsed,
  };
}
function cluster(name: string, spec: SpecInput): AnyFacetPolicy {
  const parsed = FacetPolicySpec.parse(spec);
  return {
    apiVersion: API,
    kind: 'ClusterFacetPolicy',
    metadata: { name, resourceVersion: '1' },
    spec: parsed,
  };
}
const sources = (policies: AnyFacetPolicy[], namespace: string, repository: string) =>
  matchingPolicies(policies.map(compilePolicy), { namespace, repository }).map((c) => c.source);

describe('policy precedence', () => {
  it('ranks globs: exact, more literal characters, fewer **, fewer wildcards', () => {
    const globs = [
      '**',
      'ghcr.io/**',
      'ghcr.io/acme/*',
      'ghcr.io/acme/app-*',
      'ghcr.io/acme/app',
      'ghcr.io/*/app',
    ];
    const sorted = [...globs].sort(compareGlobs);
    expect(sorted).toEqual([
      'ghcr.io/acme/app',
      'ghcr.io/acme/app-*',
      'ghcr.io/acme/*',
      'ghcr.io/*/app',
      'ghcr.io/**',
      '**',
    ]);
  });

  it('puts the namespace policies first, then cluster ones, each most specific first', () => {
    const policies = [
      cluster('exact', { imageRepositories: ['ghcr.io/acme/app'] }),
      cluster('all', { imageRepositories: ['**'] }),
      ns('shop', 'broad', { imageRepositories: ['ghcr.io/**'] }),
      ns('shop', 'team', { imageRepositories: ['ghcr.io/acme/*', 'docker.io/**'] }),
      ns('other', 'elsewhere', { imageRepositories: ['**'] }),
    ];
    expect(sources(policies, 'shop', 'ghcr.io/acme/app')).toEqual([
      'FacetPolicy shop/team',
      'FacetPolicy shop/broad',
      'ClusterFacetPolicy exact',
      'ClusterFacetPolicy all',
    ]);
  });

  it('keeps * inside one path segment and ** across segments', () => {
    const policies = [cluster('one', { imageRepositories: ['docker.io/library/*'] })];
    expect(sources(policies, 'x', 'docker.io/library/nginx')).toHaveLength(1);
    expect(sources(policies, 'x', 'docker.io/library/a/b')).toHaveLength(0);
  });

  it('breaks ties by glob text, then policy name, so the order never depends on informer order', () => {
    const a = cluster('a', { imageRepositories: ['ghcr.io/*'] });
    const b = cluster('b', { imageRepositories: ['ghcr.io/*'] });
    expect(sources([b, a], 'x', 'ghcr.io/app')).toEqual(sources([a, b], 'x', 'ghcr.io/app'));
  });
});

describe('resolvePolicy', () => {
  const policies = [
    cluster('base', {
      imageRepositories: ['**'],
      tenant: 'platform',
      onError: 'deny',
      quotas: { binary: { maxChangedFiles: 20, onExceed: 'Block' }, config: { maxChangedFiles: 80 } },
    }),
    ns('shop', 'shop', {
      imageRepositories: ['registry.example/shop/*'],
      noBaseline: 'deny',
      quotas: { binary: { maxChangedFiles: 5 } },
      facets: [{ facetId: 'app', type: 'Custom', includeGlobs: ['/app/**'], excludeGlobs: [] }],
    }),
  ].map(compilePolicy);

  it('merges field by field, the most specific policy winning, quotas per facet and field', () => {
    const resolved = resolvePolicy(policies, { namespace: 'shop', repository: 'registry.example/shop/web' });
    expect(resolved).toMatchObject({
      tenant: 'platform',
      noBaseline: 'deny',
      onError: 'deny',
      sources: ['FacetPolicy shop/shop', 'ClusterFacetPolicy base'],
      quotas: { binary: { maxChangedFiles: 5, onExceed: 'Block' }, config: { maxChangedFiles: 80 } },
    });
    expect(resolved.facets.map((f) => f.facetId)).toEqual(['app']);
  });

  it('falls back to the defaults when nothing matches', () => {
    const resolved = resolvePolicy([], { namespace: 'shop', repository: 'docker.io/library/nginx' });
    expect(resolved).toMatchObject({
      tenant: 'default',
      noBaseline: 'allow',
      onError: 'deny',
      sources: [],
      quotas: {},
    });
  });

  it('changes version when an applied policy changes, and only then', () => {
    const query = { namespace: 'shop', repository: 'registry.example/shop/web' };
    const v1 = resolvePolicy(policies, query).version;
    expect(resolvePolicy(policies, query).version).toBe(v1);
    const edited = ns('shop', 'shop', {
      imageRepositories: ['registry.example/shop/*'],
      noBaseline: 'allow',
    });
    expect(resolvePolicy([policies[0]!, compilePolicy(edited)], query).version).not.toBe(v1);
    const unrelated = compilePolicy(ns('other', 'x', { imageRepositories: ['**'], tenant: 'zzz' }));
    expect(resolvePolicy([...policies, unrelated], query).version).toBe(v1);
  });
});
