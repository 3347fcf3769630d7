import { getCompileCacheDir } from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts one layer worker (layer-worker.ts). Its own module, importing nothing of ours, so that
 * `stella seal` can start it before the rest of the command line loads (cli/seal-pool.ts).
 */
export function spawnLayerWorker(): Worker {
  return new Worker(new URL('./layer-worker.ts', import.meta.url), workerOptions());
}

/** The worker compiles from the same code cache as this thread, when the process has one. */
function workerOptions(): WorkerOptions | undefined {
  const dir = getCompileCacheDir?.();
  return dir ? { env: { ...process.env, NODE_COMPILE_CACHE: dir } } : undefined;
}
