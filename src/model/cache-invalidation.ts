import { z } from 'zod';
import { Sha256Digest } from './digest.ts';

/**
 * The PostgreSQL NOTIFY channel on which the store announces, on commit, what makes cached admission
 * answers stale (src/store/cache-notice.ts sends, src/admission/wiring/cache-listener.ts listens).
 */
export const DECISION_CACHE_CHANNEL = 'zastava_decision_cache';

/** A NOTIFY payload on {@link DECISION_CACHE_CHANNEL}. */
export const CacheInvalidation = z.discriminatedUnion('kind', [
  // A submitted VEX statement changes the verdicts on this image.
  z.strictObject({ kind: z.literal('vex'), tenant: z.string().min(1), imageDigest: Sha256Digest }),
  // An approval names its repository (src/store/baselines.ts); without one, the tenant's whole baseline.
  z.strictObject({
    kind: z.literal('baseline'),
    tenant: z.string().min(1),
    repository: z.string().min(1).optional(),
  }),
  z.strictObject({ kind: z.literal('all') }),
]);
export type CacheInvalidation = z.infer<typeof CacheInvalidation>;
