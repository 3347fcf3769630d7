import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { readAhead, streamDecoder, type Decoder } from './decoder.ts';
import { parseDigest } from './digest.ts';
import { ImageError } from './errors.ts';
import { gzipDecoder } from './gzip-decoder.ts';
import type { LayerDescriptor } from './source.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * The compression of a layer, from its first bytes: gzip `1f 8b`, zstd frame `28 b5 2f fd`, otherwise a
 * plain tar. Media types are not trusted: BuildKit labels zstd layers with a non-standard type (NOTES.md).
 */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return 'zstd';
  return 'none';
}

/** Receives a layer's uncompressed tar bytes, in order. */
export interface LayerConsumer {
  /**
   * May throw to report a content error; the layer is then still read to its end and verified. The chunk
   * is lent: its buffer is reused once this returns (output-pool.ts), so copy whatever is kept.
   */
  write(chunk: Uint8Array): void;
  /** Called once after the last byte when no write threw; may throw (a tar cut mid-entry). */
  end(): void;
}

export interface LayerStreamOptions {
  /** SPEC §4: a layer's uncompressed size limit. */
  readonly maxUncompressedBytes: number;
  readonly signal?: AbortSignal | undefined;
  /** Output chunk size of the decompressor (fewer, larger chunks cost less per byte). */
  readonly chunkSize?: number;
  /**
   * The stored bytes' hex digest (in the layer digest's algorithm), computed by whoever read them — the
   * main thread, when a worker reads the layer — and asked for once the blob has ended. The bytes are then
   * not hashed a second time here; every check and its ranking stay the same.
   */
  readonly storedDigestHex?: () => string;
}

export interface LayerStreamResult {
  readonly compression: Compression;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
}

/**
 * The decompressor's output chunk. node:zlib inflates one output buffer per call on libuv's pool and
 * issues the next call only from its JS thread, after delivering this one: while that thread hashes and
 * parses, the inflate waits. 1 MiB instead of 256 KiB makes four times fewer such hand-offs (~4 % off
 * `stella seal`; 2 and 4 MiB were slower again: docs/decisions.md, "Seal benchmark, fourth pass").
 */
const DEFAULT_CHUNK = 1 << 20;

/**
 * One pass over a layer blob: hash the stored bytes (the manifest's digest), decompress, hash the tar
 * (the config's diff_id) and hand it to `consumer`. The blob is always read to its end (a reader that
 * stops early accepts bytes that do not match their digest, SPEC §3). When several things are wrong, the
 * error reported is the most fundamental: the blob's length, then its digest, then its compression, then
 * its diff_id, and only then what the consumer found in a tar whose bytes are the ones the image names.
 */
