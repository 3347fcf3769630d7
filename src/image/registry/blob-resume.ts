import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from './errors.ts';
import { retryDelay, type RetryPolicy } from './retry.ts';

/** A body that broke off for one of these reasons is worth asking for again from where it stopped. */
const RESUMABLE = new Set(['REGISTRY_UNREACHABLE', 'REGISTRY_TIMEOUT']);

/**
 * A blob's bytes that survive a connection lost in the middle: the rest is asked for again from the
 * byte where it stopped (`reopen(offset)`, a `Range` request), at most `policy.retries` times. Bytes are
 * passed on exactly once, in order, so the digest computed over them downstream is unaffected.
 */
export async function* resumableBlob(
  first: AsyncIterable<Uint8Array>,
  reopen: (offset: number) => Promise<AsyncIterable<Uint8Array>>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let source = first;
  let received = 0;
  for (let resumes = 0; ;) {
    try {
      for await (const chunk of source) {
        received += chunk.byteLength;
        yield chunk;
      }
      return;
    } catch (error) {
      const resumable = error instanceof RegistryError && RESUMABLE.has(error.code);
      if (!resumable || resumes >= policy.retries || signal?.aborted) throw error;
      await sleep(retryDelay(resumes, policy, undefined), undefined, { signal });
      resumes++;
      source = await reopen(received);
    }
  }
}

/** Drops the first `count` bytes: for a server that ignores `Range` and sends the whole blob again. */
export async function* skipBytes(
  source: AsyncIterable<Uint8Array>,
  count: number,
): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const chunk of source) {
    if (left >= chunk.byteLength) {
      left -= chunk.byteLength;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
