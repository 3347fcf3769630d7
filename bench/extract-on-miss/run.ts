/**
 * Extraction on a miss against the reviews of sealed images (issue 6: "admission of sealed images is never
 * starved"). A real `stella serve --seal-key` child process over HTTPS, bench/admission's world (registry,
 * PostgreSQL schema, sealed images, approved baselines) plus the realistic corpus's Debian images in a
 * repository of their own: `base` sealed and approved, `current` and `rebuild` never sealed.
 *
 *   node bench/extract-on-miss/run.ts [--rate 100] [--seconds 10] [--connections 10] [--cpu-prof DIR] [--keep]
 *
 * 1. idle: one extraction (`rebuild`) with no other load: its duration.
 * 2. quiet: sealed reviews at --rate for --seconds: p50/p99 (bench/admission's load and check).
 * 3. during: the same load while the webhook extracts `current` (started by one review that gets its
 *    onError at the deadline; the extraction goes on in the background): p50/p99 and the extraction's time.
 * The corpus is built by `node test/fixtures/realistic/build.ts` (cached); DATABASE_URL defaults to
 * postgres://postgres@127.0.0.1:5432/test.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { admissionReviewBody, podObject } from '../../test/fixtures/index.ts';
import { corpusDir } from '../../test/fixtures/realistic/corpus.ts';
import { pushLayout } from '../../test/integration/registry/skopeo.ts';
import { httpsPost, startServeChild, type ServeChild } from '../../test/integration/serve-child.ts';
import { runLoad, type LoadResult } from '../admission/load.ts';
import { loadAverage } from '../admission/proc.ts';
import { deploymentReview, podReview } from '../admission/reviews.ts';
import { prepareWorld } from '../admission/setup.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'node bench/extract-on-miss/run.ts [--rate 100] [--seconds 10] [--connections 10] [--cpu-prof DIR] [--keep]\n' +
      'Sealed reviews at --rate while a real `stella serve --seal-key` extracts an unsealed Debian image ' +
      '(the realistic corpus); DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test.',
  );
  process.exit(0);
}
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const corpus = await corpusDir();
if (!existsSync(join(corpus, 'corpus.json')))
  throw new Error(`no realistic corpus in ${corpus}: build it with node test/fixtures/realistic/build.ts`);

const world = await prepareWorld(databaseUrl);
let server: ServeChild | undefined;
try {
  const { stella } = world;
  const repo = `${world.registry.host}/bench/debian`;
  for (const tag of ['base', 'current', 'rebuild'])
    await pushLayout(join(corpus, 'layout'), tag, `${repo}:${tag}`);
  const sealed = JSON.parse(
    await stella('seal', `${repo}:base`, '--key', join(world.dir, 'k.key'), '--store', '--format', 'json'),
  ) as { imageDigest: string };
  await stella('baseline', 'approve', `${repo}@${sealed.imageDigest}`);
  await stella('keys', 'generate', '--output-prefix', join(world.dir, 'seal'));
  await stella('db', 'keys', 'add', join(world.dir, 'seal.pub'));

  const logFile = join(world.dir, 'serve.log');
  server = await startServeChild({
    tls: { cert: world.pki.serverCert, key: world.pki.serverKey, ca: world.ca },
    databaseUrl,
    schema: world.schema,
    tenant: world.tenant,
    flags: ['--seal-key', join(world.dir, 'seal.key')],
    nodeFlags: values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']],
    env: { ZASTAVA_DATA_DIR: join(world.dir, 'serve-data') },
    logFile,
  });
  const url = server.url;

  const review = async (image: string, uid: string): Promise<string> => {
    const body = admissionReviewBody({
      uid,
      userInfo: { username: 'bench' },
      object: podObject(uid, [{ name: 'app', image }]),
      oldObject: null,
    });
    return (await httpsPost(`${url}/validate`, body, world.ca)).text;
  };
  /** The extraction's own log line for `tag`: its outcome and duration, once it has ended. */
  const extraction = async (digestPart: string) => {
    for (;;) {
      const lines = (await readFile(logFile, 'utf8')).split('\n');
      const line = lines.find((l) => l.includes('"msg":"webhook extraction') && l.includes(digestPart));
      if (line !== undefined) return JSON.parse(line) as Record<string, unknown>;
      await sleep(200);
    }
  };
  const digestOf = async (tag: string) => {
    const index = JSON.parse(await readFile(join(corpus, 'layout', 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
    };
    return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!.digest;
  };
  const bodies = [podReview(world.images), deploymentReview(world.images)];
  const show = (name: string, r: LoadResult) =>
    console.log(
      `${name}: ${r.responses} reviews, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, ` +
        `max ${r.latency.max.toFixed(1)} ms, errors ${r.non2xx + r.errors + r.wrongDecisions}, load ${loadAverage()}`,
    );

  console.log(`load average at start: ${loadAverage()}`);
  const rebuild = await digestOf('rebuild');
  const idleAnswer = await review(`${repo}@${rebuild}`, 'idle-1');
  const idle = await extraction(rebuild);
  console.log(
    `idle: extraction of ${repo}@rebuild ${String(idle.outcome)} in ${String(idle.durationMs)} ms ` +
      `(${String(idle.files)} files, ${String(idle.bytes)} bytes); review answered: ${idleAnswer.includes('"allowed":true') ? 'allowed' : 'denied'}`,
  );
  // warm-up, then the quiet baseline
  await runLoad({ url, bodies, connections, seconds: 3, rate });
  show('quiet', await runLoad({ url, bodies, connections, seconds, rate }));
  const current = await digestOf('current');
  const load = runLoad({ url, bodies, connections, seconds, rate });
  await sleep(500);
  const started = performance.now();
  const first = await review(`${repo}@${current}`, 'during-1');
  const answeredMs = performance.now() - started;
  show('during', await load);
  const during = await extraction(current);
  console.log(
    `during: the unsealed review answered in ${answeredMs.toFixed(0)} ms ` +
      `(${first.includes('ADMISSION_DEADLINE_EXCEEDED') ? 'onError at the deadline' : 'decided'}); ` +
      `extraction ${String(during.outcome)} in ${String(during.durationMs)} ms`,
  );
} finally {
  await server?.stop();
  await world.cleanup(values.keep);
}
