/**
 * The negative cache of extraction on a miss (docs/decisions.md "Webhook: a failed extraction backs
 * off"): after an extraction of a (tenant, digest) failed, further misses of it are answered at once
 * until `retryAt`, without reading the registry. The wait doubles per consecutive failure, from `baseMs`
 * up to `maxMs`; a success forgets the key. At most `maxEntries` keys are kept (the least recently
 * failed go first), so a flood of distinct failing digests cannot grow it.
 */
export interface ExtractionBackoffOptions {
  /** The wait after a first failure (0: no negative cache). */
  readonly baseMs: number;
  /** The longest wait, however many failures in a row. */
  readonly maxMs: number;
  readonly maxEntries?: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

export interface FailedExtraction {
  /** Failures in a row, since the last success (or since the key was evicted). */
  readonly failures: number;
  /** The failure's error code (`REGISTRY_BLOB_NOT_FOUND`, …). */
  readonly code: string;
  readonly failedAt: number;
  readonly retryAt: number;
}

/**
 * Failures that depend on the pod's credentials rather than on the image: another pod of the same digest
 * (another namespace, other pull secrets) may read it, so they do not back the digest off. They rarely
 * reach an extraction anyway: the digest's HEAD and the config digest's GET use the same credentials
 * and fail first.
 */
const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'REGISTRY_AUTH_FAILED',
  'REGISTRY_ACCESS_DENIED',
  'REGISTRY_TOKEN_FAILED',
  'REGISTRY_CREDENTIALS_INVALID',
  'REGISTRY_CREDENTIAL_HELPER_FAILED',
  'PULL_SECRET_INVALID',
  'PULL_SECRET_UNREADABLE',
]);

/** Whether a failed read of the image with this error code backs its digest off. */
export function backsOff(code: string): boolean {
  return !CREDENTIAL_CODES.has(code);
}

export const BACKOFF_DEFAULTS = { baseMs: 30_000, maxMs: 900_000, maxEntries: 10_000 } as const;

export class ExtractionBackoff {
  readonly #options: ExtractionBackoffOptions;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, FailedExtraction>();

  constructor(options: ExtractionBackoffOptions) {
    this.#options = options;
    this.#maxEntries = options.maxEntries ?? BACKOFF_DEFAULTS.maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The failure that `key` is still backing off from, or undefined when it may be extracted. */
  holding(key: string): FailedExtraction | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && this.#options.now() < entry.retryAt ? entry : undefined;
  }

  /** Records a failed extraction of `key`; returns the entry (with its `retryAt`). */
  failed(key: string, code: string): FailedExtraction | undefined {
    const { baseMs, maxMs } = this.#options;
    if (baseMs <= 0) return undefined;
    const failures = (this.#entries.get(key)?.failures ?? 0) + 1;
    // 2^(failures-1) overflows to Infinity long after it passed maxMs: Math.min keeps it finite.
    const waitMs = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 52));
    const failedAt = this.#options.now();
    const entry: FailedExtraction = { failures, code, failedAt, retryAt: failedAt + waitMs };
    this.#entries.delete(key); // re-inserted last: eviction goes by the last failure
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries)
      this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }

  /** A success (extracted, or found stored): the next failure starts from `baseMs` again. */
  succeeded(key: string): void {
    this.#entries.delete(key);
  }
}
