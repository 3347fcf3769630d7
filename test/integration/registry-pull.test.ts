import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrySource, resolveDigest } from '../../src/image/registry/index.ts';
import { writeRegistryFixtures, type RegistryFixtures } from './registry/images.ts';
import { startRegistry, type RegistryProcess } from './registry/registry-process.ts';
import { pushLayout } from './registry/skopeo.ts';
import { facetRoots, pull, pullAll, registryRef, withLog } from './registry/support.ts';

// A real CNCF distribution registry on loopback, anonymous, plain HTTP; images pushed by skopeo.
let dir: string;
let registry: RegistryProcess;
let fx: RegistryFixtures;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-registry-pull-'));
  fx = await writeRegistryFixtures(join(dir, 'layout'));
  registry = await startRegistry({ dir: join(dir, 'registry') });
  await pushLayout(fx.layout, 'app', `${registry.host}/test/app:v1`);
  await pushLayout(fx.layout, 'multi', `${registry.host}/test/multi:v1`);
  await pushLayout(fx.layout, 'multi', `${registry.host}/test/multi-docker:v1`, { dockerFormat: true });
});

afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('anonymous registry on loopback', () => {
  it('resolves a tag to the manifest, config and layers skopeo pushed, and streams each layer intact', async () => {
    const { options } = withLog();
    const { resolved, layerDigests } = await pull(registry.host, 'test/app', 'v1', options);
    expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    expect(resolved.configDigest).toBe(fx.app.configDigest);
    expect(resolved.imageRef).toBe(`${registry.host}/test/app:v1@${fx.app.manifestDigest}`);
    expect(resolved.platform).toBe('linux/amd64');
    expect(resolved.layers).toEqual(fx.app.layers);
    expect(layerDigests).toEqual(fx.app.layers.map((l) => l.digest));
  });

  it('makes one request per document and per layer: no HEAD, no repeats', async () => {
    const { options, log } = withLog();
    await pull(registry.host, 'test/app', 'v1', options);
    expect(log.map((r) => `${r.method} ${r.url.replace(registry.url, '')} ${r.status}`)).toEqual([
      'GET /v2/test/app/manifests/v1 200',
      `GET /v2/test/app/blobs/${fx.app.configDigest} 200`,
      ...fx.app.layers.map((l) => `GET /v2/test/app/blobs/${l.digest} 200`),
    ]);
  });

  it('seals to exactly the Merkle roots of the same image read from its OCI layout', async () => {
    const fromLayout = await facetRoots(`oci:${fx.layout}:app`);
    const fromRegistry = await facetRoots(`${registry.host}/test/app:v1`);
    expect(fromRegistry).toEqual(fromLayout);
    expect(Object.values(fromLayout.fileCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
  });

  it('reads by digest as well as by tag', async () => {
    const { options } = withLog();
    const { resolved } = await pull(registry.host, 'test/app', fx.app.manifestDigest, options);
    expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    expect(resolved.imageRef).toBe(`${registry.host}/test/app@${fx.app.manifestDigest}`);
  });

  it('names a missing tag and a missing repository with REGISTRY_MANIFEST_NOT_FOUND', async () => {
    const { options } = withLog();
    const missingTag = createRegistrySource(registryRef(registry.host, 'test/app', 'no-such-tag'), options);
    await expect(missingTag.resolve()).rejects.toMatchObject({
      code: 'REGISTRY_MANIFEST_NOT_FOUND',
      message: expect.stringContaining(`${registry.host}/test/app:no-such-tag`) as unknown,
    });
    await missingTag.close();
    const missingRepo = createRegistrySource(registryRef(registry.host, 'test/nothing', 'v1'), options);
    await expect(missingRepo.resolve()).rejects.toMatchObject({ code: 'REGISTRY_MANIFEST_NOT_FOUND' });
    await missingRepo.close();
  });

  it('resolves a tag to its digest with one HEAD', async () => {
    const { options, log } = withLog();
    const head = await resolveDigest(registryRef(registry.host, 'test/multi', 'v1'), options);
    expect(head.digest).toBe(fx.multi[0]!.indexDigest);
    expect(head.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(log.map((r) => r.method)).toEqual(['HEAD']);
    await expect(
      resolveDigest(registryRef(registry.host, 'test/app', 'gone'), options),
    ).rejects.toMatchObject({
      code: 'REGISTRY_MANIFEST_NOT_FOUND',
    });
  });
});

describe('multi-platform index', () => {
  const [amd64, arm64, armv7] = [0, 1, 2];

  it('chooses linux/amd64 by default, with one GET for the index and one for the manifest', async () => {
    const { options, log } = withLog();
    const { resolved } = await pull(registry.host, 'test/multi', 'v1', options);
    expect(resolved.imageDigest).toBe(fx.multi[amd64]!.manifestDigest);
    expect(resolved.imageRef).toBe(`${registry.host}/test/multi:v1@${fx.multi[amd64]!.indexDigest}`);
    expect(log.filter((r) => r.url.includes('/manifests/')).map((r) => r.url.split('/').pop())).toEqual([
      'v1',
      fx.multi[amd64]!.manifestDigest,
    ]);
  });

  it('chooses exactly the --platform asked for, variant included', async () => {
    for (const [platform, i] of [
      ['linux/arm64', arm64],
      ['linux/arm/v7', armv7],
    ] as const) {
      const { options } = withLog({ platform });
      const { resolved, layerDigests } = await pull(registry.host, 'test/multi', 'v1', options);
      expect(resolved.imageDigest).toBe(fx.multi[i]!.manifestDigest);
      expect(resolved.platform).toBe(platform);
      expect(layerDigests).toEqual(fx.multi[i]!.layers.map((l) => l.digest));
    }
  });

  it('refuses a platform the index lacks, listing the ones it has', async () => {
    for (const platform of ['linux/s390x', 'linux/arm']) {
      const source = createRegistrySource(
        registryRef(registry.host, 'test/multi', 'v1'),
        withLog({ platform }).options,
      );
      const error = await source.resolve().catch((e: unknown) => e);
      await source.close();
      expect(error).toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
      expect((error as Error).message).toContain('linux/amd64, linux/arm64, linux/arm/v7');
    }
  });

  it('refuses a malformed --platform before any request', async () => {
    const { options, log } = withLog({ platform: 'linux' });
    const source = createRegistrySource(registryRef(registry.host, 'test/multi', 'v1'), options);
    await expect(pullAll(source)).rejects.toMatchObject({ code: 'PLATFORM_INVALID' });
    expect(log.filter((r) => r.url.includes('/blobs/'))).toEqual([]);
  });
});

describe('Docker schema 2 manifests and manifest lists', () => {
  it('reads a manifest list and its Docker manifests, with the same layers and file roots', async () => {
    const { options, log } = withLog({ platform: 'linux/arm64' });
    const head = await resolveDigest(registryRef(registry.host, 'test/multi-docker', 'v1'), options);
    expect(head.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    const { resolved, layerDigests } = await pull(registry.host, 'test/multi-docker', 'v1', options);
    expect(resolved.platform).toBe('linux/arm64');
    expect(resolved.imageDigest).not.toBe(fx.multi[1]!.manifestDigest); // converted by skopeo
    expect(resolved.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ]);
    expect(layerDigests).toEqual(fx.multi[1]!.layers.map((l) => l.digest)); // blobs unchanged
    expect(log.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const fromDocker = await facetRoots(`${registry.host}/test/multi-docker:v1`);
    const fromLayout = await facetRoots(`oci:${fx.layout}:multi`);
    expect(fromDocker.roots).toEqual(fromLayout.roots);
  });
});
