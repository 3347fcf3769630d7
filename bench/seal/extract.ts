/**
 * What `stella seal` does to read an image, without the signing: open, resolve, read every layer
 * (both digests verified, tar parsed, facet contents hashed) with the default facets.
 *   node bench/seal/extract.ts IMAGE_REF [--inline | --workers] [--all] [--concurrency N]
 * Prints one JSON line: internal wall time, entries, and this process's peak RSS (worker threads included).
 * Its start-up is not the CLI's: the layer worker starts only when the first layer is read, and there is
 * no compile cache, resolve hook or vendored zod (bin/stella.js), so both threads strip and compile every
 * module; it ran 0.2 s slower than `stella seal` on the realistic corpus in the sixth pass. It isolates
 * the reader; the `stella seal` contender is the goal.
 */
import { parseArgs } from 'node:util';
import { extractImage, extractRootfs } from '../../src/extract/index.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { openImage } from '../../src/image/index.ts';

const started = performance.now();
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    inline: { type: 'boolean' },
    workers: { type: 'boolean' },
    all: { type: 'boolean' },
    concurrency: { type: 'string' },
  },
});
const ref = positionals[0];
if (!ref)
  throw new Error('usage: node bench/seal/extract.ts IMAGE_REF [--inline | --workers] [--concurrency N]');
// --all: one facet holding every path, so every file's content is hashed (the memory benchmark).
const facets = values.all
  ? [{ facetId: 'all', type: 'Custom' as const, includeGlobs: ['/**'], excludeGlobs: [] }]
  : defaultFacets();
const options = {
  facets,
  ...(values.inline ? { inline: true } : values.workers ? { inline: false } : {}),
  ...(values.concurrency === undefined ? {} : { concurrency: Number(values.concurrency) }),
};
const opened = await openImage(ref);
let result;
if (opened.kind === 'rootfs') {
  result = await extractRootfs(opened.rootDir, options);
} else {
  const resolved = await opened.source.resolve();
  result = await extractImage(opened.source, resolved, options);
  await opened.source.close();
}
const entries = result.entriesByFacet.reduce((n, list) => n + list.length, 0);
console.log(
  JSON.stringify({
    contender: values.inline ? 'extract --inline' : values.workers ? 'extract --workers' : 'extract',
    wallMs: Math.round(performance.now() - started),
    entriesRead: result.report.entriesRead,
    entries,
    hashedBytes: result.entriesByFacet.flat().reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0),
    unmatchedFiles: result.report.unmatchedFiles,
    cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
