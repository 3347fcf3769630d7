import { describe, expect, it } from 'vitest';
import { schemaFileName, schemasFromCrd, schemasFromOpenApiV2, strict } from './kube-schemas.ts';

describe('kubeconform schemas made from OpenAPI v2 and CRDs', () => {
  it('names files the way -schema-location {{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json looks them up', () => {
    expect(schemaFileName({ group: '', version: 'v1', kind: 'Service' })).toBe('v1/service_v1.json');
    expect(schemaFileName({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe(
      'apps/deployment_v1.json',
    );
    expect(schemaFileName({ group: 'zastava.stellaops.io', version: 'v1alpha1', kind: 'FacetPolicy' })).toBe(
      'zastava.stellaops.io/facetpolicy_v1alpha1.json',
    );
  });

  it('refuses unknown fields, widens int-or-string, keeps preserve-unknown-fields objects open', () => {
    expect(
      strict({
        type: 'object',
        properties: {
          port: { type: 'string', format: 'int-or-string' },
          open: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
            properties: { a: { type: 'string' } },
          },
          map: { type: 'object', additionalProperties: { type: 'string' } },
        },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        open: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { a: { type: 'string' } },
        },
        map: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
  });

  it('inlines $refs into standalone schemas, cutting recursion and accepting numeric quantities', () => {
    const [kind, ...rest] = schemasFromOpenApiV2({
      definitions: {
        'io.k8s.api.core.v1.Thing': {
          type: 'object',
          'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Thing' }],
          properties: {
            spec: { $ref: '#/definitions/io.k8s.api.core.v1.Node' },
            size: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
          },
        },
        'io.k8s.api.core.v1.Node': {
          type: 'object',
          properties: { child: { $ref: '#/definitions/io.k8s.api.core.v1.Node' } },
        },
        'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
      },
    });
    expect(rest).toEqual([]);
    expect(kind).toMatchObject({ group: '', version: 'v1', kind: 'Thing' });
    expect(kind?.schema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        spec: { type: 'object', additionalProperties: false, properties: { child: {} } },
        size: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
    });
  });

  it('makes one schema per served version of a CRD', () => {
    const schema = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
    };
    const kinds = schemasFromCrd({
      kind: 'CustomResourceDefinition',
      spec: {
        group: 'example.io',
        names: { kind: 'Widget' },
        versions: [
          { name: 'v1', served: true, schema: { openAPIV3Schema: schema } },
          { name: 'v0', served: false, schema: { openAPIV3Schema: schema } },
        ],
      },
    });
    expect(kinds.map((k) => schemaFileName(k))).toEqual(['example.io/widget_v1.json']);
    expect(kinds[0]?.schema).toMatchObject({
      additionalProperties: false,
      properties: { spec: { additionalProperties: false } },
    });
  });
});
