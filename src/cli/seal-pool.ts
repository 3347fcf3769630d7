import type { Worker } from 'node:worker_threads';
import type { LayerPool } from '../extract/layer-runner.ts';
import { spawnLayerWorker } from '../extract/layer-worker-spawn.ts';

/**
 * The layer worker of `stella seal`. Its boot (a fresh isolate, then the reader's modules: 70–130 ms
 * here) is the longest step before the first byte of a layer is read, longer than the main thread's own
 * start-up to the image's manifests; so bin/stella.js starts it before anything else loads, this module
 * importing nothing but the spawn (docs/decisions.md, "Seal benchmark, fifth and sixth passes").
 */
let early: Worker | undefined;

/** Whether `stella seal ARGS` reads layers: not for `rootfs:` (a directory), not for `--help`. */
export function sealReadsLayers(args: readonly string[]): boolean {
  return args.length > 0 && !args.some((a) => a === '--help' || a === '-h' || a.startsWith('rootfs:'));
}

/** bin/stella.js, first thing: starts the worker that `stella seal ARGS` will take (and returns it). */
export function startSealPool(args: readonly string[]): Worker | undefined {
  if (sealReadsLayers(args)) early = spawnLayerWorker();
  return early;
}

/**
 * The pool for `stella seal ARGS` (its caller closes it), with the worker started early if there is
 * one; undefined when the command reads no layers. A usage error found later costs a worker that is
 * closed at once.
 */
export async function takeSealPool(args: readonly string[]): Promise<LayerPool | undefined> {
  if (!sealReadsLayers(args)) return undefined;
  const started = early === undefined ? [] : [early];
  early = undefined;
  return (await import('../extract/layer-runner.ts')).createLayerPool(undefined, started);
}
