import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isZastavaError } from '../model/errors.ts';
import { readLayerStream, sniffCompression, type LayerConsumer } from './layer-stream.ts';
import type { LayerDescriptor } from './source.ts';

const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const TAR = Buffer.concat([Buffer.from('pretend this is a tar stream '.repeat(5000)), Buffer.alloc(1024)]);
const LIMIT = { maxUncompressedBytes: 1 << 30 };

function describeBlob(
  blob: Uint8Array,
  tar: Uint8Array = TAR,
  mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip',
): LayerDescriptor {
  return { digest: sha(blob), diffId: sha(tar), size: blob.byteLength, mediaType };
}

function chunks(blob: Uint8Array, size = 4096): AsyncIterable<Uint8Array> & { consumed: () => number } {
  let consumed = 0;
  return {
    consumed: () => consumed,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < blob.byteLength; i += size) {
        const c = blob.slice(i, i + size);
        consumed += c.byteLength;
        yield c;
        await Promise.resolve();
      }
    },
  };
}

function collector(): LayerConsumer & { bytes: () => Buffer; ended: boolean } {
  const parts: Buffer[] = [];
  const c = {
    ended: false,
    write: (chunk: Uint8Array) => void parts.push(Buffer.from(chunk)), // a copy: chunks are lent
    end: () => void (c.ended = true),
    bytes: () => Buffer.concat(parts),
  };
  return c;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isZastavaError(error) ? error.code : `not a ZastavaError: ${String(error)}`;
  }
  return 'no error';
}

describe('sniffCompression', () => {
  it('reads the magic bytes, not the media type', () => {
    expect(sniffCompression(zlib.gzipSync(TAR))).toBe('gzip');
    expect(sniffCompression(zlib.zstdCompressSync(TAR))).toBe('zstd');
    expect(sniffCompression(TAR)).toBe('none');
    expect(sniffCompression(new Uint8Array([0x1f]))).toBe('none');
  });
});

