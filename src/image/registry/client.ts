import { createAuthenticator, type Authenticator } from './auth.ts';
import { resumableBlob, skipBytes } from './blob-resume.ts';
import { computeDigest, digestAlgorithm, matchesDigest, verifyingStream } from './digests.ts';
import { RegistryError } from './errors.ts';
import { allowsPlainHttp, requestHost } from './hosts.ts';
import { isPlainHttpServer } from './http-errors.ts';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from '../media-types.ts';
import { DEFAULT_TIMEOUT_MS, type RegistryOptions } from './options.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import { readCaFile } from './ca-file.ts';
import { mediaTypeOf, statusError } from './status-error.ts';
import { createTransport, type Transport } from './transport.ts';

/**
 * The distribution API (distribution-spec/spec.md "Pull") for one repository: manifests by tag or
 * digest, blobs by digest. Everything that comes back is verified here before anyone else sees it,
 * except blob bytes, which are verified as they stream past.
 */
export interface FetchedManifest {
  readonly bytes: Buffer;
  /** sha256 of the bytes (the requested digest, when one was requested, was checked too). */
  readonly digest: string;
  /** The `Content-Type` sent, without parameters. */
  readonly mediaType: string | undefined;
}

export interface ManifestHead {
  readonly digest: string;
  readonly mediaType: string | undefined;
}

