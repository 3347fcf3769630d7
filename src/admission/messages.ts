import type { AdmissionResult } from '../model/admission.ts';
import type { QuotaViolation } from '../model/drift.ts';
import type { PartialQuota } from '../model/facet.ts';
import type { ResolvedPolicy } from '../model/policy.ts';
import { exceededLimits, vexFacetFlags } from '../quota/flag.ts';
import type { FacetOutcome, ImageOutcome } from './outcome.ts';
import type { Workload } from './workload.ts';

/**
 * Every text the API server shows a user, built by small pure functions (STYLE.md, Pepr anchor). Denial
 * messages name the image, the facet, the field, the limit and the actual value; warnings are one line
 * each and short (buildAdmissionReview splits and bounds them).
 */

export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

/** `MaxChangedFiles 31 > limit 20` */
export function formatViolation(violation: Pick<QuotaViolation, 'quotaField' | 'limit' | 'actual'>): string {
  return `${violation.quotaField} ${number(violation.actual)} > limit ${number(violation.limit)}`;
}

/** `facet binary: MaxChangedFiles 31 > limit 20, MaxChurnPercent 12.5 > limit 2` */
export function formatFacet(facet: FacetOutcome): string {
  return `facet ${facet.facetId}: ${facet.drift.quotaVerdict.violations.map(formatViolation).join(', ')}`;
}

/**
 * The quota that reproduces a RequireVex verdict on the command line: the policy's own limits for the
 * facet, each limit the drift exceeded (the one that applied, wherever it came from: facets, seal,
 * defaults), and `onExceed: RequireVex`. Unexceeded limits the policy does not set may differ on the
 * user's machine; they change the wording of the draft, never which facets it acknowledges.
 */
export function reproducingQuota(facet: FacetOutcome, policy: Pick<ResolvedPolicy, 'quotas'>): PartialQuota {
  return {
    ...policy.quotas[facet.facetId],
    ...exceededLimits(facet.drift.quotaVerdict.violations),
    onExceed: 'RequireVex',
  };
}

/**
 * The command that drafts the VEX a RequireVex denial asks for (SPEC §12): the facets that need one, each
 * with the quota that gave its verdict, so the draft acknowledges exactly the denied facets whatever quotas
 * the user's own `stella` would apply.
 */
export function vexGenCommand(
  repository: string,
  baselineDigest: string,
  currentDigest: string,
  facets: readonly { readonly facetId: string; readonly quota: PartialQuota }[],
): string {
  return `stella vex gen --from-drift ${repository}@${baselineDigest} ${repository}@${currentDigest}${vexFacetFlags(facets)}`;
}

/** The vex gen command of an evaluated image, when a facet requires a VEX. */
function vexGenCommandOf(outcome: ImageOutcome): string | undefined {
  if (outcome.kind !== 'evaluated') return undefined;
  const facets = outcome.evaluation.facets.filter((f) => f.decision === 'RequireVex');
  if (facets.length === 0) return undefined;
  return vexGenCommand(
    outcome.repository,
    outcome.baseline.imageDigest,
    outcome.imageDigest,
    facets.map((f) => ({ facetId: f.facetId, quota: reproducingQuota(f, outcome.policy) })),
  );
}

function who(outcome: ImageOutcome): string {
  return `${outcome.containers.join(', ')} image ${outcome.image}`;
}

/** The lines of the denial message for one image; empty when the image is allowed. */
export function denialLines(outcome: ImageOutcome): string[] {
  if (outcome.allowed) return [];
  switch (outcome.kind) {
    case 'error':
      return [
        `- ${who(outcome)}: could not be evaluated (${outcome.code}: ${outcome.message}); ` +
          `denied because onError is "deny"`,
      ];
    case 'no-baseline':
      return [
        `- ${who(outcome)}: no approved baseline for ${outcome.repository} in tenant ${outcome.policy.tenant}; ` +
          `denied because noBaseline is "deny" (approve one: stella baseline approve IMAGE)`,
      ];
    case 'evaluated': {
      const pinned = `${outcome.repository}@${outcome.imageDigest}`;
      const lines = [
        `- ${who(outcome)} (${pinned}): drift from approved baseline ${outcome.baseline.imageDigest}`,
      ];
      for (const facet of outcome.evaluation.facets.filter((f) => f.decision === 'Block')) {
        lines.push(`  blocked: ${formatFacet(facet)}`);
      }
      const vex = outcome.evaluation.facets.filter((f) => f.decision === 'RequireVex');
      for (const facet of vex) {
        const reason = facet.vex?.acknowledged === false && facet.vex.reason ? ` (${facet.vex.reason})` : '';
        lines.push(`  needs a signed VEX acknowledging the drift${reason}: ${formatFacet(facet)}`);
      }
      const command = vexGenCommandOf(outcome);
      if (command !== undefined) {
        lines.push(
          `  draft it with: ${command}`,
          '  then sign and submit it: stella vex sign, stella vex submit',
        );
      }
      return lines;
    }
  }
}

/** The warnings for one image (allowed or not: kubectl prints them either way). */
export function imageWarnings(outcome: ImageOutcome): string[] {
  const image = outcome.image;
  switch (outcome.kind) {
    case 'error':
      return outcome.allowed
        ? [`zastava: ${image} not evaluated (${outcome.code}); allowed because onError is "allow"`]
        : [];
    case 'no-baseline':
      return outcome.allowed
        ? [`zastava: no approved baseline for ${outcome.repository}; drift not checked`]
        : [];
    case 'evaluated':
      return outcome.evaluation.facets.flatMap((facet) => {
        if (facet.decision === 'Warn') return [`zastava: ${image} ${formatFacet(facet)} (warn)`];
        if (facet.decision === 'VexAcknowledged') {
          const id = facet.vex?.acknowledged === true ? ` by ${facet.vex.documentId}` : '';
          return [`zastava: ${image} facet ${facet.facetId} drift acknowledged by VEX${id}`];
        }
        return [];
      });
  }
}

/** The request's result: denied when any image is denied (the most severe wins), every reason listed. */
export function aggregateResult(workload: Workload, outcomes: readonly ImageOutcome[]): AdmissionResult {
  const allowed = outcomes.every((o) => o.allowed);
  const violations = outcomes.flatMap((o) =>
    o.kind === 'evaluated'
      ? o.evaluation.facets.flatMap((f) =>
          f.decision === 'Pass'
            ? []
            : f.drift.quotaVerdict.violations.map((v) => ({ ...v, facetId: f.facetId })),
        )
      : [],
  );
  const vexCommands = outcomes.flatMap((o) => vexGenCommandOf(o) ?? []);
  const target = `${workload.kind} ${workload.namespace}/${workload.name || '(generated name)'}`;
  const message = allowed
    ? `zastava allowed ${target}`
    : [`zastava denied ${target}:`, ...outcomes.flatMap(denialLines)].join('\n');
  return {
    allowed,
    message,
    violations,
    ...(vexCommands.length > 0 ? { requiredVexStatement: vexCommands.join('\n') } : {}),
    warnings: outcomes.flatMap(imageWarnings),
  };
}
