// Run: node src/merkle/merkle.bench.ts [entries]   (prints medians of 5 runs; not a test)
import { randomBytes } from 'node:crypto';
import { computeMerkle, inclusionProof, sortEntriesByPath } from './index.ts';
import type { LeafFields } from './leaf.ts';

const n = Number(process.argv[2] ?? 200_000);
const entries: LeafFields[] = Array.from({ length: n }, (_, i) => ({
  path: `/usr/lib/python3/dist-packages/pkg${i % 997}/sub${i % 13}/module_${i}.py`,
  type: 'file',
  contentHash: `sha256:${randomBytes(32).toString('hex')}`,
  size: i * 13,
  mode: '0644',
}));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs: number[] = [];
const time = (f: () => unknown): number => {
  const t = performance.now();
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  cpuMs.push((d.user + d.system) / 1000);
  return performance.now() - t;
};

const sortMs: number[] = [];
const merkleMs: number[] = [];
const proofMs: number[] = [];
const merkleCpuMs: number[] = [];
for (let run = 0; run < 5; run++) {
  let sorted: LeafFields[] = [];
  let hashes: Uint8Array[] = [];
  sortMs.push(time(() => (sorted = sortEntriesByPath(entries))));
  merkleMs.push(time(() => (hashes = computeMerkle(sorted).leafHashes)));
  merkleCpuMs.push(cpuMs.at(-1)!);
  proofMs.push(time(() => inclusionProof(hashes, n >> 1)));
}
console.log(
  `${n} entries: sort ${median(sortMs).toFixed(0)} ms, computeMerkle ${median(merkleMs).toFixed(0)} ms (CPU ${median(merkleCpuMs).toFixed(0)} ms), ` +
    `one inclusion proof ${median(proofMs).toFixed(0)} ms (wall-clock medians of 5)`,
);
