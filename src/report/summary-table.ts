import type { BenchmarkSummary } from '../analytics/benchmark.ts';
import type { MonteCarloSummary } from '../analytics/monte-carlo.ts';
import type { PerformanceSummary } from '../analytics/types.ts';
import { benchmarkRows, type CaptionedRows, monteCarloRows, summaryRows } from './format.ts';

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
  return formatCaptioned(monteCarloRows(mc), false);
}

/** Strategy against benchmark for the terminal: its caption, then an aligned table (no trailing newline). */
export function formatBenchmarkTable(summary: PerformanceSummary, benchmark: BenchmarkSummary): string {
  return formatCaptioned(benchmarkRows(summary, benchmark), true);
}

/** A caption over an aligned table: values right-aligned, the first column too unless `labels` (left). */
function formatCaptioned({ caption, header, rows }: CaptionedRows, labels: boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const cell = (c: string, i: number) => (labels && i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!));
  const line = (r: readonly string[]) => r.map(cell).join('  ').trimEnd();
  return [caption, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
