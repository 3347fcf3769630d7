/**
 * Summarises a V8 `.cpuprofile` (from `run.ts --cpu-prof DIR`): self time by function and by package or
 * source file, and the inclusive time of a few of our own functions.
 *   node bench/admission/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N]');
const top = Number(values.top);
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;

const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (url === '') return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  if (url.startsWith('node:')) return url;
  return url;
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const name = `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const place = where(node.callFrame.url);
  byPlace.set(place, (byPlace.get(place) ?? 0) + us);
}

// Inclusive time: a node's own samples plus its descendants'.
const inclusive = new Map<number, number>();
function inclusiveOf(id: number): number {
  const known = inclusive.get(id);
  if (known !== undefined) return known;
  const node = byId.get(id)!;
  let sum = selfUs.get(id) ?? 0;
  for (const child of node.children ?? []) sum += inclusiveOf(child);
  inclusive.set(id, sum);
  return sum;
}
const byInclusive = new Map<string, number>();
for (const node of profile.nodes) {
  const place = where(node.callFrame.url);
  if (!place.startsWith('src/')) continue;
  const name = `${node.callFrame.functionName || '(anonymous)'} ${place}`;
  // Recursion would count twice; our hot path has none worth worrying about.
  byInclusive.set(name, (byInclusive.get(name) ?? 0) + inclusiveOf(node.id));
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const show = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
};
process.stdout.write(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s\n`,
);
show('self time by package / file', byPlace);
show('self time by function', byFunction);
show('inclusive time of our functions (src/)', byInclusive);
