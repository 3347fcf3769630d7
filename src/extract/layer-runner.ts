import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LayerStreamResult } from '../image/layer-stream.ts';
import { ExtractError } from './errors.ts';
import { deserializeError } from './errors-transfer.ts';
import { readLayer, type LayerJob } from './layer-reader.ts';
import type { LayerRecord } from './layer-records.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/** Runs layer jobs: on worker threads, or on the calling thread. */
export interface LayerRunner {
  run(
    job: LayerJob,
    blob: AsyncIterable<Uint8Array>,
    onRecords: (records: LayerRecord[]) => void,
    onBytes: (n: number) => void,
    signal: AbortSignal,
  ): Promise<LayerStreamResult>;
  close(): Promise<void>;
}

/** On the calling thread: decompression still runs on the libuv pool, hashing and parsing here. */
export function inlineRunner(): LayerRunner {
  return {
    run: (job, blob, onRecords, onBytes, signal) => readLayer(job, counted(blob, onBytes), onRecords, signal),
    close: async () => {},
  };
}

async function* counted(
  blob: AsyncIterable<Uint8Array>,
  onBytes: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of blob) {
    onBytes(chunk.byteLength);
    yield chunk;
  }
}

/** Worker threads that a long-running caller creates once and passes to every extraction. */
export type LayerPool = LayerRunner;

/** A pool of `size` layer workers (default: one per core); call `close()` when done with it. */
export function createLayerPool(size = availableParallelism()): LayerPool {
  return workerPool(Math.max(1, size));
}

/** Chunks (of ~1 MiB) posted to a worker and not yet taken: bounds memory per layer in flight. */
const WINDOW = 4;

/**
 * A pool of layer workers, one job each at a time. The main thread only moves raw blob chunks (their
 * ArrayBuffers transferred, not copied); each worker hashes, decompresses, hashes, parses and hashes
 * contents, so the two digests and the file hashes of different layers run on different cores.
 */
export function workerPool(size: number): LayerRunner {
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const waiting: Array<(w: Worker) => void> = [];
  let nextId = 1;
  const spawn = (): Worker => {
    const created = new Worker(new URL('./layer-worker.ts', import.meta.url));
    created.unref();
    all.push(created);
    return created;
  };
  // Started at once: each boots while the main thread opens the first blobs.
  for (let i = 0; i < size; i++) idle.push(spawn());

  const acquire = (): Promise<Worker> => {
    const w = idle.pop();
    if (w) return Promise.resolve(w);
    if (all.length < size) return Promise.resolve(spawn());
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (w: Worker): void => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };

  return {
    async run(job, blob, onRecords, onBytes, signal) {
      const worker = await acquire();
      const id = nextId++;
      let credits = WINDOW;
      let wake: (() => void) | null = null;
      let settled = false;
      let broken = false;
      const outcome = new Promise<LayerStreamResult>((resolve, reject) => {
        const finish = (): void => {
          settled = true;
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          signal.removeEventListener('abort', onAbort);
          wake?.();
        };
        const onMessage = (m: FromWorker): void => {
          if (m.id !== id) return;
          if (m.type === 'ack') {
            credits++;
            const w = wake;
            wake = null;
            w?.();
          } else if (m.type === 'records') {
            try {
              onRecords(m.records);
            } catch (error) {
              broken = true;
              finish();
              reject(asError(error));
            }
          } else if (m.type === 'done') {
            finish();
            resolve(m.result);
          } else {
            finish();
            reject(deserializeError(m.error));
          }
        };
        const onError = (error: Error): void => {
          broken = true;
          finish();
          reject(
            new ExtractError(
              'EXTRACT_WORKER_FAILED',
              `layer worker crashed reading layer ${job.layer.digest}: ${error.message}`,
              { cause: error },
            ),
          );
        };
        const onExit = (code: number): void => {
          broken = true;
          finish();
          reject(
            new ExtractError(
              'EXTRACT_WORKER_FAILED',
              `layer worker exited (${code}) reading layer ${job.layer.digest}`,
            ),
          );
        };
        const onAbort = (): void => {
          broken = true;
          finish();
          reject(asError(signal.reason));
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      outcome.catch(() => {});

      const send = (message: ToWorker, transfer: ArrayBuffer[] = []): void =>
        worker.postMessage(message, transfer);
      try {
        if (!settled) send({ type: 'job', id, job });
        for await (const raw of blob) {
          if (settled) break;
          while (credits === 0 && !settled) await new Promise<void>((resolve) => (wake = resolve));
          if (settled) break;
          credits--;
          onBytes(raw.byteLength);
          const chunk = ownBuffer(raw);
          send({ type: 'chunk', id, chunk }, [chunk.buffer as ArrayBuffer]);
        }
        if (!settled) send({ type: 'end', id });
        return await outcome;
      } catch (error) {
        // The blob failed under us (a read error): the worker still waits for chunks, so it goes.
        if (!settled) broken = true;
        throw error;
      } finally {
        if (broken) {
          all.splice(all.indexOf(worker), 1);
          void worker.terminate();
          // A waiting job gets a fresh worker instead.
          const next = waiting.shift();
          if (next) void acquire().then(next);
        } else {
          release(worker);
        }
      }
    },
    close() {
      // Not awaited: the workers are unref'd and idle, and termination can take long on a busy machine.
      for (const w of all) void w.terminate();
      all.length = 0;
      idle.length = 0;
      return Promise.resolve();
    },
  };
}

/** A chunk whose ArrayBuffer it alone spans can be transferred; anything else is copied first. */
function ownBuffer(chunk: Uint8Array): Uint8Array {
  if (
    chunk.byteOffset === 0 &&
    chunk.byteLength === chunk.buffer.byteLength &&
    chunk.buffer instanceof ArrayBuffer
  )
    return chunk;
  return new Uint8Array(chunk);
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
