import { z } from 'zod';
import { QuotaViolation } from './drift.ts';

/** Seed §4.6, plus the facet that each violation belongs to and warnings for the API server. */
export const AdmissionResult = z.strictObject({
  allowed: z.boolean(),
  message: z.string().optional(),
  violations: z.array(QuotaViolation.extend({ facetId: z.string() })).default([]),
  requiredVexStatement: z.string().optional(),
  warnings: z.array(z.string()).default([]),
});
export type AdmissionResult = z.infer<typeof AdmissionResult>;
