import { STREAM_CHUNK_BYTES } from './layout-store.ts';
import type { BlobRegion } from './source.ts';

/**
 * A region's bytes as chunks in three reused buffers, one read ahead of the consumer. A chunk is valid
 * until the consumer asks for the next one: readLayerStream keeps nothing past that (it waits until the
 * decompressor has consumed a chunk and copies the few head bytes it sniffs), so nothing is allocated
 * per chunk. The caller closes the region.
 */
export async function* regionChunks(
  region: BlobRegion,
  chunkBytes = STREAM_CHUNK_BYTES,
): AsyncGenerator<Uint8Array> {
  const buffers = [0, 1, 2].map(() => Buffer.allocUnsafe(chunkBytes));
  let position = 0;
  let pending = { buffer: buffers[0]!, bytes: region.read(buffers[0]!, 0) };
  try {
    for (let i = 1; ; i++) {
      const n = await pending.bytes;
      if (n === 0) return;
      const current = pending.buffer;
      position += n;
      // The buffer the consumer held before `current` is free again: read ahead into it.
      const next = buffers[i % 3]!;
      pending = { buffer: next, bytes: region.read(next, position) };
      yield current.subarray(0, n);
    }
  } finally {
    // A consumer that stops early leaves a read in flight: let it settle (its error means nothing now).
    await pending.bytes.catch(() => 0);
  }
}
