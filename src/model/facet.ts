import { z } from 'zod';

/** Seed §3.1, with the seed's spellings. */
export const FacetType = z.enum([
  'OS',
  'LangNode',
  'LangPython',
  'LangGo',
  'LangRust',
  'LangJava',
  'LangDotNet',
  'Binary',
  'Config',
  'Custom',
]);
export type FacetType = z.infer<typeof FacetType>;

/** Seed §3.4. Severity order Warn < RequireVex < Block (SPEC §10). */
export const QuotaAction = z.enum(['Warn', 'Block', 'RequireVex']);
export type QuotaAction = z.infer<typeof QuotaAction>;

/** Lower-case segments separated by `/` (`os`, `lang/node`); also the CRD's CEL rule on quota keys. */
export const FACET_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;
export const FACET_ID_MAX_LENGTH = 128;

export const FacetId = z
  .string()
  .min(1)
  .max(FACET_ID_MAX_LENGTH)
  .regex(FACET_ID_PATTERN, 'facet ids are lower-case segments separated by "/"');
export type FacetId = z.infer<typeof FacetId>;

/** A complete set of limits: what a seal records as its applied quota (seed §5 `quota`). */
export const QuotaLimits = z.strictObject({
  maxChurnPercent: z.number().min(0).max(100),
  maxChangedFiles: z.number().int().min(0),
  maxAddedFiles: z.number().int().min(0),
  maxRemovedFiles: z.number().int().min(0),
  onExceed: QuotaAction,
});
export type QuotaLimits = z.infer<typeof QuotaLimits>;

/** What a facets file, a CRD or an API call may give: any subset; unset fields take the defaults. */
export const PartialQuota = QuotaLimits.partial();
export type PartialQuota = z.infer<typeof PartialQuota>;

/** Seed §3.4 record: the limits bound to a facet. */
export const FacetQuota = QuotaLimits.extend({ facetId: FacetId });
export type FacetQuota = z.infer<typeof FacetQuota>;

/** The seed's record defaults (SPEC §10). */
export const DEFAULT_QUOTA: QuotaLimits = Object.freeze({
  maxChurnPercent: 5.0,
  maxChangedFiles: 50,
  maxAddedFiles: 25,
  maxRemovedFiles: 10,
  onExceed: 'Warn',
});

/**
 * One glob of a facet (SPEC §5). A leading `!` is refused: picomatch negates only through its matcher,
 * not inside a compiled list, so `!/etc/shadow` would silently match nothing instead of excluding
 * (NOTES.md, Libraries); exclusions belong in `excludeGlobs`.
 */
export const FacetGlob = z
  .string()
  .min(1)
  .regex(/^[^!]/, 'a glob cannot start with "!" (negation); put the pattern in excludeGlobs');
export type FacetGlob = z.infer<typeof FacetGlob>;

export const FacetDefinition = z.strictObject({
  facetId: FacetId,
  type: FacetType,
  includeGlobs: z.array(FacetGlob).min(1),
  excludeGlobs: z.array(FacetGlob).default([]),
  quota: PartialQuota.optional(),
});
export type FacetDefinition = z.infer<typeof FacetDefinition>;

/** A facets file (`--facets FILE`, YAML or JSON): the ordered list decides membership (SPEC §5). */
export const FacetsFile = z.strictObject({ facets: z.array(FacetDefinition).min(1) });
export type FacetsFile = z.infer<typeof FacetsFile>;
