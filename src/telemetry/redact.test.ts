import { describe, expect, it } from 'vitest';
import { CENSOR, redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it('returns the same object when nothing is secret (no copy)', () => {
    const line = { facetId: 'os', imageDigest: 'sha256:x', nested: { list: [1, { a: 'b' }] } };
    expect(redactSecrets(line)).toBe(line);
  });

  it('censors secret-named properties at any depth and in any case, copying only what it changes', () => {
    const untouched = { keep: 1 };
    const line = {
      untouched,
      request: { headers: { Authorization: 'Bearer S1', accept: 'json' } },
      registries: [{ host: 'r', credentials: { user: 'u' } }, { host: 'q' }],
      deep: { a: { b: { c: { privateKey: 'S2' } } } },
      DatabaseURL: 'postgres://u:S3@h/db',
      '.dockerconfigjson': 'S4',
    };
    const out = redactSecrets(line);
    expect(JSON.stringify(out)).not.toMatch(/S[1-4]|"user"/);
    expect(out).toMatchObject({
      request: { headers: { Authorization: CENSOR, accept: 'json' } },
      registries: [{ host: 'r', credentials: CENSOR }, { host: 'q' }],
      deep: { a: { b: { c: { privateKey: CENSOR } } } },
      DatabaseURL: CENSOR,
      '.dockerconfigjson': CENSOR,
    });
    expect(out.untouched).toBe(untouched);
    expect(line.request.headers.Authorization).toBe('Bearer S1'); // the caller's object is not changed
  });

  it('judges an Error by its serialised form, and keeps it as it is when clean', () => {
    const clean = new Error('plain');
    expect(redactSecrets({ err: clean }).err).toBe(clean);
    const leaky = Object.assign(new Error('pull failed'), { token: 'S5' });
    const out = redactSecrets({ err: leaky }).err as Record<string, unknown>;
    expect(out).toMatchObject({ message: 'pull failed', token: CENSOR });
    expect(JSON.stringify(out)).not.toContain('S5');
  });
});
