import type { DriftReport } from '../../model/drift.ts';
import { formatMarkdown } from './markdown.ts';
import { formatTable } from './table.ts';

export const DRIFT_FORMATS = ['table', 'json', 'markdown'] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];

/** The issue 4 JSON contract is the DriftReport model itself. */
export function formatDrift(report: DriftReport, format: DriftFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return formatMarkdown(report);
    case 'table':
      return formatTable(report);
  }
}

export { formatTable, formatMarkdown };
