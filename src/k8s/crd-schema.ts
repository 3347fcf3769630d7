import { z } from 'zod';
import { FACET_ID_MAX_LENGTH, FACET_ID_PATTERN } from '../model/facet.ts';
import { FacetPolicySpec } from '../model/policy.ts';
import { K8sError } from './errors.ts';

/** SPEC §11: the policy CRDs. Their OpenAPI schemas are generated from `FacetPolicySpec`, never typed. */
export const POLICY_GROUP = 'zastava.stellaops.io';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_API_VERSION = `${POLICY_GROUP}/${POLICY_VERSION}`;

const ObjectMeta = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
});

export const FacetPolicy = z.object({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal('FacetPolicy'),
  metadata: ObjectMeta.extend({ namespace: z.string().min(1) }),
  spec: FacetPolicySpec,
});
export type FacetPolicy = z.infer<typeof FacetPolicy>;

export const ClusterFacetPolicy = z.object({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal('ClusterFacetPolicy'),
  metadata: ObjectMeta,
  spec: FacetPolicySpec,
});
export type ClusterFacetPolicy = z.infer<typeof ClusterFacetPolicy>;

export type AnyFacetPolicy = FacetPolicy | ClusterFacetPolicy;

export interface CrdNames {
  readonly kind: 'FacetPolicy' | 'ClusterFacetPolicy';
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
}

export const CRD_NAMES: readonly CrdNames[] = [
  {
    kind: 'FacetPolicy',
    plural: 'facetpolicies',
    singular: 'facetpolicy',
    shortNames: ['fpol'],
    scope: 'Namespaced',
  },
  {
    kind: 'ClusterFacetPolicy',
    plural: 'clusterfacetpolicies',
    singular: 'clusterfacetpolicy',
    shortNames: ['cfpol'],
    scope: 'Cluster',
  },
];

type JsonSchema = Record<string, unknown>;

/** The JSONSchemaProps keywords of apiextensions.k8s.io/v1 that a structural schema may use here. */
const ALLOWED = new Set([
  'type',
  'format',
  'description',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'nullable',
]);

/**
 * zod's OpenAPI 3.0 output → a structural schema the API server accepts: every node typed; no `$ref`
 * (Kubernetes has no definitions); `additionalProperties: false` dropped (Kubernetes refuses it and prunes
 * unknown fields anyway; the webhook's zod parse is strict); `default` dropped (the API server would store
 * it; zod applies the same defaults on read); anything else unknown is an error, so a zod change that
 * emits a new keyword fails the generator instead of producing a CRD the API server rejects.
 */
export function toStructuralSchema(schema: JsonSchema, path = 'spec'): JsonSchema {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === '$schema' || keyword === 'default') continue;
    if (keyword === 'additionalProperties' && value === false) continue;
    if (!ALLOWED.has(keyword)) {
      throw new K8sError(
        'CRD_SCHEMA_UNSUPPORTED',
        `${path}: JSON Schema keyword "${keyword}" has no structural form`,
      );
    }
    if (keyword === 'properties') {
      const properties: JsonSchema = {};
      for (const [name, child] of Object.entries(value as JsonSchema)) {
        properties[name] = toStructuralSchema(child as JsonSchema, `${path}.${name}`);
      }
      out.properties = properties;
    } else if (keyword === 'items' || keyword === 'additionalProperties') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new K8sError('CRD_SCHEMA_UNSUPPORTED', `${path}: ${keyword} must be one schema`);
      }
      out[keyword] = toStructuralSchema(value as JsonSchema, `${path}${keyword === 'items' ? '[]' : '.*'}`);
    } else {
      out[keyword] = value;
    }
  }
  if (typeof out.type !== 'string') throw new K8sError('CRD_SCHEMA_UNSUPPORTED', `${path}: no type`);
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    throw new K8sError('CRD_SCHEMA_UNSUPPORTED', `${path}: properties and additionalProperties together`);
  }
  return out;
}

/** The facet id pattern as CEL's `matches` (RE2) takes it: `/` needs no escape, and CEL has no `\/`. */
const FACET_ID_RE2 = FACET_ID_PATTERN.source.replaceAll('\\/', '/');

/**
 * `x-kubernetes-validations` (CEL) for what a structural schema cannot say: the keys of `quotas` (OpenAPI
 * 3.0 has no `propertyNames`). The rule is FacetId's own check, so the API server refuses a policy the
 * webhook's zod parse would refuse. Any facet id is allowed, not only the defaults: seals may come from
 * a facets file the API server cannot see. `quotas` has `maxProperties`, which keeps the rule's
 * estimated cost far below the API server's limit.
 */
export const QUOTA_KEYS_RULE = Object.freeze({
  rule: `self.all(k, size(k) <= ${FACET_ID_MAX_LENGTH} && k.matches('${FACET_ID_RE2}'))`,
  message:
    'quotas keys are facet ids (os, lang/node, binary, config, …): lower-case segments of a-z, 0-9, ".", "_" and "-" separated by "/", at most 128 characters',
});

export function specOpenApiSchema(): JsonSchema {
  const generated = z.toJSONSchema(FacetPolicySpec, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
  });
  const spec = toStructuralSchema(generated);
  const quotas = (spec.properties as Record<string, JsonSchema> | undefined)?.quotas;
  if (quotas === undefined) throw new K8sError('CRD_SCHEMA_UNSUPPORTED', 'spec.quotas: missing');
  quotas['x-kubernetes-validations'] = [{ ...QUOTA_KEYS_RULE }];
  return spec;
}

/** The CustomResourceDefinition objects, in a fixed order with fixed key order (the files are compared). */
export function policyCrds(): JsonSchema[] {
  const spec = specOpenApiSchema();
  return CRD_NAMES.map((names) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${POLICY_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'zastava', 'app.kubernetes.io/component': 'policy' },
    },
    spec: {
      group: POLICY_GROUP,
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: ['zastava'],
      },
      scope: names.scope,
      versions: [
        {
          name: POLICY_VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: [
            { name: 'Tenant', type: 'string', jsonPath: '.spec.tenant' },
            { name: 'On-Error', type: 'string', jsonPath: '.spec.onError' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              description:
                names.scope === 'Cluster'
                  ? 'Facet quotas and admission actions for matching images in every namespace.'
                  : 'Facet quotas and admission actions for matching images in this namespace; before cluster policies.',
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: spec,
              },
            },
          },
        },
      ],
    },
  }));
}
