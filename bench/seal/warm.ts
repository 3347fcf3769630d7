/**
 * The floor and the reader in one process, alternately, after a warm-up: the work ratio without process
 * start-up (module loading, JIT warm-up), which `run.ts` includes.
 *   node bench/seal/warm.ts oci:LAYOUT[:TAG] [--runs 5]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { extractImage } from '../../src/extract/index.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { openImage, sniffCompression } from '../../src/image/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '5' } },
});
const ref = positionals[0];
if (!ref?.startsWith('oci:')) throw new Error('usage: node bench/seal/warm.ts oci:LAYOUT[:TAG] [--runs N]');
const layout = ref.slice(4).split(':')[0]!;
const facets = defaultFacets();
const opened = await openImage(ref);
if (opened.kind !== 'image') throw new Error('expected an image');
const resolved = await opened.source.resolve();

async function floor(): Promise<void> {
  await Promise.all(
    resolved.layers.map(async (layer) => {
      const file = join(layout, 'blobs', ...layer.digest.split(':'));
      const hash = createHash('sha256');
      let head: Uint8Array | undefined;
      for await (const c of createReadStream(file, { start: 0, end: 3 })) head = c as Uint8Array;
      const kind = sniffCompression(head ?? new Uint8Array());
      const stream = createReadStream(file, { highWaterMark: 1 << 20 });
      const output =
        kind === 'gzip'
          ? stream.pipe(zlib.createGunzip({ chunkSize: 256 << 10 }))
          : kind === 'zstd'
            ? stream.pipe(zlib.createZstdDecompress({ chunkSize: 256 << 10 }))
            : stream;
      for await (const chunk of output) hash.update(chunk as Uint8Array);
      if (`sha256:${hash.digest('hex')}` !== layer.diffId)
        throw new Error(`diff_id mismatch in ${layer.digest}`);
    }),
  );
}
const contenders: Array<[string, () => Promise<unknown>]> = [
  ['floor', floor],
  ['extract', () => extractImage(opened.source, resolved, { facets })],
];
for (const [, run] of contenders) await run(); // warm-up
const samples = new Map<string, Array<{ wall: number; cpu: number }>>(contenders.map(([n]) => [n, []]));
for (let i = 0; i < Number(values.runs); i++) {
  for (let k = 0; k < contenders.length; k++) {
    const [name, run] = contenders[(i + k) % contenders.length]!;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const cpu = process.cpuUsage(cpu0);
    samples.get(name)!.push({ wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 });
  }
}
await opened.source.close();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = samples.get('floor')!;
for (const [name, list] of samples) {
  const wall = median(list.map((s) => s.wall));
  const cpu = median(list.map((s) => s.cpu));
  console.log(
    `${name.padEnd(8)} wall ${(wall / 1000).toFixed(2)} s (×${(wall / median(base.map((s) => s.wall))).toFixed(2)})  cpu ${(cpu / 1000).toFixed(2)} s (×${(cpu / median(base.map((s) => s.cpu))).toFixed(2)})`,
  );
}
console.log(`peak RSS of the process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
