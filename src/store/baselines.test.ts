import { describe, expect, it } from 'vitest';
import { parseCacheInvalidation } from '../admission/decision-cache.ts';
import { Tenant } from '../model/tenant.ts';
import { baselineNotice } from './baselines.ts';

describe('baselineNotice', () => {
  const tenant = Tenant.parse('shop');

  it('names the tenant and the repository, as the webhook reads it', () => {
    const payload = baselineNotice(tenant, { repository: 'docker.io/library/debian' });
    expect(parseCacheInvalidation(payload)).toEqual({
      kind: 'baseline',
      tenant: 'shop',
      repository: 'docker.io/library/debian',
    });
  });

  it('falls back to the whole tenant when the payload would pass NOTIFY’s 8000-byte limit', () => {
    const payload = baselineNotice(tenant, { repository: `registry.test/${'a'.repeat(8000)}` });
    expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(parseCacheInvalidation(payload)).toEqual({ kind: 'baseline', tenant: 'shop' });
  });
});
