// What `stella seal` loads before its first layer read, module by module, in load order, each timed as
// the increment of a dynamic import in one fresh process: node bench/seal/imports.ts
import { performance } from 'node:perf_hooks';

const steps: [string, () => Promise<unknown>][] = [
  ['zod', () => import('zod')],
  ['src/model (all schemas)', () => import('../../src/model/seal.ts')],
  ['src/cli/main.ts', () => import('../../src/cli/main.ts')],
  ['src/cli/seal.ts', () => import('../../src/cli/seal.ts')],
  ['src/config/store.ts', () => import('../../src/config/store.ts')],
  ['src/facets/load.ts', () => import('../../src/facets/load.ts')],
  ['src/seal/seal-image.ts', () => import('../../src/seal/seal-image.ts')],
  ['src/cli/key-options.ts', () => import('../../src/cli/key-options.ts')],
  ['src/extract/layer-runner.ts', () => import('../../src/extract/layer-runner.ts')],
];
const t0 = performance.now();
for (const [name, load] of steps) {
  const t = performance.now();
  await load();
  console.log(`${(performance.now() - t).toFixed(1).padStart(7)} ms  ${name}`);
}
const { defaultFacets } = await import('../../src/facets/load.ts');
let t = performance.now();
defaultFacets();
console.log(`${(performance.now() - t).toFixed(1).padStart(7)} ms  defaultFacets() (first call)`);
t = performance.now();
defaultFacets();
console.log(`${(performance.now() - t).toFixed(1).padStart(7)} ms  defaultFacets() (second call)`);
console.log(
  `${(performance.now() - t0).toFixed(1).padStart(7)} ms  total; process up ${performance.now().toFixed(0)} ms`,
);
