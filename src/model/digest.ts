import { z } from 'zod';

/** `sha256:` followed by 64 lower-case hex digits: the only digest form Zastava writes. */
export const Sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 lower-case hex>');
export type Sha256Digest = z.infer<typeof Sha256Digest>;

/** Any OCI digest (`algorithm:encoded`); only sha256 and sha512 are verified. */
export const OciDigest = z
  .string()
  .regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'expected an OCI digest');
export type OciDigest = z.infer<typeof OciDigest>;

/** UTC instant with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ` (what `Date#toISOString` writes). */
export const UtcTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected YYYY-MM-DDTHH:MM:SS.mmmZ');
export type UtcTimestamp = z.infer<typeof UtcTimestamp>;
