import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayerPool,
  extractImage,
  type ExtractOptions,
  type ExtractionResult,
} from '../../src/extract/index.ts';
import { defaultFacets } from '../../src/facets/load.ts';
import { openImage, type OpenImageOptions, type ResolvedImage } from '../../src/image/index.ts';
import { isZastavaError } from '../../src/model/errors.ts';
import {
  MediaTypes,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
  type FixtureImage,
} from '../fixtures/index.ts';

/** Every local source reads the same image to the same entries; references select tags, digests and platforms. */
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zastava-sources-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const IMAGE: FixtureImage = {
  layers: [
    {
      compression: 'gzip',
      entries: [
        { type: 'file', path: '/usr/bin/app', content: 'binary v1', mode: 0o755 },
        { type: 'file', path: '/etc/app.conf', content: 'k=v' },
        { type: 'file', path: '/var/lib/dpkg/status', content: 'Package: app\n' },
        { type: 'file', path: '/opt/data.bin', content: Buffer.alloc(200_000, 7) },
        { type: 'symlink', path: '/usr/bin/app-link', target: 'app' },
      ],
    },
    {
      compression: 'zstd',
      entries: [
        { type: 'file', path: '/usr/lib/node_modules/x/package.json', content: '{"name":"x"}' },
        { type: 'whiteout', path: '/etc/app.conf' },
        { type: 'hardlink', path: '/usr/bin/app2', target: '/usr/bin/app' },
      ],
    },
    {
      compression: 'none',
      entries: [{ type: 'file', path: '/usr/bin/app', content: 'binary v2', mode: 0o755 }],
    },
  ],
};

async function read(
  ref: string,
  options: OpenImageOptions = {},
  extract: Partial<ExtractOptions> = {},
): Promise<{ resolved: ResolvedImage; result: ExtractionResult }> {
  const opened = await openImage(ref, options);
  if (opened.kind !== 'image') throw new Error('expected an image');
  try {
    const resolved = await opened.source.resolve();
    const result = await extractImage(opened.source, resolved, { facets: defaultFacets(), ...extract });
    return { resolved, result };
  } finally {
    await opened.source.close();
  }
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return {
      code: isZastavaError(error) ? error.code : `not a ZastavaError: ${String(error)}`,
      message: (error as Error).message,
    };
  }
  return { code: 'no error', message: '' };
}

