import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { zstdCompress } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZastavaError } from '../../src/model/errors.ts';
import { Tenant } from '../../src/model/tenant.ts';
import {
  approveBaseline,
  latestApprovedBaseline,
  latestApprovedManifests,
} from '../../src/store/baselines.ts';
import { fileCas } from '../../src/store/cas/file-cas.ts';
import { encodeManifest, hexOfKey } from '../../src/store/cas/manifest-cas.ts';
import { loadSeal, loadSealSetByDigest, storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { signedSealSet, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

const T = Tenant.parse('cas');
const by = { actor: 'ci', correlationId: 'corr-cas' };
const compress = promisify(zstdCompress);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isZastavaError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

/** Replaces the stored bytes of `key` with a valid-looking compressed manifest of other content. */
type Tamper = (store: TestStore, key: string, bytes: Uint8Array) => Promise<void>;

const tamperPostgres: Tamper = async (store, key, bytes) => {
  // As the owner, with the immutability trigger switched off: what an attacker with database access does.
  await store.db.asOwner(async (sql) => {
    await sql.exec('ALTER TABLE facet_manifests DISABLE TRIGGER USER');
    await sql.query('UPDATE facet_manifests SET content = $1 WHERE cas_key = $2', [bytes, key]);
    await sql.exec('ALTER TABLE facet_manifests ENABLE TRIGGER USER');
  });
};

function tamperFile(dir: () => string): Tamper {
  return async (_store, key, bytes) => {
    const hex = hexOfKey(key);
    await writeFile(join(dir(), T, 'sha256', hex.slice(0, 2), `${hex}.json.zst`), bytes);
  };
}

const cases = BACKENDS.flatMap((backend) => [
  { backend, cas: 'postgres' as const },
  { backend, cas: 'file' as const },
]);

describe.each(cases)('CAS $cas on $backend', ({ backend, cas }) => {
  let store: TestStore;
  let key: TestKey;
  let casDir = '';

  beforeAll(async () => {
    store = await openTestStore(backend, { cas, cache: true });
    key = testKey();
    await addTrustedKey(store.db, T, { publicKey: key.publicPem }, by);
    casDir = store.casDir ?? '';
  });
  afterAll(async () => store?.close());

  const tamper = (): Tamper => (cas === 'postgres' ? tamperPostgres : tamperFile(() => casDir));

  it('keys manifests by the SHA-256 of their canonical JSON and stores identical manifests once', async () => {
    const a = await signedSealSet(key, { imageRef: 'registry.test/cas/a:1', seed: 'same' });
    const b = await signedSealSet(key, {
      imageRef: 'registry.test/cas/b:1',
      seed: 'other',
      manifests: a.seals.map((s) => s.manifest),
    });
    await storeSealSet(store, T, a, by);
    await storeSealSet(store, T, b, by);
    const back = await loadSealSetByDigest(store, T, b.imageDigest);
    expect(back?.seals.map((s) => s.manifest)).toEqual(b.seals.map((s) => s.manifest));
    const expected = await encodeManifest(a.seals[0]!.manifest);
    const stored = await store.db.withTenant(
      T,
      async (sql) =>
        (await sql.query('SELECT manifest_cas FROM facet_seals WHERE seal_id = $1', [a.seals[0]!.sealId]))[0]
          ?.manifest_cas,
    );
    expect(stored).toBe(expected.key);
  });

  it('a manifest changed in the CAS after it was stored is CAS_TAMPERED on read, and no baseline is loaded from it', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/cas/c:1', filesPerFacet: 5 });
    await storeSealSet(store, T, set, by);
    await approveBaseline(store, T, { repository: 'registry.test/cas/c', imageDigest: set.imageDigest }, by);
    // Read once, so the manifest cache holds the good copy: the tampered bytes must not be answered from it.
    expect((await loadSealSetByDigest(store, T, set.imageDigest))?.seals).toHaveLength(6);
    expect(store.manifestCache?.size).toBeGreaterThan(0);
    const victim = set.seals[0]!;
    const casKey = (await encodeManifest(victim.manifest)).key;
    const altered = {
      ...victim.manifest,
      files: victim.manifest.files.map((f, i) => (i === 0 ? { ...f, size: f.size + 1 } : f)),
    };
    await tamper()(store, casKey, await compress(Buffer.from(JSON.stringify(altered))));

    expect(await codeOf(loadSealSetByDigest(store, T, set.imageDigest))).toBe('CAS_TAMPERED');
    expect(await codeOf(loadSeal(store, T, victim.sealId))).toBe('CAS_TAMPERED');
    expect(await codeOf(latestApprovedBaseline(store, T, 'registry.test/cas/c'))).toBe('CAS_TAMPERED');
    expect(await codeOf(latestApprovedManifests(store, T, 'registry.test/cas/c'))).toBe('CAS_TAMPERED');
  });

  it('bytes that are not a zstd stream are CAS_TAMPERED too', async () => {
    const set = await signedSealSet(key, { imageRef: 'registry.test/cas/d:1' });
    await storeSealSet(store, T, set, by);
    const casKey = (await encodeManifest(set.seals[1]!.manifest)).key;
    await tamper()(store, casKey, Buffer.from('garbage'));
    expect(await codeOf(loadSealSetByDigest(store, T, set.imageDigest))).toBe('CAS_TAMPERED');
  });

  if (cas === 'file') {
    it('a manifest missing from the CAS directory is CAS_MISSING', async () => {
      const set = await signedSealSet(key, { imageRef: 'registry.test/cas/e:1' });
      await storeSealSet(store, T, set, by);
      const elsewhere = { ...store, cas: fileCas(join(casDir, 'nowhere')) };
      expect(await codeOf(loadSealSetByDigest(elsewhere, T, set.imageDigest))).toBe('CAS_MISSING');
    });

    it('writes one file per manifest under the tenant', async () => {
      const tenants = await readdir(casDir);
      expect(tenants).toEqual([T]);
      const any = (await readdir(join(casDir, T, 'sha256')))[0]!;
      const file = (await readdir(join(casDir, T, 'sha256', any)))[0]!;
      expect(file).toMatch(/^[0-9a-f]{64}\.json\.zst$/);
      expect((await readFile(join(casDir, T, 'sha256', any, file))).length).toBeGreaterThan(0);
    });
  }
});
