import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from './chart.ts';
import { ChartHarnessError } from './errors.ts';
import { schemaFileName, schemasFromCrd, schemasFromOpenApiV2, type KindSchema } from './kube-schemas.ts';
import { thirdPartyCrdFiles } from './third-party-crds.ts';

/** The CRD objects of YAML files (multi-document). */
export async function crdsOf(files: readonly string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const value = doc.toJS() as Record<string, unknown> | null;
      if (value?.kind === 'CustomResourceDefinition') out.push(value);
    }
  }
  return out;
}

export const CHART_CRD_FILES = [
  join(CHART_DIR, 'crds', 'facetpolicies.zastava.stellaops.io.yaml'),
  join(CHART_DIR, 'crds', 'clusterfacetpolicies.zastava.stellaops.io.yaml'),
];

/**
 * Writes kubeconform schemas under `dir`: the built-in kinds from the API server's OpenAPI v2 document
 * (the text of `kubectl get --raw /openapi/v2`), the chart's CRDs and the third-party CRDs. Returns the
 * number of kinds written.
 */
export async function writeSchemas(dir: string, openApiV2: string): Promise<number> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(openApiV2) as Record<string, unknown>;
  } catch (error) {
    throw new ChartHarnessError('OPENAPI_UNAVAILABLE', 'the API server returned no JSON for /openapi/v2', {
      cause: error,
    });
  }
  const kinds: KindSchema[] = [
    ...schemasFromOpenApiV2(doc),
    ...(await crdsOf([...CHART_CRD_FILES, ...(await thirdPartyCrdFiles())])).flatMap(schemasFromCrd),
  ];
  for (const kind of kinds) {
    const file = join(dir, schemaFileName(kind));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(kind.schema));
  }
  return kinds.length;
}
