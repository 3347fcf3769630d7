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
      const { id, job, shared } = message;
      const chunks = new ChunkChannel(
        (slot) => post(slot === undefined ? { type: 'ack', id } : { type: 'ack', id, slot }),
        shared,
      );
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
      if ('slot' in message) jobs.get(message.id)?.pushSlot(message.slot, message.length);
      else jobs.get(message.id)?.push(message.chunk);
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

/**
 * The blob's chunks as an async iterable. A chunk is released when the reader asks for the next one (the
 * layer stream is then done with it: its decompressor consumed it); `onRelease` acks it to the main
 * thread, naming its slot of the shared buffer in region mode, so the main thread can send another.
 */
class ChunkChannel implements AsyncIterable<Uint8Array> {
  private readonly queue: Array<{ chunk: Uint8Array; slot: number | undefined }> = [];
  private closed = false;
  private failure: Error | null = null;
  private waiter: (() => void) | null = null;
  private readonly onRelease: (slot: number | undefined) => void;
  private readonly shared: { readonly buffer: SharedArrayBuffer; readonly chunkBytes: number } | undefined;
  /** Set by the 'end' message, read by the layer stream once the chunks have ended. */
  storedDigestHex = '';

  constructor(
    onRelease: (slot: number | undefined) => void,
    shared?: { readonly buffer: SharedArrayBuffer; readonly chunkBytes: number },
  ) {
    this.onRelease = onRelease;
    this.shared = shared;
  }

  push(chunk: Uint8Array): void {
    this.queue.push({ chunk, slot: undefined });
    this.wake();
  }

  pushSlot(slot: number, length: number): void {
    const { buffer, chunkBytes } = this.shared!;
    this.queue.push({ chunk: new Uint8Array(buffer, slot * chunkBytes, length), slot });
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
    let held: { slot: number | undefined } | undefined;
    for (;;) {
      if (held !== undefined) {
        this.onRelease(held.slot);
        held = undefined;
      }
      if (this.failure) throw this.failure;
      const next = this.queue.shift();
      if (next !== undefined) {
        held = next;
        yield next.chunk;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
