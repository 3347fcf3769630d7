import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('SingleFlight', () => {
  it('runs one task per key and shares its result', async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    let runs = 0;
    const task = () => {
      runs += 1;
      return gate.promise;
    };
    const a = flights.run('k', task, new AbortController().signal);
    const b = flights.run('k', task, new AbortController().signal);
    const other = flights.run('j', () => Promise.resolve(7), new AbortController().signal);
    await tick();
    gate.resolve(42);
    expect(await Promise.all([a, b, other])).toEqual([42, 42, 7]);
    expect(runs).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('shares a failure too, and runs afresh afterwards', async () => {
    const flights = new SingleFlight<number>();
    await expect(
      flights.run('k', () => Promise.reject(new Error('boom')), new AbortController().signal),
    ).rejects.toThrow('boom');
    expect(await flights.run('k', () => Promise.resolve(1), new AbortController().signal)).toBe(1);
  });

  it('lets one caller give up without aborting the task for the others', async () => {
    const flights = new SingleFlight<string>();
    const gate = deferred<string>();
    let taskSignal: AbortSignal | undefined;
    const task = (signal: AbortSignal) => ((taskSignal = signal), gate.promise);
    const impatient = new AbortController();
    const a = flights.run('k', task, impatient.signal);
    const b = flights.run('k', task, new AbortController().signal);
    await tick();
    impatient.abort(new Error('deadline'));
    await expect(a).rejects.toThrow('deadline');
    expect(taskSignal?.aborted).toBe(false);
    gate.resolve('done');
    expect(await b).toBe('done');
  });

  it('aborts the task when every caller has given up, and a new caller starts a new task', async () => {
    const flights = new SingleFlight<string>();
    let taskSignal: AbortSignal | undefined;
    const caller = new AbortController();
    const a = flights.run('k', (s) => ((taskSignal = s), new Promise<string>(() => {})), caller.signal);
    await tick();
    caller.abort(new Error('gone'));
    await expect(a).rejects.toThrow('gone');
    expect(taskSignal?.aborted).toBe(true);
    expect(await flights.run('k', () => Promise.resolve('fresh'), new AbortController().signal)).toBe(
      'fresh',
    );
  });

  it('refuses an already aborted caller without starting the task', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    await expect(
      flights.run('k', () => ((runs += 1), Promise.resolve(1)), AbortSignal.abort(new Error('late'))),
    ).rejects.toThrow('late');
    expect(runs).toBe(0);
  });
});
