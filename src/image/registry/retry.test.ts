import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
} from './retry.ts';

describe('retry schedule', () => {
  const policy = { retries: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 };

  it('doubles the ceiling per attempt, jittered within its upper half, and caps it', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => retryDelay(a, policy, undefined, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([0, 1, 2, 3, 4, 5].map((a) => retryDelay(a, policy, undefined, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('uses the server Retry-After instead of its own schedule', () => {
    expect(retryDelay(3, policy, 2_000, () => 0.5)).toBe(2_000);
  });

  it('bounds the default schedule: five attempts within about 8 seconds of waiting', () => {
    const total = [0, 1, 2, 3].map((a) => retryDelay(a, DEFAULT_RETRY_POLICY, undefined, () => 1));
    expect(DEFAULT_RETRY_POLICY.retries).toBe(4);
    expect(total.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP-date, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});

describe('what is retried', () => {
  it('retries 429 and transient 5xx, not client errors or 501', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501].some(isRetryableStatus)).toBe(false);
  });
  it('retries connection resets found anywhere on the cause chain, not TLS failures', () => {
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    });
    const tls = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
    });
    expect(isRetryableNetworkError(reset)).toBe(true);
    expect(isRetryableNetworkError(tls)).toBe(false);
  });
});
