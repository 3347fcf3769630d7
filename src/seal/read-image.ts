/** Reading an image into per-facet manifests, before any signing (seal-image.ts signs them). */
import { createHash } from 'node:crypto';
import { extractImage, type ExtractOptions, type ExtractionResult } from '../extract/extract-image.ts';
import { openImage, type OpenImageOptions } from '../image/open.ts';
import { computeMerkle, rootFromBinaryLeaves } from '../merkle/tree.ts';
import { DEFAULT_QUOTA, type FacetDefinition, type QuotaLimits } from '../model/facet.ts';
import type { FacetManifest } from '../model/manifest.ts';
import { EXTRACTOR_VERSION } from './version.ts';
import type { Tracer } from '@opentelemetry/api';
import { SPAN, withSpanSync } from '../telemetry/span.ts';

export interface SealImageOptions {
  /** The full ordered definitions: membership is decided against all of them (SPEC §5). */
  readonly facets: FacetDefinition[];
  /** `--facet ID`: which facets to output. Empty means all. Never changes membership. */
  readonly only?: readonly string[];
  readonly open?: OpenImageOptions;
  readonly sealedBy: string;
  readonly now?: () => Date;
  readonly capture?: ExtractOptions['capture'];
  readonly onProgress?: ExtractOptions['onProgress'];
  /** ExtractOptions' phases, and `resolved` and `extracted` around the extraction. */
  readonly onPhase?: ExtractOptions['onPhase'];
  readonly signal?: AbortSignal;
  /** Layer workers to use (already booted, or shared by a server); left open. */
  readonly pool?: ExtractOptions['pool'];
  /** `facet.hash` (a facet's Merkle tree) and `facet.seal` (its signature) spans; none without one. */
  readonly tracer?: Tracer | undefined;
}

/** The image's identity and per-facet manifests, before signing: what drift needs from an image. */
export interface ReadImageResult {
  readonly imageRef: string;
  readonly imageDigest: string;
  readonly configDigest: string;
  readonly manifests: FacetManifest[];
  readonly extraction: ExtractionResult;
}

/** The quota a facet's seal records: the facets file's partial quota over the seed's defaults. */
export function appliedQuota(facet: FacetDefinition): QuotaLimits {
  return { ...DEFAULT_QUOTA, ...facet.quota };
}

/**
 * Reads an image (any transport of SPEC §3), applies its layers and builds one Merkle manifest per facet
 * of the definitions, empty facets included. `rootfs:` trees have no manifest or config: their digest is
 * the SHA-256 of the canonical JSON list of `{facetId, merkleRoot}` in definition order (SPEC §3).
 */
export async function readImage(refText: string, options: SealImageOptions): Promise<ReadImageResult> {
  const opened = await openImage(refText, options.open);
  const extractOptions: ExtractOptions = {
    facets: options.facets,
    ...(options.capture === undefined ? {} : { capture: options.capture }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.onPhase === undefined ? {} : { onPhase: options.onPhase }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.pool === undefined ? {} : { pool: options.pool }),
  };
  const extractedAt = (options.now?.() ?? new Date()).toISOString();
  if (opened.kind === 'rootfs') {
    // Loaded only here: the glob compiler (picomatch) and the generic canonicaliser are no part of
    // reading an image's layers.
    const [{ extractRootfs }, { canonicalBytes }] = await Promise.all([
      import('../extract/rootfs.ts'),
      import('./canonical.ts'),
    ]);
    const extraction = await extractRootfs(opened.rootDir, extractOptions);
    const manifests = buildManifests(options.facets, extraction, extractedAt, options.tracer);
    const roots = manifests.map((m) => ({ facetId: m.facetId, merkleRoot: m.merkleRoot }));
    const digest = `sha256:${createHash('sha256').update(canonicalBytes(roots)).digest('hex')}`;
    return { imageRef: refText, imageDigest: digest, configDigest: digest, manifests, extraction };
  }
  try {
    const resolved = await opened.source.resolve(options.signal);
    options.onPhase?.('resolved');
    const extraction = await extractImage(opened.source, resolved, extractOptions);
    options.onPhase?.('extracted');
    return {
      imageRef: resolved.imageRef,
      imageDigest: resolved.imageDigest,
      configDigest: resolved.configDigest,
      manifests: buildManifests(options.facets, extraction, extractedAt, options.tracer),
      extraction,
    };
  } finally {
    await opened.source.close();
  }
}

function buildManifests(
  facets: readonly FacetDefinition[],
  extraction: ExtractionResult,
  extractedAt: string,
  tracer: Tracer | undefined,
): FacetManifest[] {
  return facets.map((facet, i) => {
    const files = extraction.entriesByFacet[i] ?? [];
    const leaves = extraction.leavesByFacet?.[i];
    const attributes = { 'zastava.facet_id': facet.facetId, 'zastava.file_count': files.length };
    // The extractor hashed each leaf as it made the entry; otherwise (rootfs:) they are hashed here.
    const root = withSpanSync(tracer, SPAN.hash, attributes, () =>
      leaves ? rootFromBinaryLeaves(leaves) : computeMerkle(files).root,
    );
    let totalBytes = 0;
    for (const file of files) totalBytes += file.size;
    return {
      facetId: facet.facetId,
      type: facet.type,
      files,
      merkleRoot: root,
      fileCount: files.length,
      totalBytes,
      extractedAt,
      extractorVersion: EXTRACTOR_VERSION,
    };
  });
}
