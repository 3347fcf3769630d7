import type { WebhookOptions } from '../admission/wiring/webhook.ts';
import { defaultFacets, loadFacetsFile } from '../facets/load.ts';
import { readPrivateKeyFile } from '../seal/keys.ts';
import { createSigner } from '../seal/signer.ts';
import { usageError } from './errors.ts';

/** `stella serve`'s flags for extraction on a miss (src/admission/wiring/extract-on-miss.ts). */
export const EXTRACTION_FLAG_OPTIONS = {
  'seal-key': { type: 'string' },
  facets: { type: 'string' },
  'extract-concurrency': { type: 'string' },
  'extract-queue': { type: 'string' },
  'extract-timeout': { type: 'string' },
  'extract-backoff': { type: 'string' },
  'extract-backoff-max': { type: 'string' },
} as const;

export const EXTRACTION_USAGE =
  '[--seal-key PEM [--facets FILE] [--extract-concurrency 1] [--extract-queue 16] [--extract-timeout 300] [--extract-backoff 30] [--extract-backoff-max 900]]';

type Values = { readonly [K in keyof typeof EXTRACTION_FLAG_OPTIONS]?: string | undefined };
type Env = Readonly<Record<string, string | undefined>>;

/**
 * The extraction settings from flags, then the environment (`ZASTAVA_SEAL_KEY`, `ZASTAVA_FACETS`,
 * `ZASTAVA_EXTRACT_CONCURRENCY`, `ZASTAVA_EXTRACT_QUEUE`, `ZASTAVA_EXTRACT_TIMEOUT`,
 * `ZASTAVA_EXTRACT_BACKOFF`, `ZASTAVA_EXTRACT_BACKOFF_MAX`). Without a seal key
 * extraction is off (undefined), and the other settings are refused rather than silently ignored.
 */
export async function extractionFlags(
  values: Values,
  env: Env,
  usage: string,
): Promise<WebhookOptions['extraction'] | undefined> {
  const pick = (flag: keyof Values, name: string) => nonEmpty(values[flag]) ?? nonEmpty(env[name]);
  const keyFile = pick('seal-key', 'ZASTAVA_SEAL_KEY');
  const facetsFile = pick('facets', 'ZASTAVA_FACETS');
  const concurrency = pick('extract-concurrency', 'ZASTAVA_EXTRACT_CONCURRENCY');
  const queue = pick('extract-queue', 'ZASTAVA_EXTRACT_QUEUE');
  const timeout = pick('extract-timeout', 'ZASTAVA_EXTRACT_TIMEOUT');
  const backoff = pick('extract-backoff', 'ZASTAVA_EXTRACT_BACKOFF');
  const backoffMax = pick('extract-backoff-max', 'ZASTAVA_EXTRACT_BACKOFF_MAX');
  if (keyFile === undefined) {
    const stray = (
      [
        'facets',
        'extract-concurrency',
        'extract-queue',
        'extract-timeout',
        'extract-backoff',
        'extract-backoff-max',
      ] as const
    ).find((flag) => values[flag] !== undefined);
    if (stray !== undefined)
      throw usageError(
        `stella serve: --${stray} applies to extraction on a miss, which needs --seal-key`,
        usage,
      );
    return undefined;
  }
  const whole = (flag: string, text: string | undefined, min: number, max: number, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw usageError(
        `stella serve: --${flag} is a whole number from ${min} to ${max}, not "${text}"`,
        usage,
      );
    return n;
  };
  // Seconds after a failed extraction before the digest is read again, doubling per failure in a row.
  const backoffSeconds = whole('extract-backoff', backoff, 0, 3600, 30);
  const backoffMaxSeconds = whole('extract-backoff-max', backoffMax, 1, 86_400, 900);
  if (backoffMaxSeconds < backoffSeconds)
    throw usageError(
      `stella serve: --extract-backoff-max (${backoffMaxSeconds}) is less than --extract-backoff (${backoffSeconds})`,
      usage,
    );
  return {
    signer: createSigner(await readPrivateKeyFile(keyFile)),
    facets: facetsFile === undefined ? defaultFacets() : await loadFacetsFile(facetsFile),
    maxConcurrent: whole('extract-concurrency', concurrency, 1, 16, 1),
    maxQueued: whole('extract-queue', queue, 0, 1000, 16),
    backgroundTimeoutMs: whole('extract-timeout', timeout, 1, 3600, 300) * 1000,
    backoffMs: backoffSeconds * 1000,
    backoffMaxMs: backoffMaxSeconds * 1000,
  };
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
