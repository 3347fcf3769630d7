import { access, mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { createRegistrySource } from '../../src/image/registry/index.ts';
import { startBlobStorage, startFaultProxy, type FaultProxy } from './registry/fault-proxy.ts';
import {
  APP_TOP_LAYER_CONTENT_OFFSET,
  writeRegistryFixtures,
  type RegistryFixtures,
} from './registry/images.ts';
import { startRegistry, type RegistryProcess } from './registry/registry-process.ts';
import { pushLayout } from './registry/skopeo.ts';
import { facetRoots, pull, pullAll, registryRef, withLog } from './registry/support.ts';

// A real registry behind a proxy that injects one fault at a time.
let dir: string;
let registry: RegistryProcess;
let proxy: FaultProxy;
let fx: RegistryFixtures;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-registry-faults-'));
  fx = await writeRegistryFixtures(join(dir, 'layout'));
  registry = await startRegistry({ dir: join(dir, 'registry') });
  await pushLayout(fx.layout, 'app', `${registry.host}/test/app:v1`);
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => proxy.reset());

const isManifest = (path: string) => path.includes('/manifests/');
const topLayer = () => fx.app.layers[2]!;

/** `stella seal` in process; returns the exit code, stderr, and whether the output file exists. */
async function sealWithCli(ref: string): Promise<{ code: number; err: string; wrote: boolean }> {
  const output = join(dir, `seal-${Math.random().toString(36).slice(2)}.json`);
  const ctx = captureContext({ ZASTAVA_DATA_DIR: join(dir, 'data'), HOME: join(dir, 'home') });
  const code = await runCli(['seal', ref, '--output', output, '--format', 'json'], ctx);
  const wrote = await access(output).then(
    () => true,
    () => false,
  );
  return { code, err: ctx.err(), wrote };
}

describe('retries', () => {
  it('waits out 429 with Retry-After, then succeeds', async () => {
    proxy.rule = (req, n) =>
      isManifest(req.path) && n < 2
        ? { kind: 'status', status: 429, headers: { 'retry-after': '1' } }
        : undefined;
    const { options, log } = withLog({ retries: 3 });
    const started = Date.now();
    const { resolved } = await pull(proxy.host, 'test/app', 'v1', options);
    expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    expect(log.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  });

  it('retries a 503 on a layer and a connection reset on the config', async () => {
    proxy.rule = (req, n) => {
      if (n > 0) return undefined;
      if (req.path.endsWith(fx.app.configDigest)) return { kind: 'reset' };
      if (req.path.endsWith(topLayer().digest)) return { kind: 'status', status: 503 };
      return undefined;
    };
    const { options } = withLog({ retries: 2 });
    const { layerDigests } = await pull(proxy.host, 'test/app', 'v1', options);
    expect(layerDigests).toEqual(fx.app.layers.map((l) => l.digest));
    const attempts = (digest: string) => proxy.requests.filter((r) => r.path.endsWith(digest)).length;
    expect(attempts(fx.app.configDigest)).toBe(2);
    expect(attempts(topLayer().digest)).toBe(2);
  });

  it('resumes a layer whose connection breaks in the middle with a Range request', async () => {
    const layer = fx.app.layers[0]!;
    proxy.rule = (req, n) =>
      req.path.endsWith(layer.digest) && n === 0
        ? { kind: 'cut', after: Math.floor(layer.size / 2) }
        : undefined;
    const { layerDigests } = await pull(proxy.host, 'test/app', 'v1', withLog().options);
    expect(layerDigests).toEqual(fx.app.layers.map((l) => l.digest));
    const ranges = proxy.requests.filter((r) => r.path.endsWith(layer.digest)).map((r) => r.range);
    expect(ranges).toEqual([undefined, `bytes=${Math.floor(layer.size / 2)}-`]);
  });

  it('gives up with REGISTRY_RATE_LIMITED when 429 persists beyond the retries', async () => {
    proxy.rule = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '0' } });
    const { options, log } = withLog({ retries: 2 });
    const source = createRegistrySource(registryRef(proxy.host, 'test/app', 'v1'), options);
    await expect(source.resolve()).rejects.toMatchObject({ code: 'REGISTRY_RATE_LIMITED' });
    await source.close();
    expect(log).toHaveLength(3);
  });
});

