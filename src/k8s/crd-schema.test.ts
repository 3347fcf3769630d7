import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isZastavaError } from '../model/errors.ts';
import { FacetId } from '../model/facet.ts';
import { FacetPolicySpec } from '../model/policy.ts';
import {
  ClusterFacetPolicy,
  FacetPolicy,
  policyCrds,
  QUOTA_KEYS_RULE,
  specOpenApiSchema,
  toStructuralSchema,
} from './crd-schema.ts';
import { renderCrdFiles } from './crd-yaml.ts';

const CRD_DIR = join(import.meta.dirname, '..', '..', 'charts', 'zastava', 'crds');

function walk(
  node: unknown,
  visit: (schema: Record<string, unknown>, path: string) => void,
  path = '$',
): void {
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  visit(schema, path);
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, unknown>)) {
    walk(child, visit, `${path}.${name}`);
  }
  if (schema.items) walk(schema.items, visit, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, visit, `${path}.*`);
}

/** The schema node at a dotted path (numeric steps index lists). */
function at(node: unknown, path: string): Record<string, Record<string, unknown>> {
  let current = node;
  for (const step of path.split('.')) current = (current as Record<string, unknown>)[step];
  return current as Record<string, Record<string, unknown>>;
}

describe('policy CRDs', () => {
  it('the committed charts/zastava/crds files are exactly what the generator writes (node scripts/gen-crds.ts)', async () => {
    for (const [name, text] of renderCrdFiles()) {
      const committed = await readFile(join(CRD_DIR, name), 'utf8').catch(() => '(missing)');
      expect(committed, `${name} is stale: run node scripts/gen-crds.ts`).toBe(text);
    }
  });

  it('is a structural schema: every node typed, no $ref, no additionalProperties: false, no defaults', () => {
    for (const crd of policyCrds()) {
      const version = (crd.spec as { versions: { schema: { openAPIV3Schema: unknown } }[] }).versions[0]!;
      walk(version.schema.openAPIV3Schema, (schema, path) => {
        expect(typeof schema.type, path).toBe('string');
        expect(schema, path).not.toHaveProperty('$ref');
        expect(schema, path).not.toHaveProperty('default');
        expect(schema.additionalProperties, path).not.toBe(false);
        expect(schema.properties !== undefined && schema.additionalProperties !== undefined, path).toBe(
          false,
        );
      });
    }
  });

  it('names the groups, kinds and scopes of SPEC §11', () => {
    const summary = policyCrds().map((crd) => {
      const spec = crd.spec as {
        group: string;
        scope: string;
        names: { kind: string };
        versions: { name: string }[];
      };
      return [spec.group, spec.names.kind, spec.scope, spec.versions.map((v) => v.name).join()];
    });
    expect(summary).toEqual([
      ['zastava.stellaops.io', 'FacetPolicy', 'Namespaced', 'v1alpha1'],
      ['zastava.stellaops.io', 'ClusterFacetPolicy', 'Cluster', 'v1alpha1'],
    ]);
  });

  it('keeps the limits of the zod schema (enums, patterns, bounds)', () => {
    const spec = specOpenApiSchema() as {
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    expect(spec.required).toEqual(['imageRepositories']);
    expect(spec.properties.onError).toMatchObject({ type: 'string', enum: ['allow', 'deny'] });
    const quota = (spec.properties.quotas!.additionalProperties as { properties: Record<string, unknown> })
      .properties;
    expect(quota.onExceed).toMatchObject({ enum: ['Warn', 'Block', 'RequireVex'] });
    expect(quota.maxChurnPercent).toMatchObject({ type: 'number', minimum: 0, maximum: 100 });
    // A negated glob would silently match nothing: the API server refuses it as zod does.
    const facet = (spec.properties.facets!.items as { properties: Record<string, { items: unknown }> })
      .properties;
    expect(facet.includeGlobs!.items).toMatchObject({ type: 'string', pattern: '^[^!]' });
    expect(facet.excludeGlobs!.items).toMatchObject({ type: 'string', pattern: '^[^!]' });
  });

  it('starts every generated CRD file with a document marker (---), so the files concatenate', () => {
    for (const [name, text] of renderCrdFiles()) {
      expect(text.startsWith('---\n'), name).toBe(true);
      expect(
        parseAllDocuments(text).filter((d) => d.contents !== null),
        name,
      ).toHaveLength(1);
    }
  });

  it('checks the quotas keys with a CEL rule: FacetId itself, at most 64 keys', () => {
    for (const crd of policyCrds()) {
      const quotas = at(crd, 'spec.versions.0.schema.openAPIV3Schema.properties.spec.properties.quotas');
      expect(quotas).toMatchObject({ type: 'object', maxProperties: 64 });
      expect(quotas['x-kubernetes-validations']).toEqual([
        {
          rule: "self.all(k, size(k) <= 128 && k.matches('^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*$'))",
          message: expect.stringContaining('quotas keys are facet ids') as unknown,
        },
      ]);
    }
    // The committed files carry it too (the chart installs those).
    for (const [name] of renderCrdFiles()) {
      expect(readFileSync(join(CRD_DIR, name), 'utf8'), name).toContain(QUOTA_KEYS_RULE.rule);
    }
  });

  it("the CEL rule's pattern accepts exactly the keys the webhook's zod schema accepts", () => {
    const pattern = new RegExp(/matches\('([^']+)'\)/.exec(QUOTA_KEYS_RULE.rule)![1]!);
    const keys = ['os', 'lang/node', 'lang/python', 'binary', 'config', 'app.v2/assets_x-1', 'a'.repeat(128)];
    const bad = [
      '',
      'Lang/Node',
      'lang//node',
      '/os',
      'os/',
      'lang node',
      '-os',
      'os/.x',
      'a'.repeat(129),
      'os*',
    ];
    for (const key of [...keys, ...bad]) {
      const cel = key.length <= 128 && pattern.test(key);
      expect(cel, key).toBe(FacetId.safeParse(key).success);
    }
    expect(keys.every((k) => FacetId.safeParse(k).success)).toBe(true);
    expect(bad.some((k) => FacetId.safeParse(k).success)).toBe(false);
  });

  it('bounds the limits: counts are non-negative integers, churn a percentage from 0 to 100', () => {
    const spec = specOpenApiSchema();
    const quota = at(spec, 'properties.quotas.additionalProperties.properties');
    expect(quota.maxChurnPercent).toMatchObject({ type: 'number', minimum: 0, maximum: 100 });
    for (const field of ['maxChangedFiles', 'maxAddedFiles', 'maxRemovedFiles']) {
      expect(quota[field], field).toMatchObject({ type: 'integer', minimum: 0 });
    }
  });

  it('refuses more than 64 quota entries in zod as in the CRD', () => {
    const quotas = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, {}]));
    expect(FacetPolicySpec.safeParse({ imageRepositories: ['**'], quotas }).success).toBe(false);
    delete quotas.f64;
    expect(FacetPolicySpec.safeParse({ imageRepositories: ['**'], quotas }).success).toBe(true);
  });

  it('refuses a JSON Schema keyword Kubernetes cannot take', () => {
    for (const schema of [{ $ref: '#/x' }, { type: 'object', properties: { a: { anyOf: [] } } }, {}]) {
      try {
        toStructuralSchema(schema);
        expect.unreachable();
      } catch (error) {
        expect(isZastavaError(error) && error.code).toBe('CRD_SCHEMA_UNSUPPORTED');
      }
    }
  });

  it('the zod schemas read a policy as a user writes it', () => {
    const text = `
apiVersion: zastava.stellaops.io/v1alpha1
kind: FacetPolicy
metadata: { name: shop, namespace: shop }
spec:
  imageRepositories: ["registry.example/shop/*"]
  quotas:
    binary: { maxChangedFiles: 5, onExceed: Block }
    lang/node: { onExceed: RequireVex }
  noBaseline: deny
  tenant: shop
`;
    expect(FacetPolicy.parse(parse(text))).toMatchObject({
      spec: { quotas: { binary: { maxChangedFiles: 5 } } },
    });
    const cluster = {
      apiVersion: 'zastava.stellaops.io/v1alpha1',
      kind: 'ClusterFacetPolicy',
      metadata: { name: 'all' },
    };
    expect(ClusterFacetPolicy.safeParse({ ...cluster, spec: { imageRepositories: ['**'] } }).success).toBe(
      true,
    );
    expect(ClusterFacetPolicy.safeParse({ ...cluster, spec: { imageRepositories: [] } }).success).toBe(false);
    expect(
      ClusterFacetPolicy.safeParse({ ...cluster, spec: { imageRepositories: ['**'], quotas: { Bad: {} } } })
        .success,
    ).toBe(false);
  });
});
