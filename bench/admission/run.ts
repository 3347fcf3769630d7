/**
 * The admission webhook benchmark (issue 6, Performance). See bench/admission/README.md.
 *   node bench/admission/run.ts [--rate 200] [--duration 60] [--connections 10]
 *     [--saturation-connections 1,8,32] [--saturation-seconds 20] [--repeat 3]
 *     [--soak-seconds 300] [--soak-warmup 30] [--approval-rounds 10]
 *     [--phases rate,approval,saturation,soak] [--pacing smooth|burst]
 *     [--log-level info] [--cpu-prof DIR] [--heap-prof DIR] [--alloc-profile DIR] [--server-node-flags='FLAGS'] [--keep]
 *     [--help]
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../../test/integration/registry/registry-process.ts';
import { median, runLoad, type LoadResult } from './load.ts';
import { cpuMs, loadAverage, rssKiB } from './proc.ts';
import { PROBE_REPOSITORY } from './fixtures.ts';
import { deploymentReview, isExpectedDecision, podReview, singleImageReview } from './reviews.ts';
import { httpsGet, httpsPost, startServe, type Serve } from './serve.ts';
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
    'approval-rounds': { type: 'string', default: '10' },
    phases: { type: 'string', default: 'rate,approval,saturation,soak' },
    pacing: { type: 'string', default: 'smooth' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
    'alloc-profile': { type: 'string' },
    'server-node-flags': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`Usage: node bench/admission/run.ts [options]

AdmissionReviews for already-sealed images, over HTTPS, against a real \`stella serve\` child process with
its own registry, schema and tenant (all made by the run, all removed after). See bench/admission/README.md.

Options:
  --rate N                        requests/s in phases rate and soak (default 200)
  --duration S                    seconds of phase rate (default 60)
  --connections N                 connections in phases rate and soak (default 10)
  --saturation-connections LIST   connection counts of phase saturation, comma-separated (default 1,8,32)
  --saturation-seconds S          seconds per saturation run (default 20)
  --repeat N                      saturation runs per connection count, medians printed (default 3)
  --soak-seconds S                seconds of phase soak (default 300)
  --soak-warmup S                 soak seconds before the first RSS reading, and between readings (default 30)
  --approval-rounds N             approvals in phase approval, alternating between the two images (default 10)
  --phases LIST                   any of rate,approval,saturation,soak, comma-separated (default all four)
  --pacing smooth|burst           evenly spaced requests, or autocannon's per-second bursts (default smooth)
  --log-level LEVEL               the server's log level (default info)
  --cpu-prof DIR                  run the server with --cpu-prof, profiles written to DIR when it stops
  --heap-prof DIR                 run the server with --heap-prof, profiles written to DIR when it stops
  --alloc-profile DIR             a sampled profile of every allocation of the server, written to DIR
  --server-node-flags 'FLAGS'     more node flags for the server (e.g. --max-old-space-size=384)
  --keep                          keep the temporary directory and the server's log
  -h, --help                      this text

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
`);
  process.exit(0);
}
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const SATURATION = values['saturation-connections'].split(',').map(Number);
const SATURATION_SECONDS = Number(values['saturation-seconds']);
const REPEAT = Number(values.repeat);
const SOAK_SECONDS = Number(values['soak-seconds']);
const SOAK_WARMUP = Number(values['soak-warmup']);
const APPROVAL_ROUNDS = Number(values['approval-rounds']);
const PHASES = new Set(values.phases.split(','));
if (values.pacing !== 'smooth' && values.pacing !== 'burst') throw new Error('--pacing is smooth or burst');
const PACING: 'smooth' | 'burst' = values.pacing;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const P99_GOAL_MS = 25;
const RSS_GOAL = 0.1;

const ms = (v: number) => `${v.toFixed(1)} ms`;
const say = (line = '') => process.stdout.write(`${line}\n`);

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

/** CPU milliseconds of each PostgreSQL backend serving the server's connections. */
async function backendCpu(databaseUrl: string, app: string): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  for (const pid of await backendPids(databaseUrl, app)) cpu.set(pid, await cpuMs(pid));
  return cpu;
}

/** The server's V8 heap (used/total) and external memory in MiB, from prom-client's process metrics. */
async function heapMiB(serve: Serve, ca: string): Promise<string> {
  const { text } = await httpsGet(`${serve.url}/metrics`, ca);
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? '?' : (Number(line.split(' ')[1]) / 1048576).toFixed(0);
  };
  return `${value('nodejs_heap_size_used_bytes')}/${value('nodejs_heap_size_total_bytes')}, ${value('nodejs_external_memory_bytes')}`;
}

