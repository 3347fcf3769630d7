/**
 * The floor (issue 2, Performance): only decompress every layer with node:zlib and SHA-256 the
 * uncompressed bytes, layers concurrently — exactly the work diff_id verification needs, nothing else.
 * It reads the OCI layout with plain JSON.parse and imports nothing of ours, so it pays no start-up cost
 * that `stella seal` would not also pay. Plain JavaScript: as a `.ts` file it made Node load its type
 * stripper, 60–80 ms that `stella seal` (whose compile cache spares it) does not pay, which flattered
 * every ratio before the fifth pass (docs/decisions.md).
 *   node bench/seal/floor.mjs oci:LAYOUT[:TAG]
 * Prints one JSON line: internal wall time, CPU time (all threads), bytes, and peak RSS.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';

const started = performance.now();
const arg = process.argv[2];
if (!arg) throw new Error('usage: node bench/seal/floor.mjs oci:LAYOUT[:TAG]');
const [layout, tag] = arg.replace(/^oci:/, '').split(':');

/** @param {string} digest */
const blob = (digest) => join(layout, 'blobs', ...digest.split(':'));
/** @param {string} file */
const json = (file) => JSON.parse(readFileSync(file, 'utf8'));

const index = json(join(layout, 'index.json'));
let doc = json(
  blob(
    (tag
      ? index.manifests.find(
          (/** @type {any} */ d) => d.annotations?.['org.opencontainers.image.ref.name'] === tag,
        )
      : index.manifests[0]
    ).digest,
  ),
);
while (doc.manifests) {
  const chosen =
    doc.manifests.find(
      (/** @type {any} */ d) => d.platform?.os === 'linux' && d.platform.architecture === 'amd64',
    ) ?? doc.manifests[0];
  doc = json(blob(chosen.digest));
}
/** @type {string[]} */
const diffIds = json(blob(doc.config.digest)).rootfs.diff_ids;
performance.mark('zastava:resolved');

let uncompressed = 0;
/**
 * @param {string} file
 * @param {number} index
 * @returns {Promise<string>}
 */
async function diffId(file, index) {
  performance.mark(`zastava:layer:${index}:start`);
  const hash = createHash('sha256');
  const head = Buffer.alloc(4);
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const first = createReadStream(file, { start: 0, end: 3 });
  for await (const c of first) c.copy(head);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const zstd = head.readUInt32LE(0) === 0xfd2fb528;
  // FLOOR_RAW=1 (run.ts --raw-floor): inflate a gzip member's deflate body raw, skipping the CRC-32 as
  // `stella seal` does (src/image/gzip-decoder.ts); only for the plain 10-byte header these layers have.
  const raw = gzip && process.env.FLOOR_RAW === '1' && head[3] === 0;
  const output = raw
    ? createReadStream(file, { highWaterMark: 1 << 20, start: 10 }).pipe(
        zlib.createInflateRaw({ chunkSize: 256 << 10 }),
      )
    : gzip
      ? stream.pipe(zlib.createGunzip({ chunkSize: 256 << 10 }))
      : zstd
        ? stream.pipe(zlib.createZstdDecompress({ chunkSize: 256 << 10 }))
        : stream;
  for await (const chunk of output) {
    hash.update(chunk);
    uncompressed += chunk.byteLength;
  }
  performance.mark(`zastava:layer:${index}:done`);
  return `sha256:${hash.digest('hex')}`;
}

/** @type {Array<{ digest: string }>} */
const layers = doc.layers;
const digests = await Promise.all(layers.map((l, i) => diffId(blob(l.digest), i)));
const mismatched = digests.filter((d, i) => d !== diffIds[i]).length;
if (mismatched > 0) throw new Error(`${mismatched} diff_ids did not match`);
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    contender: 'floor',
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    layers: layers.length,
    uncompressedBytes: uncompressed,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
