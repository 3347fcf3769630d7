/**
 * The store benchmark (issue 5, Performance).
 *   node bench/store/store-bench.ts --backend postgres|pglite [--images 10000] [--lookups 2000] [--stores 20]
 *     [--concurrency 4] [--working-set 100] [--schema NAME] [--keep]
 * PostgreSQL: DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, in a schema of its own, dropped at
 * the end (`--schema NAME --keep` keeps it, and a later run with the same `--schema` reuses its
 * population). PGlite: in a data directory on disk, as the embedded default keeps it (`--pglite-dir DIR`,
 * else a temporary one, removed at the end; in memory, Emscripten's file system copies a growing file
 * on every extension and the store costs twice as much).
 *
 * 1. Population: `--images` images × 6 facets in one tenant, 5 versions per repository, two approvals per
 *    repository. Manifests are shaped like a Debian + Node image's: `os` 1,500 entries shared by 20 base
 *    variants (the CAS stores each once), `lang/node` 300, `binary` 40 and `config` 25 entries unique per
 *    image, `lang/python` and `lang/go` empty. Rows are bulk-inserted as the application role (RLS on);
 *    their DSSE envelopes are small placeholders: the lookup never reads envelopes, and PostgreSQL keeps
 *    large ones out of line (TOAST), so their size does not change the rows the lookup reads.
 * 2. Baseline lookup: `latestApprovedManifests` for a random repository (latest approval, its six seal
 *    rows, six manifests from the CAS, each decompressed and re-hashed: one round trip), `--lookups`
 *    times; then again with the manifest cache `stella serve` uses (the database hashes the stored bytes
 *    on every read; only decompression and parsing of bytes already verified are saved), over
 *    `--working-set` repositories (about 66,000 cached entries for 100: the cache's default bound is
 *    200,000), and over all repositories (760,000 entries: it churns); then cached lookups of the working
 *    set `--concurrency` at a time, as a webhook serving several admissions (wall time only).
 * 3. Storing the seal set of a realistic image (10,000 entries: os 4,000, lang/node 5,460, binary 300,
 *    config 240) with `storeSealSet`: six signatures verified against the tenant's keyring, Merkle roots
 *    recomputed, manifests compressed into the CAS, rows and the audit row in one transaction; with the
 *    time of each phase.
 *
 * Every figure is given as wall time and as this process's CPU time (user + system, all threads): on a
 * shared machine the wall time also counts waiting for a core, the CPU time does not (it leaves out the
 * PostgreSQL server's own work; PGlite runs in this process, so there it includes the database). Each
 * section records the 1-minute load average before and after, the garbage collections, the event loop
 * delay, and what the slowest 1 % of operations spent their time on (bench/store/probe.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FacetFileEntry, FacetManifest } from '../../src/model/manifest.ts';
import { Tenant } from '../../src/model/tenant.ts';
import { approveBaseline, latestApprovedManifests } from '../../src/store/baselines.ts';
import { ManifestCache } from '../../src/store/cas/manifest-cache.ts';
import { postgresCas } from '../../src/store/cas/postgres-cas.ts';
import { encodeManifest } from '../../src/store/cas/manifest-cas.ts';
import type { Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPgDb } from '../../src/store/pg-db.ts';
import { openPgliteDb } from '../../src/store/pglite-db.ts';
import { storeSealSet, type SealSetSubmission } from '../../src/store/seal-sets.ts';
import type { Store } from '../../src/store/store.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { exportPublicKeyPem, generateKeyPair } from '../../src/seal/keys.ts';
import { sealManifest } from '../../src/seal/seal.ts';
import { createSigner } from '../../src/seal/signer.ts';
import { manifestOf as manifest } from '../../test/integration/store-fixtures.ts';
import { Probe } from './probe.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'postgres' },
    images: { type: 'string', default: '10000' },
    lookups: { type: 'string', default: '2000' },
    stores: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    'working-set': { type: 'string', default: '100' },
    schema: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'pglite-dir': { type: 'string' },
  },
});
const backend = values.backend === 'pglite' ? 'pglite' : 'postgres';
const IMAGES = Number(values.images);
const LOOKUPS = Number(values.lookups);
const STORES = Number(values.stores);
const CONCURRENCY = Number(values.concurrency);
const WORKING_SET = Number(values['working-set']);
const VERSIONS_PER_REPO = 5;
const BASES = 20;
const tenant = Tenant.parse('bench');
const by = { actor: 'bench', correlationId: 'bench' };
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = values.schema ?? `bench_store_${process.pid}`;

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Entries with path lengths and sizes like a real image's. */
function entries(root: string, count: number, seed: string): FacetFileEntry[] {
  const list: FacetFileEntry[] = [];
  for (let i = 0; i < count; i++) {
    const dir = `${root}/pkg-${String(i % 97).padStart(3, '0')}/lib/${i % 5 === 0 ? 'nested/deeper/' : ''}`;
    list.push({
      path: `${dir}module-${String(i).padStart(6, '0')}.${i % 3 === 0 ? 'so.1.2.3' : 'js'}`,
      type: 'file',
      contentHash: sha(`${root}:${i}:${seed}`),
      size: 200 + ((i * 7919) % 90_000),
      mode: i % 11 === 0 ? '0755' : '0644',
      modTime: '2024-01-01T00:00:00.000Z',
    });
  }
  return list;
}

