import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAhead, streamDecoder } from './decoder.ts';
import { outputPoolCounts, poolOutputSize, releaseOutput } from './output-pool.ts';

/** An odd size, so nothing else in this thread allocates it. */
const SIZE = (64 << 10) + 512;

/** 4 MiB that deflates to about half: random runs between repeated text. */
function payload(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 256; i++) parts.push(randomBytes(8192), Buffer.from(`line ${i} `.repeat(800)));
  return Buffer.concat(parts);
}

async function inflate(
  deflated: Buffer,
  consume: (chunk: Uint8Array) => void,
  inputChunk = 32 << 10,
): Promise<void> {
  const decoder = streamDecoder(zlib.createInflateRaw(readAhead(SIZE)), consume);
  for (let i = 0; i < deflated.byteLength; i += inputChunk)
    await decoder.write(deflated.subarray(i, i + inputChunk));
  await decoder.end();
  expect(decoder.error).toBeUndefined();
}

describe('output pool', () => {
  it('hands zlib its released output buffers again, and the output stays intact', async () => {
    const original = payload();
    const deflated = zlib.deflateRawSync(original);
    const before = outputPoolCounts();
    const copies: Buffer[] = [];
    const hash = createHash('sha256');
    const seen = new Set<ArrayBufferLike>();
    await inflate(deflated, (chunk) => {
      hash.update(chunk);
      copies.push(Buffer.from(chunk)); // a copy: the chunk is lent
      seen.add(chunk.buffer);
    });
    const after = outputPoolCounts();
    expect(Buffer.concat(copies).equals(original)).toBe(true);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
    // The canary for a Node upgrade: if zlib stopped allocating through Buffer.allocUnsafe, nothing would
    // be recycled and every output chunk would sit in a buffer of its own.
    expect(after.recycled - before.recycled).toBeGreaterThan(original.byteLength / SIZE / 2);
    expect(seen.size).toBeLessThan(original.byteLength / SIZE / 2);
  });

  it('keeps two streams inflating at once apart', async () => {
    const [a, b] = [payload(), payload()];
    const outA: Buffer[] = [];
    const outB: Buffer[] = [];
    await Promise.all([
      inflate(zlib.deflateRawSync(a), (c) => void outA.push(Buffer.from(c)), 7000),
      inflate(zlib.deflateRawSync(b), (c) => void outB.push(Buffer.from(c)), 13000),
    ]);
    expect(Buffer.concat(outA).equals(a)).toBe(true);
    expect(Buffer.concat(outB).equals(b)).toBe(true);
  });

  it('takes back only the last slice of a buffer it issued, for a pooled size', () => {
    poolOutputSize(SIZE);
    const counts = (): number => outputPoolCounts().released;
    const start = counts();
    releaseOutput(Buffer.alloc(SIZE)); // not issued by allocUnsafe
    releaseOutput(new Uint8Array(new SharedArrayBuffer(SIZE)));
    const issued = Buffer.allocUnsafe(SIZE);
    releaseOutput(issued.subarray(0, 100)); // not the last slice
    releaseOutput(Buffer.allocUnsafe(SIZE + 1)); // a size not pooled
    expect(counts()).toBe(start);
    releaseOutput(issued.subarray(100));
    expect(counts()).toBe(start + 1);
    releaseOutput(issued.subarray(100)); // twice: no double entry
    expect(counts()).toBe(start + 1);
    const again = Buffer.allocUnsafe(SIZE);
    expect(again.buffer).toBe(issued.buffer);
  });
});
