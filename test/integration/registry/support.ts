import { createHash } from 'node:crypto';
import { defaultFacets } from '../../../src/facets/load.ts';
import { createRegistrySource, type RegistryOptions } from '../../../src/image/registry/index.ts';
import type { ImageSource, ResolvedImage } from '../../../src/image/source.ts';
import { readImage } from '../../../src/seal/seal-image.ts';

export type RequestLog = Array<{ method: string; url: string; status: number }>;

export function registryRef(host: string, repository: string, tagOrDigest: string) {
  return tagOrDigest.includes(':')
    ? { transport: 'registry' as const, registry: host, repository, digest: tagOrDigest }
    : { transport: 'registry' as const, registry: host, repository, tag: tagOrDigest };
}

/** Options with a request log; `env` empty so no developer's docker config leaks into a test. */
export function withLog(extra: Partial<RegistryOptions> = {}): { options: RegistryOptions; log: RequestLog } {
  const log: RequestLog = [];
  return { log, options: { env: {}, retries: 2, ...extra, onRequest: (r) => log.push(r) } };
}

/** Resolves, then streams every layer to its end; returns the sha256 of each layer's bytes. */
export async function pullAll(
  source: ImageSource,
): Promise<{ resolved: ResolvedImage; layerDigests: string[] }> {
  try {
    const resolved = await source.resolve();
    const layerDigests: string[] = [];
    for (const layer of resolved.layers) {
      const hash = createHash('sha256');
      for await (const chunk of await source.openBlob(layer.digest, layer.size)) hash.update(chunk);
      layerDigests.push(`sha256:${hash.digest('hex')}`);
    }
    return { resolved, layerDigests };
  } finally {
    await source.close();
  }
}

export async function pull(host: string, repository: string, tag: string, options: RegistryOptions) {
  return pullAll(createRegistrySource(registryRef(host, repository, tag), options));
}

/** The per-facet Merkle roots of an image, read and extracted by the real pipeline. */
export async function facetRoots(refText: string, registry: Omit<RegistryOptions, 'platform'> = { env: {} }) {
  const read = await readImage(refText, {
    facets: defaultFacets(),
    open: { registry },
    sealedBy: 'registry-test',
    now: () => new Date('2025-01-01T00:00:00.000Z'),
  });
  return {
    imageDigest: read.imageDigest,
    configDigest: read.configDigest,
    roots: Object.fromEntries(read.manifests.map((m) => [m.facetId, m.merkleRoot])),
    fileCounts: Object.fromEntries(read.manifests.map((m) => [m.facetId, m.fileCount])),
  };
}
