import { z } from 'zod';
import { OciDigest } from '../model/digest.ts';

/**
 * The JSON documents of OCI image-spec (descriptor.md, image-index.md, manifest.md, config.md) and their
 * Docker v2 schema 2 twins, as far as Zastava reads them. Unknown fields pass (both specs allow them).
 */
export const Platform = z.object({
  architecture: z.string().min(1),
  os: z.string().min(1),
  variant: z.string().min(1).optional(),
});
export type Platform = z.infer<typeof Platform>;

export const Descriptor = z.object({
  mediaType: z.string().min(1),
  digest: OciDigest,
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: Platform.optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

export const ImageIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(Descriptor),
});
export type ImageIndex = z.infer<typeof ImageIndex>;

export const ImageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor),
});
export type ImageManifest = z.infer<typeof ImageManifest>;

export const ImageConfig = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(OciDigest) }),
});
export type ImageConfig = z.infer<typeof ImageConfig>;

/** `oci-layout` file (image-layout.md). */
export const OciLayoutFile = z.object({ imageLayoutVersion: z.string() });

/** `manifest.json` of a `docker save` tarball (moby image/tarexport). */
export const DockerArchiveManifest = z.array(
  z.object({
    Config: z.string().min(1),
    RepoTags: z.array(z.string()).nullish(),
    Layers: z.array(z.string().min(1)),
    LayerSources: z.record(z.string(), Descriptor).nullish(),
  }),
);
export type DockerArchiveManifest = z.infer<typeof DockerArchiveManifest>;
