/** `0000-01-01T00:00:00.000Z` and `9999-12-31T23:59:59.999Z`: the span `YYYY-…Z` can write (SPEC §2). */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

export function checkModTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_MS && ms <= MAX_MS;
}

/** SPEC §2 `modTime`: UTC with milliseconds. */
export function formatModTime(ms: number): string {
  return new Date(ms).toISOString();
}
