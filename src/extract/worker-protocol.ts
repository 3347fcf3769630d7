import type { LayerStreamResult } from '../image/layer-stream.ts';
import type { LayerJob } from './layer-reader.ts';
import type { LayerRecord } from './layer-records.ts';

/** Messages between the main thread and a layer worker (layer-worker.ts). */
export type ToWorker =
  | {
      readonly type: 'job';
      readonly id: number;
      readonly job: LayerJob;
      /** Region mode: the job's chunks arrive as slots of this buffer, each `chunkBytes` long. */
      readonly shared?: { readonly buffer: SharedArrayBuffer; readonly chunkBytes: number };
    }
  /** Raw blob bytes; the ArrayBuffer is transferred, not copied. */
  | { readonly type: 'chunk'; readonly id: number; readonly chunk: Uint8Array }
  /** Region mode: `length` raw bytes are in slot `slot` of the job's shared buffer. */
  | { readonly type: 'chunk'; readonly id: number; readonly slot: number; readonly length: number }
  /** The blob ended; the main thread hashed its stored bytes as it sent them (hex, the layer digest's algorithm). */
  | { readonly type: 'end'; readonly id: number; readonly storedDigestHex: string }
  /** Stop a job (its extraction failed or was aborted); the worker stays up for other jobs. */
  | { readonly type: 'cancel'; readonly id: number };

export type FromWorker =
  /**
   * The worker is done with one chunk (its decompressor consumed it): the main thread may send another,
   * into `slot` in region mode (flow control).
   */
  | { readonly type: 'ack'; readonly id: number; readonly slot?: number }
  | { readonly type: 'records'; readonly id: number; readonly records: LayerRecord[] }
  | { readonly type: 'done'; readonly id: number; readonly result: LayerStreamResult }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export interface SerializedError {
  /** Which ZastavaError subclass to rebuild, or 'other' for a plain Error. */
  readonly module: 'image' | 'extract' | 'other';
  readonly code?: string;
  readonly message: string;
  readonly hint?: string;
  readonly name: string;
  readonly stack?: string;
}
