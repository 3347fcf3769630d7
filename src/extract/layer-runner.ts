import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { parseDigest } from '../image/digest.ts';
import type { LayerStreamResult } from '../image/layer-stream.ts';
import { STREAM_CHUNK_BYTES } from '../image/layout-store.ts';
import { regionChunks } from '../image/region-chunks.ts';
import type { BlobRegion } from '../image/source.ts';
import { ExtractError } from './errors.ts';
import { deserializeError } from './errors-transfer.ts';
import type { LayerJob } from './layer-reader.ts';
import type { LayerRecord } from './layer-records.ts';
import { spawnLayerWorker } from './layer-worker-spawn.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/** A layer's stored bytes: streamed chunks, or a region of a file read into the runner's buffers. */
export type BlobInput = AsyncIterable<Uint8Array> | BlobRegion;

const isRegion = (blob: BlobInput): blob is BlobRegion => 'read' in blob;

/** Runs layer jobs: on worker threads, or on the calling thread. */
export interface LayerRunner {
  run(
    job: LayerJob,
    blob: BlobInput,
    onRecords: (records: LayerRecord[]) => void,
    onBytes: (n: number) => void,
    signal: AbortSignal,
  ): Promise<LayerStreamResult>;
  close(): Promise<void>;
}

/**
 * On the calling thread: decompression still runs on the libuv pool, hashing and parsing here. The reader's
 * modules load on the first run: a process that reads on workers does not load them on its main thread.
 */
