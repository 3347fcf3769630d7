/**
 * Recycles node:zlib's output buffers within one thread.
 *
 * A zlib stream inflates into a `chunkSize` buffer and, once it is full, takes a fresh one from
 * `Buffer.allocUnsafe(chunkSize)`: a layer of 1 GB costs a thousand 1 MiB ArrayBuffers, and each 64 MB of
 * them (V8's external-memory step) sets off a mark-compact of the thread's heap. Node offers no way to
 * hand a stream its output buffer, so this answers those allocations from buffers that the decompressors'
 * consumers have finished with. Measured on the realistic image: `stella seal` ~8 % faster (paired
 * 0.916), peak RSS 201 → 148 MB (docs/decisions.md, "Seal benchmark, sixth pass").
 *
 * What makes it safe:
 * - Only sizes registered here are answered from the pool, and only a buffer that `allocUnsafe` issued
 *   for such a size is ever taken back.
 * - A buffer is taken back only through `releaseOutput`, called with the chunk a decompressor delivered
 *   once its consumer is done with it, and only when that chunk ends at the buffer's end: zlib hands out
 *   a buffer's slices in order and moves to a new buffer only when this one is full, so its last slice
 *   delivered means every slice of it was, and zlib no longer writes to it.
 * - Consumers copy what they keep (the tar parser's headers, captured contents); LayerConsumer says so.
 *
 * Should Node stop allocating through `Buffer.allocUnsafe`, nothing breaks: the pool is never drawn on
 * and the speed is lost (output-pool.test.ts then fails, so an upgrade says so).
 */

/**
 * Buffers kept per size at most. A stream holds five at a time (four of read-ahead, one being filled),
 * so this covers three layers read at once by one thread; it is also what a long-lived thread (a server's
 * layer worker) keeps allocated between extractions: 16 MiB at the default 1 MiB chunk.
 */
const MAX_FREE = 16;

const free = new Map<number, Array<Buffer<ArrayBuffer>>>();
const issued = new WeakSet<ArrayBufferLike>();
const counts = { issued: 0, recycled: 0, released: 0 };
let installed = false;

/** Makes `Buffer.allocUnsafe(size)` reuse released buffers (idempotent; per thread). */
export function poolOutputSize(size: number): void {
  if (free.has(size)) return;
  free.set(size, []);
  if (installed) return;
  installed = true;
  const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
  Buffer.allocUnsafe = function pooledAllocUnsafe(n: number): Buffer<ArrayBuffer> {
    const list = free.get(n);
    if (list === undefined) return allocUnsafe(n);
    const reused = list.pop();
    if (reused !== undefined) counts.recycled++;
    const buffer = reused ?? allocUnsafe(n);
    issued.add(buffer.buffer);
    counts.issued++;
    return buffer;
  };
}

/** Gives back the buffer under a decompressor's output chunk if this chunk is its last slice. */
export function releaseOutput(chunk: Uint8Array): void {
  const buffer = chunk.buffer;
  if (chunk.byteOffset + chunk.byteLength !== buffer.byteLength || !issued.has(buffer)) return;
  const list = free.get(buffer.byteLength);
  if (list === undefined) return;
  issued.delete(buffer);
  counts.released++;
  if (list.length < MAX_FREE) list.push(Buffer.from(buffer as ArrayBuffer));
}

/** How often the pool was drawn on (for tests and benchmarks). */
export function outputPoolCounts(): { issued: number; recycled: number; released: number } {
  return { ...counts };
}
