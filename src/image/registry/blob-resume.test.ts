import { describe, expect, it } from 'vitest';
import { resumableBlob, skipBytes } from './blob-resume.ts';
import { RegistryError } from './errors.ts';

const policy = { retries: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 };
const bytes = (s: string) => new TextEncoder().encode(s);

async function* breaksAfter(parts: string[], code: 'REGISTRY_UNREACHABLE' | 'REGISTRY_BLOB_DIGEST_MISMATCH') {
  for (const p of parts) yield await Promise.resolve(bytes(p));
  throw new RegistryError(code, 'connection lost');
}
async function* whole(parts: string[]) {
  for (const p of parts) yield await Promise.resolve(bytes(p));
}
async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of source) out += new TextDecoder().decode(chunk);
  return out;
}

describe('resumableBlob', () => {
  it('asks again from the byte where the connection broke, passing every byte once', async () => {
    const offsets: number[] = [];
    const text = await collect(
      resumableBlob(
        breaksAfter(['hello ', 'wo'], 'REGISTRY_UNREACHABLE'),
        (offset) => {
          offsets.push(offset);
          return Promise.resolve(offset === 8 ? breaksAfter(['rl'], 'REGISTRY_UNREACHABLE') : whole(['d!']));
        },
        policy,
      ),
    );
    expect(text).toBe('hello world!');
    expect(offsets).toEqual([8, 10]);
  });

  it('gives up after the retries, and never resumes an error that is not a lost connection', async () => {
    const always = () => Promise.resolve(breaksAfter([], 'REGISTRY_UNREACHABLE'));
    await expect(
      collect(resumableBlob(breaksAfter(['a'], 'REGISTRY_UNREACHABLE'), always, policy)),
    ).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
    });
    let reopened = false;
    const spy = () => {
      reopened = true;
      return Promise.resolve(whole([]));
    };
    await expect(
      collect(resumableBlob(breaksAfter(['a'], 'REGISTRY_BLOB_DIGEST_MISMATCH'), spy, policy)),
    ).rejects.toMatchObject({ code: 'REGISTRY_BLOB_DIGEST_MISMATCH' });
    expect(reopened).toBe(false);
  });
});

describe('skipBytes', () => {
  it('drops a prefix that spans chunks', async () => {
    expect(await collect(skipBytes(whole(['abc', 'def', 'gh']), 4))).toBe('efgh');
    expect(await collect(skipBytes(whole(['abc']), 0))).toBe('abc');
    expect(await collect(skipBytes(whole(['abc']), 3))).toBe('');
  });
});
