import type { z } from 'zod';
import { parseDigest, sha256Digest, verifyBlob } from './digest.ts';
import { ImageError, type ImageErrorCode } from './errors.ts';
import {
  CONFIG_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  MANIFEST_MEDIA_TYPES,
  checkLayerMediaType,
} from './media-types.ts';
import { Descriptor, ImageConfig, ImageIndex, ImageManifest, type Platform } from './oci-schema.ts';
import { DEFAULT_PLATFORM, formatPlatform, parsePlatform, platformMatches } from './platform.ts';
import type { LayerDescriptor, ResolvedImage } from './source.ts';

/** Registries refuse manifests over 4 MiB (distribution spec); a config is small JSON too. */
export const MAX_MANIFEST_BYTES = 4 << 20;
export const MAX_CONFIG_BYTES = 32 << 20;
const MAX_INDEX_DEPTH = 4;

/**
 * The port a source gives the resolver: the stored bytes of a small blob. The resolver verifies them
 * against the digest; the reader only has to refuse sizes over `maxBytes` without reading them.
 */
export interface BlobReader {
  readBlob(digest: string, size: number, maxBytes: number, what: string): Promise<Uint8Array>;
}

export interface ResolveOptions {
  /** The reference, normalised, recorded as `ResolvedImage.imageRef`. */
  readonly imageRef: string;
  /** `os/arch[/variant]` asked for with `--platform`; undefined means the default, linux/amd64. */
  readonly platform?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * From a top descriptor (an index or a manifest) to one platform's manifest, config and layers (SPEC §3).
 * Shared by every source: OCI layout, oci-archive and registries. Each JSON blob is hashed and must equal
 * its digest before it is parsed.
 */
export async function resolveImage(
  reader: BlobReader,
  top: Descriptor,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const wanted = parsePlatform(options.platform ?? DEFAULT_PLATFORM);
  const topDoc = await loadDocument(reader, top, 'manifest', options.signal);
  if (topDoc.kind === 'index') return resolveIndex(reader, topDoc.index, `index ${top.digest}`, options);
  return resolveManifest(reader, topDoc, top.platform, wanted, options);
}

/**
 * Platform selection over an index already in hand (a registry's manifest list, or an OCI layout's
 * index.json listing one manifest per platform); `label` names it in messages.
 */
export async function resolveIndex(
  reader: BlobReader,
  index: ImageIndex,
  label: string,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const wanted = parsePlatform(options.platform ?? DEFAULT_PLATFORM);
  const candidates: Candidate[] = [];
  await collectCandidates(reader, index, label, 0, candidates, options.signal);
  const chosen = choosePlatform(candidates, wanted, label);
  const doc = await loadDocument(reader, chosen.descriptor, 'manifest', options.signal);
  if (doc.kind !== 'manifest') {
    throw new ImageError(
      'MANIFEST_INVALID',
      `${chosen.descriptor.digest} is listed as a manifest but is an index`,
    );
  }
  return resolveManifest(reader, doc, chosen.platform, wanted, options);
}

async function resolveManifest(
  reader: BlobReader,
  manifestDoc: Extract<Document, { kind: 'manifest' }>,
  selectedPlatform: Platform | undefined,
  wanted: Platform,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const { manifest, bytes: manifestBytes, digest: manifestDigest } = manifestDoc;
  if (!CONFIG_MEDIA_TYPES.has(manifest.config.mediaType)) {
    throw new ImageError(
      'MEDIA_TYPE_UNSUPPORTED',
      `manifest ${manifestDigest} has config media type ${manifest.config.mediaType}: it is an artifact, not a container image`,
    );
  }
  options.signal?.throwIfAborted();
  const configBytes = await reader.readBlob(
    manifest.config.digest,
    manifest.config.size,
    MAX_CONFIG_BYTES,
    `config ${manifest.config.digest}`,
  );
  verifyBlob(configBytes, manifest.config.digest, `config of manifest ${manifestDigest}:`);
  const config = parseJson(configBytes, ImageConfig, 'CONFIG_INVALID', `config ${manifest.config.digest}`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ImageError(
      'CONFIG_INVALID',
      `config ${manifest.config.digest} lists ${config.rootfs.diff_ids.length} diff_ids but manifest ${manifestDigest} has ${manifest.layers.length} layers`,
    );
  }
  const configPlatform =
    config.os && config.architecture
      ? { os: config.os, architecture: config.architecture, variant: config.variant }
      : undefined;
  if (options.platform !== undefined && configPlatform && !platformMatches(wanted, configPlatform)) {
    throw new ImageError(
      'PLATFORM_NOT_FOUND',
      `image ${manifestDigest} is ${formatPlatform(configPlatform)}, not the requested ${options.platform}`,
      { hint: `use --platform ${formatPlatform(configPlatform)}` },
    );
  }
  return {
    imageRef: options.imageRef,
    imageDigest: sha256Digest(manifestBytes),
    configDigest: sha256Digest(configBytes),
    platform: formatPlatform(configPlatform ?? selectedPlatform ?? {}),
    layers: layerDescriptors(manifest, config, manifestDigest),
  };
}

/** Checks each layer's media type and digest form, pairing it with its diff_id (same index). */
export function layerDescriptors(
  manifest: ImageManifest,
  config: ImageConfig,
  manifestDigest: string,
): LayerDescriptor[] {
  return manifest.layers.map((layer, i) => {
    const where = `layer ${i + 1} (${layer.digest}) of manifest ${manifestDigest}`;
    checkLayerMediaType(layer.mediaType, where);
    parseDigest(layer.digest, where);
    const diffId = config.rootfs.diff_ids[i]!;
    parseDigest(diffId, `diff_id ${i + 1} of the config`);
    return { digest: layer.digest, diffId, mediaType: layer.mediaType, size: layer.size };
  });
}

type Document =
  | { kind: 'index'; index: ImageIndex; bytes: Uint8Array; digest: string }
  | { kind: 'manifest'; manifest: ImageManifest; bytes: Uint8Array; digest: string };

async function loadDocument(
  reader: BlobReader,
  descriptor: Descriptor,
  what: string,
  signal: AbortSignal | undefined,
): Promise<Document> {
  signal?.throwIfAborted();
  const label = `${what} ${descriptor.digest}`;
  const bytes = await reader.readBlob(descriptor.digest, descriptor.size, MAX_MANIFEST_BYTES, label);
  verifyBlob(bytes, descriptor.digest, label);
  const raw = parseJson<{
    mediaType?: unknown;
    schemaVersion?: unknown;
    manifests?: unknown;
  } | null>(bytes, null, 'MANIFEST_INVALID', label);
  if (raw === null || typeof raw !== 'object')
    throw new ImageError('MANIFEST_INVALID', `${label} is not a JSON object`);
  if (raw.schemaVersion === 1) {
    throw new ImageError('MEDIA_TYPE_UNSUPPORTED', `${label} is a Docker schema 1 manifest`, {
      hint: 'schema 1 is deprecated and unsigned here; re-push the image with a current client',
    });
  }
  const mediaType = typeof raw.mediaType === 'string' ? raw.mediaType : descriptor.mediaType;
  const isIndex =
    INDEX_MEDIA_TYPES.has(mediaType) ||
    (!MANIFEST_MEDIA_TYPES.has(mediaType) && Array.isArray(raw.manifests));
  if (isIndex) {
    return {
      kind: 'index',
      index: parseJson(bytes, ImageIndex, 'MANIFEST_INVALID', label),
      bytes,
      digest: descriptor.digest,
    };
  }
  if (!MANIFEST_MEDIA_TYPES.has(mediaType) && typeof raw.mediaType === 'string') {
    throw new ImageError(
      'MEDIA_TYPE_UNSUPPORTED',
      `${label} has media type ${mediaType}, not an image manifest or index`,
    );
  }
  return {
    kind: 'manifest',
    manifest: parseJson(bytes, ImageManifest, 'MANIFEST_INVALID', label),
    bytes,
    digest: descriptor.digest,
  };
}

interface Candidate {
  readonly descriptor: Descriptor;
  readonly platform: Platform | undefined;
}

/** Image manifests of an index, nested indexes flattened; attestation entries (`unknown/unknown`) skipped. */
async function collectCandidates(
  reader: BlobReader,
  index: ImageIndex,
  indexLabel: string,
  depth: number,
  out: Candidate[],
  signal: AbortSignal | undefined,
): Promise<void> {
  for (const descriptor of index.manifests) {
    if (INDEX_MEDIA_TYPES.has(descriptor.mediaType)) {
      if (depth + 1 >= MAX_INDEX_DEPTH) {
        throw new ImageError(
          'MANIFEST_INVALID',
          `${indexLabel} nests indexes more than ${MAX_INDEX_DEPTH} deep`,
        );
      }
      const nested = await loadDocument(reader, descriptor, 'index', signal);
      if (nested.kind === 'index')
        await collectCandidates(reader, nested.index, `index ${descriptor.digest}`, depth + 1, out, signal);
      else out.push({ descriptor, platform: descriptor.platform });
    } else if (MANIFEST_MEDIA_TYPES.has(descriptor.mediaType) && descriptor.platform?.os !== 'unknown') {
      out.push({ descriptor, platform: descriptor.platform });
    }
  }
}

function choosePlatform(candidates: readonly Candidate[], wanted: Platform, indexLabel: string): Candidate {
  if (candidates.length === 0) {
    throw new ImageError('MANIFEST_INVALID', `${indexLabel} lists no image manifest`);
  }
  const match = candidates.find((c) => c.platform !== undefined && platformMatches(wanted, c.platform));
  if (match) return match;
  if (candidates.length === 1 && candidates[0]!.platform === undefined) return candidates[0]!;
  const available = [
    ...new Set(
      candidates.map((c) =>
        c.platform ? formatPlatform(c.platform) : `(no platform) ${c.descriptor.digest}`,
      ),
    ),
  ];
  throw new ImageError(
    'PLATFORM_NOT_FOUND',
    `${indexLabel} has no manifest for ${formatPlatform(wanted)}; it has: ${available.join(', ')}`,
    { hint: 'choose one with --platform OS/ARCH[/VARIANT]' },
  );
}

/** Parses JSON bytes, then (when given) a zod schema; errors name `label` and the first field at fault. */
export function parseJson<T>(
  bytes: Uint8Array,
  schema: z.ZodType<T> | null,
  code: ImageErrorCode,
  label: string,
): T {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ImageError(code, `${label} is not valid UTF-8 JSON`, { cause: error });
  }
  if (schema === null) return raw as T;
  // Without zod's eval-based fast path: it compiles a parser per schema on first use (~5-8 ms for an
  // index, a manifest and a config), which an image's few documents never pay back.
  const parsed = schema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field =
      issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('') || '(document)';
    throw new ImageError(code, `${label}: ${field}: ${issue.message}`);
  }
  return parsed.data;
}

export { Descriptor };
