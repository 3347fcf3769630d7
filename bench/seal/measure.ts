/**
 * What the seal benchmarks share: one contender run as its own process under GNU time (wall, CPU of
 * every thread and child, peak RSS), interleaved rounds, medians, and a table of ratios.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';

export interface Contender {
  readonly name: string;
  /** The program and its arguments; `/usr/bin/time` runs it. A pipeline runs under `sh -c`. */
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Called after each run (e.g. to delete what the run wrote). */
  readonly after?: () => Promise<void>;
}

export interface Sample {
  readonly wallMs: number;
  /** User + system time of the process and of every child it waited for. */
  readonly cpuMs: number;
  /** Peak resident set of the process (GNU time: the largest of a pipeline's processes). */
  readonly maxRssKb: number;
  /** What the process wrote to stderr (GNU time's line removed). */
  readonly stderr: string;
}

export async function measure(c: Contender): Promise<Sample> {
  const sample = await new Promise<Sample>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S %M', ...c.argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: c.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(stderr);
      if (code !== 0 || !line) {
        const tail = `${stderr.trim()}\n${stdout.trim()}`.trim().split('\n').slice(-12).join('\n');
        reject(new Error(`${c.name} failed (exit ${code}):\n${tail}`));
        return;
      }
      resolve({
        wallMs: Number(line[1]) * 1000,
        cpuMs: (Number(line[2]) + Number(line[3])) * 1000,
        maxRssKb: Number(line[4]),
        stderr: stderr.slice(0, line.index),
      });
    });
  });
  await c.after?.();
  return sample;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * One warm-up run of each (page cache, compile cache), then `runs` rounds, each contender once per round
 * in an order rotated every round so none always runs first. Load averages before and after are kept.
 */
export async function interleave(
  contenders: readonly Contender[],
  runs: number,
  onSample?: (name: string, s: Sample) => void,
): Promise<{ samples: Map<string, Sample[]>; loadBefore: number[]; loadAfter: number[] }> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await measure(c);
  const loadBefore = loadavg();
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(i + k) % contenders.length]!;
      const s = await measure(c);
      samples.get(c.name)!.push(s);
      onSample?.(c.name, s);
    }
  }
  return { samples, loadBefore, loadAfter: loadavg() };
}

export const formatLoad = (l: readonly number[]): string => l.map((x) => x.toFixed(1)).join(' ');

/** Medians per contender and their ratio to `baseline`'s. */
export function table(samples: Map<string, Sample[]>, baseline: string): string {
  const base = samples.get(baseline)!;
  const baseWall = median(base.map((s) => s.wallMs));
  const baseCpu = median(base.map((s) => s.cpuMs));
  const width = Math.max(12, ...[...samples.keys()].map((n) => n.length));
  const lines = [
    ['contender'.padEnd(width), 'wall (median)', 'ratio', 'cpu (median)', 'ratio', 'peak RSS (max)'].join(
      '  ',
    ),
  ];
  for (const [name, list] of samples) {
    const wall = median(list.map((s) => s.wallMs));
    const cpu = median(list.map((s) => s.cpuMs));
    const rss = Math.max(...list.map((s) => s.maxRssKb));
    lines.push(
      [
        name.padEnd(width),
        `${(wall / 1000).toFixed(2)} s`.padStart(13),
        (wall / baseWall).toFixed(2).padStart(5),
        `${(cpu / 1000).toFixed(2)} s`.padStart(12),
        (cpu / baseCpu).toFixed(2).padStart(5),
        `${(rss / 1024).toFixed(0)} MB`.padStart(14),
      ].join('  '),
    );
  }
  return lines.join('\n');
}

export function wallsLine(samples: Map<string, Sample[]>): string {
  return `walls (s): ${[...samples]
    .map(([n, l]) => `${n}: ${l.map((s) => (s.wallMs / 1000).toFixed(2)).join(' ')}`)
    .join(' | ')}`;
}

/**
 * Per round, each contender's wall over the baseline's in the same round (they ran seconds apart), then
 * the median and the quartiles of those ratios: steadier than a ratio of medians when the host's speed
 * drifts during a run.
 */
export function pairedRatiosLine(samples: Map<string, Sample[]>, baseline: string): string {
  const base = samples.get(baseline)!;
  const parts: string[] = [];
  for (const [name, list] of samples) {
    if (name === baseline) continue;
    const ratios = list.map((s, i) => s.wallMs / base[i]!.wallMs).sort((a, b) => a - b);
    const q = (p: number): number =>
      ratios[Math.min(ratios.length - 1, Math.floor(p * (ratios.length - 1)))]!;
    parts.push(
      `${name} ${median(ratios).toFixed(3)} (quartiles ${q(0.25).toFixed(3)}–${q(0.75).toFixed(3)})`,
    );
  }
  return `paired wall ratios to ${baseline}, per round: ${parts.join(' | ')}`;
}

const STELLA = fileURLToPath(new URL('../../bin/stella.js', import.meta.url));

/**
 * `stella seal` as users run it (`node bin/stella.js`): generates a key in `work` once, and gives the
 * argv that seals `image` with it into `work/OUTPUT` as JSON; `nodeArgs` go before the script (a preload
 * hook), `extra` after the image (`--facets FILE`); `stella` is another checkout's bin/stella.js.
 */
export function stellaSeal(
  work: string,
): (
  image: string,
  output: string,
  options?: { nodeArgs?: string[]; extra?: string[]; stella?: string },
) => string[] {
  const key = join(work, 'bench');
  execFileSync(process.execPath, [STELLA, 'keys', 'generate', '--output-prefix', key], { stdio: 'ignore' });
  return (image, output, options = {}) => [
    process.execPath,
    ...(options.nodeArgs ?? []),
    options.stella ?? STELLA,
    'seal',
    image,
    '--key',
    `${key}.key`,
    ...(options.extra ?? []),
    '--format',
    'json',
    '--output',
    join(work, output),
  ];
}
