import type { Decision } from '../model/drift.ts';
import type { QuotaAction } from '../model/facet.ts';
import type { QuotaVerdict } from '../model/drift.ts';

/** SPEC §10: Warn < RequireVex < Block. `Pass` (no violation at all) sits below them all. */
const RANK: Record<Decision, number> = { Pass: 0, Warn: 1, RequireVex: 2, Block: 3 };

export function severityRank(level: Decision | QuotaAction): number {
  return RANK[level];
}

export function mostSevere<L extends Decision>(a: L, b: L): L {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The image's decision: `Pass` when no facet's quota is exceeded, else the most severe recommended
 * action among the facets whose verdict failed. This is the one place the decision is made; the CLI
 * and the webhook both call it.
 */
export function imageDecision(verdicts: Iterable<QuotaVerdict>): Decision {
  let decision: Decision = 'Pass';
  for (const verdict of verdicts) {
    if (!verdict.passed) decision = mostSevere<Decision>(decision, verdict.recommendedAction);
  }
  return decision;
}
