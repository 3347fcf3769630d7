import { AdmissionError } from '../errors.ts';

/**
 * Bounded concurrency for the webhook's extractions: at most `max` run at once and at most `maxQueued`
 * wait, first come first served. An extraction takes a slot before anything else (its advisory lock
 * included), so the database connections held by extractions are bounded by `max` too and the reviews
 * of sealed images always find a free connection and an unloaded event loop.
 */
export class ExtractionSlots {
  readonly #max: number;
  readonly #maxQueued: number;
  #running = 0;
  readonly #queue: Array<{ grant: () => void }> = [];

  constructor(max: number, maxQueued: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`extraction slots: max ${max} < 1`);
    this.#max = max;
    this.#maxQueued = Math.max(0, maxQueued);
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves to the slot's release (idempotent); rejects on `signal` or when the queue is full. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.#running < this.#max) {
      this.#running += 1;
      return Promise.resolve(this.#release());
    }
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new AdmissionError(
          'ADMISSION_EXTRACTION_BUSY',
          `${this.#running} extractions running and ${this.#queue.length} waiting: no room for another`,
          { hint: 'seal images in CI (stella seal IMAGE --store) so the webhook need not extract them' },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#release());
        },
      };
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at !== -1) this.#queue.splice(at, 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter: `running` is unchanged.
      if (next === undefined) this.#running -= 1;
      else next.grant();
    };
  }
}
