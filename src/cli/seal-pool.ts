import type { LayerPool } from '../extract/layer-runner.ts';

/**
 * The layer worker of `stella seal`. Its boot (a fresh isolate, then the reader's modules: 80–120 ms
 * here) is the longest step before the first byte of a layer is read, longer than the main thread's own
 * start-up to the image's manifests; so bin/stella.js starts it before anything else loads
 * (docs/decisions.md, "Seal benchmark, fifth pass").
 */
let early: Promise<LayerPool> | undefined;

/** Whether `stella seal ARGS` reads layers: not for `rootfs:` (a directory), not for `--help`. */
export function sealReadsLayers(args: readonly string[]): boolean {
  return args.length > 0 && !args.some((a) => a === '--help' || a === '-h' || a.startsWith('rootfs:'));
}

/** bin/stella.js, first thing: starts the pool that `stella seal ARGS` will take. */
export function startSealPool(args: readonly string[]): void {
  if (sealReadsLayers(args)) early = createPool();
}

/**
 * The pool for `stella seal ARGS` (its caller closes it): the one started early, or a new one; undefined
 * when the command reads no layers. A usage error found later costs a worker that is closed at once.
 */
export async function takeSealPool(args: readonly string[]): Promise<LayerPool | undefined> {
  if (!sealReadsLayers(args)) return undefined;
  const pool = early ?? createPool();
  early = undefined;
  return pool;
}

async function createPool(): Promise<LayerPool> {
  return (await import('../extract/layer-runner.ts')).createLayerPool();
}