/** PGlite keeps its data in a directory on disk, as the embedded default does (`dataDir(env)/pglite`). */
const pgliteDir =
  backend === 'pglite'
    ? (values['pglite-dir'] ?? (await mkdtemp(join(tmpdir(), 'zastava-bench-pglite-'))))
    : '';

async function openDb(): Promise<Db> {
  if (backend === 'pglite') return openPgliteDb({ dataDir: pgliteDir });
  return openPgDb({ connectionString: url, schema });
}

const PLACEHOLDER_ENVELOPE = JSON.stringify({
  payloadType: 'application/vnd.stellaops.facet-seal.v1+json',
  payload: Buffer.from('{"bench":true}').toString('base64'),
  signatures: [{ keyid: 'bench', sig: Buffer.alloc(64).toString('base64') }],
});

async function populate(
  store: Store,
): Promise<{ repositories: string[]; distinctManifests: number; ms: number }> {
  const started = performance.now();
  const empty = { python: manifest('lang/python', 'LangPython', []), go: manifest('lang/go', 'LangGo', []) };
  const bases = Array.from({ length: BASES }, (_, b) =>
    manifest('os', 'OS', entries('/usr', 1500, `base${b}`)),
  );
  const encodedBases = await Promise.all(bases.map((m) => encodeManifest(m)));
  const encodedEmpty = await Promise.all([encodeManifest(empty.python), encodeManifest(empty.go)]);
  const repositories: string[] = [];
  let distinct = BASES + 2;
  const BATCH = 100;
  for (let start = 0; start < IMAGES; start += BATCH) {
    const rows: unknown[][] = [];
    const cas: { key: string; compressed: Uint8Array }[] = [];
    for (let i = start; i < Math.min(IMAGES, start + BATCH); i++) {
      const repo = `registry.bench/team-${Math.floor(i / VERSIONS_PER_REPO) % 97}/app-${Math.floor(i / VERSIONS_PER_REPO)}`;
      if (i % VERSIONS_PER_REPO === 0) repositories.push(repo);
      const imageDigest = sha(`image${i}`);
      const configDigest = sha(`config${i}`);
      const own = [
        manifest('lang/node', 'LangNode', entries('/app/node_modules', 300, `n${i}`)),
        manifest('binary', 'Binary', entries('/usr/local/bin', 40, `b${i}`)),
        manifest('config', 'Config', entries('/etc/app', 25, `c${i}`)),
      ];
      const unique = await Promise.all(own.map((m) => encodeManifest(m)));
      cas.push(...unique);
      distinct += 3;
      // Definition order: os, lang/node, lang/python, lang/go, binary, config.
      const ordered: [FacetManifest, string][] = [
        [bases[i % BASES]!, encodedBases[i % BASES]!.key],
        [own[0]!, unique[0]!.key],
        [empty.python, encodedEmpty[0].key],
        [empty.go, encodedEmpty[1].key],
        [own[1]!, unique[1]!.key],
        [own[2]!, unique[2]!.key],
      ];
      ordered.forEach(([m, key], position) => {
        rows.push([
          randomUUID(),
          tenant,
          `${repo}:v${i % VERSIONS_PER_REPO}`,
          imageDigest,
          configDigest,
          m.facetId,
          m.type,
          m.merkleRoot,
          m.fileCount,
          m.totalBytes,
          '2024-03-01T00:00:00.000Z',
          'bench',
          key,
          PLACEHOLDER_ENVELOPE,
          position,
        ]);
      });
    }
    await store.db.withTenant(tenant, async (sql) => {
      if (start === 0) await store.cas.put(sql, tenant, [...encodedBases, ...encodedEmpty]);
      await store.cas.put(sql, tenant, cas);
      const params: unknown[] = [];
      const tuples = rows.map((r) => {
        const base = params.length;
        params.push(...r);
        return `(${r.map((_, k) => `$${base + k + 1}`).join(', ')})`;
      });
      await sql.query(
        `INSERT INTO facet_seals (seal_id, tenant, image_ref, image_digest, config_digest, facet_id, facet_type, merkle_root,
           file_count, total_bytes, sealed_at, sealed_by, manifest_cas, dsse_envelope, facet_position) VALUES ${tuples.join(', ')}`,
        params,
      );
    });
  }
  // Two approvals per repository: an older version, then a newer one.
  await store.db
    .withTenant(tenant, async (sql) => {
      for (let r = 0; r < repositories.length; r++) {
        for (const v of [1, 3]) {
          const i = r * VERSIONS_PER_REPO + v;
          if (i >= IMAGES) continue;
          await sql.query(
            `INSERT INTO facet_seal_approvals (approval_id, tenant, image_repository, image_digest, approved_by, correlation_id)
           VALUES ($1, $2, $3, $4, 'bench', 'bench')`,
            [randomUUID(), tenant, repositories[r], sha(`image${i}`)],
          );
        }
      }
      await sql.exec('ANALYZE');
    })
    .catch(async (error: unknown) => {
      // ANALYZE needs the owner; run it there.
      if (!(error instanceof Error)) throw error;
      await store.db.asOwner((sql) => sql.exec('ANALYZE'));
    });
  return { repositories, distinctManifests: distinct, ms: performance.now() - started };
}

