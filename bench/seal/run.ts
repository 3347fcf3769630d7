/**
 * Issue 2's seal benchmark: the floor against our reader (and `stella seal` itself), each run as its own
 * process, interleaved, N times; prints medians, ratios to the floor and peak RSS.
 *   node bench/seal/run.ts IMAGE_REF [--runs 7] [--stella] [--modes] [--all] [--compile-cache]
 * --modes adds the reader forced inline and forced onto workers; --all hashes every file, not only the
 * default facets' (the memory benchmark); --compile-cache runs every contender with NODE_COMPILE_CACHE
 * (V8 code cache on disk, filled by the warm-up runs), as a CLI that enables it would start.
 * IMAGE_REF is an `oci:` layout (the floor reads layouts only): the realistic corpus, or the synthetic
 * image from bench/seal/make-synthetic.ts. Wall and CPU come from GNU time (all threads of the process).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '7' },
    stella: { type: 'boolean' },
    modes: { type: 'boolean' },
    'compile-cache': { type: 'boolean' },
    all: { type: 'boolean' },
  },
});
const ref = positionals[0];
if (!ref?.startsWith('oci:'))
  throw new Error(
    'usage: node bench/seal/run.ts oci:LAYOUT[:TAG] [--runs N] [--stella] [--modes] [--all] [--compile-cache]',
  );
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Contender {
  name: string;
  args: string[];
}
const work = await mkdtemp(join(tmpdir(), 'zastava-bench-'));
const contenders: Contender[] = [
  { name: 'floor', args: [here('./floor.ts'), ref] },
  { name: 'extract', args: [here('./extract.ts'), ref] },
];
if (values.modes) {
  contenders.push({ name: 'extract --inline', args: [here('./extract.ts'), ref, '--inline'] });
  contenders.push({ name: 'extract --workers', args: [here('./extract.ts'), ref, '--workers'] });
}
if (values.all) for (const c of contenders) if (c.name.startsWith('extract')) c.args.push('--all');
if (values.stella) {
  const key = join(work, 'bench');
  execFileSync(process.execPath, [join(root, 'bin/stella.js'), 'keys', 'generate', '--output-prefix', key], {
    stdio: 'ignore',
  });
  contenders.push({
    name: 'stella seal',
    args: [
      join(root, 'bin/stella.js'),
      'seal',
      ref,
      '--key',
      `${key}.key`,
      '--format',
      'json',
      '--output',
      join(work, 'seals.json'),
    ],
  });
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
}
async function measure(c: Contender): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, ...c.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !line) {
        reject(new Error(`${c.name} failed (${code}): ${stderr.trim()} ${stdout.trim()}`));
        return;
      }
      resolve({
        wallMs: Number(line[1]) * 1000,
        cpuMs: (Number(line[2]) + Number(line[3])) * 1000,
        maxRssKb: Number(line[4]),
      });
    });
  });
}

const runs = Number(values.runs);
const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
const loadBefore = loadavg()[0]!;
for (const c of contenders) await measure(c); // warm the page cache (and the compile cache)
for (let i = 0; i < runs; i++) {
  // Rotate the order so no contender always runs first (or right after another's cache effects).
  for (let k = 0; k < contenders.length; k++) {
    const c = contenders[(i + k) % contenders.length]!;
    samples.get(c.name)!.push(await measure(c));
  }
}
const loadAfter = loadavg()[0]!;
await rm(work, { recursive: true, force: true });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const floor = samples.get('floor')!;
const floorWall = median(floor.map((s) => s.wallMs));
const floorCpu = median(floor.map((s) => s.cpuMs));
console.log(
  `image ${ref}; ${runs} runs each, interleaved; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${process.env.NPROC ?? ''}`.trim(),
);
console.log(
  ['contender'.padEnd(18), 'wall (median)', 'ratio', 'cpu (median)', 'ratio', 'peak RSS (max)'].join('  '),
);
for (const [name, list] of samples) {
  const wall = median(list.map((s) => s.wallMs));
  const cpu = median(list.map((s) => s.cpuMs));
  const rss = Math.max(...list.map((s) => s.maxRssKb));
  console.log(
    [
      name.padEnd(18),
      `${(wall / 1000).toFixed(2)} s`.padStart(13),
      (wall / floorWall).toFixed(2).padStart(5),
      `${(cpu / 1000).toFixed(2)} s`.padStart(12),
      (cpu / floorCpu).toFixed(2).padStart(5),
      `${(rss / 1024).toFixed(0)} MB`.padStart(14),
    ].join('  '),
  );
}
console.log(
  `walls (s): ${[...samples].map(([n, l]) => `${n}: ${l.map((s) => (s.wallMs / 1000).toFixed(2)).join(' ')}`).join(' | ')}`,
);
