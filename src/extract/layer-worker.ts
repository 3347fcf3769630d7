import { parentPort } from 'node:worker_threads';
import { serializeError } from './errors-transfer.ts';
import { readLayer } from './layer-reader.ts';
import type { LayerRecord } from './layer-records.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/**
 * A layer worker: for each job, receives the raw blob's chunks (already hashed by the main thread), runs
 * readLayer (decompress, hash the diff_id, parse, hash contents) and posts records back. Several jobs run
 * at once, interleaved on this thread while their decompression runs on the libuv pool.
 */
const port = parentPort;
if (!port) throw new Error('layer-worker.ts must run as a worker thread');

const jobs = new Map<number, ChunkChannel>();

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'job': {
      const { id, job } = message;
      const chunks = new ChunkChannel(() => post({ type: 'ack', id }));
      jobs.set(id, chunks);
      readLayer(
        job,
        chunks,
        (records) => post({ type: 'records', id, records }, transferables(records)),
        undefined,
        () => chunks.storedDigestHex,
      ).then(
        (result) => {
          jobs.delete(id);
          post({ type: 'done', id, result });
        },
        (error: unknown) => {
          jobs.delete(id);
          post({ type: 'error', id, error: serializeError(error) });
        },
      );
      break;
    }
    case 'chunk':
      jobs.get(message.id)?.push(message.chunk);
      break;
    case 'end':
      jobs.get(message.id)?.close(message.storedDigestHex);
      break;
    case 'cancel':
      jobs.get(message.id)?.fail(new Error('layer job cancelled'));
      break;
  }
});

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/** Captured file contents are moved to the main thread, not copied. */
function transferables(records: LayerRecord[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const r of records) {
    if (
      (r.op === 'file' || r.op === 'content') &&
      r.captured &&
      r.captured.byteLength === r.captured.buffer.byteLength
    ) {
      out.push(r.captured.buffer as ArrayBuffer);
    }
  }
  return out;
}

/** The blob's chunks as an async iterable; `onTake` runs each time the reader takes one (flow control). */
class ChunkChannel implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private closed = false;
  private failure: Error | null = null;
  private waiter: (() => void) | null = null;
  private readonly onTake: () => void;
  /** Set by the 'end' message, read by the layer stream once the chunks have ended. */
  storedDigestHex = '';

  constructor(onTake: () => void) {
    this.onTake = onTake;
  }

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.wake();
  }

  close(storedDigestHex: string): void {
    this.storedDigestHex = storedDigestHex;
    this.closed = true;
    this.wake();
  }

  fail(error: Error): void {
    this.failure = error;
    this.queue.length = 0;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        this.onTake();
        yield chunk;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
