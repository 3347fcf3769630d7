import { isMap, type Document, type YAMLMap } from 'yaml';

/**
 * Values passed to Kubernetes verbatim (a securityContext, resources, egress rules): their inner keys
 * are Kubernetes' own fields, documented there; the value itself carries the comment.
 */
export const VERBATIM_VALUES = new Set([
  'podSecurityContext',
  'securityContext',
  'resources',
  'migrations.resources',
  'networkPolicy.egress',
  'tls.certManager.issuerRef',
]);

/**
 * Every key of values.yaml, with whether a comment sits right above it (required of every value: the
 * leaves and the verbatim values; a section's comment may sit above its first key instead). The `yaml` library attaches a
 * comment above the first key of a nested map to the map itself, and one above the first key of the
 * document to the document when a blank line separates them from the header: both count.
 */
export function valueKeys(doc: Document): { path: string; commented: boolean }[] {
  const out: { path: string; commented: boolean }[] = [];
  const walk = (map: YAMLMap, prefix: string, inherited: boolean) => {
    map.items.forEach((pair, index) => {
      const key = pair.key as { value?: unknown; commentBefore?: string | null };
      const path = `${prefix}${String(key.value)}`;
      const fromMap = index === 0 && (inherited || Boolean(map.commentBefore));
      const value = pair.value;
      const section = isMap(value) && !VERBATIM_VALUES.has(path);
      out.push({ path, commented: section || Boolean(key.commentBefore) || fromMap });
      if (section) walk(value, `${path}.`, false);
    });
  };
  if (isMap(doc.contents)) walk(doc.contents, '', Boolean(doc.commentBefore));
  return out;
}

type Schema = { properties?: Record<string, Schema>; $ref?: string; definitions?: Record<string, Schema> };

/** Every property path values.schema.json declares (following local `$ref`s, not into verbatim values). */
export function schemaKeys(root: Schema): string[] {
  const out: string[] = [];
  const resolve = (s: Schema): Schema =>
    s.$ref === undefined ? s : resolve(root.definitions?.[s.$ref.replace('#/definitions/', '')] ?? {});
  const walk = (schema: Schema, prefix: string) => {
    for (const [name, child] of Object.entries(resolve(schema).properties ?? {})) {
      const path = `${prefix}${name}`;
      out.push(path);
      if (!VERBATIM_VALUES.has(path)) walk(child, `${path}.`);
    }
  };
  walk(root, '');
  return out;
}
