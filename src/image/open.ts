import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { archiveStore } from './archive-store.ts';
import { directoryStore } from './directory-store.ts';
import { dockerArchiveSource } from './docker-archive-source.ts';
import { ImageError } from './errors.ts';
import { layoutSource } from './oci-layout-source.ts';
import { parsePlatform } from './platform.ts';
import { formatReference, parseReference } from './reference.ts';
import type { ImageReference } from './reference.types.ts';
import type { RegistryOptions } from './registry/index.ts';
import type { ImageSource } from './source.ts';

export interface OpenImageOptions {
  /** `--platform os/arch[/variant]`; default linux/amd64 when choosing from an index. */
  readonly platform?: string | undefined;
  /** Credentials, TLS and transport settings for registry references (`registry/options.ts`). */
  readonly registry?: Omit<RegistryOptions, 'platform'> | undefined;
}

/** A layered image to extract, or a plain directory tree (`rootfs:`), which has no layers. */
export type OpenedImage =
  | { readonly kind: 'image'; readonly reference: ImageReference; readonly source: ImageSource }
  | {
      readonly kind: 'rootfs';
      readonly reference: Extract<ImageReference, { transport: 'rootfs' }>;
      readonly rootDir: string;
    };

/**
 * Parses a reference (SPEC §3) and opens its source. Local paths are made absolute, so the recorded
 * `imageRef` names the same image from any working directory. Call `source.close()` when done.
 */
export async function openImage(refText: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  const parsed = parseReference(refText);
  if (options.platform !== undefined) parsePlatform(options.platform);
  const platform = options.platform;
  if (parsed.transport === 'registry') {
    // Loaded on first use: the HTTP client and its dependencies cost ~100 ms to import, which a local
    // image never needs (`stella seal oci:…` is measured against a floor that does not pay it).
    const { createRegistrySource } = await import('./registry/index.ts');
    const source = createRegistrySource(parsed, {
      env: {},
      ...options.registry,
      ...(platform === undefined ? {} : { platform }),
    });
    return { kind: 'image', reference: parsed, source };
  }
  const reference = { ...parsed, path: resolvePath(parsed.path) };
  const imageRef = formatReference(reference);
  switch (reference.transport) {
    case 'rootfs':
      await requireKind(reference.path, 'directory', refText);
      return { kind: 'rootfs', reference, rootDir: reference.path };
    case 'oci':
      await requireKind(reference.path, 'directory', refText);
      return {
        kind: 'image',
        reference,
        source: layoutSource(
          directoryStore(reference.path),
          { tag: reference.tag, digest: reference.digest },
          { imageRef, platform },
        ),
      };
    case 'oci-archive':
      await requireKind(reference.path, 'file', refText);
      return {
        kind: 'image',
        reference,
        source: layoutSource(
          await archiveStore(reference.path),
          { tag: reference.tag },
          { imageRef, platform },
        ),
      };
    case 'docker-archive':
      await requireKind(reference.path, 'file', refText);
      return {
        kind: 'image',
        reference,
        source: dockerArchiveSource(await archiveStore(reference.path), {
          imageRef,
          repoTag: reference.repoTag,
          platform,
        }),
      };
  }
}

async function requireKind(path: string, kind: 'file' | 'directory', refText: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    throw new ImageError('IMAGE_NOT_FOUND', `${refText}: ${path} does not exist or cannot be read`, {
      cause: error,
    });
  }
  if (kind === 'directory' ? !st.isDirectory() : !st.isFile()) {
    throw new ImageError('IMAGE_NOT_FOUND', `${refText}: ${path} is not a ${kind}`, {
      hint:
        kind === 'directory'
          ? 'oci: and rootfs: name directories; use oci-archive: for a tar'
          : 'archives are files; use oci: for a layout directory',
    });
  }
}
