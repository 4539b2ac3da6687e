import type { BenchmarkSummary } from '../analytics/benchmark.ts';
import type { MonteCarloSummary } from '../analytics/monte-carlo.ts';
import type { PerformanceSummary } from '../analytics/types.ts';
import { alignedTable } from './aligned-table.ts';
import { benchmarkRows, type CaptionedRows, monteCarloRows, summaryRows } from './format.ts';

/** The first column: labels, left-aligned. */
const FIRST: ReadonlySet<number> = new Set([0]);

/**
 * An aligned plain-text table of a summary for the terminal: labels left-aligned, values right-aligned,
 * percentages and ratios with 2 decimals. Lines are joined by `\n` with no trailing newline.
 */
export function formatSummaryTable(summary: PerformanceSummary): string {
  return alignedTable(
    ['Metric', 'Value'],
    summaryRows(summary).map((r) => [r.label, r.value]),
    FIRST
  );
}

/** The Monte Carlo block for the terminal: its caption, then an aligned table (no trailing newline). */
export function formatMonteCarloTable(mc: MonteCarloSummary): string {
  return formatCaptioned(monteCarloRows(mc), false);
}

/** Strategy against benchmark for the terminal: its caption, then an aligned table (no trailing newline). */
export function formatBenchmarkTable(summary: PerformanceSummary, benchmark: BenchmarkSummary): string {
  return formatCaptioned(benchmarkRows(summary, benchmark), true);
}

/** A caption over an {@link alignedTable}, its first column left-aligned when it holds `labels`. */
function formatCaptioned({ caption, header, rows }: CaptionedRows, labels: boolean): string {
  return `${caption}\n${alignedTable(header, rows, labels ? FIRST : undefined)}`;
}