describe('readLayerStream', () => {
  it.each([
    ['gzip', zlib.gzipSync(TAR), 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['zstd', zlib.zstdCompressSync(TAR), 'application/vnd.docker.image.rootfs.diff.tar.zstd'],
    ['none', TAR, 'application/vnd.oci.image.layer.v1.tar'],
    ['zstd labelled gzip', zlib.zstdCompressSync(TAR), 'application/vnd.oci.image.layer.v1.tar+gzip'],
  ])('verifies both digests of a %s layer and hands over the exact tar', async (_name, blob, mediaType) => {
    const sink = collector();
    const result = await readLayerStream(describeBlob(blob, TAR, mediaType), chunks(blob), sink, LIMIT);
    expect(sink.bytes().equals(TAR)).toBe(true);
    expect(sink.ended).toBe(true);
    expect(result).toMatchObject({ compressedBytes: blob.byteLength, uncompressedBytes: TAR.byteLength });
  });

  it('handles chunks of one byte', async () => {
    const blob = zlib.gzipSync(TAR.subarray(0, 5000));
    const sink = collector();
    await readLayerStream(describeBlob(blob, TAR.subarray(0, 5000)), chunks(blob, 1), sink, LIMIT);
    expect(sink.bytes().equals(TAR.subarray(0, 5000))).toBe(true);
  });

  it('accepts an empty uncompressed layer', async () => {
    const empty = new Uint8Array(0);
    const sink = collector();
    await readLayerStream(describeBlob(empty, empty), chunks(empty), sink, LIMIT);
    expect(sink.ended).toBe(true);
  });

  it.each(['gzip', 'zstd'] as const)(
    'LAYER_TRUNCATED: a %s blob cut short on disk (its digest no longer matches)',
    async (kind) => {
      const full = kind === 'gzip' ? zlib.gzipSync(TAR) : zlib.zstdCompressSync(TAR);
      const layer = describeBlob(full);
      await expect(
        codeOf(readLayerStream(layer, chunks(full.subarray(0, full.length - 100)), collector(), LIMIT)),
      ).resolves.toBe('LAYER_TRUNCATED');
    },
  );

  it.each(['gzip', 'zstd'] as const)(
    'LAYER_TRUNCATED: a %s stream published truncated (digest and size match the cut bytes)',
    async (kind) => {
      const full = kind === 'gzip' ? zlib.gzipSync(TAR) : zlib.zstdCompressSync(TAR);
      const cut = full.subarray(0, full.length - 100);
      const error = await readLayerStream(describeBlob(cut), chunks(cut), collector(), LIMIT).catch(
        (e: unknown) => e,
      );
      expect(isZastavaError(error) && error.code).toBe('LAYER_TRUNCATED');
      expect((error as Error).message).toContain(sha(cut));
      expect((error as Error).message).toContain(kind);
    },
  );

  it('BLOB_DIGEST_MISMATCH: one flipped bit, even when it also breaks the gzip stream', async () => {
    const blob = zlib.gzipSync(TAR);
    const layer = describeBlob(blob);
    const flipped = Buffer.from(blob);
    flipped[Math.floor(flipped.length / 2)]! ^= 1;
    await expect(codeOf(readLayerStream(layer, chunks(flipped), collector(), LIMIT))).resolves.toBe(
      'BLOB_DIGEST_MISMATCH',
    );
  });

  it('BLOB_DIGEST_MISMATCH: more bytes than the manifest says, without reading on forever', async () => {
    const blob = zlib.gzipSync(TAR);
    const layer = { ...describeBlob(blob), size: blob.byteLength - 10 };
    const source = chunks(blob);
    await expect(codeOf(readLayerStream(layer, source, collector(), LIMIT))).resolves.toBe(
      'BLOB_DIGEST_MISMATCH',
    );
  });

  it('LAYER_CORRUPT: a gzip body that is not deflate data (digest matching)', async () => {
    const blob = Buffer.concat([zlib.gzipSync(TAR).subarray(0, 10), Buffer.alloc(4000, 0xff)]);
    await expect(codeOf(readLayerStream(describeBlob(blob), chunks(blob), collector(), LIMIT))).resolves.toBe(
      'LAYER_CORRUPT',
    );
  });

  it('DIFF_ID_MISMATCH: the config names other uncompressed bytes', async () => {
    const blob = zlib.gzipSync(TAR);
    const layer = { ...describeBlob(blob), diffId: sha(Buffer.from('other')) };
    const error = await readLayerStream(layer, chunks(blob), collector(), LIMIT).catch((e: unknown) => e);
    expect(isZastavaError(error) && error.code).toBe('DIFF_ID_MISMATCH');
    expect((error as Error).message).toContain(layer.digest);
  });

  it('reads the blob to its end even when the consumer fails at the first byte, then reports the consumer', async () => {
    const blob = zlib.gzipSync(TAR);
    const source = chunks(blob, 100);
    const failing: LayerConsumer = {
      write: () => {
        throw new Error('consumer says no');
      },
      end: () => {},
    };
    await expect(readLayerStream(describeBlob(blob), source, failing, LIMIT)).rejects.toThrow(
      'consumer says no',
    );
    expect(source.consumed()).toBe(blob.byteLength);
  });

  it('a digest mismatch outranks what the consumer found in the wrong bytes', async () => {
    const blob = zlib.gzipSync(TAR);
    const layer = { ...describeBlob(blob), digest: sha(Buffer.from('x')) };
    const failing: LayerConsumer = {
      write: () => {
        throw new Error('corrupt tar');
      },
      end: () => {},
    };
    await expect(codeOf(readLayerStream(layer, chunks(blob), failing, LIMIT))).resolves.toBe(
      'BLOB_DIGEST_MISMATCH',
    );
  });

  it('LAYER_TOO_LARGE: stops decompressing past the limit but still checks the blob digest', async () => {
    const blob = zlib.gzipSync(TAR);
    const source = chunks(blob);
    await expect(
      codeOf(readLayerStream(describeBlob(blob), source, collector(), { maxUncompressedBytes: 1000 })),
    ).resolves.toBe('LAYER_TOO_LARGE');
    expect(source.consumed()).toBe(blob.byteLength);
  });

  it('DIGEST_UNSUPPORTED: a digest algorithm Zastava does not verify', async () => {
    const layer = { ...describeBlob(TAR, TAR), digest: `md5:${'0'.repeat(32)}` };
    await expect(codeOf(readLayerStream(layer, chunks(TAR), collector(), LIMIT))).resolves.toBe(
      'DIGEST_UNSUPPORTED',
    );
  });

  it('stops when aborted', async () => {
    const blob = zlib.gzipSync(TAR);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      readLayerStream(describeBlob(blob), chunks(blob), collector(), { ...LIMIT, signal: controller.signal }),
    ).rejects.toThrow('stop');
  });
});
