import type { BenchmarkSummary } from '../analytics/benchmark.ts';
import type { ExposureStats } from '../analytics/exposure.ts';
import { drawdownSeries } from '../analytics/max-drawdown.ts';
import type { MonteCarloSummary } from '../analytics/monte-carlo.ts';
import type { PeriodReturns } from '../analytics/period-returns.ts';
import type { InstrumentStats } from '../analytics/trade-stats.ts';
import type { EquityPoint, PerformanceSummary } from '../analytics/types.ts';
import { msFromNs } from '../core/nanos.ts';
import { downsampleMinMax, type XY } from './downsample.ts';
import {
  benchmarkRows,
  exposureLine,
  formatNumber,
  instrumentRows,
  MONTHS,
  monteCarloRows,
  monthlyGrid,
  type SignedCell,
  summaryRows
} from './format.ts';

/** Input of {@link renderHtmlReport}. */
export interface HtmlReportInput {
  readonly title: string;
  readonly runId: string;
  readonly summary: PerformanceSummary;
  /** Time-sorted equity curve at any frequency; the charts are downsampled to ≤ {@link MAX_CHART_POINTS} points. */
  readonly equity: readonly EquityPoint[];
  /** Run configuration, shown as pretty JSON (bigints as strings, cycles as `"[Circular]"`). */
  readonly config: unknown;
  /** Optional audience / account line shown under the title. */
  readonly generatedFor?: string;
  /** The run's Monte Carlo block, shown as a table of percentiles when present. */
  readonly monteCarlo?: MonteCarloSummary;
  /** Returns by month and year, shown as a year × month grid when present. */
  readonly returns?: PeriodReturns;
  /** Closed trades per instrument, shown as a table when present and not empty. */
  readonly byInstrument?: readonly InstrumentStats[];
  /** Time in the market and gross leverage, shown under the metrics. */
  readonly exposure?: ExposureStats;
  /** The run against its benchmark: a side-by-side table, and its curve drawn with the equity (`benchmarkEquity`). */
  readonly benchmark?: BenchmarkSummary;
  /** The benchmark's equity curve, point for point with `equity`. */
  readonly benchmarkEquity?: readonly EquityPoint[];
}

/** Most points drawn per chart series. */
export const MAX_CHART_POINTS = 2000;

/**
 * Render a single self-contained HTML report: no scripts, fonts or network requests (a Content-Security-Policy
 * forbids them); inline CSS and SVG only. Contains the run id, a metrics table, an equity chart and an
 * underwater (drawdown) chart sharing its UTC time axis, and the config as pretty JSON in a `<details>`.
 * All text is HTML-escaped. Deterministic: the same input gives the same bytes.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const {
    title,
    runId,
    summary,
    equity,
    config,
    generatedFor,
    monteCarlo,
    returns,
    byInstrument,
    benchmark,
    benchmarkEquity,
    exposure
  } = input;
  const rows = summaryRows(summary)
    .map((r) => `<tr><th scope="row">${escapeHtml(r.label)}</th><td>${escapeHtml(r.value)}</td></tr>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(runId)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}
.meta{color:#57606a;margin:0 0 1.5rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table.metrics{border-collapse:collapse;margin-bottom:2rem;min-width:420px}
table.metrics th,table.metrics td{padding:.3rem .75rem;border-bottom:1px solid #d0d7de}
table.metrics th{text-align:left;font-weight:500}
table.metrics td{text-align:right;font-variant-numeric:tabular-nums}
table.metrics thead th{text-align:right;font-weight:600}
table.metrics thead th:first-child{text-align:left}
table.monthly th,table.monthly td{padding:.25rem .4rem;font-size:.85rem}
.scroll{overflow-x:auto}
td.pos{color:#1a7f37}
td.neg{color:#cf222e}
svg{width:100%;height:auto;display:block}
svg text{font-size:11px;fill:#57606a}
svg .title{font-size:12px;fill:#1f2328;font-weight:600}
.grid{stroke:#eaeef2;stroke-width:1}
.axis{stroke:#8c959f;stroke-width:1}
.equity-line{fill:none;stroke:#0969da;stroke-width:1.5}
.benchmark-line{fill:none;stroke:#8c959f;stroke-width:1.25;stroke-dasharray:5 3}
.drawdown-area{fill:#cf222e;fill-opacity:.25;stroke:#cf222e;stroke-width:1}
pre{background:#f6f8fa;padding:1rem;overflow:auto;border-radius:6px}
</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Run <code>${escapeHtml(runId)}</code>${generatedFor === undefined ? '' : ` · for ${escapeHtml(generatedFor)}`}</p>
</header>
<section>
<h2>Metrics</h2>
<table class="metrics">
<tbody>
${rows}
</tbody>
</table>
${exposure ? `<p class="meta">${escapeHtml(exposureLine(exposure))}</p>\n` : ''}</section>
${benchmark ? renderBenchmark(summary, benchmark) : ''}${monteCarlo ? renderMonteCarlo(monteCarlo) : ''}<section>
<h2>Equity and drawdown</h2>
${renderCharts(equity, benchmarkEquity)}
</section>
${returns && returns.monthly.length > 0 ? renderMonthly(returns) : ''}${byInstrument && byInstrument.length > 0 ? renderByInstrument(byInstrument) : ''}<section>
<details>
<summary>Configuration</summary>
<pre>${escapeHtml(prettyJson(config))}</pre>
</details>
</section>
</body>
</html>
`;
}

/** A table cell: text, or text coloured by the sign of its value. */
type Cell = string | SignedCell;

