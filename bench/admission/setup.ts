import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { writeOciLayout } from '../../test/fixtures/index.ts';
import { startRegistry, type RegistryProcess } from '../../test/integration/registry/registry-process.ts';
import { pushLayout } from '../../test/integration/registry/skopeo.ts';
import { makeTestPki, type TestPki } from '../../test/integration/registry/tls.ts';
import { BASELINE_IMAGE, DRIFTED_IMAGE, PROBE_REPOSITORY, REPOSITORIES } from './fixtures.ts';
import type { BenchImages } from './reviews.ts';

export interface BenchWorld {
  readonly dir: string;
  readonly pki: TestPki;
  readonly ca: string;
  readonly registry: RegistryProcess;
  readonly databaseUrl: string;
  readonly schema: string;
  readonly tenant: string;
  readonly images: BenchImages;
  readonly digests: { readonly baseline: string; readonly drifted: string };
  /** `stella ARGS` in this process against the world's schema and tenant; its stdout; throws on failure. */
  readonly stella: (...args: string[]) => Promise<string>;
  /** Stops the registry and drops the schema; removes the directory unless `keepDir`. */
  cleanup(keepDir?: boolean): Promise<void>;
}

/**
 * Everything real, and all of it made here: a loopback registry (Debian's docker-registry) holding the
 * fixture images in three repositories, a CA and a loopback server certificate (openssl, as the tests
 * make them), a PostgreSQL schema of its own in database `test` (dropped at the end), a tenant of its
 * own, a signing key in the tenant's keyring, both images sealed into the store with `stella seal
 * --store`, and the baseline approved for each repository with `stella baseline approve`.
 */
export async function prepareWorld(databaseUrl: string): Promise<BenchWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'zastava-bench-admission-'));
  const schema = `bench_admission_${randomBytes(4).toString('hex')}`;
  const tenant = 'bench-admission';
  let registry: RegistryProcess | undefined;
  const cleanup = async (keepDir = false) => {
    await registry?.stop();
    await dropSchema(databaseUrl, schema).catch(() => {});
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const pkiDir = join(dir, 'pki');
    await mkdir(pkiDir);
    const pki = await makeTestPki(pkiDir);
    registry = await startRegistry({ dir: join(dir, 'registry') });
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, BASELINE_IMAGE, { tag: 'v1' });
    await writeOciLayout(layout, DRIFTED_IMAGE, { tag: 'v2' });
    for (const repository of [...REPOSITORIES, PROBE_REPOSITORY])
      for (const tag of ['v1', 'v2']) await pushLayout(layout, tag, `${registry.host}/${repository}:${tag}`);

    const env = {
      DATABASE_URL: databaseUrl,
      ZASTAVA_DATABASE_SCHEMA: schema,
      ZASTAVA_TENANT: tenant,
      ZASTAVA_DATA_DIR: join(dir, 'cli-data'),
      STELLA_SEALED_BY: 'bench',
      USER: 'bench',
    };
    const stella = async (...args: string[]) => {
      const ctx = captureContext(env);
      const code = await runCli(args, ctx);
      if (code !== 0) throw new Error(`stella ${args.join(' ')} exited ${code}: ${ctx.err()}`);
      return ctx.out();
    };
    await stella('db', 'migrate');
    await stella('keys', 'generate', '--output-prefix', join(dir, 'k'));
    await stella('db', 'keys', 'add', join(dir, 'k.pub'));
    const digestOf = async (tag: string) => {
      const out = await stella(
        'seal',
        `${registry!.host}/${REPOSITORIES[0]}:${tag}`,
        '--key',
        join(dir, 'k.key'),
        '--store',
        '--format',
        'json',
      );
      return (JSON.parse(out) as { imageDigest: string }).imageDigest;
    };
    const digests = { baseline: await digestOf('v1'), drifted: await digestOf('v2') };
    for (const repository of [...REPOSITORIES, PROBE_REPOSITORY])
      await stella(
        'baseline',
        'approve',
        `${registry.host}/${repository}:v1`,
        '--digest',
        digests.baseline,
        '--reason',
        'bench',
      );
    const host = registry.host;
    return {
      dir,
      pki,
      ca: await readFile(pki.caFile, 'utf8'),
      registry,
      databaseUrl,
      schema,
      tenant,
      digests,
      stella,
      images: {
        baseline: (repository) => `${host}/${repository}@${digests.baseline}`,
        drifted: (repository) => `${host}/${repository}@${digests.drifted}`,
      },
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Process ids of the PostgreSQL backends serving connections with this `application_name`. */
export async function backendPids(databaseUrl: string, applicationName: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}
