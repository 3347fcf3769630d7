import type { DriftScore, QuotaField, QuotaVerdict, QuotaViolation } from '../model/drift.ts';
import type { QuotaLimits } from '../model/facet.ts';

const CHECKS: readonly {
  field: QuotaField;
  limit: (q: QuotaLimits) => number;
  actual: (s: DriftScore) => number;
  what: string;
  unit: string;
}[] = [
  {
    field: 'MaxChurnPercent',
    limit: (q) => q.maxChurnPercent,
    actual: (s) => s.churnPercent,
    what: 'churn',
    unit: '%',
  },
  {
    field: 'MaxChangedFiles',
    limit: (q) => q.maxChangedFiles,
    actual: (s) => s.totalChanges,
    what: 'changed files',
    unit: '',
  },
  {
    field: 'MaxAddedFiles',
    limit: (q) => q.maxAddedFiles,
    actual: (s) => s.addedCount,
    what: 'added files',
    unit: '',
  },
  {
    field: 'MaxRemovedFiles',
    limit: (q) => q.maxRemovedFiles,
    actual: (s) => s.removedCount,
    what: 'removed files',
    unit: '',
  },
];

/**
 * Seed §4.5 / SPEC §10: a limit is exceeded when actual > limit (equal passes). `recommendedAction` is
 * the quota's `onExceed` when violated, else `Warn`.
 */
export function evaluateQuota(facetId: string, score: DriftScore, quota: QuotaLimits): QuotaVerdict {
  const violations: QuotaViolation[] = [];
  for (const check of CHECKS) {
    const limit = check.limit(quota);
    const actual = check.actual(score);
    if (actual > limit) {
      violations.push({
        quotaField: check.field,
        limit,
        actual,
        message:
          `facet "${facetId}": ${check.field} exceeded: ${check.what} ${formatNumber(actual)}${check.unit}` +
          ` > limit ${formatNumber(limit)}${check.unit}`,
      });
    }
  }
  const passed = violations.length === 0;
  return { passed, violations, recommendedAction: passed ? 'Warn' : quota.onExceed };
}

/** Up to two decimals, without trailing zeros: 12.5, 3, 0.33. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}
