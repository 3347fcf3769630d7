import type { DriftReport } from '../model/drift.ts';
import { ociPurl } from '../drift/purl.ts';
import { PLACEHOLDER_IMPACT, driftUrn } from './acknowledgement.ts';
import { VexError } from './errors.ts';
import { OPENVEX_CONTEXT, OpenVexDocument, type VexProduct, type VexStatement } from './schema.ts';

export interface GenerateVexOptions {
  readonly author: string;
  readonly now: Date;
  /** The document's `@id` (an IRI); `urn:uuid:<random>` in the CLI, fixed in tests. */
  readonly id: string;
  /** The image's architecture, for the `pkg:oci` qualifier. */
  readonly arch?: string;
}

/**
 * Drafts the OpenVEX document for a drift (SPEC §12): one `fixed` statement per CVE id named by the
 * changelogs of security-patched packages (product: the current image; subcomponents: each package at its
 * new version), and one acknowledgement draft per facet whose verdict requires a VEX.
 */
export function generateVex(report: DriftReport, options: GenerateVexOptions): OpenVexDocument {
  const image = ociPurl(
    report.current.imageRef,
    report.current.imageDigest,
    options.arch ? { arch: options.arch } : {},
  );
  const product = (subcomponents?: VexProduct['subcomponents']): VexProduct => ({
    '@id': image,
    identifiers: { purl: image },
    ...(subcomponents ? { subcomponents } : {}),
  });

  const fixedBy = new Map<string, Set<string>>();
  for (const pkg of report.packages) {
    if (pkg.cause !== 'SecurityPatch' || pkg.purl === undefined) continue;
    for (const cve of pkg.cves) {
      let set = fixedBy.get(cve);
      if (set === undefined) fixedBy.set(cve, (set = new Set()));
      set.add(pkg.purl);
    }
  }
  const statements: VexStatement[] = [];
  for (const cve of [...fixedBy.keys()].sort()) {
    statements.push({
      vulnerability: { name: cve },
      products: [
        product([...fixedBy.get(cve)!].sort().map((purl) => ({ '@id': purl, identifiers: { purl } }))),
      ],
      status: 'fixed',
    });
  }

  for (const facet of report.facets) {
    if (facet.quotaVerdict.passed || facet.quotaVerdict.recommendedAction !== 'RequireVex') continue;
    const urn = driftUrn({
      facetId: facet.facetId,
      baselineRoot: facet.baselineMerkleRoot,
      currentRoot: facet.currentMerkleRoot,
    });
    const s = facet.score;
    statements.push({
      vulnerability: {
        '@id': urn,
        name: urn,
        description:
          `Drift of facet ${facet.facetId} beyond its quota: ${s.addedCount} added, ${s.removedCount} removed, ` +
          `${s.modifiedCount} modified (${Math.round(s.churnPercent * 100) / 100}% churn). ` +
          facet.quotaVerdict.violations.map((v) => v.message).join('; '),
      },
      products: [product()],
      status: 'not_affected',
      impact_statement: PLACEHOLDER_IMPACT,
      status_notes:
        `facetId=${facet.facetId} imageDigest=${report.current.imageDigest} ` +
        `baselineMerkleRoot=${facet.baselineMerkleRoot} currentMerkleRoot=${facet.currentMerkleRoot} ` +
        `baselineImageDigest=${report.baseline.imageDigest}`,
    });
  }

  if (statements.length === 0) {
    throw new VexError(
      'VEX_NOTHING_TO_STATE',
      `nothing to state: no security-patched package names a CVE and no facet requires a VEX (decision ${report.decision})`,
    );
  }
  return OpenVexDocument.parse({
    '@context': OPENVEX_CONTEXT,
    '@id': options.id,
    author: options.author,
    timestamp: options.now.toISOString(),
    version: 1,
    tooling: 'zastava stella vex gen',
    statements,
  });
}
