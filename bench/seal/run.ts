/**
 * Issue 2's seal benchmark: the floor against our reader (and `stella seal` itself), each run as its own
 * process, interleaved, N times; prints medians, ratios to the floor and peak RSS.
 *   node bench/seal/run.ts IMAGE_REF [--runs 7] [--stella] [--modes] [--all] [--compile-cache] [--raw-floor]
 *     [--against DIR]
 * --modes adds the reader forced inline and forced onto workers; --raw-floor adds the floor inflating gzip
 * raw, without the CRC-32 that stella skips too; --all hashes every file, not only the
 * default facets' (the memory benchmark); --compile-cache runs every contender with NODE_COMPILE_CACHE
 * (V8 code cache on disk, filled by the warm-up runs), as a CLI that enables it would start.
 * --against DIR adds `stella seal` from another checkout (an A/B of two commits in one run:
 * `git worktree add --detach /tmp/base REV && ln -s $PWD/node_modules /tmp/base/`) and prints the pairs'
 * ratios.
 * IMAGE_REF is an `oci:` layout (the floor reads layouts only): the realistic corpus, or the synthetic
 * image from bench/seal/make-synthetic.ts. Wall and CPU come from GNU time (all threads of the process).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  formatLoad,
  interleave,
  pairedRatiosLine,
  stellaSeal,
  table,
  wallsLine,
  type Contender,
} from './measure.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '7' },
    stella: { type: 'boolean' },
    modes: { type: 'boolean' },
    'compile-cache': { type: 'boolean' },
    'raw-floor': { type: 'boolean' },
    all: { type: 'boolean' },
    against: { type: 'string' },
  },
});
const ref = positionals[0];
if (!ref?.startsWith('oci:'))
  throw new Error(
    'usage: node bench/seal/run.ts oci:LAYOUT[:TAG] [--runs N] [--stella] [--modes] [--all] [--compile-cache] [--raw-floor] [--against DIR]',
  );
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const node = process.execPath;

const work = await mkdtemp(join(tmpdir(), 'zastava-bench-'));
const env = values['compile-cache']
  ? { ...process.env, NODE_COMPILE_CACHE: join(work, 'compile-cache') }
  : undefined;
const extract = (name: string, ...extra: string[]): Contender => ({
  name,
  argv: [node, here('./extract.ts'), ref, ...extra, ...(values.all ? ['--all'] : [])],
  ...(env ? { env } : {}),
});
const contenders: Contender[] = [
  { name: 'floor', argv: [node, here('./floor.mjs'), ref], ...(env ? { env } : {}) },
  // The floor without gunzip's CRC-32, which stella does not compute either (the diff_id covers it).
  ...(values['raw-floor']
    ? [
        {
          name: 'floor (raw inflate)',
          argv: [node, here('./floor.mjs'), ref],
          env: { ...(env ?? process.env), FLOOR_RAW: '1' },
        },
      ]
    : []),
  extract('extract'),
];
if (values.modes)
  contenders.push(extract('extract --inline', '--inline'), extract('extract --workers', '--workers'));
const seal = values.stella || values.against !== undefined ? stellaSeal(work) : undefined;
if (seal) {
  contenders.push({ name: 'stella seal', argv: seal(ref, 'seals.json'), ...(env ? { env } : {}) });
}
const AGAINST = 'stella seal (--against)';
if (seal && values.against !== undefined) {
  const stella = join(resolve(values.against), 'bin', 'stella.js');
  contenders.push({
    name: AGAINST,
    argv: seal(ref, 'seals-against.json', { stella }),
    ...(env ? { env } : {}),
  });
}

const runs = Number(values.runs);
try {
  const { samples, loadBefore, loadAfter } = await interleave(contenders, runs);
  console.log(
    `image ${ref}; ${runs} runs each, interleaved; load average (1/5/15 min) ${formatLoad(loadBefore)} → ${formatLoad(loadAfter)}`,
  );
  console.log(table(samples, 'floor'));
  console.log(pairedRatiosLine(samples, 'floor'));
  if (samples.has(AGAINST)) {
    const pair = new Map([AGAINST, 'stella seal'].map((name) => [name, samples.get(name)!]));
    console.log(pairedRatiosLine(pair, AGAINST));
  }
  console.log(wallsLine(samples));
} finally {
  await rm(work, { recursive: true, force: true });
}
