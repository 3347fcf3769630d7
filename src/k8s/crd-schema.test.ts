import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isZastavaError } from '../model/errors.ts';
import {
  ClusterFacetPolicy,
  FacetPolicy,
  policyCrds,
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
