import type { Transform } from 'node:stream';
import { poolOutputSize, releaseOutput } from './output-pool.ts';

/** A decompressor fed chunk by chunk, handing its output to `deliver` in order. */
export interface Decoder {
  /** The decompressor's failure, if any; bytes written after it are dropped (still hashed by the caller). */
  readonly error: unknown;
  /** Resolves once the chunk has been consumed, so its buffer may then be reused. */
  write(chunk: Uint8Array): Promise<void>;
  /** Resolves once the last output has been delivered (or the decompressor failed). */
  end(): Promise<void>;
  stop(): void;
}

/** A decoder over one node:zlib stream, which also says how many input bytes the stream took. */
export interface StreamDecoder extends Decoder {
  /**
   * Input bytes the decompressor consumed. A raw deflate stream stops consuming at its end marker, so
   * after a write this is less than what was written exactly when the stream ended inside that chunk.
   */
  readonly consumed: number;
}

/**
 * Runs `stream` with its reader beside the writer, so the next chunk decompresses (on the libuv pool)
 * while this one is hashed and parsed. A truncated zstd stream errors only after 'finish', so 'end' is
 * what counts. `deliver` must not keep the chunk: once it returns, the chunk's buffer goes back to the
 * output pool (output-pool.ts) when the chunk was its last slice.
 */
export function streamDecoder(
  stream: Transform & { readonly bytesWritten: number },
  deliver: (chunk: Uint8Array) => void,
): StreamDecoder {
  let error: unknown;
  let stopped = false;
  const reading = (async () => {
    try {
      for await (const out of stream) {
        if (!stopped) deliver(out as Buffer);
        releaseOutput(out as Buffer);
      }
    } catch (e) {
      if (!stopped) error = e;
    }
  })();
  return {
    get error() {
      return error;
    },
    get consumed() {
      return stream.bytesWritten;
    },
    /**
     * Resolves on the write callback, not on 'drain' (a chunk under the stream's high-water mark would
     * drain at once): the decompressor has then consumed the whole chunk.
     */
    async write(chunk) {
      if (stopped || error !== undefined || stream.destroyed) return;
      await new Promise<void>((resolve) => {
        // A stream that fails mid-chunk never calls back: its 'close' lets the chunk go as well.
        const done = (): void => {
          stream.off('close', done);
          resolve();
        };
        stream.on('close', done);
        stream.write(chunk, done);
      });
    },
    async end() {
      if (!stopped && !stream.destroyed) stream.end();
      await reading;
    },
    stop() {
      stopped = true;
      stream.destroy();
    },
  };
}

/** An error shaped like node:zlib's, so callers rank it the same way (`Z_BUF_ERROR` = truncated). */
export function zlibLikeError(code: 'Z_BUF_ERROR' | 'Z_DATA_ERROR', message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * A decompressor's options: output in `chunkSize` pieces, and a few chunks of read-ahead so that it keeps
 * going while the consumer hashes a large file (`readableHighWaterMark`, a Transform option node:zlib
 * passes on). Output buffers of that size are recycled (output-pool.ts).
 */
export function readAhead(chunkSize: number): { chunkSize: number; readableHighWaterMark: number } {
  poolOutputSize(chunkSize);
  return { chunkSize, readableHighWaterMark: 4 * chunkSize };
}
