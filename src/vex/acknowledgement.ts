/**
 * Drift acknowledgements (SPEC §12): a `not_affected` statement whose vulnerability names exactly one
 * drift, so a signed acknowledgement cannot be replayed for another one.
 *
 *   vulnerability.name = vulnerability.@id =
 *     urn:zastava:facet-drift:v1:<facetId>:<baselineMerkleRoot>:<currentMerkleRoot>
 *   products[].@id = pkg:oci/NAME@<imageDigest>
 *
 * The facet id cannot hold `:` (FacetId), so the URN is unambiguous. Another facet, another baseline,
 * another current tree or another image gives another name or product, and admission matches both
 * exactly. Drafts carry PLACEHOLDER_IMPACT, which admission refuses: a person must say why.
 */
export const DRIFT_URN_PREFIX = 'urn:zastava:facet-drift:v1:';

export const PLACEHOLDER_MARKER = 'ZASTAVA-PLACEHOLDER';
export const PLACEHOLDER_IMPACT = `${PLACEHOLDER_MARKER}: replace this text with why this drift is acceptable, then sign the document (stella vex sign). Admission refuses a document that still contains it.`;

export interface DriftBinding {
  readonly imageDigest: string;
  readonly facetId: string;
  readonly baselineRoot: string;
  readonly currentRoot: string;
}

export function driftUrn(binding: Omit<DriftBinding, 'imageDigest'>): string {
  return `${DRIFT_URN_PREFIX}${binding.facetId}:${binding.baselineRoot}:${binding.currentRoot}`;
}
