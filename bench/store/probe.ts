/**
 * Where a slow operation's time went: wall time, this process's CPU time, garbage collection and event
 * loop delay, per operation. A benchmark calls `measure` around each operation; `summary` tells whether
 * the slow ones (above the 99th percentile) were slow because of a collection, of CPU work in this
 * process, or of waiting (for the database's answer or for a core: wall far above CPU).
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

type GcEntry = PerformanceEntry & { detail?: { kind?: number } };

interface Sample {
  start: number;
  wallMs: number;
  cpuMs: number;
}

const GC_KINDS: Record<number, string> = {
  1: 'minor',
  2: 'major',
  4: 'incremental',
  8: 'weakcb',
  16: 'major',
};

export class Probe {
  readonly #samples: Sample[] = [];
  readonly #gc: PerformanceEntry[] = [];
  readonly #observer = new PerformanceObserver((list) => this.#gc.push(...list.getEntries()));
  readonly #delay = monitorEventLoopDelay({ resolution: 1 });
  readonly #loadBefore = loadavg()[0]!;

  constructor() {
    this.#observer.observe({ entryTypes: ['gc'] });
    this.#delay.enable();
  }

  async measure<T>(op: () => Promise<T>, record = true): Promise<T> {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const result = await op();
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    if (record) this.#samples.push({ start, wallMs, cpuMs: (used.user + used.system) / 1000 });
    // Let the event loop turn between operations, as a server's does between requests: PGlite answers
    // without any I/O, and the GC observer and the delay histogram only report from the loop.
    await new Promise((resolve) => setImmediate(resolve));
    return result;
  }

  summary() {
    this.#observer.disconnect();
    this.#delay.disable();
    const wall = this.#samples.map((s) => s.wallMs);
    const p99 = percentile(sorted(wall), 99);
    const gcIn = (s: Sample) =>
      this.#gc.filter((g) => g.startTime < s.start + s.wallMs && g.startTime + g.duration > s.start);
    const slow = this.#samples.filter((s) => s.wallMs >= p99);
    const gcMs = (s: Sample) => gcIn(s).reduce((n, g) => n + g.duration, 0);
    const kinds = new Map<string, { count: number; totalMs: number; maxMs: number }>();
    for (const g of this.#gc) {
      const kind = GC_KINDS[(g as GcEntry).detail?.kind ?? 0] ?? 'other';
      const k = kinds.get(kind) ?? { count: 0, totalMs: 0, maxMs: 0 };
      k.count++;
      k.totalMs += g.duration;
      k.maxMs = Math.max(k.maxMs, g.duration);
      kinds.set(kind, k);
    }
    const ms = (n: number) => Number(n.toFixed(2));
    return {
      wall: stats(wall),
      clientCpu: stats(this.#samples.map((s) => s.cpuMs)),
      gc: Object.fromEntries(
        [...kinds].map(([kind, k]) => [kind, { count: k.count, totalMs: ms(k.totalMs), maxMs: ms(k.maxMs) }]),
      ),
      eventLoopDelayMs: {
        p50: ms(this.#delay.percentile(50) / 1e6),
        p99: ms(this.#delay.percentile(99) / 1e6),
        max: ms(this.#delay.max / 1e6),
      },
      // The slowest 1 %: how much of their wall time was GC, CPU of this process, or waiting.
      slowest1Percent: {
        n: slow.length,
        withGc: slow.filter((s) => gcIn(s).length > 0).length,
        meanWallMs: ms(mean(slow.map((s) => s.wallMs))),
        meanCpuMs: ms(mean(slow.map((s) => s.cpuMs))),
        meanGcMs: ms(mean(slow.map(gcMs))),
      },
      loadAverage1m: { before: ms(this.#loadBefore), after: ms(loadavg()[0]!) },
    };
  }
}

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function percentile(s: readonly number[], p: number): number {
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function stats(samples: readonly number[]) {
  const s = sorted(samples);
  const f = (n: number) => Number(n.toFixed(2));
  return {
    n: s.length,
    p50Ms: f(percentile(s, 50)),
    p90Ms: f(percentile(s, 90)),
    p99Ms: f(percentile(s, 99)),
    maxMs: f(s.at(-1) ?? 0),
  };
}
