import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractImage, type ExtractOptions } from '../../src/extract/index.ts';
import { openImage } from '../../src/image/index.ts';
import { isZastavaError } from '../../src/model/errors.ts';
import type { FacetDefinition } from '../../src/model/facet.ts';
import {
  blobPath,
  corruptBlob,
  flipBit,
  gnuSparseEntry,
  paxSparseEntry,
  removeBlob,
  truncate,
  writeOciLayout,
  type BuiltImage,
  type FixtureImage,
} from '../fixtures/index.ts';

/**
 * SPEC §15 bad input: each failure has its own code and a message naming the culprit (the layer digest
 * and the entry, the blob, the file). Inputs are built by the fixture code, then broken on purpose.
 */
const ALL: FacetDefinition[] = [{ facetId: 'all', type: 'Custom', includeGlobs: ['/**'], excludeGlobs: [] }];
let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zastava-bad-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const GOOD: FixtureImage['layers'][number] = {
  entries: [
    { type: 'file', path: '/usr/bin/a', content: 'a'.repeat(5000) },
    { type: 'file', path: '/usr/bin/b', content: Buffer.alloc(100_000, 3) },
  ],
};

async function build(image: FixtureImage): Promise<{ dir: string; built: BuiltImage }> {
  const dir = join(work, `img-${n++}`);
  const [built] = await writeOciLayout(dir, image);
  return { dir, built: built! };
}

async function failure(
  dir: string,
  options: Partial<ExtractOptions> = {},
): Promise<{ code: string; message: string }> {
  try {
    const opened = await openImage(`oci:${dir}`);
    if (opened.kind !== 'image') throw new Error('expected an image');
    try {
      const resolved = await opened.source.resolve();
      await extractImage(opened.source, resolved, { facets: ALL, ...options });
    } finally {
      await opened.source.close();
    }
  } catch (error) {
    return {
      code: isZastavaError(error) ? error.code : `not a ZastavaError: ${String(error)}`,
      message: (error as Error).message,
    };
  }
  return { code: 'no error', message: '' };
}

