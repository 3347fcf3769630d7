/**
 * kubeconform's JSON schemas made offline: kubeconform normally downloads them, and this machine has no
 * internet. Built-in kinds come from the real API server's OpenAPI v2 document (`kubectl get --raw
 * /openapi/v2`), custom resources from CRD files. Both get the transformations of kubeconform's own
 * `scripts/openapi2jsonschema.py`, so `-strict` means what it means upstream:
 *   - every object schema with `properties` and no `additionalProperties` refuses unknown fields;
 *   - `format: int-or-string` becomes `oneOf [string, integer]` (ports, maxUnavailable, ...);
 *   - `$ref`s are inlined ("standalone" schemas); a recursive reference (JSONSchemaProps) becomes `{}`.
 * Kubernetes' `resource.Quantity` accepts numbers as well as strings, as the API server does.
 */

type Json = Record<string, unknown>;

export interface KindSchema {
  /** The API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly schema: Json;
}

/**
 * The path kubeconform looks up with
 * `-schema-location DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`: kubeconform's
 * `.Group` is the part of apiVersion before `/`, which for the core group (`v1`) is the version.
 */
export const SCHEMA_LOCATION_TEMPLATE = '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

export function schemaFileName(k: Pick<KindSchema, 'group' | 'version' | 'kind'>): string {
  return `${k.group === '' ? k.version : k.group}/${k.kind.toLowerCase()}_${k.version}.json`;
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every kind in an OpenAPI v2 document, one standalone strict schema each. */
export function schemasFromOpenApiV2(doc: Json): KindSchema[] {
  const definitions = doc.definitions;
  if (!isObject(definitions)) throw new TypeError('OpenAPI v2 document without definitions');
  const out: KindSchema[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    if (!isObject(definition)) continue;
    const gvks = definition['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const gvk of gvks as Gvk[]) {
      // Kinds such as DeleteOptions are listed under every group; only their own group's file matters.
      const schema = strict(inline(definition, definitions, [name]));
      out.push({ group: gvk.group, version: gvk.version, kind: gvk.kind, schema });
    }
  }
  return out;
}

function inline(node: unknown, definitions: Json, stack: string[]): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(item, definitions, stack));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace(/^#\/definitions\//, '');
    if (name === QUANTITY) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    if (stack.includes(name)) return {}; // recursive: JSONSchemaProps inside JSONSchemaProps
    const target = definitions[name];
    if (!isObject(target)) throw new TypeError(`unresolved $ref ${ref}`);
    const { description: _d, ...rest } = node;
    return inline({ ...target, ...rest, $ref: undefined }, definitions, [...stack, name]);
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined || key === 'x-kubernetes-group-version-kind') continue;
    out[key] =
      key === 'properties'
        ? mapValues(value, (v) => inline(v, definitions, stack))
        : inline(value, definitions, stack);
  }
  return out;
}

function mapValues(value: unknown, fn: (v: unknown) => unknown): Json {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}

/** kubeconform's strict transformations (see the module comment). */
export function strict(node: unknown): Json {
  return strictNode(node) as Json;
}

function strictNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictNode);
  if (!isObject(node)) return node;
  if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string'] === true) return INT_OR_STRING;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'properties' ? mapValues(value, strictNode) : strictNode(value);
  }
  if (
    isObject(out.properties) &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** The schemas of a CustomResourceDefinition, one per served version. */
export function schemasFromCrd(crd: Json): KindSchema[] {
  const spec = crd.spec;
  if (crd.kind !== 'CustomResourceDefinition' || !isObject(spec)) {
    throw new TypeError('not a CustomResourceDefinition');
  }
  const names = spec.names as { kind: string };
  const out: KindSchema[] = [];
  for (const version of spec.versions as Json[]) {
    const schema = (version.schema as Json | undefined)?.openAPIV3Schema;
    if (!isObject(schema) || version.served === false) continue;
    // The API server accepts metadata for every kind; the CRD leaves it as a bare object.
    out.push({
      group: spec.group as string,
      version: version.name as string,
      kind: names.kind,
      schema: strict(schema),
    });
  }
  return out;
}
