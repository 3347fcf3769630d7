import type { DriftEntry, DriftReport, FacetDrift } from '../../model/drift.ts';
import { formatNumber } from '../../quota/evaluate.ts';

export function churn(f: FacetDrift): string {
  return `${formatNumber(f.score.churnPercent)}%`;
}

export function verdictText(f: FacetDrift): string {
  if (f.quotaVerdict.passed) return 'pass';
  const fields = f.quotaVerdict.violations.map((v) => v.quotaField).join(', ');
  return `${f.quotaVerdict.recommendedAction} (${fields})`;
}

/** Changed binaries under an unchanged package version: SPEC §9 says to say so loudly. */
export function binaryRebuilds(report: DriftReport): { facetId: string; entry: DriftEntry }[] {
  const out: { facetId: string; entry: DriftEntry }[] = [];
  for (const f of report.facets) {
    for (const entry of [...f.added, ...f.removed, ...f.modified]) {
      if (entry.cause === 'BinaryRebuild') out.push({ facetId: f.facetId, entry });
    }
  }
  return out;
}

export function versionChange(from: string | null, to: string | null): string {
  if (from === null) return `(new) ${to ?? '?'}`;
  if (to === null) return `${from} (removed)`;
  return from === to ? `${to} (same version)` : `${from} → ${to}`;
}