describe('bad input is refused with its own code, naming the culprit', () => {
  it.each(['gzip', 'zstd'] as const)('LAYER_TRUNCATED: a truncated %s stream', async (compression) => {
    const { dir, built } = await build({ layers: [GOOD, { ...GOOD, compression }] });
    const layer = built.layers[1]!;
    await corruptBlob(dir, layer.digest, (b) => truncate(b, b.length - 50));
    for (const inline of [true, false]) {
      const { code, message } = await failure(dir, { inline });
      expect(code).toBe('LAYER_TRUNCATED');
      expect(message).toContain(layer.digest);
    }
  });

  it('TAR_HEADER_INVALID: a corrupt tar header (digests intact), naming the layer and the entry before it', async () => {
    const { dir, built } = await build({
      layers: [
        {
          entries: [
            { type: 'file', path: '/usr/bin/before', content: 'b' },
            { type: 'raw', header: { name: 'usr/bin/bad', checksum: 'corrupt' }, content: Buffer.from('x') },
          ],
        },
      ],
    });
    const { code, message } = await failure(dir);
    expect(code).toBe('TAR_HEADER_INVALID');
    expect(message).toContain(built.layers[0]!.digest);
    expect(message).toContain('usr/bin/before');
  });

  it('BLOB_DIGEST_MISMATCH: a layer blob whose bytes do not match its digest', async () => {
    const { dir, built } = await build({ layers: [GOOD] });
    await corruptBlob(dir, built.layers[0]!.digest, (b) => flipBit(b));
    const { code, message } = await failure(dir, { inline: false });
    expect(code).toBe('BLOB_DIGEST_MISMATCH');
    expect(message).toContain(built.layers[0]!.digest);
  });

  it('BLOB_DIGEST_MISMATCH: a manifest or config altered on disk', async () => {
    const manifest = await build({ layers: [GOOD] });
    await corruptBlob(manifest.dir, manifest.built.manifestDigest, (b) =>
      Buffer.from(b.toString().replace('"schemaVersion":2', '"schemaVersion": 2')),
    );
    expect(await failure(manifest.dir)).toMatchObject({
      code: 'BLOB_DIGEST_MISMATCH',
      message: expect.stringContaining(manifest.built.manifestDigest) as unknown,
    });
    const config = await build({ layers: [GOOD] });
    await corruptBlob(config.dir, config.built.configDigest, (b) => flipBit(b, 5));
    expect(await failure(config.dir)).toMatchObject({
      code: 'BLOB_DIGEST_MISMATCH',
      message: expect.stringContaining(config.built.configDigest) as unknown,
    });
  });

  it.each(['gzip', 'zstd', 'none'] as const)(
    'DIFF_ID_MISMATCH: the config names another uncompressed layer (%s, inline and on a worker)',
    async (compression) => {
      const wrong = `sha256:${'1'.repeat(64)}`;
      const { dir, built } = await build({
        layers: [{ ...GOOD, compression }],
        config: { rootfs: { type: 'layers', diff_ids: [wrong] } },
      });
      for (const inline of [true, false]) {
        const { code, message } = await failure(dir, { inline });
        expect(code).toBe('DIFF_ID_MISMATCH');
        expect(message).toContain(built.layers[0]!.digest);
        expect(message).toContain(wrong);
      }
    },
  );

  it('DIFF_ID_MISMATCH outranks what the tar holds: the bytes are not the ones the image names', async () => {
    const wrong = `sha256:${'2'.repeat(64)}`;
    const { dir } = await build({
      layers: [
        {
          entries: [
            { type: 'raw', header: { name: 'usr/bin/bad', checksum: 'corrupt' }, content: Buffer.from('x') },
          ],
        },
      ],
      config: { rootfs: { type: 'layers', diff_ids: [wrong] } },
    });
    for (const inline of [true, false])
      expect((await failure(dir, { inline })).code).toBe('DIFF_ID_MISMATCH');
  });

  it('CONFIG_INVALID: as many diff_ids as layers, or the config is refused', async () => {
    const { dir } = await build({
      layers: [GOOD, GOOD],
      config: { rootfs: { type: 'layers', diff_ids: [] } },
    });
    expect((await failure(dir)).code).toBe('CONFIG_INVALID');
  });

  it('BLOB_MISSING: a layer blob, or the config, missing from the layout', async () => {
    const layer = await build({ layers: [GOOD] });
    await removeBlob(layer.dir, layer.built.layers[0]!.digest);
    const { code, message } = await failure(layer.dir);
    expect(code).toBe('BLOB_MISSING');
    expect(message).toContain(layer.built.layers[0]!.digest);
    const config = await build({ layers: [GOOD] });
    await removeBlob(config.dir, config.built.configDigest);
    expect((await failure(config.dir)).code).toBe('BLOB_MISSING');
  });

  it.each([
    ['GNU', gnuSparseEntry('usr/lib/disk.img')],
    ['PAX', paxSparseEntry('usr/lib/disk.img')],
  ])('SPARSE_ENTRY: a %s sparse entry', async (_kind, entry) => {
    const { dir, built } = await build({ layers: [{ entries: [entry] }] });
    const { code, message } = await failure(dir);
    expect(code).toBe('SPARSE_ENTRY');
    expect(message).toContain(built.layers[0]!.digest);
    expect(message).toContain('disk.img');
  });

  it('TAR_HEADER_INVALID: a size beyond 2^53, which JSON numbers cannot carry (SPEC §2)', async () => {
    const { dir, built } = await build({
      layers: [
        { entries: [{ type: 'raw', header: { name: 'huge', size: 0, pax: { size: '9007199254740993' } } }] },
      ],
    });
    const { code, message } = await failure(dir);
    expect(code).toBe('TAR_HEADER_INVALID');
    expect(message).toContain(built.layers[0]!.digest);
    expect(message).toContain('huge');
    expect(message).toContain('2^53');
  });

  it('PATH_ESCAPE: a `..` leaving the root, naming the layer and the entry', async () => {
    const { dir, built } = await build({
      layers: [{ entries: [{ type: 'raw', header: { name: '../outside' }, content: Buffer.from('x') }] }],
    });
    const { code, message } = await failure(dir);
    expect(code).toBe('PATH_ESCAPE');
    expect(message).toContain(built.layers[0]!.digest);
    expect(message).toContain('../outside');
  });

  it('LAYER_TOO_LARGE, TOO_MANY_ENTRIES and PATH_TOO_LONG: the limits of SPEC §4', async () => {
    const { dir } = await build({
      layers: [GOOD, { entries: [{ type: 'file', path: `/${'x'.repeat(60)}`, content: '' }] }],
    });
    expect((await failure(dir, { limits: { maxLayerBytes: 50_000 } })).code).toBe('LAYER_TOO_LARGE');
    expect((await failure(dir, { limits: { maxEntries: 2 } })).code).toBe('TOO_MANY_ENTRIES');
    expect((await failure(dir, { limits: { maxPathBytes: 40 } })).code).toBe('PATH_TOO_LONG');
    expect((await failure(dir, { limits: { maxEntries: 3, maxPathBytes: 61 } })).code).toBe('no error');
  });

  it('LAYER_CORRUPT: a gzip stream that is not deflate data, with a digest that matches it', async () => {
    const { dir, built } = await build({ layers: [GOOD] });
    // Replace the layer with garbage behind a gzip header, and re-address it so only the stream is wrong.
    const garbage = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
      Buffer.alloc(3000, 0xff),
    ]);
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(garbage).digest('hex')}`;
    await writeFile(blobPath(dir, digest), garbage);
    const manifestPath = blobPath(dir, built.manifestDigest);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      layers: Array<{ digest: string; size: number }>;
    };
    manifest.layers[0] = { ...manifest.layers[0]!, digest, size: garbage.length };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(blobPath(dir, manifestDigest), bytes);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; size: number }>;
    };
    index.manifests[0] = { ...index.manifests[0]!, digest: manifestDigest, size: bytes.length };
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    const { code, message } = await failure(dir);
    expect(code).toBe('LAYER_CORRUPT');
    expect(message).toContain(digest);
  });
});
