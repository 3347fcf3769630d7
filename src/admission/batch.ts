/**
 * Lookups asked in the same turn of the event loop, answered with one load per group: the images of one
 * review (and of reviews that arrive together) read their baselines in one database transaction instead
 * of one each. A batch is dispatched after the lookups in it were asked and is never joined while in
 * flight, so an answer is never older than the question. Each caller may give up on its own signal; the
 * batch goes on for the others.
 */
export type BatchLoad<V> = (group: string, keys: readonly string[]) => Promise<ReadonlyMap<string, V>>;

interface Waiter<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

export class Batcher<V> {
  readonly #load: BatchLoad<V>;
  readonly #schedule: (run: () => void) => void;
  #pending = new Map<string, Map<string, Waiter<V>[]>>();
  #scheduled = false;

  /** `schedule`: when to dispatch what was asked (default `setImmediate`, after the current turn). */
  constructor(load: BatchLoad<V>, schedule: (run: () => void) => void = (run) => setImmediate(run)) {
    this.#load = load;
    this.#schedule = schedule;
  }

  get(group: string, key: string, signal?: AbortSignal): Promise<V> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter<V> = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on unchanged
          reject(error);
        },
      };
      let keys = this.#pending.get(group);
      if (keys === undefined) this.#pending.set(group, (keys = new Map<string, Waiter<V>[]>()));
      const waiters = keys.get(key);
      if (waiters === undefined) keys.set(key, [waiter]);
      else waiters.push(waiter);
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#schedule(() => this.#dispatch());
      }
    });
  }

  #dispatch(): void {
    const batch = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    for (const [group, keys] of batch) void this.#run(group, keys);
  }

  async #run(group: string, keys: Map<string, Waiter<V>[]>): Promise<void> {
    let answers: ReadonlyMap<string, V>;
    try {
      answers = await this.#load(group, [...keys.keys()]);
    } catch (error) {
      for (const waiters of keys.values()) for (const w of waiters) w.reject(error);
      return;
    }
    for (const [key, waiters] of keys) {
      if (answers.has(key)) for (const w of waiters) w.resolve(answers.get(key) as V);
      else {
        const error = new Error(`batched lookup returned no answer for "${key}"`);
        for (const w of waiters) w.reject(error);
      }
    }
  }
}
