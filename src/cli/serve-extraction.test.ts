import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPrivateKeyPem, generateKeyPair, keyIdOf } from '../seal/keys.ts';
import { extractionFlags } from './serve-extraction.ts';

describe('stella serve: extraction flags', () => {
  let dir: string;
  let keyFile: string;
  let keyId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zastava-serve-extraction-'));
    const pair = generateKeyPair('ed25519');
    keyFile = join(dir, 'seal.key');
    keyId = keyIdOf(pair.publicKey);
    await writeFile(keyFile, exportPrivateKeyPem(pair.privateKey), { mode: 0o600 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is off without a seal key', async () => {
    expect(await extractionFlags({}, {}, 'usage')).toBeUndefined();
  });

  it('refuses extraction settings without a seal key rather than ignoring them', async () => {
    await expect(extractionFlags({ 'extract-concurrency': '2' }, {}, 'usage')).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it('reads the key from --seal-key or ZASTAVA_SEAL_KEY, with the defaults', async () => {
    for (const [values, env] of [
      [{ 'seal-key': keyFile }, {}],
      [{}, { ZASTAVA_SEAL_KEY: keyFile }],
    ] as const) {
      const settings = await extractionFlags(values, env, 'usage');
      expect(settings?.signer.keyId).toBe(keyId);
      expect(settings).toMatchObject({
        maxConcurrent: 1,
        maxQueued: 16,
        backgroundTimeoutMs: 300_000,
        backoffMs: 30_000,
        backoffMaxMs: 900_000,
      });
      expect(settings?.facets.map((f) => f.facetId)).toContain('binary');
    }
  });

  it('takes the limits from flags or the environment and refuses values out of range', async () => {
    const settings = await extractionFlags(
      { 'seal-key': keyFile, 'extract-concurrency': '2' },
      { ZASTAVA_EXTRACT_QUEUE: '4', ZASTAVA_EXTRACT_TIMEOUT: '60' },
      'usage',
    );
    expect(settings).toMatchObject({ maxConcurrent: 2, maxQueued: 4, backgroundTimeoutMs: 60_000 });
    await expect(
      extractionFlags({ 'seal-key': keyFile, 'extract-concurrency': '0' }, {}, 'usage'),
    ).rejects.toMatchObject({ code: 'USAGE' });
    await expect(
      extractionFlags({ 'seal-key': keyFile, 'extract-timeout': '1.5' }, {}, 'usage'),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('takes the failure backoff from flags or the environment; 0 turns it off; the cap is not below it', async () => {
    expect(
      await extractionFlags(
        { 'seal-key': keyFile, 'extract-backoff': '0' },
        { ZASTAVA_EXTRACT_BACKOFF_MAX: '60' },
        'usage',
      ),
    ).toMatchObject({ backoffMs: 0, backoffMaxMs: 60_000 });
    expect(
      await extractionFlags({ 'seal-key': keyFile }, { ZASTAVA_EXTRACT_BACKOFF: '10' }, 'usage'),
    ).toMatchObject({ backoffMs: 10_000, backoffMaxMs: 900_000 });
    for (const values of [
      { 'extract-backoff': '-1' },
      { 'extract-backoff-max': '0' },
      { 'extract-backoff': '120', 'extract-backoff-max': '60' },
    ])
      await expect(extractionFlags({ 'seal-key': keyFile, ...values }, {}, 'usage')).rejects.toMatchObject({
        code: 'USAGE',
      });
    await expect(extractionFlags({ 'extract-backoff': '5' }, {}, 'usage')).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it('names an unreadable key file', async () => {
    await expect(
      extractionFlags({ 'seal-key': join(dir, 'missing.key') }, {}, 'usage'),
    ).rejects.toMatchObject({ code: 'KEY_UNREADABLE' });
  });
});
