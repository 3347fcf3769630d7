import { getCompileCacheDir } from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts one layer worker (layer-worker.ts). Its own module, importing nothing of ours, so that
 * `stella seal` can start it before the rest of the command line loads (cli/seal-pool.ts).
 */
export function spawnLayerWorker(): Worker {
  return new Worker(new URL('./layer-worker.ts', import.meta.url), workerOptions());
}

/**
 * A worker does not inherit `module.enableCompileCache()` (bin/stella.js calls it): it would strip and
 * compile its modules again, ~130 ms of CPU instead of ~55 ms. Passing the directory on makes it use
 * the same cache; a process without a cache starts its workers as before.
 */
function workerOptions(): WorkerOptions | undefined {
  const dir = getCompileCacheDir?.();
  return dir ? { env: { ...process.env, NODE_COMPILE_CACHE: dir } } : undefined;
}
