import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { directoryStore } from './directory-store.ts';
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
  await requireKind(reference.path, PATH_KIND[reference.transport], refText);
  if (reference.transport === 'rootfs') return { kind: 'rootfs', reference, rootDir: reference.path };
  const source = await localSource(reference, { imageRef: formatReference(reference), platform });
  return { kind: 'image', reference, source };
}

type LocalReference = Exclude<ImageReference, { transport: 'registry' }>;

/** What the path of each local transport must be. */
const PATH_KIND: Record<LocalReference['transport'], 'file' | 'directory'> = {
  rootfs: 'directory',
  oci: 'directory',
  'oci-archive': 'file',
  'docker-archive': 'file',
};

/** The source of a layered local image whose path `requireKind` has checked. */
async function localSource(
  reference: Exclude<LocalReference, { transport: 'rootfs' }>,
  meta: { readonly imageRef: string; readonly platform: string | undefined },
): Promise<ImageSource> {
  switch (reference.transport) {
    case 'oci':
      return layoutSource(
        directoryStore(reference.path),
        { tag: reference.tag, digest: reference.digest },
        meta,
      );
    // Archives' readers load only for archives: a layout needs none of them before its first read.
    case 'oci-archive': {
      const { archiveStore } = await import('./archive-store.ts');
      return layoutSource(await archiveStore(reference.path), { tag: reference.tag }, meta);
    }
    case 'docker-archive': {
      const [{ archiveStore }, { dockerArchiveSource }] = await Promise.all([
        import('./archive-store.ts'),
        import('./docker-archive-source.ts'),
      ]);
      return dockerArchiveSource(await archiveStore(reference.path), {
        ...meta,
        repoTag: reference.repoTag,
      });
    }
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