describe('integrity', () => {
  it('refuses a layer served with wrong bytes (REGISTRY_BLOB_DIGEST_MISMATCH)', async () => {
    proxy.rule = (req) =>
      req.path.endsWith(topLayer().digest)
        ? { kind: 'corrupt', offset: APP_TOP_LAYER_CONTENT_OFFSET }
        : undefined;
    const source = createRegistrySource(registryRef(proxy.host, 'test/app', 'v1'), withLog().options);
    await expect(pullAll(source)).rejects.toMatchObject({ code: 'REGISTRY_BLOB_DIGEST_MISMATCH' });
  });

  it('refuses to seal an image with a corrupted layer, and writes nothing', async () => {
    proxy.rule = (req) =>
      req.path.endsWith(topLayer().digest)
        ? { kind: 'corrupt', offset: APP_TOP_LAYER_CONTENT_OFFSET }
        : undefined;
    const result = await sealWithCli(`${proxy.host}/test/app:v1`);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('REGISTRY_BLOB_DIGEST_MISMATCH');
    expect(result.wrote).toBe(false);
  });

  it('refuses a manifest that does not hash to Docker-Content-Digest, and writes nothing', async () => {
    proxy.rule = (req) => (isManifest(req.path) ? { kind: 'corrupt', offset: 40 } : undefined);
    const source = createRegistrySource(registryRef(proxy.host, 'test/app', 'v1'), withLog().options);
    await expect(source.resolve()).rejects.toMatchObject({ code: 'REGISTRY_MANIFEST_DIGEST_MISMATCH' });
    await source.close();
    const result = await sealWithCli(`${proxy.host}/test/app:v1`);
    expect(result.err).toContain('REGISTRY_MANIFEST_DIGEST_MISMATCH');
    expect(result.wrote).toBe(false);
  });

  it('refuses a manifest that does not hash to the digest asked for, even without the header', async () => {
    proxy.rule = (req) =>
      isManifest(req.path)
        ? { kind: 'corrupt', offset: 40, stripHeaders: ['docker-content-digest'] }
        : undefined;
    const source = createRegistrySource(
      registryRef(proxy.host, 'test/app', fx.app.manifestDigest),
      withLog().options,
    );
    await expect(source.resolve()).rejects.toMatchObject({ code: 'REGISTRY_MANIFEST_DIGEST_MISMATCH' });
    await source.close();
  });

  it('seals through the proxy to the same roots as the layout when nothing is injected', async () => {
    expect(await facetRoots(`${proxy.host}/test/app:v1`)).toEqual(await facetRoots(`oci:${fx.layout}:app`));
  });
});

describe('redirects and plain HTTP', () => {
  it('follows a blob redirect to storage on another origin without sending Authorization there', async () => {
    const storage = await startBlobStorage(registry.url, 'test/app');
    try {
      proxy.requireBasic = { user: 'bob', password: 'hunter2' };
      proxy.rule = (req) => {
        const digest = req.path.match(/\/blobs\/(sha256:[0-9a-f]{64})$/)?.[1];
        return digest
          ? { kind: 'redirect', location: `${storage.url}/blobs/${digest}?X-Amz-Signature=secret` }
          : undefined;
      };
      const { options, log } = withLog({ creds: { username: 'bob', password: 'hunter2' } });
      const { layerDigests } = await pull(proxy.host, 'test/app', 'v1', options);
      expect(layerDigests).toEqual(fx.app.layers.map((l) => l.digest));
      expect(storage.authorizations).toHaveLength(1 + fx.app.layers.length); // config and layers
      expect(storage.authorizations.every((a) => a === undefined)).toBe(true);
      const blobRequests = proxy.requests.filter((r) => r.path.includes('/blobs/'));
      expect(blobRequests.length).toBe(1 + fx.app.layers.length);
      expect(blobRequests.every((r) => r.authorization?.startsWith('Basic '))).toBe(true);
      expect(log.some((r) => r.url.includes('secret'))).toBe(false);
    } finally {
      await storage.stop();
    }
  });

  it('speaks plain HTTP to a non-loopback host only when --insecure-registry names it', async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!address) throw new Error('this test needs a non-loopback IPv4 address on the machine (none found)');
    const open = await startFaultProxy(registry.url, '0.0.0.0');
    try {
      const host = `${address}:${open.host.split(':')[1]}`;
      const refused = createRegistrySource(
        registryRef(host, 'test/app', 'v1'),
        withLog({ retries: 0 }).options,
      );
      await expect(refused.resolve()).rejects.toMatchObject({ code: 'REGISTRY_TLS_FAILED' });
      await refused.close();
      expect(open.requests).toHaveLength(0); // nothing was sent in the clear
      const { resolved } = await pull(
        host,
        'test/app',
        'v1',
        withLog({ insecureRegistries: [address] }).options,
      );
      expect(resolved.imageDigest).toBe(fx.app.manifestDigest);
    } finally {
      await open.stop();
    }
  });
});
