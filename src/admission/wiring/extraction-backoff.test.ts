import { describe, expect, it } from 'vitest';
import { backsOff, ExtractionBackoff } from './extraction-backoff.ts';

function clocked(options: { baseMs?: number; maxMs?: number; maxEntries?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const backoff = new ExtractionBackoff({
    baseMs: options.baseMs ?? 30_000,
    maxMs: options.maxMs ?? 900_000,
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
    now: () => clock.ms,
  });
  return { clock, backoff };
}

describe('ExtractionBackoff', () => {
  it('holds a failed key for the base wait, then lets it be retried', () => {
    const { clock, backoff } = clocked();
    expect(backoff.holding('t\u0000d')).toBeUndefined();
    const entry = backoff.failed('t\u0000d', 'REGISTRY_BLOB_NOT_FOUND');
    expect(entry).toEqual({
      failures: 1,
      code: 'REGISTRY_BLOB_NOT_FOUND',
      failedAt: 1_000_000,
      retryAt: 1_030_000,
    });
    clock.ms += 29_999;
    expect(backoff.holding('t\u0000d')).toEqual(entry);
    expect(backoff.holding('t\u0000other')).toBeUndefined();
    clock.ms += 1;
    expect(backoff.holding('t\u0000d')).toBeUndefined();
  });

  it('doubles the wait per consecutive failure up to the cap', () => {
    const { clock, backoff } = clocked();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const entry = backoff.failed('k', 'REGISTRY_AUTH_FAILED')!;
      waits.push(entry.retryAt - entry.failedAt);
      clock.ms = entry.retryAt; // retried when due, and failed again
    }
    expect(waits.map((w) => w / 1000)).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
    expect(backoff.holding('k')).toBeUndefined();
  });

  it('starts from the base again after a success', () => {
    const { clock, backoff } = clocked();
    backoff.failed('k', 'REGISTRY_TIMEOUT');
    clock.ms += 30_000;
    backoff.failed('k', 'REGISTRY_TIMEOUT');
    backoff.succeeded('k');
    expect(backoff.holding('k')).toBeUndefined();
    const entry = backoff.failed('k', 'REGISTRY_TIMEOUT')!;
    expect([entry.failures, entry.retryAt - entry.failedAt]).toEqual([1, 30_000]);
  });

  it('keeps at most maxEntries keys, dropping the one that failed longest ago', () => {
    const { clock, backoff } = clocked({ maxEntries: 2 });
    backoff.failed('a', 'X');
    clock.ms += 1;
    backoff.failed('b', 'X');
    clock.ms += 1;
    backoff.failed('a', 'X'); // a failed again: b is now the oldest
    clock.ms += 1;
    backoff.failed('c', 'X');
    expect(backoff.size).toBe(2);
    expect(backoff.holding('b')).toBeUndefined();
    expect(backoff.holding('a')?.failures).toBe(2);
    expect(backoff.holding('c')?.failures).toBe(1);
  });

  it('is off with a base of 0', () => {
    const { backoff } = clocked({ baseMs: 0 });
    expect(backoff.failed('k', 'X')).toBeUndefined();
    expect(backoff.holding('k')).toBeUndefined();
    expect(backoff.size).toBe(0);
  });

  it('never waits past the cap even after very many failures', () => {
    const { clock, backoff } = clocked({ baseMs: 1000, maxMs: 5000 });
    const waits = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const entry = backoff.failed('k', 'X')!;
      waits.add(entry.retryAt - entry.failedAt);
      clock.ms = entry.retryAt;
    }
    expect([...waits]).toEqual([1000, 2000, 4000, 5000]);
  });

  it("backs off on the image's and the registry's errors, not on the pod's credentials", () => {
    for (const code of [
      'REGISTRY_BLOB_NOT_FOUND',
      'REGISTRY_BLOB_DIGEST_MISMATCH',
      'REGISTRY_MANIFEST_NOT_FOUND',
      'REGISTRY_UNREACHABLE',
      'REGISTRY_RATE_LIMITED',
      'LAYER_CORRUPT',
      'TAR_HEADER_INVALID',
      'ADMISSION_INTERNAL',
    ])
      expect(backsOff(code), code).toBe(true);
    for (const code of ['REGISTRY_AUTH_FAILED', 'REGISTRY_ACCESS_DENIED', 'PULL_SECRET_UNREADABLE'])
      expect(backsOff(code), code).toBe(false);
  });
});
