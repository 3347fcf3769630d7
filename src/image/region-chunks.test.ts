import { describe, expect, it } from 'vitest';
import { regionChunks } from './region-chunks.ts';
import type { BlobRegion } from './source.ts';

function memoryRegion(
  bytes: Uint8Array,
  maxRead = Infinity,
): BlobRegion & { reads: number; inFlight: number } {
  const region = {
    reads: 0,
    inFlight: 0,
    async read(into: Uint8Array, position: number): Promise<number> {
      region.reads++;
      region.inFlight++;
      await new Promise((resolve) => setImmediate(resolve));
      region.inFlight--;
      const n = Math.max(0, Math.min(into.byteLength, bytes.byteLength - position, maxRead));
      into.set(bytes.subarray(position, position + n));
      return n;
    },
    close: () => Promise.resolve(),
  };
  return region;
}

describe('regionChunks', () => {
  it('yields every byte in order, each chunk intact until the next is asked for, short reads included', async () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251);
    for (const maxRead of [Infinity, 777]) {
      const out: number[] = [];
      for await (const chunk of regionChunks(memoryRegion(bytes, maxRead), 1024)) {
        // Whatever runs ahead must not touch the chunk being consumed.
        const before = Array.from(chunk);
        await new Promise((resolve) => setImmediate(resolve));
        expect(Array.from(chunk)).toEqual(before);
        out.push(...chunk);
      }
      expect(Uint8Array.from(out)).toEqual(bytes);
    }
  });

  it('reuses three buffers and reads one chunk ahead', async () => {
    const region = memoryRegion(new Uint8Array(8 * 1024), Infinity);
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of regionChunks(region, 1024)) {
      buffers.add(chunk.buffer);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(buffers.size).toBeLessThanOrEqual(3);
    expect(region.reads).toBe(9); // 8 chunks and the read that finds the end
  });

  it('lets the read in flight settle when the consumer stops early, and rethrows read errors', async () => {
    const region = memoryRegion(new Uint8Array(4096));
    for await (const _ of regionChunks(region, 1024)) break;
    expect(region.inFlight).toBe(0);
    const failing: BlobRegion = {
      read: () => Promise.reject(new Error('EIO')),
      close: () => Promise.resolve(),
    };
    await expect(
      (async () => {
        for await (const _ of regionChunks(failing)) void _;
      })(),
    ).rejects.toThrow('EIO');
  });
});
