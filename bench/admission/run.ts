/**
 * The admission webhook benchmark (issue 6, Performance). See bench/admission/README.md.
 *   node bench/admission/run.ts [--rate 200] [--duration 60] [--connections 10]
 *     [--saturation-connections 1,8,32] [--saturation-seconds 20] [--repeat 3]
 *     [--soak-seconds 300] [--soak-warmup 30] [--phases rate,saturation,soak] [--pacing smooth|burst]
 *     [--log-level info] [--cpu-prof DIR]
 */
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../../test/integration/registry/registry-process.ts';
import { median, runLoad, type LoadResult } from './load.ts';
import { cpuMs, loadAverage, rssKiB, totalCpuMs } from './proc.ts';
import { deploymentReview, isExpectedDecision, podReview } from './reviews.ts';
import { httpsGet, startServe, type Serve } from './serve.ts';
import { backendPids, prepareWorld, type BenchWorld } from './setup.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '10' },
    'saturation-connections': { type: 'string', default: '1,8,32' },
    'saturation-seconds': { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
    'soak-seconds': { type: 'string', default: '300' },
    'soak-warmup': { type: 'string', default: '30' },
    phases: { type: 'string', default: 'rate,saturation,soak' },
    pacing: { type: 'string', default: 'smooth' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'string' },
  },
});
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const SATURATION = values['saturation-connections'].split(',').map(Number);
const SATURATION_SECONDS = Number(values['saturation-seconds']);
const REPEAT = Number(values.repeat);
const SOAK_SECONDS = Number(values['soak-seconds']);
const SOAK_WARMUP = Number(values['soak-warmup']);
const PHASES = new Set(values.phases.split(','));
if (values.pacing !== 'smooth' && values.pacing !== 'burst') throw new Error('--pacing is smooth or burst');
const PACING: 'smooth' | 'burst' = values.pacing;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const P99_GOAL_MS = 25;
const RSS_GOAL = 0.1;

const ms = (v: number) => `${v.toFixed(1)} ms`;
const say = (line = '') => process.stdout.write(`${line}\n`);

function post(url: string, body: string, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      `${url}/validate`,
      { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Cumulative bucket counts of the server's own `/validate` latency histogram (`le` in seconds). */
async function serverBuckets(serve: Serve, ca: string): Promise<Map<string, number>> {
  const { text } = await httpsGet(`${serve.url}/metrics`, ca);
  const buckets = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('zastava_http_request_duration_seconds_bucket{')) continue;
    if (!line.includes('method="POST"') || !line.includes('validate')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le !== undefined) buckets.set(le, (buckets.get(le) ?? 0) + Number(line.split(' ').at(-1)));
  }
  return buckets;
}

/** The share of reviews the server itself answered within 10 ms and 25 ms (its histogram, request in to response out). */
function serverShares(before: Map<string, number>, after: Map<string, number>): string {
  const delta = (le: string) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = delta('+Inf');
  if (total === 0) return 'no server-side samples';
  const pct = (le: string) => `${((100 * delta(le)) / total).toFixed(1)} %`;
  return `≤ 5 ms ${pct('0.005')}, ≤ 10 ms ${pct('0.01')}, ≤ 25 ms ${pct('0.025')}, ≤ 50 ms ${pct('0.05')}`;
}

interface Measured {
  readonly load: LoadResult;
  /** The server's own latency histogram over the run. */
  readonly server: string;
  readonly serverCpuMsPerRequest: number;
  readonly postgresCpuMsPerRequest: number;
  readonly loadavg: { readonly start: string; readonly end: string };
}

/** A load run with the server's and its PostgreSQL backends' CPU time (load-independent) around it. */
async function measured(
  serve: Serve,
  world: BenchWorld,
  app: string,
  run: () => Promise<LoadResult>,
): Promise<Measured> {
  const backends = await backendPids(world.databaseUrl, app);
  const start = loadAverage();
  const buckets = await serverBuckets(serve, world.ca);
  const [cpu0, pg0] = [await cpuMs(serve.pid), await totalCpuMs(backends)];
  const load = await run();
  const [cpu1, pg1] = [await cpuMs(serve.pid), await totalCpuMs(backends)];
  const n = Math.max(1, load.responses);
  return {
    load,
    server: serverShares(buckets, await serverBuckets(serve, world.ca)),
    serverCpuMsPerRequest: (cpu1 - cpu0) / n,
    postgresCpuMsPerRequest: (pg1 - pg0) / n,
    loadavg: { start, end: loadAverage() },
  };
}

