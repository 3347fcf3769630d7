/**
 * One holder per key at a time, in process: the embedded database's advisory lock (PGlite serves one
 * process, and a blocking pg_advisory_lock would stall its only connection).
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async acquire(key: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    signal?.throwIfAborted();
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    const done = async (): Promise<void> => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
      return Promise.resolve();
    };
    if (signal === undefined) {
      await previous;
      return done;
    }
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        previous,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason as Error);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (error) {
      // Give up our place: whoever queued behind us waits only for those before us.
      void previous.then(done);
      throw error;
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
    return done;
  }
}
