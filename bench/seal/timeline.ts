/**
 * Where `stella seal`'s wall time goes, beside the floor's (issue 2): both run as their own processes,
 * interleaved, with bench/seal/timeline-hook.mjs preloaded, which prints their `zastava:*` User Timing
 * marks at exit. Prints the median time of each mark since the process's start and the three spans that
 * make up the difference: start-up (to the first read of the largest layer), the largest layer (its
 * first read to its last byte), and the tail (from there to the process's end, teardown included).
 *   node bench/seal/timeline.ts oci:LAYOUT[:TAG] [--runs 9]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatLoad, interleave, median, stellaSeal, type Contender, type Sample } from './measure.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '9' }, help: { type: 'boolean' } },
});
const USAGE = 'usage: node bench/seal/timeline.ts oci:LAYOUT[:TAG] [--runs N]';
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const ref = positionals[0];
if (!ref?.startsWith('oci:')) throw new Error(USAGE);

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const node = process.execPath;
const hook = ['--import', here('./timeline-hook.mjs')];
const work = await mkdtemp(join(tmpdir(), 'zastava-timeline-'));

try {
  const contenders: Contender[] = [
    { name: 'floor', argv: [node, ...hook, here('./floor.mjs'), ref] },
    { name: 'stella seal', argv: stellaSeal(work)(ref, 'seals.json', { nodeArgs: hook }) },
  ];
  const runs = Number(values.runs);
  const { samples, loadBefore, loadAfter } = await interleave(contenders, runs);
  console.log(
    `image ${ref}; ${runs} runs each, interleaved; load average ${formatLoad(loadBefore)} → ${formatLoad(loadAfter)}`,
  );
  const timelines = new Map([...samples].map(([name, list]) => [name, list.map(timelineOf)]));
  printMarks(timelines);
  console.log('');
  printSpans(timelines);
} finally {
  await rm(work, { recursive: true, force: true });
}

interface Timeline {
  readonly marks: Record<string, number>;
  /** The process's wall time as GNU time saw it (teardown included). */
  readonly wallMs: number;
}

function timelineOf(sample: Sample): Timeline {
  const line = /^TIMELINE (\{.*\})$/m.exec(sample.stderr);
  if (!line) throw new Error(`no TIMELINE line in the output:\n${sample.stderr.slice(-2000)}`);
  return { marks: JSON.parse(line[1]!) as Record<string, number>, wallMs: sample.wallMs };
}

function printMarks(timelines: Map<string, Timeline[]>): void {
  const names = [...timelines.keys()];
  const order = new Map<string, number>();
  for (const list of timelines.values()) {
    for (const t of list)
      for (const [mark, ms] of Object.entries(t.marks)) order.set(mark, Math.max(order.get(mark) ?? 0, ms));
  }
  const marks = [...order.keys()].sort((a, b) => medianOf(timelines, a) - medianOf(timelines, b));
  const width = Math.max(...marks.map((m) => m.length), 20);
  console.log(
    ['mark (ms since start, median)'.padEnd(width + 2), ...names.map((n) => n.padStart(12))].join(''),
  );
  for (const mark of marks) {
    const cells = names.map((n) => {
      const xs = timelines.get(n)!.flatMap((t) => (mark in t.marks ? [t.marks[mark]!] : []));
      return (xs.length ? median(xs).toFixed(0) : '-').padStart(12);
    });
    console.log([mark.padEnd(width + 2), ...cells].join(''));
  }
  const walls = names.map((n) =>
    median(timelines.get(n)!.map((t) => t.wallMs))
      .toFixed(0)
      .padStart(12),
  );
  console.log(['process end (GNU time wall)'.padEnd(width + 2), ...walls].join(''));
}

function medianOf(timelines: Map<string, Timeline[]>, mark: string): number {
  const xs = [...timelines.values()].flat().flatMap((t) => (mark in t.marks ? [t.marks[mark]!] : []));
  return xs.length ? median(xs) : Infinity;
}

/** Start-up, largest layer and tail of one run; the largest layer is the one read longest. */
function spans(t: Timeline): { startup: number; layer: number; tail: number } {
  let best = { start: 0, done: 0 };
  for (const [mark, start] of Object.entries(t.marks)) {
    const m = /^layer:(\d+):start$/.exec(mark);
    const done = m ? t.marks[`layer:${m[1]}:done`] : undefined;
    if (done !== undefined && done - start > best.done - best.start) best = { start, done };
  }
  return { startup: best.start, layer: best.done - best.start, tail: t.wallMs - best.done };
}

function printSpans(timelines: Map<string, Timeline[]>): void {
  const rows = [...timelines].map(([name, list]) => {
    const s = list.map(spans);
    return {
      name,
      startup: median(s.map((x) => x.startup)),
      layer: median(s.map((x) => x.layer)),
      tail: median(s.map((x) => x.tail)),
      wall: median(list.map((t) => t.wallMs)),
    };
  });
  const floor = rows.find((r) => r.name === 'floor')!;
  console.log('span (median ms)        start-up   largest layer   tail (to process end)   wall   ratio');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(22)}${r.startup.toFixed(0).padStart(10)}${r.layer.toFixed(0).padStart(16)}${r.tail
        .toFixed(0)
        .padStart(24)}${r.wall.toFixed(0).padStart(7)}${(r.wall / floor.wall).toFixed(3).padStart(8)}`,
    );
  }
}