function describe(m: Measured): string[] {
  const { load } = m;
  return [
    `  responses ${load.responses} in ${load.seconds.toFixed(1)} s = ${load.requestsPerSecond.toFixed(1)} req/s`,
    `  latency p50 ${ms(load.latency.p50)}  p90 ${ms(load.latency.p90)}  p99 ${ms(load.latency.p99)}  max ${ms(load.latency.max)}`,
    `  errors: non-2xx ${load.non2xx}, socket errors/timeouts ${load.errors}, wrong decisions ${load.wrongDecisions}` +
      (PACING === 'smooth' ? `; sends late for their slot ${load.lateSends}` : ''),
    `  server-side latency (its own histogram): ${m.server}`,
    `  CPU per request: server ${m.serverCpuMsPerRequest.toFixed(2)} ms, its PostgreSQL backends ${m.postgresCpuMsPerRequest.toFixed(2)} ms`,
    `  load average (1/5/15 min): start ${m.loadavg.start}, end ${m.loadavg.end}`,
  ];
}

async function main(): Promise<void> {
  say(`command: node bench/admission/run.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  say(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; load average at start ${loadAverage()}`,
  );
  const world = await prepareWorld(DATABASE_URL);
  const app = `bench-admission-${process.pid}`;
  const url = new URL(DATABASE_URL);
  url.searchParams.set('application_name', app);
  let serve: Serve | undefined;
  try {
    serve = await startServe({
      root: ROOT,
      port: await freePort(),
      tls: { cert: world.pki.serverCert, key: world.pki.serverKey, ca: world.ca },
      databaseUrl: url.toString(),
      schema: world.schema,
      tenant: world.tenant,
      dataDir: join(world.dir, 'serve-data'),
      logFile: join(world.dir, 'serve.log'),
      logLevel: values['log-level'],
      cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    });
    const bodies = [podReview(world.images), deploymentReview(world.images)];
    say(
      `set-up: stella serve pid ${serve.pid} at ${serve.url} (TLS, CA-verified), PostgreSQL schema ${world.schema}, ` +
        `tenant ${world.tenant}, registry ${world.registry.host}; baseline ${world.digests.baseline.slice(0, 19)}…, ` +
        `drifted ${world.digests.drifted.slice(0, 19)}…`,
    );
    say(
      `reviews: a Pod (1 init + 3 containers: 2 drifted images, 1 baseline) and a Deployment (2 containers), ` +
        `${bodies.map((b) => b.length).join(' and ')} bytes, alternating; every response checked (allowed, with warnings)`,
    );
    for (const body of bodies) {
      const reply = await post(serve.url, body.replace('[<id>]', 'check'), world.ca);
      if (reply.status !== 200 || !isExpectedDecision(reply.text))
        throw new Error(`unexpected decision (HTTP ${reply.status}): ${reply.text.slice(0, 2000)}`);
    }
    await runLoad({
      url: serve.url,
      bodies,
      connections: CONNECTIONS,
      seconds: 5,
      rate: RATE,
      pacing: PACING,
    });
    say(`warm-up: 5 s at ${RATE} req/s; server RSS ${((await rssKiB(serve.pid)) / 1024).toFixed(1)} MiB`);

    const verdicts: string[] = [];
    if (PHASES.has('rate')) {
      say();
      say(`(a) ${RATE} req/s for ${DURATION} s, ${CONNECTIONS} connections, ${PACING} pacing`);
      const m = await measured(serve, world, app, () =>
        runLoad({
          url: serve!.url,
          bodies,
          connections: CONNECTIONS,
          seconds: DURATION,
          rate: RATE,
          pacing: PACING,
        }),
      );
      for (const line of describe(m)) say(line);
      const errors = m.load.non2xx + m.load.errors + m.load.wrongDecisions;
      verdicts.push(
        `(a) p99 ${ms(m.load.latency.p99)} ${m.load.latency.p99 <= P99_GOAL_MS ? '≤' : '>'} ${P99_GOAL_MS} ms goal, ` +
          `${errors} errors: ${m.load.latency.p99 <= P99_GOAL_MS && errors === 0 ? 'MET' : 'MISSED'}`,
      );
    }

    if (PHASES.has('saturation')) {
      say();
      say(
        `(b) saturation: no rate limit, ${SATURATION_SECONDS} s per run, ${REPEAT} run(s) per connection count`,
      );
      for (const connections of SATURATION) {
        const runs: Measured[] = [];
        for (let i = 0; i < REPEAT; i++) {
          const m = await measured(serve, world, app, () =>
            runLoad({ url: serve!.url, bodies, connections, seconds: SATURATION_SECONDS }),
          );
          runs.push(m);
          say(
            `  ${connections} conn, run ${i + 1}: ${m.load.requestsPerSecond.toFixed(1)} req/s, p99 ${ms(m.load.latency.p99)}, ` +
              `errors ${m.load.non2xx + m.load.errors + m.load.wrongDecisions}, server CPU ${m.serverCpuMsPerRequest.toFixed(2)} ms/req, ` +
              `load ${m.loadavg.start} → ${m.loadavg.end}`,
          );
        }
        const line =
          `  ${connections} conn, median of ${REPEAT}: ${median(runs.map((r) => r.load.requestsPerSecond)).toFixed(1)} req/s, ` +
          `p50 ${ms(median(runs.map((r) => r.load.latency.p50)))}, p99 ${ms(median(runs.map((r) => r.load.latency.p99)))}, ` +
          `server CPU ${median(runs.map((r) => r.serverCpuMsPerRequest)).toFixed(2)} ms/req ` +
          `(→ ${(1000 / median(runs.map((r) => r.serverCpuMsPerRequest))).toFixed(0)} req/s per core if CPU-bound)`;
        say(line);
        verdicts.push(`(b)${line.slice(1)}`);
      }
    }

    if (PHASES.has('soak')) {
      say();
      say(
        `(c) RSS soak: ${RATE} req/s (${PACING} pacing) for ${SOAK_SECONDS} s; VmRSS after ${SOAK_WARMUP} s and at the end`,
      );
      const pid = serve.pid;
      const trail: string[] = [];
      let warm = Number.NaN;
      const sampler = setInterval(() => {
        void rssKiB(pid).then((kib) => {
          const at = trail.length * SOAK_WARMUP + SOAK_WARMUP;
          if (trail.length === 0) warm = kib;
          trail.push(`${at}s ${(kib / 1024).toFixed(1)}`);
        });
      }, SOAK_WARMUP * 1000);
      const m = await measured(serve, world, app, () =>
        runLoad({
          url: serve!.url,
          bodies,
          connections: CONNECTIONS,
          seconds: SOAK_SECONDS,
          rate: RATE,
          pacing: PACING,
        }),
      );
      clearInterval(sampler);
      const end = await rssKiB(pid);
      for (const line of describe(m)) say(line);
      say(`  RSS trail (MiB): ${trail.join(', ')}, end ${(end / 1024).toFixed(1)}`);
      const ratio = end / warm;
      say(
        `  RSS after warm-up ${(warm / 1024).toFixed(1)} MiB, at the end ${(end / 1024).toFixed(1)} MiB: ratio ${ratio.toFixed(3)}`,
      );
      verdicts.push(
        `(c) RSS end/warm-up ${ratio.toFixed(3)} (goal within ${RSS_GOAL * 100} %): ${Math.abs(ratio - 1) <= RSS_GOAL ? 'MET' : 'MISSED'}`,
      );
    }

    say();
    say('summary');
    for (const v of verdicts) say(`  ${v}`);
    say(`load average at end ${loadAverage()}`);
  } finally {
    const code = await serve?.stop();
    if (serve !== undefined && code !== 0) say(`stella serve exited ${code}; log: ${world.dir}/serve.log`);
    await world.cleanup();
  }
}

await main();