describe('one image, every local source', () => {
  it('oci:, oci-archive: and docker-archive: (legacy and Docker 25 formats) give identical entries', async () => {
    const layout = join(work, 'same-layout');
    const [built] = await writeOciLayout(layout, IMAGE, { tag: 'v1' });
    await writeOciArchive(join(work, 'same.tar'), IMAGE, { tag: 'v1' });
    await writeDockerArchive(join(work, 'docker-legacy.tar'), IMAGE, { repoTag: 'example.com/app:v1' });
    await writeDockerArchive(join(work, 'docker-oci.tar'), IMAGE, {
      repoTag: 'example.com/app:v1',
      format: 'oci',
    });
    const fromLayout = await read(`oci:${layout}:v1`);
    const fromArchive = await read(`oci-archive:${join(work, 'same.tar')}:v1`);
    const fromLegacy = await read(`docker-archive:${join(work, 'docker-legacy.tar')}`);
    const fromDocker25 = await read(`docker-archive:${join(work, 'docker-oci.tar')}:example.com/app:v1`);

    expect(fromLayout.resolved.imageDigest).toBe(built!.manifestDigest);
    expect(fromArchive.resolved.imageDigest).toBe(built!.manifestDigest);
    expect(fromLayout.resolved.configDigest).toBe(built!.configDigest);
    expect(fromLayout.resolved.platform).toBe('linux/amd64');
    expect(fromLayout.resolved.imageRef).toBe(`oci:${layout}:v1`);
    for (const other of [fromArchive, fromLegacy, fromDocker25]) {
      expect(other.result.entriesByFacet).toEqual(fromLayout.result.entriesByFacet);
      expect(other.result.report.unmatchedFiles).toBe(fromLayout.result.report.unmatchedFiles);
    }
    // A docker archive has no manifest: its identity is the config (SPEC §3), the same config as the layout's.
    const legacyConfig = fromLegacy.resolved.configDigest;
    expect(fromLegacy.resolved.imageDigest).toBe(legacyConfig);
    expect(fromDocker25.resolved.imageDigest).toBe(fromDocker25.resolved.configDigest);

    const byPath = new Map(fromLayout.result.entriesByFacet.flat().map((e) => [e.path, e]));
    expect(byPath.get('/usr/bin/app')!.contentHash).not.toBe(byPath.get('/usr/bin/app2')!.contentHash);
    expect(byPath.has('/etc/app.conf')).toBe(false);
    expect(byPath.has('/usr/lib/node_modules/x/package.json')).toBe(true);
  });

  it('reads the same entries on worker threads from real file streams, with a pool reused across images', async () => {
    const layout = join(work, 'workers');
    await writeOciLayout(layout, IMAGE);
    const inline = await read(`oci:${layout}`, {}, { inline: true });
    const workers = await read(`oci:${layout}`, {}, { inline: false });
    expect(workers.result).toEqual(inline.result);
    const capture = { patterns: ['^/var/lib/dpkg/status$', '/package\\.json$'], maxBytes: 1 << 20 };
    const captured = await read(`oci:${layout}`, {}, { inline: false, capture });
    expect(captured.result.captured).toEqual(
      (await read(`oci:${layout}`, {}, { inline: true, capture })).result.captured,
    );
    expect([...captured.result.captured.keys()].sort()).toEqual([
      '/usr/lib/node_modules/x/package.json',
      '/var/lib/dpkg/status',
    ]);
    const pool = createLayerPool(2);
    try {
      for (let i = 0; i < 2; i++)
        expect((await read(`oci:${layout}`, {}, { pool })).result).toEqual(inline.result);
      // A failed extraction cancels its jobs, not the shared workers.
      const failed = await codeOf(read(`oci:${layout}`, {}, { pool, limits: { maxEntries: 2 } }));
      expect(failed.code).toBe('TOO_MANY_ENTRIES');
      expect((await read(`oci:${layout}`, {}, { pool })).result).toEqual(inline.result);
    } finally {
      await pool.close();
    }
  });

  it('Docker media types and BuildKit’s zstd type read like OCI ones', async () => {
    const layout = join(work, 'docker-types');
    await writeOciLayout(layout, IMAGE, { docker: true });
    const oci = join(work, 'oci-types');
    await writeOciLayout(oci, IMAGE);
    expect((await read(`oci:${layout}`)).result.entriesByFacet).toEqual(
      (await read(`oci:${oci}`)).result.entriesByFacet,
    );
    const mislabelled = join(work, 'mislabelled');
    await writeOciLayout(mislabelled, {
      layers: [
        {
          compression: 'zstd',
          mediaType: MediaTypes.dockerLayerZstd,
          entries: [{ type: 'file', path: '/usr/bin/z', content: 'z' }],
        },
        {
          compression: 'gzip',
          mediaType: MediaTypes.ociLayer,
          entries: [{ type: 'file', path: '/usr/bin/g', content: 'g' }],
        },
      ],
    });
    const { result } = await read(`oci:${mislabelled}`);
    expect(result.entriesByFacet.flat().map((e) => e.path)).toEqual(['/usr/bin/g', '/usr/bin/z']);
  });

  it('a gzipped layer.tar in a legacy docker archive is read and checked against its diff_id', async () => {
    const file = join(work, 'legacy-gzip.tar');
    await writeDockerArchive(file, {
      layers: [{ compression: 'gzip', entries: [{ type: 'file', path: '/usr/bin/x', content: 'x' }] }],
    });
    const { result } = await read(`docker-archive:${file}`);
    expect(result.entriesByFacet.flat().map((e) => e.path)).toEqual(['/usr/bin/x']);
  });
});

