import { parseDigest } from './digest.ts';
import { ImageError } from './errors.ts';
import type { LayoutStore } from './layout-store.ts';
import { INDEX_MEDIA_TYPES } from './media-types.ts';
import { ImageIndex, OciLayoutFile, type Descriptor } from './oci-schema.ts';
import { parseJson, resolveImage, resolveIndex, type BlobReader, type ResolveOptions } from './resolve.ts';
import type { ImageSource, ResolvedImage } from './source.ts';

/** image-spec annotations.md: the tag of an index.json entry. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface LayoutSelection {
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

/**
 * An OCI image layout (image-layout.md), on disk or inside an archive: `oci-layout`, `index.json` and
 * `blobs/<alg>/<hex>`. The tag selects an index.json entry by `org.opencontainers.image.ref.name`.
 */
export function layoutSource(
  store: LayoutStore,
  selection: LayoutSelection,
  options: Omit<ResolveOptions, 'signal'>,
): ImageSource {
  const reader = layoutBlobReader(store);
  return {
    async resolve(signal?: AbortSignal): Promise<ResolvedImage> {
      const index = await readIndexJson(store);
      const resolveOptions = { ...options, signal };
      if (selection.digest !== undefined) {
        const listed = index.manifests.find((d) => d.digest === selection.digest);
        const size = listed?.size ?? (await store.size(blobPath(selection.digest)));
        if (size === undefined) {
          throw new ImageError('IMAGE_NOT_FOUND', `${store.location} has no manifest ${selection.digest}`);
        }
        return resolveImage(
          reader,
          listed ?? { mediaType: '', digest: selection.digest, size },
          resolveOptions,
        );
      }
      const top = selectByTag(index, selection.tag, store.location);
      if (top === 'index.json')
        return resolveIndex(reader, index, `${store.location}/index.json`, resolveOptions);
      return resolveImage(reader, top, resolveOptions);
    },
    async openBlob(digest, _expectedSize, signal) {
      const path = blobPath(digest);
      if ((await store.size(path)) === undefined) {
        throw new ImageError('BLOB_MISSING', `${store.location} has no blob ${digest}`, {
          hint: 'the layout is incomplete; copy the image again (skopeo copy, docker buildx --output type=oci)',
        });
      }
      return store.stream(path, signal);
    },
    async openBlobRegion(digest) {
      const path = blobPath(digest);
      if ((await store.size(path)) === undefined) {
        throw new ImageError('BLOB_MISSING', `${store.location} has no blob ${digest}`, {
          hint: 'the layout is incomplete; copy the image again (skopeo copy, docker buildx --output type=oci)',
        });
      }
      return store.region(path);
    },
    close: () => store.close(),
  };
}

/** `blobs/<alg>/<hex>`; the digest is validated first, so it cannot name a path outside `blobs/`. */
export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest, 'blob digest');
  return `blobs/${algorithm}/${hex}`;
}

export function layoutBlobReader(store: LayoutStore): BlobReader {
  return {
    async readBlob(digest, size, maxBytes, what) {
      if (size > maxBytes)
        throw new ImageError('BLOB_TOO_LARGE', `${what} is ${size} bytes, over the ${maxBytes}-byte limit`);
      const path = blobPath(digest);
      const actual = await store.size(path);
      if (actual === undefined)
        throw new ImageError('BLOB_MISSING', `${store.location} has no blob for ${what}`);
      if (actual > maxBytes)
        throw new ImageError('BLOB_TOO_LARGE', `${what} is ${actual} bytes, over the ${maxBytes}-byte limit`);
      return store.readAll(path);
    },
  };
}

async function readIndexJson(store: LayoutStore): Promise<ImageIndex> {
  const layoutSize = await store.size('oci-layout');
  const indexSize = await store.size('index.json');
  if (layoutSize === undefined || indexSize === undefined) {
    throw new ImageError(
      'LAYOUT_INVALID',
      `${store.location} is not an OCI image layout (no ${layoutSize === undefined ? 'oci-layout' : 'index.json'} file)`,
      {
        hint: 'write one with `skopeo copy … oci:DIR:TAG` or `docker buildx build --output type=oci`',
      },
    );
  }
  if (layoutSize > 1 << 16 || indexSize > 4 << 20)
    throw new ImageError('LAYOUT_INVALID', `${store.location}: oci-layout or index.json is too large`);
  parseJson(
    await store.readAll('oci-layout'),
    OciLayoutFile,
    'LAYOUT_INVALID',
    `${store.location}/oci-layout`,
  );
  return parseJson(
    await store.readAll('index.json'),
    ImageIndex,
    'LAYOUT_INVALID',
    `${store.location}/index.json`,
  );
}

/**
 * With a tag: the entry carrying it. Without: the only entry; or, when index.json lists one manifest per
 * platform and no tags tell them apart, index.json itself is the index to select a platform from.
 */
function selectByTag(
  index: ImageIndex,
  tag: string | undefined,
  location: string,
): Descriptor | 'index.json' {
  const tags = [
    ...new Set(
      index.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).filter((t) => t !== undefined),
    ),
  ];
  if (tag !== undefined) {
    const found = index.manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (found) return found;
    throw new ImageError(
      'TAG_NOT_FOUND',
      `${location} has no tag "${tag}"; its tags: ${tags.length ? tags.join(', ') : '(none)'}`,
    );
  }
  if (index.manifests.length === 1) return index.manifests[0]!;
  if (index.manifests.length === 0)
    throw new ImageError('LAYOUT_INVALID', `${location}/index.json lists no image`);
  if (tags.length > 1) {
    throw new ImageError(
      'IMAGE_AMBIGUOUS',
      `${location} holds several images; name one of its tags: ${tags.join(', ')}`,
      {
        hint: `for example oci:${location}:${tags[0]}`,
      },
    );
  }
  if (index.manifests.some((d) => INDEX_MEDIA_TYPES.has(d.mediaType))) {
    throw new ImageError(
      'IMAGE_AMBIGUOUS',
      `${location}/index.json lists several indexes; name one by tag or @digest`,
    );
  }
  return 'index.json';
}
