import { describe, expect, it } from 'vitest';
import { parseCacheInvalidation } from '../admission/decision-cache.ts';
import { cacheNoticePayload } from './cache-notice.ts';

describe('cacheNoticePayload', () => {
  it('names the tenant and the repository of an approval, as the webhook reads it', () => {
    const payload = cacheNoticePayload({
      kind: 'baseline',
      tenant: 'shop',
      repository: 'docker.io/library/debian',
    });
    expect(parseCacheInvalidation(payload)).toEqual({
      kind: 'baseline',
      tenant: 'shop',
      repository: 'docker.io/library/debian',
    });
  });

  it('names the tenant and the image of a VEX statement', () => {
    const imageDigest = `sha256:${'a'.repeat(64)}`;
    expect(parseCacheInvalidation(cacheNoticePayload({ kind: 'vex', tenant: 'shop', imageDigest }))).toEqual({
      kind: 'vex',
      tenant: 'shop',
      imageDigest,
    });
  });

  it('falls back to the whole tenant when the payload would pass NOTIFY’s 8000-byte limit', () => {
    const payload = cacheNoticePayload({
      kind: 'baseline',
      tenant: 'shop',
      repository: `registry.test/${'a'.repeat(8000)}`,
    });
    expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(parseCacheInvalidation(payload)).toEqual({ kind: 'baseline', tenant: 'shop' });
  });

  it('refuses to send what the webhook could not read', () => {
    expect(() => cacheNoticePayload({ kind: 'vex', tenant: 'shop', imageDigest: 'latest' })).toThrow();
  });
});
