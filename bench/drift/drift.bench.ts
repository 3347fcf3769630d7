// Issue 4's drift benchmark: the drift of two manifests of N entries (default 200k) each, against the
// time to read and parse the two seals files it starts from. Target: drift ≤ 0.5 × read+parse.
//
//   node bench/drift/drift.bench.ts [entries] [changed-fraction]
//
// Prints medians of 5 runs. Not a test: nothing asserts, the figures are for the report.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFacets } from '../../src/facets/load.ts';
import { sideFromSeals } from '../../src/drift/from-seals.ts';
import { computeDrift } from '../../src/drift/report.ts';
import { computeMerkle, sortEntriesByPath } from '../../src/merkle/index.ts';
import type { FacetFileEntry, FacetManifest } from '../../src/model/manifest.ts';
import { SealSet } from '../../src/model/seal.ts';
import { quotaResolver } from '../../src/quota/resolve.ts';
import { createSigner, generateKeyPair, sealManifest } from '../../src/seal/index.ts';

const n = Number(process.argv[2] ?? 200_000);
const changed = Number(process.argv[3] ?? 0.02);
const hash = () => `sha256:${randomBytes(32).toString('hex')}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function baselineEntries(): FacetFileEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    path: `/usr/lib/x86_64-linux-gnu/pkg${i % 1499}/sub${i % 17}/lib-${i}.so.${i % 7}`,
    type: 'file' as const,
    contentHash: hash(),
    size: (i * 7919) % 1_000_000,
    mode: '0644',
    modTime: '2026-01-01T00:00:00.000Z',
  }));
}

/** `changed` of the entries touched: half modified, a quarter removed, a quarter replaced by new paths. */
function currentEntries(base: FacetFileEntry[]): FacetFileEntry[] {
  const step = Math.max(1, Math.round(1 / changed));
  const out: FacetFileEntry[] = [];
  for (const [i, e] of base.entries()) {
    if (i % step !== 0) out.push(e);
    else if (i % (4 * step) === 0)
      continue; // removed
    else if (i % (4 * step) === step)
      out.push({ ...e, path: `${e.path}.new` }); // added (and its old path removed)
    else out.push({ ...e, contentHash: hash() }); // modified
  }
  return out;
}

async function sealsFile(path: string, entries: FacetFileEntry[], tag: string): Promise<number> {
  const files = sortEntriesByPath(entries);
  const manifest: FacetManifest = {
    facetId: 'binary',
    type: 'Binary',
    files,
    merkleRoot: computeMerkle(files).root,
    fileCount: files.length,
    totalBytes: files.reduce((s, f) => s + f.size, 0),
    extractedAt: '2026-01-01T00:00:00.000Z',
    extractorVersion: 'bench',
  };
  const imageDigest = `sha256:${createHash('sha256').update(tag).digest('hex')}`;
  const seal = await sealManifest(
    {
      manifest,
      imageRef: `bench/${tag}`,
      imageDigest,
      configDigest: imageDigest,
      quota: null,
      sealedBy: 'bench',
    },
    createSigner(generateKeyPair().privateKey),
  );
  const text = JSON.stringify({
    imageRef: `bench/${tag}`,
    imageDigest,
    configDigest: imageDigest,
    seals: [seal],
  });
  await writeFile(path, text);
  // The stricter yardstick: the same manifest without the DSSE envelopes that repeat it in base64.
  await writeFile(path.replace('.seals.json', '.manifest.json'), JSON.stringify(manifest));
  return text.length;
}

const dir = await mkdtemp(join(tmpdir(), 'zastava-drift-bench-'));
try {
  const base = baselineEntries();
  const cur = currentEntries(base);
  const baseFile = join(dir, 'base.seals.json');
  const curFile = join(dir, 'current.seals.json');
  const bytes = (await sealsFile(baseFile, base, 'base')) + (await sealsFile(curFile, cur, 'current'));
  const quotas = quotaResolver({ facets: defaultFacets() });

  const readMs: number[] = [];
  const manifestReadMs: number[] = [];
  const validateMs: number[] = [];
  const driftMs: number[] = [];
  let summary = '';
  for (let run = 0; run < 5; run++) {
    let t = performance.now();
    const raw = [
      JSON.parse(await readFile(baseFile, 'utf8')),
      JSON.parse(await readFile(curFile, 'utf8')),
    ] as unknown[];
    readMs.push(performance.now() - t);

    t = performance.now();
    for (const f of [baseFile, curFile])
      JSON.parse(await readFile(f.replace('.seals.json', '.manifest.json'), 'utf8'));
    manifestReadMs.push(performance.now() - t);

    t = performance.now();
    const [a, b] = raw.map((r) => SealSet.parse(r));
    validateMs.push(performance.now() - t);

    t = performance.now();
    const report = computeDrift(
      sideFromSeals({ imageRef: a!.imageRef, imageDigest: a!.imageDigest }, a!.seals),
      sideFromSeals({ imageRef: b!.imageRef, imageDigest: b!.imageDigest }, b!.seals),
      { quotas },
    );
    driftMs.push(performance.now() - t);
    const s = report.facets[0]!.score;
    summary = `added ${s.addedCount}, removed ${s.removedCount}, modified ${s.modifiedCount}`;
  }
  const read = median(readMs);
  const drift = median(driftMs);
  console.log(
    `drift benchmark: two seals files of ${n} entries each (${(bytes / 1e6).toFixed(1)} MB together), ${summary}`,
  );
  console.log(`  read + JSON.parse of both seals files   ${read.toFixed(0)} ms (median of 5)`);
  const manifestRead = median(manifestReadMs);
  console.log(`  + zod SealSet validation (informative)  ${median(validateMs).toFixed(0)} ms`);
  console.log(
    `  read + JSON.parse of the two manifests alone, without envelopes  ${manifestRead.toFixed(0)} ms`,
  );
  console.log(`  drift (merge join, scores, causes, quota) ${drift.toFixed(0)} ms`);
  console.log(
    `  ratio drift / read+parse = ${(drift / read).toFixed(2)} (target ≤ 0.50): ${drift <= 0.5 * read ? 'MET' : 'NOT MET'}`,
  );
  console.log(`  ratio drift / manifests-only read+parse = ${(drift / manifestRead).toFixed(2)} (stricter)`);
  console.log(`  load average at the end: ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  console.log(`  command: node bench/drift/drift.bench.ts ${n} ${changed}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
