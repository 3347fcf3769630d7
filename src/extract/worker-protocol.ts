import type { LayerStreamResult } from '../image/layer-stream.ts';
import type { LayerJob } from './layer-reader.ts';
import type { LayerRecord } from './layer-records.ts';

/** Messages between the main thread and a layer worker (layer-worker.ts). */
export type ToWorker =
  | { readonly type: 'job'; readonly id: number; readonly job: LayerJob }
  /** Raw blob bytes; the ArrayBuffer is transferred, not copied. */
  | { readonly type: 'chunk'; readonly id: number; readonly chunk: Uint8Array }
  /** The blob ended; the main thread hashed its stored bytes as it sent them (hex, the layer digest's algorithm). */
  | { readonly type: 'end'; readonly id: number; readonly storedDigestHex: string }
  /** Stop a job (its extraction failed or was aborted); the worker stays up for other jobs. */
  | { readonly type: 'cancel'; readonly id: number };

export type FromWorker =
  /** The worker took one chunk: the main thread may send another (flow control). */
  | { readonly type: 'ack'; readonly id: number }
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
