import type { PerformanceSummary } from '../analytics/types.ts';
import { summaryRows } from './format.ts';

/**
 * An aligned plain-text table of a summary for the terminal: labels left-aligned, values right-aligned,
 * percentages and ratios with 2 decimals. Lines are joined by `\n` with no trailing newline.
 */
export function formatSummaryTable(summary: PerformanceSummary): string {
  const rows = summaryRows(summary);
  const lw = Math.max('Metric'.length, ...rows.map((r) => r.label.length));
  const vw = Math.max('Value'.length, ...rows.map((r) => r.value.length));
  const line = (l: string, v: string) => `${l.padEnd(lw)}  ${v.padStart(vw)}`;
  return [
    line('Metric', 'Value'),
    `${'-'.repeat(lw)}  ${'-'.repeat(vw)}`,
    ...rows.map((r) => line(r.label, r.value))
  ].join('\n');
}
