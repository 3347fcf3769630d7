import type { DriftReport } from '../../model/drift.ts';
import { binaryRebuilds, churn, verdictText, versionChange } from './common.ts';

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i > 0 && i < 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The human report: a line per facet, the decision, the changed packages, unexplained binaries, notes. */
export function formatTable(report: DriftReport): string {
  const lines: string[] = [];
  lines.push(`baseline  ${report.baseline.imageRef}  ${report.baseline.imageDigest}`);
  lines.push(`current   ${report.current.imageRef}  ${report.current.imageDigest}`);
  lines.push('');
  const rows = [['FACET', 'ADDED', 'REMOVED', 'MODIFIED', 'CHURN', 'VERDICT']];
  for (const f of report.facets) {
    rows.push([
      f.facetId,
      String(f.score.addedCount),
      String(f.score.removedCount),
      String(f.score.modifiedCount),
      churn(f),
      verdictText(f),
    ]);
  }
  lines.push(...columns(rows));
  for (const f of report.facets) for (const v of f.quotaVerdict.violations) lines.push(`  ${v.message}`);
  lines.push('', `decision: ${report.decision}`);

  if (report.packages.length > 0) {
    lines.push('', `changed packages (${report.packages.length}):`);
    const prows = report.packages.map((p) => [
      p.ecosystem,
      p.location ? `${p.name} (${p.location})` : p.name,
      versionChange(p.from, p.to),
      p.cause,
      p.cves.join(', '),
    ]);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...prows.map((r) => r[i]!.length)));
    for (const r of prows)
      lines.push(
        `  ${r
          .map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c))
          .join('  ')
          .trimEnd()}`,
      );
  }

  const rebuilt = binaryRebuilds(report);
  if (rebuilt.length > 0) {
    lines.push(
      '',
      `!!! ${rebuilt.length} file(s) changed while their package version did not (BinaryRebuild).`,
    );
    lines.push(
      '!!! Nothing in the package databases explains these changes: this is what a tampered image looks like.',
    );
    for (const { facetId, entry } of rebuilt) {
      lines.push(
        `!!!   ${entry.path}  [${facetId}, ${entry.package ?? 'no package'}]${entry.detail ? `  ${entry.detail}` : ''}`,
      );
    }
  }
  if (report.notes?.length) {
    lines.push('', 'notes:');
    for (const n of report.notes) lines.push(`  ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
