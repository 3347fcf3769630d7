import { parseDigest, sha256Digest } from './digest.ts';
import { ImageError } from './errors.ts';
import type { LayoutStore } from './layout-store.ts';
import { MediaType, checkLayerMediaType } from './media-types.ts';
import { DockerArchiveManifest, ImageConfig } from './oci-schema.ts';
import { formatPlatform, parsePlatform, platformMatches } from './platform.ts';
import { parseRegistryReference } from './reference.ts';
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseJson } from './resolve.ts';
import type { ImageSource, LayerDescriptor, ResolvedImage } from './source.ts';

export interface DockerArchiveOptions {
  /** The reference, normalised, recorded as `ResolvedImage.imageRef`. */
  readonly imageRef: string;
  /** `docker.io/library/debian:12`: the `RepoTags` entry to read when the archive holds several images. */
  readonly repoTag?: string | undefined;
  readonly platform?: string | undefined;
}

/**
 * A `docker save` tarball (moby image/tarexport): `manifest.json` names the config and the layer tars.
 * It has no manifest blob, so `imageDigest` is the config digest (SPEC §3). Layers are checked against
 * the config's diff_ids; a layer stored as `blobs/<alg>/<hex>` (Docker ≥ 25) is checked against that
 * digest as well, an older `<id>/layer.tar` (no digest of its own, sometimes gzipped) only against its diff_id.
 */
export function dockerArchiveSource(store: LayoutStore, options: DockerArchiveOptions): ImageSource {
  const paths = new Map<string, string>();
  return {
    async resolve(signal?: AbortSignal): Promise<ResolvedImage> {
      signal?.throwIfAborted();
      const manifestSize = await store.size('manifest.json');
      if (manifestSize === undefined) {
        throw new ImageError(
          'ARCHIVE_INVALID',
          `${store.location} is not a docker save archive (no manifest.json)`,
        );
      }
      if (manifestSize > MAX_MANIFEST_BYTES)
        throw new ImageError('BLOB_TOO_LARGE', `${store.location}: manifest.json is too large`);
      const entries = parseJson(
        await store.readAll('manifest.json'),
        DockerArchiveManifest,
        'ARCHIVE_INVALID',
        `${store.location}/manifest.json`,
      );
      const entry = selectEntry(entries, options.repoTag, store.location);

      const configSize = await store.size(entry.Config);
      if (configSize === undefined)
        throw new ImageError('BLOB_MISSING', `${store.location} has no config ${entry.Config}`);
      if (configSize > MAX_CONFIG_BYTES)
        throw new ImageError('BLOB_TOO_LARGE', `${store.location}: config ${entry.Config} is too large`);
      const configBytes = await store.readAll(entry.Config);
      const configDigest = sha256Digest(configBytes);
      const named = digestFromPath(entry.Config.replace(/\.json$/, ''));
      if (named !== undefined && named.startsWith('sha256:') && named !== configDigest) {
        throw new ImageError(
          'BLOB_DIGEST_MISMATCH',
          `${store.location}: config ${entry.Config} hashes to ${configDigest}`,
        );
      }
      const config = parseJson(
        configBytes,
        ImageConfig,
        'CONFIG_INVALID',
        `${store.location}: config ${entry.Config}`,
      );
      if (config.rootfs.diff_ids.length !== entry.Layers.length) {
        throw new ImageError(
          'CONFIG_INVALID',
          `${store.location}: config lists ${config.rootfs.diff_ids.length} diff_ids but manifest.json has ${entry.Layers.length} layers`,
        );
      }
      const platform = formatPlatform({
        os: config.os,
        architecture: config.architecture,
        variant: config.variant,
      });
      if (options.platform !== undefined && config.os && config.architecture) {
        if (
          !platformMatches(parsePlatform(options.platform), {
            os: config.os,
            architecture: config.architecture,
            variant: config.variant,
          })
        ) {
          throw new ImageError(
            'PLATFORM_NOT_FOUND',
            `${store.location} holds a ${platform} image, not ${options.platform}`,
          );
        }
      }
      const layers: LayerDescriptor[] = [];
      for (const [i, path] of entry.Layers.entries()) {
        const diffId = config.rootfs.diff_ids[i]!;
        const where = `layer ${i + 1} (${path}) of ${store.location}`;
        parseDigest(diffId, `diff_id of ${where}`);
        const source = entry.LayerSources?.[diffId];
        if (source) checkLayerMediaType(source.mediaType, where);
        const size = await store.size(path);
        if (size === undefined)
          throw new ImageError('BLOB_MISSING', `${store.location} has no ${path} (${where})`);
        const stored = digestFromPath(path);
        const digest = stored ?? diffId;
        paths.set(digest, path);
        layers.push({
          digest,
          diffId,
          mediaType: MediaType.dockerLayer,
          size,
          ...(stored ? {} : { storedDigestUnknown: true }),
        });
      }
      return { imageRef: options.imageRef, imageDigest: configDigest, configDigest, platform, layers };
    },
    openBlob(digest, _expectedSize, signal) {
      const path = paths.get(digest);
      if (path === undefined) {
        return Promise.reject(new ImageError('BLOB_MISSING', `${store.location} has no layer ${digest}`));
      }
      return Promise.resolve(store.stream(path, signal));
    },
    openBlobRegion(digest) {
      const path = paths.get(digest);
      if (path === undefined) {
        return Promise.reject(new ImageError('BLOB_MISSING', `${store.location} has no layer ${digest}`));
      }
      return store.region(path);
    },
    close: () => store.close(),
  };
}

function selectEntry(
  entries: DockerArchiveManifest,
  repoTag: string | undefined,
  location: string,
): DockerArchiveManifest[number] {
  const tagsOf = (e: DockerArchiveManifest[number]): string[] => (e.RepoTags ?? []).map(normalizeRepoTag);
  if (entries.length === 0)
    throw new ImageError('ARCHIVE_INVALID', `${location}/manifest.json lists no image`);
  const all = entries.flatMap(tagsOf);
  if (repoTag !== undefined) {
    const found = entries.find((e) => tagsOf(e).includes(repoTag));
    if (found) return found;
    throw new ImageError(
      'TAG_NOT_FOUND',
      `${location} has no image tagged ${repoTag}; it has: ${all.join(', ') || '(no tags)'}`,
    );
  }
  if (entries.length > 1) {
    throw new ImageError(
      'IMAGE_AMBIGUOUS',
      `${location} holds ${entries.length} images; name one: ${all.join(', ') || '(no tags)'}`,
      {
        hint: `docker-archive:${location}:REPO:TAG`,
      },
    );
  }
  return entries[0]!;
}

function normalizeRepoTag(text: string): string {
  try {
    const ref = parseRegistryReference(text, text);
    return `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
  } catch {
    return text;
  }
}

function digestFromPath(path: string): string | undefined {
  const m =
    /(?:^|\/)blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(path) ?? /^(?:\.\/)?([0-9a-f]{64})$/.exec(path);
  if (!m) return undefined;
  return m.length === 3 ? `${m[1]}:${m[2]}` : `sha256:${m[1]}`;
}