describe('selecting an image', () => {
  const arm: FixtureImage = {
    platform: 'linux/arm64/v8',
    layers: [{ entries: [{ type: 'file', path: '/usr/bin/arch', content: 'arm64' }] }],
  };
  const amd: FixtureImage = {
    platform: 'linux/amd64',
    layers: [{ entries: [{ type: 'file', path: '/usr/bin/arch', content: 'amd64' }] }],
  };
  const archOf = (r: ExtractionResult): string | undefined =>
    r.entriesByFacet.flat().find((e) => e.path === '/usr/bin/arch')?.contentHash;

  it('picks linux/amd64 from a multi-platform index by default, and any exact --platform', async () => {
    const layout = join(work, 'multi');
    await writeOciLayout(layout, [amd, arm]);
    const byDefault = await read(`oci:${layout}`);
    const onArm = await read(`oci:${layout}`, { platform: 'linux/arm64/v8' });
    expect(byDefault.resolved.platform).toBe('linux/amd64');
    expect(onArm.resolved.platform).toBe('linux/arm64/v8');
    expect(archOf(onArm.result)).not.toBe(archOf(byDefault.result));
  });

  it('PLATFORM_NOT_FOUND lists the platforms there are (variants match exactly)', async () => {
    const layout = join(work, 'multi-missing');
    await writeOciLayout(layout, [amd, arm]);
    for (const platform of ['linux/arm64', 'linux/s390x', 'windows/amd64']) {
      const { code, message } = await codeOf(read(`oci:${layout}`, { platform }));
      expect(code).toBe('PLATFORM_NOT_FOUND');
      expect(message).toContain('linux/amd64, linux/arm64/v8');
    }
    expect((await codeOf(read(`oci:${layout}`, { platform: 'linux' }))).code).toBe('PLATFORM_INVALID');
  });

  it('a single-platform image of another platform is refused only when --platform names one', async () => {
    const layout = join(work, 'single-arm');
    await writeOciLayout(layout, arm);
    expect((await read(`oci:${layout}`)).resolved.platform).toBe('linux/arm64/v8');
    expect((await codeOf(read(`oci:${layout}`, { platform: 'linux/amd64' }))).code).toBe(
      'PLATFORM_NOT_FOUND',
    );
  });

  it('tags select index.json entries; no tag among several is ambiguous; @digest selects a manifest', async () => {
    const layout = join(work, 'tags');
    const [one] = await writeOciLayout(layout, amd, { tag: 'one' });
    await writeOciLayout(layout, arm, { tag: 'two' });
    expect((await read(`oci:${layout}:two`)).resolved.platform).toBe('linux/arm64/v8');
    const { code, message } = await codeOf(read(`oci:${layout}`));
    expect(code).toBe('IMAGE_AMBIGUOUS');
    expect(message).toContain('one, two');
    const missing = await codeOf(read(`oci:${layout}:three`));
    expect(missing.code).toBe('TAG_NOT_FOUND');
    expect(missing.message).toContain('one, two');
    expect((await read(`oci:${layout}@${one!.manifestDigest}`)).resolved.imageDigest).toBe(
      one!.manifestDigest,
    );
    expect((await codeOf(read(`oci:${layout}@sha256:${'0'.repeat(64)}`))).code).toBe('IMAGE_NOT_FOUND');
  });

  it('a nested index (index.json → index → manifests) is followed', async () => {
    const layout = join(work, 'nested');
    const built = await writeOciLayout(layout, [amd, arm], { tag: 'multi' });
    const { resolved } = await read(`oci:${layout}:multi`, { platform: 'linux/arm64/v8' });
    expect(resolved.imageDigest).toBe(built[1]!.manifestDigest);
  });

  it('docker-archive selects by REPO:TAG in any spelling docker accepts', async () => {
    const file = join(work, 'tagged.tar');
    await writeDockerArchive(file, amd, { repoTag: 'debian:12' });
    expect((await read(`docker-archive:${file}:docker.io/library/debian:12`)).resolved.platform).toBe(
      'linux/amd64',
    );
    expect((await read(`docker-archive:${file}:debian:12`)).resolved.platform).toBe('linux/amd64');
    expect((await codeOf(read(`docker-archive:${file}:debian:11`))).code).toBe('TAG_NOT_FOUND');
  });
});

describe('what a source refuses', () => {
  it('IMAGE_NOT_FOUND, LAYOUT_INVALID and ARCHIVE_COMPRESSED name the path', async () => {
    expect((await codeOf(read(`oci:${join(work, 'nothing-here')}`))).code).toBe('IMAGE_NOT_FOUND');
    const notLayout = join(work, 'not-a-layout');
    await writeOciLayout(notLayout, IMAGE);
    await rm(join(notLayout, 'index.json'));
    const invalid = await codeOf(read(`oci:${notLayout}`));
    expect(invalid.code).toBe('LAYOUT_INVALID');
    expect(invalid.message).toContain(notLayout);
    const archive = join(work, 'gz.tar');
    await writeOciArchive(archive, IMAGE);
    await writeFile(`${archive}.gz`, zlib.gzipSync(await readFile(archive)));
    expect((await codeOf(read(`oci-archive:${archive}.gz`))).code).toBe('ARCHIVE_COMPRESSED');
    expect((await codeOf(read(`oci-archive:${notLayout}`))).code).toBe('IMAGE_NOT_FOUND');
  });

  it('LAYER_FOREIGN: a non-distributable layer', async () => {
    const layout = join(work, 'foreign');
    await writeOciLayout(layout, {
      layers: [
        {
          mediaType: MediaTypes.ociLayerNondistributableGzip,
          urls: ['https://example.com/layer'],
          entries: [{ type: 'file', path: '/x', content: 'x' }],
        },
      ],
    });
    expect((await codeOf(read(`oci:${layout}`))).code).toBe('LAYER_FOREIGN');
  });

  it('MEDIA_TYPE_UNSUPPORTED: an artifact whose config is not an image config, or an unknown layer type', async () => {
    const layout = join(work, 'artifact');
    await writeOciLayout(layout, {
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', entries: [] }],
    });
    expect((await codeOf(read(`oci:${layout}`))).code).toBe('MEDIA_TYPE_UNSUPPORTED');
  });

  it('TRANSPORT_UNKNOWN: a transport Zastava does not read', async () => {
    expect((await codeOf(openImage('dir:/tmp/image'))).code).toBe('TRANSPORT_UNKNOWN');
    expect((await codeOf(openImage('foo:/tmp/image'))).code).toBe('TRANSPORT_UNKNOWN');
  });
});
