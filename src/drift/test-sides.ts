import { createHash } from 'node:crypto';
import type { FacetType } from '../model/facet.ts';
import type { FacetFileEntry } from '../model/manifest.ts';
import type { DriftSide, SealedFacet } from './report.ts';

/**
 * A facet for tests. The root is a digest of the sorted entries' compared fields: equal entries give
 * equal roots as real Merkle roots do (the real tree is src/merkle's concern, not drift's).
 */
export function facet(facetId: string, type: FacetType, files: FacetFileEntry[]): SealedFacet {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const h = createHash('sha256');
  for (const f of sorted) h.update(`${f.path}\0${f.type}\0${f.contentHash}\0${f.size}\0${f.mode}\n`);
  return {
    facetId,
    type,
    sealId: crypto.randomUUID(),
    merkleRoot: `sha256:${h.digest('hex')}`,
    fileCount: sorted.length,
    files: sorted,
  };
}

export function side(facets: SealedFacet[], extra: Partial<DriftSide> = {}): DriftSide {
  const digest = `sha256:${createHash('sha256')
    .update(facets.map((f) => f.facetId).join())
    .digest('hex')}`;
  return {
    identity: { imageRef: 'oci:/x:1', imageDigest: digest },
    facets,
    facetDefinitionsDigest: `sha256:${'1'.repeat(64)}`,
    ...extra,
  };
}
