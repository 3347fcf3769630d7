/**
 * AdmissionReview warnings as the API server and kubectl handle them: each one ≤ 120 characters (longer
 * ones are cut at 256 and a large total is dropped by the API server, NOTES.md "Kubernetes admission"), a
 * bounded count and total, no control characters (they reach the client's terminal). Lengths are counted
 * in code points, as the API server counts runes.
 */
export const WARNING_MAX_CHARS = 120;
export const WARNINGS_MAX_COUNT = 12;
export const WARNINGS_MAX_TOTAL_CHARS = 1500;

const CONTINUED = ' …';
const CONTINUATION = '… ';

export interface WarningLimits {
  readonly maxChars: number;
  readonly maxCount: number;
  readonly maxTotalChars: number;
}

const DEFAULT_LIMITS: WarningLimits = {
  maxChars: WARNING_MAX_CHARS,
  maxCount: WARNINGS_MAX_COUNT,
  maxTotalChars: WARNINGS_MAX_TOTAL_CHARS,
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Control characters become spaces and runs of white space one space: a warning is one line. */
export function sanitizeWarning(text: string): string {
  return text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Splits one warning into parts of at most `maxChars` code points, at a space when one falls in the
 * second half of the part (a word is cut only when it is longer than half a part). Parts after the
 * first start with "… ", parts before the last end with " …".
 */
export function splitWarning(text: string, maxChars = WARNING_MAX_CHARS): string[] {
  const chars = Array.from(sanitizeWarning(text));
  if (chars.length === 0) return [];
  if (chars.length <= maxChars) return [chars.join('')];
  const parts: string[] = [];
  let start = 0;
  while (start < chars.length) {
    const prefix = start === 0 ? '' : CONTINUATION;
    const room = maxChars - prefix.length;
    if (chars.length - start <= room) {
      parts.push(prefix + chars.slice(start).join(''));
      break;
    }
    const budget = room - CONTINUED.length;
    let end = start + budget;
    const space = chars.lastIndexOf(' ', end);
    if (space > start + budget / 2) end = space;
    parts.push(prefix + chars.slice(start, end).join('').trimEnd() + CONTINUED);
    start = end;
    while (chars[start] === ' ') start += 1;
  }
  return parts;
}

/**
 * The warnings to send: sanitised, split, de-duplicated, in order; when the count or the total would
 * exceed the limits, the last slot says how many were left out (the full list is in the webhook's log).
 */
export function boundWarnings(warnings: readonly string[], limits: WarningLimits = DEFAULT_LIMITS): string[] {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const warning of warnings) {
    for (const part of splitWarning(warning, limits.maxChars)) {
      if (!seen.has(part)) {
        seen.add(part);
        parts.push(part);
      }
    }
  }
  const kept: string[] = [];
  let total = 0;
  for (const [index, part] of parts.entries()) {
    const size = Array.from(part).length;
    const left = parts.length - index;
    const fits = kept.length < limits.maxCount && total + size <= limits.maxTotalChars;
    const roomForNote =
      left === 1 || (kept.length < limits.maxCount - 1 && total + size + 64 <= limits.maxTotalChars);
    if (fits && roomForNote) {
      kept.push(part);
      total += size;
      continue;
    }
    kept.push(`zastava: ${left} more warning${left === 1 ? '' : 's'} not shown; see the webhook log`);
    break;
  }
  return kept;
}