function td(c: Cell): string {
  if (typeof c === 'string') return `<td>${escapeHtml(c)}</td>`;
  return `<td${c.sign > 0 ? ' class="pos"' : c.sign < 0 ? ' class="neg"' : ''}>${escapeHtml(c.text)}</td>`;
}

/**
 * A titled, captioned table section: column headers, then rows each led by a row header. `wide` tables (the
 * monthly grid) are set smaller and scroll sideways on a narrow page rather than overflow it.
 */
function tableSection(
  title: string,
  caption: string,
  header: readonly string[],
  rows: readonly (readonly [string, ...Cell[]])[],
  wide = false
): string {
  const head = header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(([name, ...cells]) => `<tr><th scope="row">${escapeHtml(name)}</th>${cells.map(td).join('')}</tr>`)
    .join('\n');
  const table = `<table class="metrics${wide ? ' monthly' : ''}">
<thead>
<tr>${head}</tr>
</thead>
<tbody>
${body}
</tbody>
</table>
`;
  return `<section>
<h2>${escapeHtml(title)}</h2>
<p class="meta">${escapeHtml(caption)}</p>
${wide ? `<div class="scroll">\n${table}</div>\n` : table}</section>
`;
}

/** The Monte Carlo section: its caption and a table of percentiles. */
function renderMonteCarlo(mc: MonteCarloSummary): string {
  const { caption, header, rows } = monteCarloRows(mc);
  return tableSection('Monte Carlo', caption, header, rows);
}

/** The benchmark section: strategy and benchmark side by side, then alpha, beta and the rest. */
function renderBenchmark(summary: PerformanceSummary, b: BenchmarkSummary): string {
  const { caption, header, rows } = benchmarkRows(summary, b);
  return tableSection('Benchmark', caption, header, rows);
}

/** The monthly returns section: a row per year, a column per month, the year's return last. */
function renderMonthly(r: PeriodReturns): string {
  return tableSection(
    'Monthly returns',
    "Each UTC month from the previous month's last equity; the first from the starting equity.",
    ['Year', ...MONTHS, 'Year total'],
    monthlyGrid(r).map((y) => [y.year, ...y.months, y.total]),
    true
  );
}

/** The per-instrument section: closed trades, win rate, profit factor and net P&L of each instrument. */
function renderByInstrument(stats: readonly InstrumentStats[]): string {
  return tableSection(
    'By instrument',
    'Closed round trips, net of commission.',
    ['Instrument', 'Trades', 'Win rate', 'Profit factor', 'Net P&L'],
    instrumentRows(stats)
  );
}