/** From the server's `--trace-gc` lines: what each mark-compact left alive, `MiB@seconds`. */
async function liveHeapAfterFullGcs(logFile: string, pid: number): Promise<string[]> {
  const text = await readFile(logFile, 'utf8');
  const found: string[] = [];
  const line = new RegExp(
    `^\\[${pid}:[^\\]]*\\]\\s+(\\d+) ms: Mark-Compact [\\d.]+ \\([\\d.]+\\) -> ([\\d.]+) \\(`,
    'gm',
  );
  for (const m of text.matchAll(line)) found.push(`${m[2]}@${(Number(m[1]) / 1000).toFixed(0)}`);
  return found;
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
  const start = loadAverage();
  const buckets = await serverBuckets(serve, world.ca);
  const cpu0 = await cpuMs(serve.pid);
  const pg0 = await backendCpu(world.databaseUrl, app);
  const load = await run();
  const cpu1 = await cpuMs(serve.pid);
  const pg1 = await backendCpu(world.databaseUrl, app);
  // The pool closes connections idle for 10 s and opens new ones: a backend there at the end counts from
  // its start figure (0 if it is new); one that ended during the run is missed (an undercount).
  let pgMs = 0;
  for (const [pid, ms] of pg1) pgMs += ms - (pg0.get(pid) ?? 0);
  const n = Math.max(1, load.responses);
  return {
    load,
    server: serverShares(buckets, await serverBuckets(serve, world.ca)),
    serverCpuMsPerRequest: (cpu1 - cpu0) / n,
    postgresCpuMsPerRequest: pgMs / n,
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

/**
 * Phase (d): how soon a replica's reviews see a new approval (the approval cache is dropped by the
 * approval's NOTIFY: docs/decisions.md, "Webhook: approvals cached"), under load. Each round approves the
 * probe repository's other image with `stella baseline approve` (its own connection, as an operator's
 * CLI would) while probe reviews of the drifted image go back to back, from before the command starts
 * until one sent after it returned has come back. Per round: when the first probe that saw the new
 * baseline was sent (ms after the command started), how long the command took, and how many probes sent
 * after it returned (the approval committed) still saw the old one: stale answers, which must be 0.
 */
async function approvalPhase(
  serve: Serve,
  world: BenchWorld,
  app: string,
  bodies: readonly string[],
): Promise<string> {
  const probe = singleImageReview(world.images.drifted(PROBE_REPOSITORY));
  let sent = 0;
  /** Whether the probe is warned about drift: against the first image's baseline, not against its own. */
  const warned = async (): Promise<boolean> => {
    const reply = await httpsPost(
      `${serve.url}/validate`,
      probe.replace('[<id>]', `probe-${sent++}`),
      world.ca,
    );
    if (reply.status !== 200 || !reply.text.includes('"allowed":true') || reply.text.includes('onError'))
      throw new Error(`probe: unexpected decision (HTTP ${reply.status}): ${reply.text.slice(0, 2000)}`);
    return reply.text.includes('"warnings"');
  };
  const host = world.registry.host;
  const rounds: Array<{ firstSeen: number; command: number; stale: number; probes: number }> = [];
  const load = measured(serve, world, app, () =>
    runLoad({
      url: serve.url,
      bodies,
      connections: CONNECTIONS,
      seconds: 3 + APPROVAL_ROUNDS * 1.5,
      rate: RATE,
      pacing: PACING,
    }),
  );
  await sleep(1000);
  for (let round = 0; round < APPROVAL_ROUNDS; round++) {
    const toDrifted = round % 2 === 0;
    const before = await warned();
    if (before !== toDrifted)
      throw new Error(`round ${round}: the probe was ${before ? '' : 'not '}warned before the approval`);
    const start = performance.now();
    let committed = Number.POSITIVE_INFINITY;
    const seen: Array<{ sentAt: number; old: boolean }> = [];
    const polling = (async () => {
      for (;;) {
        const sentAt = performance.now() - start;
        const old = (await warned()) === before;
        seen.push({ sentAt, old });
        if (sentAt > committed && !old) return;
        if (sentAt > 30_000) throw new Error(`round ${round}: the approval not seen in 30 s`);
      }
    })();
    await world.stella(
      'baseline',
      'approve',
      `${host}/${PROBE_REPOSITORY}:${toDrifted ? 'v2' : 'v1'}`,
      '--digest',
      toDrifted ? world.digests.drifted : world.digests.baseline,
      '--reason',
      'bench',
    );
    committed = performance.now() - start;
    await polling;
    rounds.push({
      firstSeen: seen.find((p) => !p.old)!.sentAt,
      command: committed,
      stale: seen.filter((p) => p.sentAt > committed && p.old).length,
      probes: seen.length,
    });
    await sleep(500);
  }
  const m = await load;
  for (const l of describe(m)) say(l);
  const column = (pick: (r: (typeof rounds)[number]) => number, digits = 1) =>
    rounds.map((r) => pick(r).toFixed(digits)).join(', ');
  say(
    `  per round, the first probe seeing the new baseline was sent at (ms after the command started): ${column((r) => r.firstSeen)}`,
  );
  say(`  per round, the command took (connect, approve, disconnect; ms): ${column((r) => r.command, 0)}`);
  say(
    `  per round, probes sent: ${column((r) => r.probes, 0)}; stale answers after the command returned: ${column((r) => r.stale, 0)}`,
  );
  const stale = rounds.reduce((n, r) => n + r.stale, 0);
  const firstSeen = rounds.map((r) => r.firstSeen);
  const line =
    `(d) approval first seen by a probe sent ${ms(median(firstSeen))} (median; max ${ms(Math.max(...firstSeen))}) after ` +
    `\`stella baseline approve\` started (it took ${ms(median(rounds.map((r) => r.command)))}); ` +
    `${stale} stale answers after it returned: ${stale === 0 ? 'MET' : 'MISSED'}; load p99 ${ms(m.load.latency.p99)}, ` +
    `${m.load.non2xx + m.load.errors + m.load.wrongDecisions} errors`;
  return line;
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
  const bodies = [podReview(world.images), deploymentReview(world.images)];
  /** A new server process, its decisions checked once over a CA-verified connection, then warmed up. */
  const freshServe = async (): Promise<Serve> => {
    const started = await startServe({
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
      heapProfDir: values['heap-prof'] === undefined ? undefined : resolve(values['heap-prof']),
      allocProfileDir: values['alloc-profile'] === undefined ? undefined : resolve(values['alloc-profile']),
      // --trace-gc: the live heap after each full collection, read back from the log in the soak.
      nodeFlags: ['--trace-gc', ...(values['server-node-flags']?.split(' ').filter((f) => f !== '') ?? [])],
    });
    for (const body of bodies) {
      const reply = await httpsPost(`${started.url}/validate`, body.replace('[<id>]', 'check'), world.ca);
      if (reply.status !== 200 || !isExpectedDecision(reply.text))
        throw new Error(`unexpected decision (HTTP ${reply.status}): ${reply.text.slice(0, 2000)}`);
    }
    await runLoad({
      url: started.url,
      bodies,
      connections: CONNECTIONS,
      seconds: 5,
      rate: RATE,
      pacing: PACING,
    });
    say(
      `stella serve pid ${started.pid} at ${started.url} (TLS, CA-verified); warmed up 5 s at ${RATE} req/s: ` +
        `RSS ${((await rssKiB(started.pid)) / 1024).toFixed(1)} MiB`,
    );
    return started;
  };
  let serve: Serve | undefined;
  try {
    say(
      `set-up: PostgreSQL schema ${world.schema}, tenant ${world.tenant}, registry ${world.registry.host}; ` +
        `baseline ${world.digests.baseline.slice(0, 19)}…, drifted ${world.digests.drifted.slice(0, 19)}…`,
    );
    say(
      `reviews: a Pod (1 init + 3 containers: 2 drifted images, 1 baseline) and a Deployment (2 containers), ` +
        `${bodies.map((b) => b.length).join(' and ')} bytes, alternating; every response checked (allowed, with warnings)`,
    );
    serve = await freshServe();

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

    if (PHASES.has('approval')) {
      say();
      say(
        `(d) approvals seen under load: ${APPROVAL_ROUNDS} approvals of ${PROBE_REPOSITORY}'s baseline, alternating ` +
          `between the two images, while ${RATE} req/s of the other reviews run; a probe review of the drifted ` +
          `image is sent back to back until its decision changes (warned against the old baseline, not against itself)`,
      );
      const line = await approvalPhase(serve, world, app, bodies);
      verdicts.push(line);
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
      if (PHASES.has('rate') || PHASES.has('saturation')) {
        // RSS after warm-up means a process that has only been warmed up: saturation grows the heap.
        const code = await serve.stop();
        serve = undefined;
        if (code !== 0) throw new Error(`stella serve exited ${code}`);
        say('a fresh server for the soak:');
        serve = await freshServe();
      }
      say(
        `(c) RSS soak: ${RATE} req/s (${PACING} pacing) for ${SOAK_SECONDS} s; VmRSS after ${SOAK_WARMUP} s and at the end`,
      );
      const pid = serve.pid;
      const trail: string[] = [];
      let warm = Number.NaN;
      const current = serve;
      const sampler = setInterval(() => {
        void Promise.all([rssKiB(pid), heapMiB(current, world.ca)]).then(([kib, heap]) => {
          const at = trail.length * SOAK_WARMUP + SOAK_WARMUP;
          if (trail.length === 0) warm = kib;
          trail.push(`${at}s ${(kib / 1024).toFixed(1)} (${heap})`);
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
      say(
        `  RSS trail, MiB (V8 heap used/total, external): ${trail.join(', ')}, end ${(end / 1024).toFixed(1)}`,
      );
      // V8 prints --trace-gc through C stdio, buffered when stdout is a file: read it once the server stopped.
      const stopped = await serve.stop();
      serve = undefined;
      if (stopped !== 0) say(`  stella serve exited ${stopped}`);
      const fullGcs = await liveHeapAfterFullGcs(join(world.dir, 'serve.log'), pid);
      // A thrashing heap collects many times a second: show at most 24 of them, evenly spread.
      const shown =
        fullGcs.length <= 24
          ? fullGcs
          : Array.from({ length: 24 }, (_, i) => fullGcs[Math.round((i * (fullGcs.length - 1)) / 23)]!);
      say(
        `  V8 live heap after each full GC (mark-compact), MiB at s since start (${fullGcs.length} in all): ${shown.join(', ') || 'none'}`,
      );
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
    await world.cleanup(values.keep);
    if (values.keep) say(`kept: ${world.dir} (serve.log is the server's log)`);
  }
}

await main();
