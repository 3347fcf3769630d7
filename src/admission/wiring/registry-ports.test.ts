import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseImageName } from '../image-name.ts';
import { registryAdmissionPorts } from './registry-ports.ts';

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const config = json({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}`] },
});
const manifest = json({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${'2'.repeat(64)}`,
      size: 10,
    },
  ],
});
const index = json({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    {
      mediaType: OCI_MANIFEST,
      digest: sha(manifest),
      size: manifest.length,
      platform: { os: 'linux', architecture: 'amd64' },
    },
  ],
});

/** A registry at 127.0.0.1:5000 serving `app:multi` (an index) and `app:single` (a manifest). */
function fakeRegistry() {
  const requests: string[] = [];
  let down = false;
  const documents = new Map<string, { body: Buffer; type: string }>([
    ['manifests/multi', { body: index, type: OCI_INDEX }],
    ['manifests/single', { body: manifest, type: OCI_MANIFEST }],
    [`manifests/${sha(index)}`, { body: index, type: OCI_INDEX }],
    [`manifests/${sha(manifest)}`, { body: manifest, type: OCI_MANIFEST }],
    [`blobs/${sha(config)}`, { body: config, type: 'application/octet-stream' }],
  ]);
  const fetchImpl = (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    if (down) return Promise.reject(new TypeError('fetch failed'));
    const doc = documents.get(url.pathname.replace(/^\/v2\/app\//, ''));
    if (doc === undefined) return Promise.resolve(new Response(null, { status: 404 }));
    const headers = {
      'content-type': doc.type,
      'docker-content-digest': sha(doc.body),
      'content-length': String(doc.body.length),
    };
    return Promise.resolve(
      new Response(method === 'HEAD' ? null : new Uint8Array(doc.body), { status: 200, headers }),
    );
  };
  return { fetchImpl: fetchImpl, requests, setDown: (value: boolean) => (down = value) };
}

const pull = { namespace: 'shop', serviceAccountName: 'default', imagePullSecrets: [] };
const signal = new AbortController().signal;

function ports(registry: ReturnType<typeof fakeRegistry>) {
  const asked: string[] = [];
  const p = registryAdmissionPorts({
    registry: { env: {}, fetchImpl: registry.fetchImpl, retries: 0, timeoutMs: 2000 },
    credentials: (_pull, host, repository) => {
      asked.push(`${host}/${repository}`);
      return Promise.resolve(undefined);
    },
  });
  return { p, asked };
}

describe('registry admission ports', () => {
  it('resolves a tag to its manifest digest with one HEAD, asking for the pod credentials', async () => {
    const registry = fakeRegistry();
    const { p, asked } = ports(registry);
    expect(await p.resolveDigest(parseImageName('127.0.0.1:5000/app:single'), pull, signal)).toBe(
      sha(manifest),
    );
    expect(registry.requests.filter((r) => r.includes('/manifests/'))).toEqual([
      'HEAD /v2/app/manifests/single',
    ]);
    expect(asked).toEqual(['127.0.0.1:5000/app']);
  });

  it("maps an index to the platform's manifest once, then answers digest references from the cache", async () => {
    const registry = fakeRegistry();
    const { p } = ports(registry);
    expect(await p.resolveDigest(parseImageName('127.0.0.1:5000/app:multi'), pull, signal)).toBe(
      sha(manifest),
    );
    const before = registry.requests.length;
    expect(await p.resolveDigest(parseImageName(`127.0.0.1:5000/app@${sha(index)}`), pull, signal)).toBe(
      sha(manifest),
    );
    expect(registry.requests.length).toBe(before);
    expect(
      await p.resolveConfigDigest(parseImageName('127.0.0.1:5000/app:multi'), sha(manifest), pull, signal),
    ).toBe(sha(config));
    expect(registry.requests.length).toBe(before);
  });

  it('never caches a tag', async () => {
    const registry = fakeRegistry();
    const { p } = ports(registry);
    await p.resolveDigest(parseImageName('127.0.0.1:5000/app:single'), pull, signal);
    await p.resolveDigest(parseImageName('127.0.0.1:5000/app:single'), pull, signal);
    expect(registry.requests.filter((r) => r.startsWith('HEAD'))).toHaveLength(2);
  });

  it('keeps a digest reference when the registry is unreachable, and fails a tag', async () => {
    const registry = fakeRegistry();
    registry.setDown(true);
    const { p } = ports(registry);
    const pinned = `sha256:${'a'.repeat(64)}`;
    expect(await p.resolveDigest(parseImageName(`127.0.0.1:5000/app@${pinned}`), pull, signal)).toBe(pinned);
    await expect(
      p.resolveDigest(parseImageName('127.0.0.1:5000/app:single'), pull, signal),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/^REGISTRY_/) as unknown,
    });
  });
});
