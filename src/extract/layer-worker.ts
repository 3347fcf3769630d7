import { parentPort } from 'node:worker_threads';
import { serializeError } from './errors-transfer.ts';
import { readLayer } from './layer-reader.ts';
import type { LayerRecord } from './layer-records.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/**
 * A layer worker: receives a job and the raw blob's chunks, runs readLayer (hash, decompress, hash, parse,
 * hash contents) and posts records back. One job at a time; the main thread applies results in order.
 */
const port = parentPort;
if (!port) throw new Error('layer-worker.ts must run as a worker thread');

let current: { id: number; chunks: ChunkChannel } | null = null;

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'job': {
      const { id, job } = message;
      const chunks = new ChunkChannel(() => post({ type: 'ack', id }));
      current = { id, chunks };
      readLayer(job, chunks, (records) =>
        post({ type: 'records', id, records }, transferables(records)),
      ).then(
        (result) => {
          current = null;
          post({ type: 'done', id, result });
        },
        (error: unknown) => {
          current = null;
          post({ type: 'error', id, error: serializeError(error) });
        },
      );
      break;
    }
    case 'chunk':
      if (current?.id === message.id) current.chunks.push(message.chunk);
      break;
    case 'end':
      if (current?.id === message.id) current.chunks.close();
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
  private waiter: (() => void) | null = null;
  private readonly onTake: () => void;

  constructor(onTake: () => void) {
    this.onTake = onTake;
  }

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
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
