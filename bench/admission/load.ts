import autocannon from 'autocannon';
import { isExpectedDecision } from './reviews.ts';

export interface LoadOptions {
  readonly url: string;
  readonly bodies: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  /** Requests per second over all connections; absent: as fast as the server answers. */
  readonly rate?: number | undefined;
  /**
   * How a rate is kept. `smooth` (default): each connection sends at its own fixed interval
   * (connections / rate), the connections offset by 1 / rate, so requests arrive evenly spaced.
   * `burst`: autocannon's own `overallRate`, which lets each connection send its share of a second
   * back to back when the second starts, then idle: 200 requests in a burst every second.
   */
  readonly pacing?: 'smooth' | 'burst';
}

export interface LoadResult {
  readonly seconds: number;
  readonly responses: number;
  readonly requestsPerSecond: number;
  /** Milliseconds, from every 2xx response's own time (not a histogram). */
  readonly latency: { p50: number; p90: number; p99: number; max: number };
  readonly non2xx: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  /** 200s that were not the expected decision (allowed, with warnings, not the onError fallback). */
  readonly wrongDecisions: number;
  /**
   * Smooth pacing only: requests sent more than 1 ms after their slot because the connection was still
   * waiting for the previous answer (the measured latency then leaves out that wait).
   */
  readonly lateSends: number;
}

/** The part of autocannon's per-connection client that smooth pacing wraps (autocannon 9, lib/httpClient.js). */
interface PacedClient {
  destroyed: boolean;
  _doRequest: (...args: unknown[]) => void;
}

/**
 * Spaces each connection's requests `connections / rate` seconds apart, connection i starting i / rate
 * seconds in: what the API server sends is a stream of reviews, not a burst at the top of each second.
 */
function smoothPacer(rate: number, connections: number) {
  const interval = (1000 * connections) / rate;
  const start = performance.now() + 50;
  const timers = new Set<NodeJS.Timeout>();
  let index = 0;
  let late = 0;
  return {
    setupClient(client: unknown) {
      const c = client as PacedClient;
      const send = c._doRequest.bind(c);
      let due = start + (index++ * 1000) / rate;
      c._doRequest = (...args: unknown[]) => {
        const now = performance.now();
        if (now > due + 1) late += 1;
        // The schedule never slips: a late connection sends at once and catches up with its slots.
        const at = Math.max(due, now);
        due += interval;
        if (at <= now) return send(...args);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!c.destroyed) send(...args);
        }, at - now);
        timers.add(timer);
      };
    },
    get late() {
      return late;
    },
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * One autocannon run against `POST /validate` over HTTPS. Every response body is checked
 * (`verifyBody`); latencies are taken from the `response` events, so percentiles are exact. Autocannon's
 * coordinated-omission correction is off: with a rate it back-fills samples at a 1 ms interval
 * (`Math.ceil(1 / rate)` in its source), which invents latencies instead of measuring them.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const started = process.hrtime.bigint();
  let finish: (error: unknown, result: autocannon.Result) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolveRun, rejectRun) => {
    finish = (error, result) =>
      error
        ? rejectRun(error instanceof Error ? error : new Error(`autocannon: ${JSON.stringify(error)}`))
        : resolveRun(result);
  });
  const smooth =
    options.rate !== undefined && options.pacing !== 'burst'
      ? smoothPacer(options.rate, options.connections)
      : undefined;
  const burst = options.rate !== undefined && smooth === undefined;
  const instance = autocannon(
    {
      url: `${options.url}/validate`,
      connections: options.connections,
      duration: options.seconds,
      ...(burst ? { overallRate: options.rate, ignoreCoordinatedOmission: true } : {}),
      ...(smooth === undefined ? {} : { setupClient: (client) => smooth.setupClient(client) }),
      idReplacement: true,
      timeout: 10,
      requests: options.bodies.map((body) => ({
        method: 'POST',
        path: '/validate',
        headers: { 'content-type': 'application/json' },
        body,
      })),
      verifyBody: (body) => typeof body === 'string' && isExpectedDecision(body),
    },
    (error, result) => finish(error, result),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else non2xx += 1;
  });
  const result = await finished.finally(() => smooth?.stop());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    seconds,
    responses: latencies.length + non2xx,
    requestsPerSecond: (latencies.length + non2xx) / seconds,
    latency: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    non2xx,
    errors: result.errors,
    wrongDecisions: result.mismatches,
    lateSends: smooth?.late ?? 0,
  };
}
