/**
 * Summarises a sampled heap profile (`alloc-profile.ts` or `--heap-prof`): bytes by allocating function
 * and by the nearest of our own frames (src/) on its stack.
 *   node bench/admission/alloc-summary.ts FILE.heapprofile [--top 25]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface HeapNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: alloc-summary.ts FILE.heapprofile [--top N]');
const top = Number(values.top);
const profile = JSON.parse(await readFile(file, 'utf8')) as { head: HeapNode };

function where(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url;
}

const byFunction = new Map<string, number>();
const byOurs = new Map<string, number>();
let total = 0;
function walk(node: HeapNode, ours: string | undefined): void {
  const name = `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const nearest = where(node.callFrame.url).startsWith('src/') ? name : ours;
  total += node.selfSize;
  byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
  const key = nearest ?? '(no src/ frame)';
  byOurs.set(key, (byOurs.get(key) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child, nearest);
}
walk(profile.head, undefined);

const show = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${name}\n`);
};
process.stdout.write(`${file}: ${(total / 1048576).toFixed(1)} MiB sampled\n`);
show('bytes by allocating function', byFunction);
show('bytes by nearest src/ frame', byOurs);
