import type { Clock } from './ports.ts';

/**
 * The internal deadline sits below the webhook's `timeoutSeconds` (NOTES.md complaint 1): past it the
 * API server applies `failurePolicy` on its own, so the webhook must answer first, with its own
 * configured `onError` decision said in the response (complaint 2).
 */
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_DEADLINE_MARGIN_MS = 1500;
/** A budget below this is not worth starting work for; the margin shrinks to leave it. */
export const MIN_BUDGET_MS = 250;

export function deadlineFor(
  startedAt: number,
  timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
  marginMs = DEFAULT_DEADLINE_MARGIN_MS,
): number {
  const timeoutMs = timeoutSeconds * 1000;
  return startedAt + Math.max(Math.min(MIN_BUDGET_MS, timeoutMs), timeoutMs - marginMs);
}

/**
 * The real clock: `Date.now` and an abortable timer. An aborted sleep clears its timer and never settles
 * (the port allows it): every decision aborts its deadline sleep when it is done, and rejecting would
 * build an AbortError with a stack trace per request for nobody to read.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return;
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', cancel);
        resolve();
      }, ms);
      const cancel = () => clearTimeout(timer);
      signal.addEventListener('abort', cancel, { once: true });
    }),
};
