/**
 * Sealing from a registry versus from the OCI layout of the same image (issue 3's performance goal:
 * registry ≤ 1.2 × layout), and the requests one seal makes (goal: one manifest, one index where
 * there is one, one config, one per layer; HEAD only to resolve a tag).
 *   node bench/registry/seal-registry.ts [--mb 150] [--runs 5] [--layout DIR --tag TAG] [--dir CACHE]
 * Starts Debian's docker-registry on loopback, pushes the image with skopeo, then alternates layout and
 * registry reads (open → resolve → extract every layer with the default facets, which is what
 * `stella seal` does before signing). Prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extractImage } from '../../src/extract/index.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { openImage } from '../../src/image/index.ts';
import { resolveDigest, type RegistryOptions } from '../../src/image/registry/index.ts';
import { startRegistry } from '../../test/integration/registry/registry-process.ts';
import { pushLayout } from '../../test/integration/registry/skopeo.ts';
import { ensureBenchImage } from './make-image.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '150' },
    runs: { type: 'string', default: '5' },
    layout: { type: 'string' },
    tag: { type: 'string' },
    dir: { type: 'string' },
  },
});
const runs = Number(values.runs);
const cacheDir =
  values.dir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zastava', 'bench');
const image =
  values.layout !== undefined
    ? { layout: values.layout, tag: values.tag ?? 'latest' }
    : await ensureBenchImage(cacheDir, Number(values.mb));

const work = await mkdtemp(join(tmpdir(), 'zastava-registry-bench-'));
const registry = await startRegistry({ dir: join(work, 'registry') });
try {
  await pushLayout(image.layout, image.tag, `${registry.host}/bench/image:${image.tag}`);
  const facets = defaultFacets();

  async function seal(ref: string, registryOptions?: Omit<RegistryOptions, 'platform'>) {
    const started = performance.now();
    const opened = await openImage(ref, registryOptions ? { registry: registryOptions } : {});
    if (opened.kind !== 'image') throw new Error(`${ref} is not a layered image`);
    try {
      const resolved = await opened.source.resolve();
      const result = await extractImage(opened.source, resolved, { facets });
      return {
        ms: performance.now() - started,
        layers: resolved.layers.length,
        bytes: resolved.layers.reduce((n, l) => n + l.size, 0),
        entries: result.report.entriesRead,
      };
    } finally {
      await opened.source.close();
    }
  }

  const layoutRef = `oci:${image.layout}:${image.tag}`;
  const registryRef = `${registry.host}/bench/image:${image.tag}`;
  const requests: Array<{ method: string; url: string; status: number }> = [];
  const registryOptions = {
    env: {},
    onRequest: (r: { method: string; url: string; status: number }) => requests.push(r),
  };

  await seal(layoutRef); // warm-up: page cache, JIT, worker start-up
  await seal(registryRef, { env: {} });
  const layoutMs: number[] = [];
  const registryMs: number[] = [];
  let shape = { layers: 0, bytes: 0, entries: 0 };
  for (let i = 0; i < runs; i++) {
    const a = await seal(layoutRef);
    layoutMs.push(a.ms);
    requests.length = 0;
    const b = await seal(registryRef, registryOptions);
    registryMs.push(b.ms);
    shape = { layers: b.layers, bytes: b.bytes, entries: b.entries };
  }
  const perSeal = {
    manifestGets: requests.filter((r) => r.method === 'GET' && r.url.includes('/manifests/')).length,
    blobGets: requests.filter((r) => r.method === 'GET' && r.url.includes('/blobs/')).length,
    heads: requests.filter((r) => r.method === 'HEAD').length,
    other: requests.filter((r) => !r.url.includes('/manifests/') && !r.url.includes('/blobs/')).length,
    total: requests.length,
  };
  const headLog: typeof requests = [];
  await resolveDigest(
    { transport: 'registry', registry: registry.host, repository: 'bench/image', tag: image.tag },
    { env: {}, onRequest: (r) => headLog.push(r) },
  );

  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(
    JSON.stringify({
      image: { ...shape, storedMB: Math.round(shape.bytes / 1e5) / 10 },
      runs,
      layoutMs: layoutMs.map(Math.round),
      registryMs: registryMs.map(Math.round),
      medianLayoutMs: Math.round(median(layoutMs)),
      medianRegistryMs: Math.round(median(registryMs)),
      ratio: Math.round((median(registryMs) / median(layoutMs)) * 100) / 100,
      goalRatio: 1.2,
      requestsPerSeal: perSeal,
      goalRequests: { manifestGets: 1, blobGets: 1 + shape.layers, heads: 0 },
      requestsToResolveTag: headLog.map((r) => r.method),
    }),
  );
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