function realisticManifests(seed: string): FacetManifest[] {
  return [
    manifest('os', 'OS', entries('/usr', 4000, `os-${seed}`)),
    manifest('lang/node', 'LangNode', entries('/app/node_modules', 5460, `node-${seed}`)),
    manifest('lang/python', 'LangPython', []),
    manifest('lang/go', 'LangGo', []),
    manifest('binary', 'Binary', entries('/usr/local/bin', 300, `bin-${seed}`)),
    manifest('config', 'Config', entries('/etc', 240, `etc-${seed}`)),
  ];
}

/** Accumulates `onPhase` reports: wall and CPU time since the previous report, summed per phase name. */
class PhaseClock {
  readonly totals = new Map<string, { wallMs: number; cpuMs: number }>();
  #wall = performance.now();
  #cpu = process.cpuUsage();

  readonly mark = (phase: string): void => {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const t = this.totals.get(phase) ?? { wallMs: 0, cpuMs: 0 };
    t.wallMs += wall - this.#wall;
    t.cpuMs += (cpu.user - this.#cpu.user + cpu.system - this.#cpu.system) / 1000;
    this.totals.set(phase, t);
    this.#wall = wall;
    this.#cpu = cpu;
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

async function existingPopulation(store: Store): Promise<string[] | undefined> {
  if (values.schema === undefined && values['pglite-dir'] === undefined) return undefined;
  const rows = await store.db.withTenant(tenant, (sql) =>
    sql.query(
      "SELECT DISTINCT image_repository FROM facet_seal_approvals WHERE image_repository LIKE 'registry.bench/team-%' ORDER BY 1",
    ),
  );
  return rows.length === 0 ? undefined : rows.map((r) => String(r.image_repository));
}

const db = await openDb();
const store: Store = { db, cas: postgresCas({ binaryWrites: backend === 'postgres' }) };
try {
  await migrate(db);
  const reused = await existingPopulation(store);
  const pop =
    reused === undefined ? await populate(store) : { repositories: reused, distinctManifests: NaN, ms: 0 };
  const counts = await db.withTenant(
    tenant,
    async (sql) =>
      (
        await sql.query(
          'SELECT count(*)::int AS seals, count(DISTINCT image_digest)::int AS images FROM facet_seals',
        )
      )[0],
  );

  // Lookups one at a time: cold (every manifest decompressed and parsed), then with the server's manifest
  // cache over a working set of repositories that fits it (a cluster admitting pods of that many
  // repositories), then with the cache over all repositories (more than it holds: it churns). Each run
  // warms up first (every working-set repository once, at least 100 lookups), then measures.
  async function lookups(target: Store, repositories: readonly string[]) {
    let entries = 0;
    const probe = new Probe();
    const warmUp = Math.max(100, Math.min(repositories.length, 2000));
    for (let i = 0; i < LOOKUPS + warmUp; i++) {
      const repo =
        i < repositories.length && i < warmUp
          ? repositories[i]!
          : repositories[Math.floor(Math.random() * repositories.length)]!;
      const baseline = await probe.measure(() => latestApprovedManifests(target, tenant, repo), i >= warmUp);
      if (baseline === undefined || baseline.facets.length !== 6) throw new Error(`no baseline for ${repo}`);
      entries = baseline.facets.reduce((n, f) => n + f.manifest.files.length, 0);
    }
    const cache = target.manifestCache?.stats;
    return {
      repositories: repositories.length,
      entriesPerLookup: entries,
      ...probe.summary(),
      cache,
      targetP99Ms: 10,
    };
  }
  const workingSet = pop.repositories.slice(0, WORKING_SET);
  const cold = await lookups(store, pop.repositories);
  const cachedStore = { ...store, manifestCache: new ManifestCache() };
  const cached = await lookups(cachedStore, workingSet);
  const churning = await lookups({ ...store, manifestCache: new ManifestCache() }, pop.repositories);

  // Cached lookups of the working set `--concurrency` at a time (a webhook answering several admissions):
  // wall time per lookup; CPU per lookup is not separable here.
  const concurrent = new Probe();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < LOOKUPS) {
        const repo = workingSet[Math.floor(Math.random() * workingSet.length)]!;
        await concurrent.measure(() => latestApprovedManifests(cachedStore, tenant, repo));
      }
    }),
  );
  const { clientCpu: _notPerLookup, ...concurrentSummary } = concurrent.summary();

  // Storing realistic seal sets.
  const key = generateKeyPair('ed25519');
  const signer = createSigner(key.privateKey);
  await addTrustedKey(db, tenant, { publicKey: exportPublicKeyPem(key.publicKey) }, by);
  const storeProbe = new Probe();
  const phases: Map<string, { wallMs: number; cpuMs: number }>[] = [];
  let sealSetBytes = 0;
  const run = randomUUID().slice(0, 8);
  for (let i = 0; i < STORES + 2; i++) {
    const imageDigest = sha(`realistic${run}${i}`);
    const seals = [];
    for (const m of realisticManifests(`${run}${i}`))
      seals.push(
        await sealManifest(
          {
            manifest: m,
            imageRef: `registry.bench/realistic/app:${run}-${i}`,
            imageDigest,
            configDigest: sha(`rc${run}${i}`),
            quota: null,
            sealedBy: 'bench',
          },
          signer,
        ),
      );
    // What the API hands over: a parsed request body, nothing shared with the signing side.
    const json = JSON.stringify({
      imageRef: `registry.bench/realistic/app:${run}-${i}`,
      imageDigest,
      configDigest: sha(`rc${run}${i}`),
      seals,
    });
    sealSetBytes = json.length;
    const set = JSON.parse(json) as SealSetSubmission;
    const clock = new PhaseClock();
    await storeProbe.measure(() => storeSealSet(store, tenant, set, by, { onPhase: clock.mark }), i >= 2);
    if (i >= 2) phases.push(clock.totals);
  }
  const phaseNames = [...new Set(phases.flatMap((p) => [...p.keys()]))];
  const phaseMedians = Object.fromEntries(
    phaseNames.map((name) => [
      name,
      {
        wallMs: Number(median(phases.map((p) => p.get(name)?.wallMs ?? 0)).toFixed(2)),
        cpuMs: Number(median(phases.map((p) => p.get(name)?.cpuMs ?? 0)).toFixed(2)),
      },
    ]),
  );
  await approveBaseline(
    store,
    tenant,
    { repository: 'registry.bench/realistic/app', imageDigest: sha(`realistic${run}2`) },
    by,
  );
  const realistic = new Probe();
  for (let i = 0; i < 60; i++)
    await realistic.measure(
      () => latestApprovedManifests(store, tenant, 'registry.bench/realistic/app'),
      i >= 10,
    );

  console.log(
    JSON.stringify(
      {
        command: `node bench/store/store-bench.ts --backend ${backend} --images ${IMAGES} --lookups ${LOOKUPS} --stores ${STORES} --concurrency ${CONCURRENCY} --working-set ${WORKING_SET}`,
        backend,
        node: process.version,
        cpus: cpus().length,
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
        population: {
          ...counts,
          repositories: pop.repositories.length,
          distinctManifests: pop.distinctManifests,
          seconds: Math.round(pop.ms / 1000),
          reused: reused !== undefined,
        },
        baselineLookup: cold,
        baselineLookupWithManifestCache: cached,
        baselineLookupWithManifestCacheChurning: churning,
        baselineLookupConcurrent: {
          concurrency: CONCURRENCY,
          repositories: workingSet.length,
          ...concurrentSummary,
        },
        storeRealisticSealSet: {
          entries: 10_000,
          jsonBytes: sealSetBytes,
          ...storeProbe.summary(),
          phasesMedian: phaseMedians,
          targetMs: 150,
        },
        realisticBaselineLookup: { entries: 10_000, ...realistic.summary() },
      },
      null,
      2,
    ),
  );
} finally {
  if (backend === 'postgres' && !values.keep)
    await db.asOwner((sql) => sql.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  await db.close();
  if (backend === 'pglite' && values['pglite-dir'] === undefined)
    await rm(pgliteDir, { recursive: true, force: true });
}
