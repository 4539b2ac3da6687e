import type { MonteCarloSummary } from '../analytics/monte-carlo.ts';
import type { PerformanceSummary } from '../analytics/types.ts';
import { monteCarloRows, summaryRows } from './format.ts';

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

/** The Monte Carlo block for the terminal: its caption, then an aligned table (no trailing newline). */
export function formatMonteCarloTable(mc: MonteCarloSummary): string {
  const { caption, header, rows } = monteCarloRows(mc);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [caption, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
