import type { ImageReference } from '../reference.types.ts';
import { MAX_MANIFEST_BYTES, resolveImage, type BlobReader } from '../resolve.ts';
import type { ImageSource, ResolvedImage } from '../source.ts';
import { createRegistryClient, type RegistryClient } from './client.ts';
import type { RegistryOptions } from './options.ts';

export type RegistryReference = Extract<ImageReference, { transport: 'registry' }>;

/**
 * An `ImageSource` over a registry. `resolve` fetches the tag's (or digest's) manifest once and hands
 * the shared resolver (`../resolve.ts`: platform choice, config, diff_ids) a reader that serves the
 * documents from the registry; `openBlob` streams a layer, hashed as it goes, never buffered.
 * Requests for a tag: one GET for the index, one for the manifest, one for the config, one per layer,
 * plus one 401 and one token request per scope on a registry that wants a token.
 */
export function createRegistrySource(ref: RegistryReference, options: RegistryOptions): ImageSource {
  let client: Promise<RegistryClient> | undefined;
  let resolved: Promise<ResolvedImage> | undefined;
  const getClient = () => (client ??= createRegistryClient(ref.registry, ref.repository, options));

  return {
    resolve(signal) {
      const attempt = (resolved ??= getClient().then((c) => resolveFromRegistry(c, ref, options, signal)));
      attempt.catch(() => {
        if (resolved === attempt) resolved = undefined; // a failed resolve may be tried again
      });
      return attempt;
    },
    async openBlob(digest, expectedSize, signal) {
      return (await getClient()).openBlob(digest, expectedSize, signal);
    },
    async close() {
      const opened = await client?.catch(() => undefined);
      await opened?.close();
    },
  };
}

async function resolveFromRegistry(
  client: RegistryClient,
  ref: RegistryReference,
  options: RegistryOptions,
  signal: AbortSignal | undefined,
): Promise<ResolvedImage> {
  const top = await client.getManifest(ref.digest ?? ref.tag ?? 'latest', signal);
  const reader = registryBlobReader(client, top, signal);
  return resolveImage(
    reader,
    { mediaType: top.mediaType ?? '', digest: top.digest, size: top.bytes.byteLength },
    {
      imageRef: `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}@${top.digest}`,
      platform: options.platform,
      signal,
    },
  );
}

/**
 * The resolver asks for documents by digest; a registry serves manifests and indexes from
 * `/manifests/` and configs from `/blobs/`. Whatever an index lists under `manifests` is a manifest
 * (or an index), so those digests go to `/manifests/`; everything else is a blob.
 */
function registryBlobReader(
  client: RegistryClient,
  top: { bytes: Buffer; digest: string },
  signal: AbortSignal | undefined,
): BlobReader {
  const manifestDigests = new Set<string>();
  listChildren(top.bytes, manifestDigests);
  return {
    async readBlob(digest, size, maxBytes) {
      if (digest === top.digest) return top.bytes;
      if (manifestDigests.has(digest) && size <= MAX_MANIFEST_BYTES) {
        const fetched = await client.getManifest(digest, signal);
        listChildren(fetched.bytes, manifestDigests);
        return fetched.bytes;
      }
      return client.readBlob(digest, size, maxBytes, signal);
    },
  };
}

/** Records the `manifests[].digest` of an index; anything unreadable is left to the resolver to report. */
function listChildren(bytes: Buffer, into: Set<string>): void {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(doc.manifests)) return;
    for (const m of doc.manifests as Array<{ digest?: unknown }>) {
      if (typeof m?.digest === 'string') into.add(m.digest);
    }
  } catch {
    // not JSON: the resolver names the document and the fault
  }
}