export function inlineRunner(): LayerRunner {
  return {
    run: async (job, blob, onRecords, onBytes, signal) =>
      (await import('./layer-reader.ts')).readLayer(
        job,
        counted(isRegion(blob) ? regionChunks(blob) : blob, onBytes),
        onRecords,
        signal,
      ),
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

/**
 * Default worker count: one per two cores. Each layer in flight keeps about two cores busy — libuv's pool
 * decompressing, a worker hashing and parsing — and one worker serves several layers at once.
 */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/**
 * A pool of `size` layer workers; call `close()` when done with it. `started` are workers already
 * booting (spawnLayerWorker), taken first.
 */
export function createLayerPool(size = defaultWorkerCount(), started: readonly Worker[] = []): LayerPool {
  return workerPool(Math.max(1, size, started.length), started);
}

/**
 * Chunks (of STREAM_CHUNK_BYTES) posted to a worker for one job and not yet released (consumed by its
 * decompressor): bounds memory per layer in flight (12 MiB). For a region, also the number of slots of
 * the job's shared buffer.
 */
const WINDOW = 6;

/**
 * A pool of layer workers, each running several jobs at once. The main thread reads raw blob chunks,
 * hashes them (the stored digest) and transfers their ArrayBuffers (no copy); a worker decompresses (on
 * its libuv pool), hashes the diff_id, parses the tar and hashes contents. So even one big layer's work is
 * spread over three threads. A failed job is cancelled, never its worker: a pool may be shared.
 */
export function workerPool(size: number, started: readonly Worker[] = []): LayerRunner {
  const workers: Array<{ worker: Worker; jobs: number }> = [];
  const waiting = [...started];
  let nextId = 1;
  const spawn = (): { worker: Worker; jobs: number } => {
    const entry = { worker: waiting.shift() ?? spawnLayerWorker(), jobs: 0 };
    entry.worker.unref();
    // A crashed worker leaves the pool; its jobs fail through their own listeners.
    const drop = (): void => {
      const at = workers.indexOf(entry);
      if (at !== -1) workers.splice(at, 1);
    };
    entry.worker.once('error', drop);
    entry.worker.once('exit', drop);
    workers.push(entry);
    return entry;
  };
  // Started at once: they boot while the main thread opens the first blobs.
  for (let i = 0; i < size; i++) spawn();
  const acquire = (): { worker: Worker; jobs: number } => {
    if (workers.length < size) return spawn();
    return workers.reduce((a, b) => (b.jobs < a.jobs ? b : a));
  };

  return {
    async run(job, blob, onRecords, onBytes, signal) {
      // The stored bytes are hashed here, as they are sent: the worker then hashes only the uncompressed
      // stream and the file contents, so a big layer's work is split over two threads (and the pool's).
      const storedHash = createHash(
        parseDigest(job.layer.digest, `layer digest ${job.layer.digest}`).algorithm,
      );
      const entry = acquire();
      const { worker } = entry;
      entry.jobs++;
      const id = nextId++;
      let credits = WINDOW;
      // Region mode: the main thread reads straight into free slots of one shared buffer, which the worker
      // decompresses in place and hands back (an ack naming the slot); nothing is allocated or transferred
      // per chunk. Stream mode: chunks' ArrayBuffers are transferred, and an ack is a credit.
      const shared = isRegion(blob) ? new SharedArrayBuffer(WINDOW * STREAM_CHUNK_BYTES) : undefined;
      const freeSlots = Array.from({ length: WINDOW }, (_, i) => WINDOW - 1 - i);
      let wake: (() => void) | null = null;
      let settled = false;
      const send = (message: ToWorker, transfer: ArrayBuffer[] = []): void =>
        worker.postMessage(message, transfer);
      let failJob: (error: Error, cancel: boolean) => void = () => {};
      const outcome = new Promise<LayerStreamResult>((resolve, reject) => {
        const finish = (): void => {
          settled = true;
          entry.jobs--;
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          signal.removeEventListener('abort', onAbort);
          wake?.();
        };
        const fail = (error: Error, cancel: boolean): void => {
          if (settled) return;
          finish();
          if (cancel) send({ type: 'cancel', id });
          reject(error);
        };
        failJob = fail;
        const onMessage = (m: FromWorker): void => {
          if (m.id !== id || settled) return;
          if (m.type === 'ack') {
            if (m.slot === undefined) credits++;
            else freeSlots.push(m.slot);
            const w = wake;
            wake = null;
            w?.();
          } else if (m.type === 'records') {
            try {
              onRecords(m.records);
            } catch (error) {
              fail(asError(error), true);
            }
          } else if (m.type === 'done') {
            finish();
            resolve(m.result);
          } else {
            finish();
            reject(deserializeError(m.error));
          }
        };
        const onError = (error: Error): void =>
          fail(
            new ExtractError(
              'EXTRACT_WORKER_FAILED',
              `layer worker crashed reading layer ${job.layer.digest}: ${error.message}`,
              {
                cause: error,
              },
            ),
            false,
          );
        const onExit = (code: number): void =>
          fail(
            new ExtractError(
              'EXTRACT_WORKER_FAILED',
              `layer worker exited (${code}) reading layer ${job.layer.digest}`,
            ),
            false,
          );
        const onAbort = (): void => fail(asError(signal.reason), true);
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      outcome.catch(() => {});

      try {
        if (!settled) {
          send({
            type: 'job',
            id,
            job,
            ...(shared ? { shared: { buffer: shared, chunkBytes: STREAM_CHUNK_BYTES } } : {}),
          });
        }
        if (shared && isRegion(blob)) {
          let position = 0;
          for (;;) {
            while (freeSlots.length === 0 && !settled) await new Promise<void>((resolve) => (wake = resolve));
            if (settled) break;
            const slot = freeSlots.pop()!;
            const view = new Uint8Array(shared, slot * STREAM_CHUNK_BYTES, STREAM_CHUNK_BYTES);
            const n = await blob.read(view, position);
            if (settled) break;
            if (n === 0) {
              freeSlots.push(slot);
              break;
            }
            position += n;
            onBytes(n);
            storedHash.update(view.subarray(0, n));
            send({ type: 'chunk', id, slot, length: n });
          }
        } else if (!isRegion(blob)) {
          for await (const raw of blob) {
            if (settled) break;
            while (credits === 0 && !settled) await new Promise<void>((resolve) => (wake = resolve));
            if (settled) break;
            credits--;
            onBytes(raw.byteLength);
            storedHash.update(raw);
            const chunk = ownBuffer(raw);
            send({ type: 'chunk', id, chunk }, [chunk.buffer as ArrayBuffer]);
          }
        }
        if (!settled) send({ type: 'end', id, storedDigestHex: storedHash.digest('hex') });
        return await outcome;
      } catch (error) {
        // The blob failed under us (a read error): the worker's job waits for chunks, so cancel it.
        failJob(asError(error), true);
        throw error;
      }
    },
    close() {
      // Not awaited: the workers are unref'd and idle, and termination can take long on a busy machine.
      for (const { worker } of workers) void worker.terminate();
      workers.length = 0;
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
