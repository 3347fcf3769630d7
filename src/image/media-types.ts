import { ImageError } from './errors.ts';

/** OCI image-spec and Docker image manifest v2 schema 2 media types. */
export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociIndex,
  MediaType.dockerManifestList,
]);
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociManifest,
  MediaType.dockerManifest,
]);
export const CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set([MediaType.ociConfig, MediaType.dockerConfig]);

/**
 * Layer media types Zastava reads: OCI and Docker, uncompressed, gzip and zstd, including BuildKit's
 * non-standard `…rootfs.diff.tar.zstd`. The compression itself is sniffed from the bytes (NOTES.md).
 */
const LAYER =
  /^application\/vnd\.(?:oci\.image\.layer\.v1\.tar(?:\+gzip|\+zstd)?|docker\.image\.rootfs\.diff\.tar(?:\.gzip|\.zstd)?)$/;
/** Non-distributable (OCI) and foreign (Docker) layers: their bytes live elsewhere, under other terms. */
const FOREIGN =
  /^application\/vnd\.(?:oci\.image\.layer\.nondistributable\.v1\.tar|docker\.image\.rootfs\.foreign\.diff\.tar)/;

/** Throws unless `mediaType` is a layer Zastava reads; `where` names the layer in the message. */
export function checkLayerMediaType(mediaType: string, where: string): void {
  if (FOREIGN.test(mediaType)) {
    throw new ImageError('LAYER_FOREIGN', `${where} is a foreign/non-distributable layer (${mediaType})`, {
      hint: 'its bytes are not part of the image; Zastava refuses to seal an image it cannot read whole',
    });
  }
  if (!LAYER.test(mediaType)) {
    throw new ImageError(
      'MEDIA_TYPE_UNSUPPORTED',
      `${where} has media type ${mediaType}, which is not an image layer`,
    );
  }
}
