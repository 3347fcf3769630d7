import { FacetId, PartialQuota } from '../model/facet.ts';
import type { QuotaField, QuotaVerdict, QuotaViolation } from '../model/drift.ts';

/**
 * The `--quota FACET:field=value,…` flag of `stella drift` and `stella vex gen`
 * (`--quota config:maxChangedFiles=0,onExceed=RequireVex`): one facet's limits on the command line, so that
 * a RequireVex denial can print a command that reproduces its verdict (src/admission/messages.ts). Facet
 * ids, field names and values never contain `:`, `,`, `=` or shell metacharacters: the flag needs no quoting.
 */

const FIELDS = [
  'maxChurnPercent',
  'maxChangedFiles',
  'maxAddedFiles',
  'maxRemovedFiles',
  'onExceed',
] as const;

/** `MaxChurnPercent` (a violation's field) → `maxChurnPercent` (the quota's key). */
export function quotaKeyOf(field: QuotaField): Exclude<(typeof FIELDS)[number], 'onExceed'> {
  return `${field[0]!.toLowerCase()}${field.slice(1)}` as Exclude<(typeof FIELDS)[number], 'onExceed'>;
}

/** The flag's value, fields in a fixed order. */
export function formatQuotaFlag(facetId: string, quota: PartialQuota): string {
  const fields = FIELDS.filter((f) => quota[f] !== undefined).map((f) => `${f}=${String(quota[f])}`);
  return `${facetId}:${fields.join(',')}`;
}

export type ParsedQuotaFlag =
  | { readonly ok: true; readonly facetId: FacetId; readonly quota: PartialQuota }
  | { readonly ok: false; readonly reason: string };

/** Parses one flag value; the quota is checked by the same schema as a facets file's. */
export function parseQuotaFlag(text: string): ParsedQuotaFlag {
  const colon = text.indexOf(':');
  if (colon < 0) return { ok: false, reason: 'expected FACET:field=value,…' };
  const facetId = FacetId.safeParse(text.slice(0, colon));
  if (!facetId.success) return { ok: false, reason: `"${text.slice(0, colon)}" is not a facet id` };
  const raw: Record<string, string | number> = {};
  for (const pair of text.slice(colon + 1).split(',')) {
    const [key, value, ...extra] = pair.split('=');
    if (!key || value === undefined || value === '' || extra.length > 0)
      return { ok: false, reason: `"${pair}" is not field=value` };
    if (key in raw) return { ok: false, reason: `${key} is given twice` };
    raw[key] = key === 'onExceed' ? value : Number(value);
  }
  const quota = PartialQuota.safeParse(raw);
  if (!quota.success) {
    const issue = quota.error.issues[0]!;
    return { ok: false, reason: `${issue.path.join('.') || 'quota'}: ${issue.message}` };
  }
  return { ok: true, facetId: facetId.data, quota: quota.data };
}

/** The limits a drift exceeded, as quota fields (`{maxChangedFiles: 0}`): the limit that applied to each. */
export function exceededLimits(
  violations: readonly Pick<QuotaViolation, 'quotaField' | 'limit'>[],
): PartialQuota {
  return Object.fromEntries(violations.map((v) => [quotaKeyOf(v.quotaField), v.limit]));
}

/**
 * ` --facet ID --quota ID:…` for each facet, so that `stella vex gen` judges those facets with these quotas
 * and acknowledges exactly them (src/admission/messages.ts, the markdown drift report).
 */
export function vexFacetFlags(
  facets: readonly { readonly facetId: string; readonly quota: PartialQuota }[],
): string {
  return facets.map((f) => ` --facet ${f.facetId} --quota ${formatQuotaFlag(f.facetId, f.quota)}`).join('');
}

/**
 * The flags for each facet whose verdict requires a VEX: its exceeded limits and `onExceed=RequireVex`.
 * Used where a report suggests the command (`stella drift --format markdown`).
 */
export function requireVexFlags(
  facets: readonly { readonly facetId: string; readonly quotaVerdict: QuotaVerdict }[],
): string {
  return vexFacetFlags(
    facets
      .filter((f) => !f.quotaVerdict.passed && f.quotaVerdict.recommendedAction === 'RequireVex')
      .map((f) => ({
        facetId: f.facetId,
        quota: { ...exceededLimits(f.quotaVerdict.violations), onExceed: 'RequireVex' },
      })),
  );
}
