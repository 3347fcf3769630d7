import { getCACertificates } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { RegistryError } from './errors.ts';
import { allowsPlainHttp } from './hosts.ts';
import { networkError, RequestTimeout } from './http-errors.ts';
import type { RegistryOptions } from './options.ts';
import {
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy,
} from './retry.ts';

/**
 * One logical HTTP request to a registry or its token server: a timeout until the headers and between
 * body chunks, bounded retries with backoff, and redirects followed by hand so that `Authorization`
 * is dropped as soon as a redirect leaves the registry's origin (blob storage on S3, a CDN, …).
 */
export interface RequestSpec {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Where the response finally came from, without query (signed URLs carry secrets there). */
  readonly url: string;
  /** The body, chunk by chunk, with the idle timeout between chunks. Single use. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole body; more than `limit` bytes throws `tooLarge()` without reading further. */
  bytes(limit: number, tooLarge: () => Error): Promise<Buffer>;
  discard(): Promise<void>;
}

export interface Transport {
  request(spec: RequestSpec): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface TransportOptions {
  readonly timeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly insecureRegistries: readonly string[];
  /** Extra trusted CA certificates (PEM), added to the defaults. */
  readonly caPem?: string | undefined;
  readonly fetchImpl?: RegistryOptions['fetchImpl'];
  readonly onRequest?: RegistryOptions['onRequest'];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
export const MAX_REDIRECTS = 5;

export function createTransport(options: TransportOptions): Transport {
  let agent: Agent | undefined;
  let fetchFn: typeof fetch;
  if (options.fetchImpl) {
    fetchFn = options.fetchImpl;
  } else {
    // undici's own fetch with its own Agent: Node 24's built-in fetch (undici 7) rejects an undici 8
    // Agent as `dispatcher` (docs/decisions.md), and a dispatcher is the only per-request way to add a CA.
    const ca = options.caPem === undefined ? undefined : [...getCACertificates('default'), options.caPem];
    const created = new Agent(ca ? { connect: { ca } } : {});
    agent = created;
    fetchFn = ((url: string, init: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher: created })) as unknown as typeof fetch;
  }

  async function once(method: string, url: URL, headers: Record<string, string>, spec: RequestSpec) {
    const what = `${method} ${display(url)}`;
    const controller = new AbortController();
    const signal = spec.signal ? AbortSignal.any([spec.signal, controller.signal]) : controller.signal;
    const timer = setTimeout(() => controller.abort(new RequestTimeout(what)), options.timeoutMs);
    let response: Response;
    try {
      response = await fetchFn(url.href, { method, headers, body: spec.body, redirect: 'manual', signal });
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
    options.onRequest?.({ method, url: display(url), status: response.status });
    return wrapResponse(response, display(url), controller, options.timeoutMs, what);
  }

  async function followRedirects(spec: RequestSpec): Promise<HttpResponse> {
    let url = new URL(spec.url);
    const origin = url.origin;
    let method = spec.method;
    let headers: Record<string, string> = { ...spec.headers };
    for (let hop = 0; ; hop++) {
      const response = await once(method, url, headers, spec);
      if (!REDIRECT_STATUSES.has(response.status)) return response;
      const location = response.headers.get('location');
      await response.discard();
      const from = `${method} ${display(url)}`;
      if (!location)
        throw new RegistryError('REGISTRY_REDIRECT_INVALID', `${from}: redirect without Location`);
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryError('REGISTRY_REDIRECT_INVALID', `${from}: more than ${MAX_REDIRECTS} redirects`);
      }
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new RegistryError('REGISTRY_REDIRECT_INVALID', `${from}: redirect to a ${next.protocol} URL`);
      }
      if (next.protocol === 'http:' && !allowsPlainHttp(next.host, options.insecureRegistries)) {
        throw new RegistryError(
          'REGISTRY_INSECURE_REFUSED',
          `${from}: redirect to plain HTTP ${display(next)}`,
          {
            hint: `allow it with --insecure-registry ${next.host} only if that network is trusted`,
          },
        );
      }
      if (next.origin !== origin) headers = withoutAuthorization(headers);
      if (response.status === 303 && method === 'POST') method = 'GET';
      url = next;
    }
  }

  return {
    async request(spec) {
      const policy = options.retryPolicy;
      for (let attempt = 0; ; attempt++) {
        let response: HttpResponse;
        try {
          response = await followRedirects(spec);
        } catch (error) {
          if (error instanceof RegistryError) throw error;
          if (spec.signal?.aborted) throw spec.signal.reason;
          const retryable = error instanceof RequestTimeout || isRetryableNetworkError(error);
          if (!retryable || attempt >= policy.retries) {
            throw networkError(error, `${spec.method} ${display(new URL(spec.url))}`);
          }
          await sleep(retryDelay(attempt, policy, undefined), undefined, { signal: spec.signal });
          continue;
        }
        if (!isRetryableStatus(response.status) || attempt >= policy.retries) return response;
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        await response.discard();
        if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
          throw new RegistryError(
            'REGISTRY_RATE_LIMITED',
            `${spec.method} ${response.url}: ${response.status}, the registry asks to wait ${Math.ceil(retryAfter / 1000)} s`,
            { hint: 'try again later, or authenticate: registries give logged-in clients higher limits' },
          );
        }
        await sleep(retryDelay(attempt, policy, retryAfter), undefined, { signal: spec.signal });
      }
    },
    async close() {
      await agent?.close();
    },
  };
}

/** Origin and path: queries are left out of every message and callback (signed URLs put secrets there). */
export function display(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
}

function wrapResponse(
  response: Response,
  url: string,
  controller: AbortController,
  idleMs: number,
  what: string,
): HttpResponse {
  let used = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (used) throw new Error(`body of ${what} read twice`);
    used = true;
    if (!response.body) return;
    const reader = response.body.getReader();
    let done = false;
    try {
      for (;;) {
        const timer = setTimeout(() => controller.abort(new RequestTimeout(what)), idleMs);
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          throw networkError(controller.signal.aborted ? controller.signal.reason : error, what);
        } finally {
          clearTimeout(timer);
        }
        if (result.done) {
          done = true;
          return;
        }
        yield result.value;
      }
    } finally {
      // A consumer that stops early (or fails) must not leave the socket half-read.
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  return {
    status: response.status,
    headers: response.headers,
    url,
    chunks,
    async bytes(limit, tooLarge) {
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (declared > limit) {
        await response.body?.cancel().catch(() => {});
        throw tooLarge();
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of chunks()) {
        size += chunk.byteLength;
        if (size > limit) throw tooLarge(); // the generator's finally cancels the rest
        parts.push(chunk);
      }
      return Buffer.concat(parts);
    },
    async discard() {
      if (!used) {
        used = true;
        await response.body?.cancel().catch(() => {});
      }
    },
  };
}