export async function readLayerStream(
  layer: LayerDescriptor,
  blob: AsyncIterable<Uint8Array>,
  consumer: LayerConsumer,
  options: LayerStreamOptions,
): Promise<LayerStreamResult> {
  const blobDigest = parseDigest(layer.digest, `layer digest ${layer.digest}`);
  const diffDigest = parseDigest(layer.diffId, `diff_id of layer ${layer.digest}`);
  const blobHash = options.storedDigestHex ? null : createHash(blobDigest.algorithm);
  const diffHash = createHash(diffDigest.algorithm);
  const name = `layer ${layer.digest}`;
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  let contentError: Error | undefined;
  let tooLarge = false;

  const deliver = (chunk: Uint8Array): void => {
    if (tooLarge) return;
    uncompressedBytes += chunk.byteLength;
    if (uncompressedBytes > options.maxUncompressedBytes) {
      tooLarge = true;
      decoder?.stop();
      return;
    }
    diffHash.update(chunk);
    if (contentError !== undefined) return;
    try {
      consumer.write(chunk);
    } catch (error) {
      contentError = error instanceof Error ? error : new Error(String(error));
    }
  };

  let decoder: Decoder | undefined;
  let compression: Compression = 'none';
  /** The decoder for what the first bytes (`head`) show the layer to be. */
  const open = (): Decoder => {
    compression = sniffCompression(Buffer.concat(head));
    return createDecoder(compression, deliver, options.chunkSize ?? DEFAULT_CHUNK);
  };
  let head: Uint8Array[] = [];
  let headBytes = 0;
  try {
    for await (const chunk of blob) {
      options.signal?.throwIfAborted();
      compressedBytes += chunk.byteLength;
      if (compressedBytes > layer.size) {
        throw new ImageError(
          'BLOB_DIGEST_MISMATCH',
          `${name} is longer than the ${layer.size} bytes its manifest gives`,
        );
      }
      blobHash?.update(chunk);
      if (decoder) {
        await decoder.write(chunk);
        continue;
      }
      // Copied: the chunk's buffer may be reused once the next chunk is asked for (regionChunks).
      head.push(Uint8Array.from(chunk));
      headBytes += chunk.byteLength;
      if (headBytes >= 4) {
        decoder = open();
        for (const c of head) await decoder.write(c);
        head = [];
      }
    }
    decoder ??= open();
    for (const c of head) await decoder.write(c);
    await decoder.end();
    options.signal?.throwIfAborted();
  } catch (error) {
    decoder?.stop();
    throw error;
  }

  if (compressedBytes < layer.size) {
    throw new ImageError(
      'LAYER_TRUNCATED',
      `${name} ends after ${compressedBytes} of its ${layer.size} bytes`,
      {
        hint: 'the blob was cut short (an interrupted copy or download); fetch or save the image again',
      },
    );
  }
  const blobHex = blobHash ? blobHash.digest('hex') : options.storedDigestHex!();
  if (blobHex !== blobDigest.hex && !(layer.storedDigestUnknown === true && compression !== 'none')) {
    throw new ImageError(
      'BLOB_DIGEST_MISMATCH',
      `${name}: its bytes hash to ${blobDigest.algorithm}:${blobHex}`,
      {
        hint: 'the blob is corrupt or was altered; fetch or save the image again',
      },
    );
  }
  if (decoder.error !== undefined) {
    const truncated = (decoder.error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
    throw new ImageError(
      truncated ? 'LAYER_TRUNCATED' : 'LAYER_CORRUPT',
      truncated
        ? `${name}: its ${compression} stream ends before its end marker`
        : `${name}: its ${compression} stream is corrupt (${(decoder.error as Error).message})`,
      { cause: decoder.error },
    );
  }
  if (tooLarge) {
    throw new ImageError(
      'LAYER_TOO_LARGE',
      `${name} decompresses to more than ${options.maxUncompressedBytes} bytes`,
      {
        hint: 'raise the layer size limit if this image is trusted',
      },
    );
  }
  const diffHex = diffHash.digest('hex');
  if (diffHex !== diffDigest.hex) {
    throw new ImageError(
      'DIFF_ID_MISMATCH',
      `${name}: its uncompressed tar hashes to ${diffDigest.algorithm}:${diffHex}, but the config's diff_id is ${layer.diffId}`,
      {
        hint: 'the image config does not describe this layer; rebuild or re-push the image',
      },
    );
  }
  if (contentError !== undefined) throw contentError;
  consumer.end();
  return { compression, compressedBytes, uncompressedBytes };
}

function createDecoder(
  compression: Compression,
  deliver: (chunk: Uint8Array) => void,
  chunkSize: number,
): Decoder {
  if (compression === 'none') return plainDecoder(deliver);
  if (compression === 'gzip') return gzipDecoder(deliver, chunkSize);
  return streamDecoder(zlib.createZstdDecompress(readAhead(chunkSize)), deliver);
}

function plainDecoder(deliver: (chunk: Uint8Array) => void): Decoder {
  let stopped = false;
  return {
    error: undefined,
    write: (chunk) => {
      if (!stopped) deliver(chunk);
      return Promise.resolve();
    },
    end: async () => {},
    stop: () => {
      stopped = true;
    },
  };
}
