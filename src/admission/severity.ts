import type { Decision, FacetDrift } from '../model/drift.ts';
import type { FacetDecision } from './outcome.ts';

/** SPEC §10: Warn < RequireVex < Block; an image's decision is the most severe of its facets. */
const RANK: Readonly<Record<Decision, number>> = { Pass: 0, Warn: 1, RequireVex: 2, Block: 3 };

export function asDecision(facet: FacetDecision): Decision {
  return facet === 'VexAcknowledged' ? 'Warn' : facet;
}

export function mostSevere(decisions: Iterable<FacetDecision>): Decision {
  let worst: Decision = 'Pass';
  for (const decision of decisions) {
    const d = asDecision(decision);
    if (RANK[d] > RANK[worst]) worst = d;
  }
  return worst;
}

/** A facet's decision before VEX: its verdict's recommended action, or Pass when no quota is exceeded. */
export function facetDecision(drift: Pick<FacetDrift, 'quotaVerdict'>): Decision {
  return drift.quotaVerdict.passed ? 'Pass' : drift.quotaVerdict.recommendedAction;
}

export function isDenied(decision: Decision): boolean {
  return decision === 'Block' || decision === 'RequireVex';
}
