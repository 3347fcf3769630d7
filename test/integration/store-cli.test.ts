import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { storeConfig } from '../../src/config/store.ts';
import type { SealSet } from '../../src/model/seal.ts';
import { withStore } from '../../src/store/open.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { signedSealSet, testKey, type TestKey } from './store-fixtures.ts';
import { BACKENDS, PG_URL, uniqueSchema } from './store-harness.ts';

describe.each(BACKENDS)('stella db and stella baseline on %s', (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let key: TestKey;
  const schema = uniqueSchema();
  const sets: SealSet[] = [];
  const stella = async (...args: string[]) => {
    const ctx = captureContext(env);
    const code = await runCli(args, ctx);
    return { code, out: ctx.out(), err: ctx.err() };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zastava-cli-'));
    env = {
      ZASTAVA_DATA_DIR: dir,
      ZASTAVA_TENANT: 'cli',
      USER: 'carol',
      ...(backend === 'postgres' ? { DATABASE_URL: PG_URL, ZASTAVA_DATABASE_SCHEMA: schema } : {}),
    };
    key = testKey();
    await writeFile(join(dir, 'ci.pub'), key.publicPem);
    for (const tag of ['1', '2'])
      sets.push(await signedSealSet(key, { imageRef: `registry.test/cli/app:${tag}` }));
  });
  afterAll(async () => {
    if (backend === 'postgres')
      await withStore(
        storeConfig(env),
        (s) => s.db.asOwner((sql) => sql.exec(`DROP SCHEMA "${schema}" CASCADE`)),
        {
          migrate: false,
        },
      );
    await rm(dir, { recursive: true, force: true });
  });

  it('stella db migrate applies the migrations once', async () => {
    const first = await stella('db', 'migrate');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('applied 0001_seed_tables');
    const second = await stella('db', 'migrate');
    expect(second.out).toContain('database up to date');
    expect((await stella('db', 'status')).code).toBe(0);
  });

  it("stella db keys add puts a key in the tenant's keyring, and only then are its seals accepted", async () => {
    const config = storeConfig(env);
    const refused = await withStore(config, (s) =>
      storeSealSet(s, config.tenant, sets[0]!, { actor: 'ci', correlationId: 'x' }).then(
        () => 'stored',
        (e: { code: string }) => e.code,
      ),
    );
    expect(refused).toBe('SEAL_SIGNATURE_UNTRUSTED');
    const added = await stella('db', 'keys', 'add', join(dir, 'ci.pub'));
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain(key.signer.keyId);
    const listed = await stella('db', 'keys', 'list', '--format', 'json');
    expect(JSON.parse(listed.out)).toMatchObject({
      keys: [{ keyId: key.signer.keyId, status: 'active', addedBy: 'carol' }],
    });
    await withStore(config, async (s) => {
      for (const set of sets) await storeSealSet(s, config.tenant, set, { actor: 'ci', correlationId: 'x' });
    });
  });

  it('stella baseline approve resolves a stored reference to its repository and digest; show prints it', async () => {
    const approved = await stella('baseline', 'approve', 'registry.test/cli/app:1', '--reason', 'first');
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out).toContain(
      `approved ${sets[0]!.imageDigest} as the baseline of registry.test/cli/app`,
    );
    const byDigest = await stella(
      'baseline',
      'approve',
      `stored:${sets[1]!.imageDigest}`,
      '--format',
      'json',
    );
    expect(JSON.parse(byDigest.out)).toMatchObject({
      repository: 'registry.test/cli/app',
      approvedBy: 'carol',
    });
    const shown = await stella('baseline', 'show', 'registry.test/cli/app', '--format', 'json', '--history');
    expect(shown.code, shown.err).toBe(0);
    const body = JSON.parse(shown.out) as {
      approval: { imageDigest: string };
      facets: { facetId: string }[];
      history: unknown[];
    };
    expect(body.approval.imageDigest).toBe(sets[1]!.imageDigest);
    expect(body.facets.map((f) => f.facetId)).toEqual([
      'os',
      'lang/node',
      'lang/python',
      'lang/go',
      'binary',
      'config',
    ]);
    expect(body.history).toHaveLength(2);
    const text = await stella('baseline', 'show', 'registry.test/cli/app');
    expect(text.out).toContain(`baseline    ${sets[1]!.imageDigest}`);
  });

  it('refuses what cannot be approved with a clear code', async () => {
    const unknown = await stella('baseline', 'approve', 'registry.test/cli/app:9');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('error[SEALS_NOT_FOUND]');
    const none = await stella('baseline', 'show', 'registry.test/cli/other');
    expect(none.err).toContain('error[BASELINE_NOT_FOUND]');
    const otherTenant = await stella('baseline', 'show', 'registry.test/cli/app', '--tenant', 'someone-else');
    expect(otherTenant.err).toContain('error[BASELINE_NOT_FOUND]');
    const badTenant = await stella('baseline', 'show', 'registry.test/cli/app', '--tenant', '../etc');
    expect(badTenant.err).toContain('error[CONFIG_INVALID]');
  });
});
