import { createHash } from 'node:crypto';
import { ImageError } from './errors.ts';
import { MediaType } from './media-types.ts';
import type { ImageSource, LayerDescriptor, ResolvedImage } from './source.ts';

export interface MemoryLayer {
  /** The stored (possibly compressed) bytes. */
  readonly blob: Uint8Array;
  /** The uncompressed tar's digest; default: the blob's own (an uncompressed layer). */
  readonly diffId?: string;
  readonly mediaType?: string;
  /** Overrides, to describe a blob wrongly on purpose. */
  readonly digest?: string;
  readonly size?: number;
}

export interface MemorySourceOptions {
  /** Size of the chunks blobs are handed out in: a number, or a function called per chunk (boundary tests). */
  readonly chunkSize?: number | (() => number);
  readonly imageRef?: string;
}

/**
 * An image held in memory: for tests and the demo. Blobs are handed out in chunks, each with its own
 * ArrayBuffer (as file and network streams do), so the worker path can transfer them.
 */
export function memorySource(
  layers: readonly MemoryLayer[],
  options: MemorySourceOptions = {},
): { source: ImageSource; resolved: ResolvedImage } {
  const blobs = new Map<string, Uint8Array>();
  const descriptors: LayerDescriptor[] = layers.map((layer) => {
    const digest = layer.digest ?? sha256(layer.blob);
    blobs.set(digest, layer.blob);
    return {
      digest,
      diffId: layer.diffId ?? sha256(layer.blob),
      mediaType: layer.mediaType ?? MediaType.dockerLayer,
      size: layer.size ?? layer.blob.byteLength,
    };
  });
  const identity = sha256(Buffer.from(JSON.stringify(descriptors)));
  const resolved: ResolvedImage = {
    imageRef: options.imageRef ?? 'memory:image',
    imageDigest: identity,
    configDigest: identity,
    platform: 'linux/amd64',
    layers: descriptors,
  };
  const chunkSize = options.chunkSize ?? 1 << 16;
  const source: ImageSource = {
    resolve: () => Promise.resolve(resolved),
    openBlob(digest) {
      const blob = blobs.get(digest);
      if (!blob) return Promise.reject(new ImageError('BLOB_MISSING', `memory image has no blob ${digest}`));
      return Promise.resolve(chunked(blob, chunkSize));
    },
    close: () => Promise.resolve(),
  };
  return { source, resolved };
}

async function* chunked(blob: Uint8Array, chunkSize: number | (() => number)): AsyncGenerator<Uint8Array> {
  let pos = 0;
  while (pos < blob.byteLength) {
    const n = Math.max(1, typeof chunkSize === 'number' ? chunkSize : chunkSize());
    yield blob.slice(pos, pos + n);
    pos += n;
    await Promise.resolve();
  }
}

export function sha256(bytes: Uint8Array): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