export interface RegistryClient {
  readonly registry: string;
  readonly repository: string;
  getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  headManifest(reference: string, signal?: AbortSignal): Promise<ManifestHead>;
  openBlob(digest: string, size: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  readBlob(digest: string, size: number, limit: number, signal?: AbortSignal): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Every manifest type we read, so the registry never down-converts to schema 1 (it does for a client
 * that sends no `Accept`) and answers a tag that names an index (distribution 2.8 gives 404 otherwise).
 */
export const MANIFEST_ACCEPT = [...MANIFEST_MEDIA_TYPES, ...INDEX_MEDIA_TYPES].join(', ');

/** distribution refuses manifests over 4 MiB; so do we, before reading them. */
export const MAX_MANIFEST_BYTES = 4 << 20;

export async function createRegistryClient(
  registry: string,
  repository: string,
  options: RegistryOptions,
): Promise<RegistryClient> {
  const caPem = options.caFile === undefined ? undefined : await readCaFile(options.caFile);
  const insecureRegistries = options.insecureRegistries ?? [];
  const retryPolicy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    retries: options.retries ?? DEFAULT_RETRY_POLICY.retries,
  };
  const transport = createTransport({
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retryPolicy,
    insecureRegistries,
    caPem,
    fetchImpl: options.fetchImpl,
    onRequest: options.onRequest,
  });
  const auth = createAuthenticator(transport, registry, repository, options);
  return registryClient(
    registry,
    repository,
    transport,
    auth,
    allowsPlainHttp(requestHost(registry), insecureRegistries),
    retryPolicy,
  );
}

function registryClient(
  registry: string,
  repository: string,
  transport: Transport,
  auth: Authenticator,
  plainHttpAllowed: boolean,
  retryPolicy: RetryPolicy,
): RegistryClient {
  const host = requestHost(registry);
  const scope = `repository:${repository}:pull`;
  // HTTPS first everywhere; a loopback or --insecure-registry host that answers HTTPS with plain HTTP
  // is then spoken to in plain HTTP (docker does the same for its insecure registries).
  let scheme: 'https' | 'http' = 'https';
  let schemeKnown = !plainHttpAllowed;

  async function exchange(
    method: 'GET' | 'HEAD',
    path: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ) {
    const url = (s: string) => `${s}://${host}/v2/${repository}/${path}`;
    if (schemeKnown) return transport.request({ method, url: url(scheme), headers, signal });
    try {
      const response = await transport.request({ method, url: url('https'), headers, signal });
      schemeKnown = true;
      return response;
    } catch (error) {
      if (!isPlainHttpServer(error)) throw error;
      scheme = 'http';
      schemeKnown = true;
      return transport.request({ method, url: url('http'), headers, signal });
    }
  }

  /** One request with the authorisation dance: anonymous first, then one more try after a 401. */
  async function send(
    method: 'GET' | 'HEAD',
    path: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ) {
    for (let attempt = 0; ; attempt++) {
      const response = await exchange(
        method,
        path,
        { ...headers, ...(await auth.headers(scope, signal)) },
        signal,
      );
      if (response.status !== 401) return response;
      if (attempt === 0 && (await auth.unauthorized(response, scope))) continue;
      await response.discard();
      throw await auth.failure(scope);
    }
  }

  const name = (reference: string) =>
    `${registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;

  const client: RegistryClient = {
    registry,
    repository,

    async getManifest(reference, signal) {
      const what = name(reference);
      const response = await send('GET', `manifests/${reference}`, { accept: MANIFEST_ACCEPT }, signal);
      if (response.status !== 200) throw await statusError(response, what, 'REGISTRY_MANIFEST_NOT_FOUND');
      const bytes = await response.bytes(
        MAX_MANIFEST_BYTES,
        () =>
          new RegistryError(
            'REGISTRY_MANIFEST_TOO_LARGE',
            `${what}: manifest larger than ${MAX_MANIFEST_BYTES} bytes`,
          ),
      );
      const isDigest = reference.includes(':');
      if (isDigest && !matchesDigest(bytes, reference)) {
        throw new RegistryError(
          'REGISTRY_MANIFEST_DIGEST_MISMATCH',
          `${what}: the manifest served hashes to ${computeDigest(bytes, digestAlgorithm(reference) ?? 'sha256')}`,
        );
      }
      const header = response.headers.get('docker-content-digest');
      if (header && digestAlgorithm(header) && !matchesDigest(bytes, header)) {
        throw new RegistryError(
          'REGISTRY_MANIFEST_DIGEST_MISMATCH',
          `${what}: the manifest served hashes to ${computeDigest(bytes)}, the registry says ${header}`,
        );
      }
      return { bytes, digest: computeDigest(bytes), mediaType: mediaTypeOf(response) };
    },

    async headManifest(reference, signal) {
      const what = name(reference);
      const response = await send('HEAD', `manifests/${reference}`, { accept: MANIFEST_ACCEPT }, signal);
      await response.discard();
      if (response.status !== 200) throw await statusError(response, what, 'REGISTRY_MANIFEST_NOT_FOUND');
      const mediaType = mediaTypeOf(response);
      const header = response.headers.get('docker-content-digest');
      if (reference.includes(':')) return { digest: reference, mediaType };
      if (header && digestAlgorithm(header) === 'sha256') return { digest: header, mediaType };
      // A registry that does not say: hash the manifest ourselves (one GET, which counts as a pull).
      const fetched = await client.getManifest(reference, signal);
      return { digest: fetched.digest, mediaType: fetched.mediaType };
    },

    async openBlob(digest, size, signal) {
      const what = `blob ${digest} of ${registry}/${repository}`;
      const response = await send('GET', `blobs/${digest}`, {}, signal);
      if (response.status !== 200) throw await statusError(response, what, 'REGISTRY_BLOB_NOT_FOUND');
      const declared = response.headers.get('content-length');
      if (declared !== null && Number(declared) !== size) {
        await response.discard();
        throw new RegistryError(
          'REGISTRY_BLOB_SIZE_MISMATCH',
          `${what}: served with Content-Length ${declared}, the manifest declares ${size}`,
        );
      }
      // The rest of a blob whose connection broke: a Range request from the byte where it stopped.
      const reopen = async (offset: number): Promise<AsyncIterable<Uint8Array>> => {
        const rest = await send('GET', `blobs/${digest}`, { range: `bytes=${offset}-` }, signal);
        if (rest.status === 200) return skipBytes(rest.chunks(), offset);
        const range = rest.headers.get('content-range') ?? '';
        if (rest.status === 206 && range.startsWith(`bytes ${offset}-`)) return rest.chunks();
        if (rest.status === 206) await rest.discard();
        throw rest.status === 206
          ? new RegistryError('REGISTRY_HTTP_ERROR', `${what}: resumed at ${offset} but got range "${range}"`)
          : await statusError(rest, what, 'REGISTRY_BLOB_NOT_FOUND');
      };
      return verifyingStream(
        resumableBlob(response.chunks(), reopen, retryPolicy, signal),
        digest,
        size,
        what,
      );
    },

    async readBlob(digest, size, limit, signal) {
      if (size > limit) {
        throw new RegistryError(
          'REGISTRY_BLOB_TOO_LARGE',
          `blob ${digest} of ${registry}/${repository}: ${size} bytes, more than the ${limit} allowed for it`,
        );
      }
      const parts: Uint8Array[] = [];
      for await (const chunk of await client.openBlob(digest, size, signal)) parts.push(chunk);
      return Buffer.concat(parts);
    },

    close: () => transport.close(),
  };
  return client;
}
