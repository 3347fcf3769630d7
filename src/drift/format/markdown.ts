import type { DriftReport } from '../../model/drift.ts';
import { requireVexFlags } from '../../quota/flag.ts';
import { binaryRebuilds, churn, verdictText, versionChange } from './common.ts';

/** Markdown table cells: pipes and newlines would break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const ICON: Record<DriftReport['decision'], string> = {
  Pass: '✅',
  Warn: '⚠️',
  RequireVex: '📝',
  Block: '⛔',
};

/** A pull-request comment. */
export function formatMarkdown(report: DriftReport): string {
  const out: string[] = [];
  out.push(`### ${ICON[report.decision]} Facet drift: **${report.decision}**`, '');
  out.push(
    `Baseline \`${cell(report.baseline.imageRef)}\` (\`${report.baseline.imageDigest.slice(0, 19)}…\`) → current \`${cell(report.current.imageRef)}\` (\`${report.current.imageDigest.slice(0, 19)}…\`)`,
    '',
  );
  out.push('| Facet | Added | Removed | Modified | Churn | Verdict |', '|---|--:|--:|--:|--:|---|');
  for (const f of report.facets) {
    out.push(
      `| \`${f.facetId}\` | ${f.score.addedCount} | ${f.score.removedCount} | ${f.score.modifiedCount} | ${churn(f)} | ${cell(verdictText(f))} |`,
    );
  }
  const violations = report.facets.flatMap((f) => f.quotaVerdict.violations);
  if (violations.length > 0) {
    out.push('', '**Quota violations**', '');
    for (const v of violations) out.push(`- ${cell(v.message)}`);
  }
  const rebuilt = binaryRebuilds(report);
  if (rebuilt.length > 0) {
    out.push(
      '',
      '> [!CAUTION]',
      `> ${rebuilt.length} file(s) changed while their package version did not. Nothing in the package databases explains them: this is what a tampered image looks like.`,
    );
    for (const { entry } of rebuilt)
      out.push(`> - \`${cell(entry.path)}\` (${cell(entry.package ?? 'no package')})`);
  }
  if (report.packages.length > 0) {
    out.push('', '<details><summary>Changed packages (' + report.packages.length + ')</summary>', '');
    out.push('| Ecosystem | Package | Version | Cause | CVEs |', '|---|---|---|---|---|');
    for (const p of report.packages) {
      out.push(
        `| ${p.ecosystem} | \`${cell(p.name)}\` | ${cell(versionChange(p.from, p.to))} | ${p.cause} | ${p.cves.join(', ')} |`,
      );
    }
    out.push('', '</details>');
  }
  if (report.decision === 'RequireVex') {
    out.push(
      '',
      `Draft the acknowledgement with \`stella vex gen --from-drift ${report.baseline.imageRef} ${report.current.imageRef}${requireVexFlags(report.facets)}\`, review it, then \`stella vex sign\`.`,
    );
  }
  if (report.notes?.length) {
    out.push('', '<details><summary>Notes</summary>', '');
    for (const n of report.notes) out.push(`- ${cell(n)}`);
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}