/** Escape `& < > " '` for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

const ESC: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
};

/** Pretty JSON of anything: bigints as decimal strings, cycles as `"[Circular]"`; never throws. */
export function prettyJson(value: unknown): string {
  const stack: object[] = [];
  try {
    const out = JSON.stringify(
      value,
      function (this: unknown, _key, v: unknown) {
        if (typeof v === 'bigint') return v.toString();
        if (v !== null && typeof v === 'object') {
          // `this` is the holder of v: unwind the ancestor stack to it, then detect cycles.
          while (stack.length > 0 && stack[stack.length - 1] !== this) stack.pop();
          if (stack.includes(v)) return '[Circular]';
          stack.push(v);
        }
        return v;
      },
      2
    );
    return out ?? String(value);
  } catch (e) {
    return `[unserialisable config: ${e instanceof Error ? e.message : String(e)}]`;
  }
}

// ---- charts ----

const W = 960;
const LEFT = 84;
const RIGHT = 16;
const EQ_TOP = 24;
const EQ_H = 300;
const GAP = 36;
const DD_TOP = EQ_TOP + EQ_H + GAP;
const DD_H = 140;
const H = DD_TOP + DD_H + 44;
const PLOT_W = W - LEFT - RIGHT;

function renderCharts(equity: readonly EquityPoint[], benchmark?: readonly EquityPoint[]): string {
  if (equity.length === 0) return '<p class="empty">No equity data.</p>';
  const full: XY[] = equity.map((p) => ({ x: msFromNs(p.ts), y: p.equity }));
  const benchPts =
    benchmark && benchmark.length > 0
      ? downsampleMinMax(
          benchmark.map((p) => ({ x: msFromNs(p.ts), y: p.equity })),
          MAX_CHART_POINTS
        )
      : undefined;
  const dd = drawdownSeries(equity);
  const eqPts = downsampleMinMax(full, MAX_CHART_POINTS);
  const ddPts = downsampleMinMax(
    full.map((p, i) => ({ x: p.x, y: -dd[i]! * 100 })),
    MAX_CHART_POINTS
  );
  const x0 = full[0]!.x;
  const x1 = full[full.length - 1]!.x;
  const sx = (x: number) => LEFT + (x1 > x0 ? ((x - x0) / (x1 - x0)) * PLOT_W : PLOT_W / 2);

  let eMin = Number.POSITIVE_INFINITY;
  let eMax = Number.NEGATIVE_INFINITY;
  for (const p of benchPts ? [...eqPts, ...benchPts] : eqPts) {
    if (Number.isFinite(p.y)) {
      eMin = Math.min(eMin, p.y);
      eMax = Math.max(eMax, p.y);
    }
  }
  if (!Number.isFinite(eMin)) eMin = eMax = 0;
  const eTicks = niceTicks(eMin, eMax, 5);
  const eLo = eTicks[0]!;
  const eHi = eTicks[eTicks.length - 1]!;
  const sy = (y: number) => EQ_TOP + EQ_H - ((clampFinite(y, eLo) - eLo) / (eHi - eLo)) * EQ_H;

  const ddMin = Math.min(0, ...ddPts.map((p) => p.y));
  const dTicks = niceTicks(ddMin, 0, 3);
  const dLo = dTicks[0]!;
  const dHi = dTicks[dTicks.length - 1]!;
  const sd = (y: number) => DD_TOP + ((dHi - clampFinite(y, 0)) / (dHi - dLo)) * DD_H;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="Equity curve and drawdown">`
  );
  // Equity panel.
  parts.push(`<text class="title" x="${LEFT}" y="${EQ_TOP - 8}">Equity</text>`);
  for (const t of eTicks) {
    const y = f(sy(t));
    parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${y}" y2="${y}"/>`);
    parts.push(
      `<text x="${LEFT - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t, eTicks)}</text>`
    );
  }
  const line = (pts: readonly XY[]) =>
    pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(sx(p.x))},${f(sy(p.y))}`).join('');
  if (benchPts) {
    parts.push(`<path class="benchmark-line" d="${line(benchPts)}"/>`);
    // legend, top right: the strategy solid, the benchmark dashed
    const lx = W - RIGHT - 190;
    const ly = EQ_TOP - 12;
    parts.push(`<line class="equity-line" x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}"/>`);
    parts.push(`<text x="${lx + 22}" y="${ly}" dominant-baseline="middle">Strategy</text>`);
    parts.push(`<line class="benchmark-line" x1="${lx + 90}" x2="${lx + 108}" y1="${ly}" y2="${ly}"/>`);
    parts.push(`<text x="${lx + 112}" y="${ly}" dominant-baseline="middle">Benchmark</text>`);
  }
  parts.push(`<path class="equity-line" d="${line(eqPts)}"/>`);
  // Drawdown panel.
  parts.push(`<text class="title" x="${LEFT}" y="${DD_TOP - 8}">Drawdown (%)</text>`);
  for (const t of dTicks) {
    const y = f(sd(t));
    parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${y}" y2="${y}"/>`);
    parts.push(
      `<text x="${LEFT - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t, dTicks)}%</text>`
    );
  }
  const base = f(sd(0));
  parts.push(
    `<path class="drawdown-area" d="M${f(sx(ddPts[0]!.x))},${base}${ddPts.map((p) => `L${f(sx(p.x))},${f(sd(p.y))}`).join('')}L${f(sx(ddPts[ddPts.length - 1]!.x))},${base}Z"/>`
  );
  // Shared time axis: vertical grid through both panels, UTC date labels under the drawdown panel.
  const span = x1 - x0;
  const n = span > 0 ? 6 : 1;
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? x0 : x0 + (span * i) / (n - 1);
    const x = f(sx(t));
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${EQ_TOP}" y2="${DD_TOP + DD_H}"/>`);
    const anchor = n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
    parts.push(
      `<text x="${x}" y="${DD_TOP + DD_H + 16}" text-anchor="${anchor}">${escapeHtml(dateLabel(t, span))}</text>`
    );
  }
  parts.push(`<line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${EQ_TOP}" y2="${EQ_TOP + EQ_H}"/>`);
  parts.push(`<line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${DD_TOP}" y2="${DD_TOP + DD_H}"/>`);
  parts.push(
    `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${DD_TOP + DD_H}" y2="${DD_TOP + DD_H}"/>`
  );
  parts.push(`<text x="${LEFT + PLOT_W / 2}" y="${H - 6}" text-anchor="middle">Date (UTC)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

function f(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : '0';
}

function clampFinite(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}

/** Round tick values covering [lo, hi] with about `count` intervals; a non-empty ascending list with ≥ 2 values. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const out: number[] = [];
  for (let v = start, i = 0; v <= end + step / 2 && i < 100; v = start + ++i * step) out.push(v);
  return out.length >= 2 ? out : [start, start + step];
}

/**
 * A tick's label with as many decimals as the step needs to tell the ticks apart exactly: the fewest `d` ≤ 8 for
 * which step·10^d is a whole number (to 1e-9), so a 2.5 step labels -7.5 as `-7.5`, never `-8`.
 */
function tickLabel(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  return formatNumber(Math.abs(v) < step * 1e-9 ? 0 : v, stepDecimals(step));
}

/** The fewest decimals d ≤ 8 with step·10^d a whole number to within 1e-9 (relative above 1). */
function stepDecimals(step: number): number {
  for (let d = 0; d < 8; d++) {
    const s = step * 10 ** d;
    if (Math.abs(s - Math.round(s)) <= 1e-9 * Math.max(1, Math.abs(s))) return d;
  }
  return 8;
}

/** UTC date of epoch ms: `YYYY-MM-DD`, with `HH:MM` when the whole chart spans under 3 days. */
function dateLabel(ms: number, spanMs: number): string {
  const iso = new Date(Math.round(ms)).toISOString();
  return spanMs < 3 * 86_400_000 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}
