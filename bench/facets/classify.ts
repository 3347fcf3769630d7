/**
 * The facet classifier over a real layer's paths, with and without the include literals that let it skip
 * a facet's regular expression (src/facets/glob.ts, globsLiterals), interleaved in one process; prints
 * the medians and checks that both give every path the same facet.
 *   node bench/facets/classify.ts oci:LAYOUT[:TAG] [--runs 9]
 * The paths are those of the image's largest layer, listed by `tar -tzf`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FACET_MATCHERS } from '../../src/facets/defaults-json.ts';
import { classifierFromMatchers } from '../../src/facets/matchers.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '9' } },
});
const ref = positionals[0];
if (!ref?.startsWith('oci:'))
  throw new Error('usage: node bench/facets/classify.ts oci:LAYOUT[:TAG] [--runs 9]');
const layout = ref.slice(4).split(':')[0]!;
const blobs = join(layout, 'blobs', 'sha256');
const largest = readdirSync(blobs)
  .map((name) => ({ name, size: statSync(join(blobs, name)).size }))
  .sort((a, b) => b.size - a.size)[0]!;
const paths = execFileSync('tar', ['-tzf', join(blobs, largest.name)], { maxBuffer: 1 << 28 })
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((p) => `/${p.replace(/^\.?\/+/, '').replace(/\/$/, '')}`);

const withLiterals = classifierFromMatchers(DEFAULT_FACET_MATCHERS);
const without = classifierFromMatchers(DEFAULT_FACET_MATCHERS.map((m) => ({ ...m, includeAnyOf: null })));
const times = { without: [] as number[], with: [] as number[] };
for (let run = 0; run < Number(values.runs); run++) {
  let start = performance.now();
  const plain = paths.map(without);
  times.without.push(performance.now() - start);
  start = performance.now();
  const filtered = paths.map(withLiterals);
  times.with.push(performance.now() - start);
  const differs = plain.findIndex((facet, i) => facet !== filtered[i]);
  if (differs !== -1) throw new Error(`the classifiers disagree on ${paths[differs]}`);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const [a, b] = [median(times.without), median(times.with)];
console.log(
  `${paths.length} paths of layer ${largest.name.slice(0, 12)}: without literals ${a.toFixed(1)} ms, with ${b.toFixed(1)} ms (ratio ${(b / a).toFixed(2)}; medians of ${values.runs})`,
);
