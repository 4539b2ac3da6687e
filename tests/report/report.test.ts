import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MonteCarloSummary } from '../../src/analytics/monte-carlo.ts';
import { computeSummary } from '../../src/analytics/summary.ts';
import type { EquityPoint, PerformanceSummary } from '../../src/analytics/types.ts';
import { NS_PER_DAY, NS_PER_SEC, nsFromIso } from '../../src/core/nanos.ts';
import { downsampleMinMax, type XY } from '../../src/report/downsample.ts';
import { formatNumber, formatPct, monteCarloRows, ordinal } from '../../src/report/format.ts';
import {
  escapeHtml,
  MAX_CHART_POINTS,
  niceTicks,
  prettyJson,
  renderHtmlReport
} from '../../src/report/html-report.ts';
import { formatMonteCarloTable, formatSummaryTable } from '../../src/report/summary-table.ts';

const T0 = nsFromIso('2024-01-02T00:00:00Z');
const curve: EquityPoint[] = [100_000, 101_000, 99_500, 102_250, 98_000, 104_000].map((equity, i) => ({
  ts: T0 + BigInt(i) * NS_PER_DAY,
  equity
}));
const summary = computeSummary(curve, []);

const SAMPLE: PerformanceSummary = {
  startEquity: 100_000,
  endEquity: 112_345.678,
  totalReturn: 0.12345678,
  annualizedReturn: 0.0512,
  annualizedVolatility: 0.18,
  sharpe: 1.23456,
  sortino: -0.5,
  ratioBasis: 'daily',
  calmar: 2,
  maxDrawdown: 0.2,
  maxDrawdownPeak: '2024-01-02T16:18:00Z',
  maxDrawdownTrough: '2024-01-29T20:44:00Z',
  maxDrawdownRecovery: null,
  maxDrawdownDurationDays: 42.25,
  var95: 0.0211,
  cvar95: 0.0302,
  tradeCount: 12,
  winRate: 0.5,
  profitFactor: Number.POSITIVE_INFINITY,
  avgTradePnl: -12.5,
  days: 365
};

function pathD(html: string, cls: string): string {
  const m = new RegExp(`<path class="${cls}" d="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${cls} path`);
  return m[1]!;
}

describe('formatting', () => {
  it('formats numbers, percentages and non-finite values', () => {
    expect(formatNumber(1234567.891)).toBe('1,234,567.89');
    expect(formatNumber(-0.001)).toBe('0.00');
    expect(formatNumber(-1234.5, 0)).toBe('-1,235');
    expect(formatPct(0.12345)).toBe('12.35%');
    expect(formatPct(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatNumber(Number.NaN)).toBe('n/a');
  });

  it('writes magnitudes of 1e21 and more out in full, grouped, never in exponent notation', () => {
    expect(formatNumber(1e21)).toBe('1,000,000,000,000,000,000,000.00');
    expect(formatNumber(-1e21, 0)).toBe('-1,000,000,000,000,000,000,000');
    expect(formatNumber(1.5e22, 1)).toBe('15,000,000,000,000,000,000,000.0');
    expect(formatNumber(123456789e20)).toBe('12,345,678,900,000,000,000,000,000,000.00');
    expect(formatPct(1e20)).toBe('10,000,000,000,000,000,000,000.00%');
    expect(formatNumber(Number.MAX_VALUE, 0)).toBe(`179,769,313,486,231,570${',000'.repeat(97)}`);
    expect(formatNumber(9.99e20)).toBe('999,000,000,000,000,000,000.00'); // just below: toFixed, as before
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 0, max: 6 }),
        (x, d) => {
          const s = formatNumber(x, d);
          expect(s).toMatch(
            d === 0 ? /^-?\d{1,3}(,\d{3})*$/ : new RegExp(`^-?\\d{1,3}(,\\d{3})*\\.\\d{${d}}$`)
          );
        }
      )
    );
  });

  it('writes ordinals in English', () => {
    const cases: [number, string][] = [
      [0, '0th'],
      [1, '1st'],
      [2, '2nd'],
      [3, '3rd'],
      [4, '4th'],
      [10, '10th'],
      [11, '11th'],
      [12, '12th'],
      [13, '13th'],
      [21, '21st'],
      [22, '22nd'],
      [23, '23rd'],
      [50, '50th'],
      [99, '99th'],
      [100, '100th'],
      [101, '101st'],
      [111, '111th'],
      [112, '112th'],
      [2.5, '2.5th']
    ];
    for (const [n, text] of cases) expect(ordinal(n)).toBe(text);
  });
});

describe('formatSummaryTable', () => {
  const table = formatSummaryTable(SAMPLE);
  const lines = table.split('\n');

  it('contains every metric label with its formatted value', () => {
    for (const [label, value] of [
      ['Start equity', '100,000.00'],
      ['End equity', '112,345.68'],
      ['Total return', '12.35%'],
      ['Annualized return (CAGR)', '5.12%'],
      ['Annualized volatility', '18.00%'],
      ['Sharpe ratio', '1.23'],
      ['Sortino ratio', '-0.50'],
      ['Calmar ratio', '2.00'],
      ['Max drawdown', '20.00%'],
      ['Max drawdown peak → trough', '2024-01-02 → 2024-01-29 (open)'],
      ['Longest underwater (days)', '42.3'],
      ['VaR 95% (daily)', '2.11%'],
      ['CVaR 95% (daily)', '3.02%'],
      ['Trades', '12'],
      ['Win rate', '50.00%'],
      ['Profit factor', '∞'],
      ['Avg trade P&L', '-12.50'],
      ['Days', '365.0']
    ]) {
      const line = lines.find((l) => l.startsWith(`${label} `));
      expect(line, label).toBeDefined();
      expect(line!.trimEnd().endsWith(` ${value}`), `${label}: ${line}`).toBe(true);
    }
    expect(lines).toHaveLength(2 + 18);
    const none = formatSummaryTable({ ...SAMPLE, maxDrawdownPeak: null, maxDrawdownTrough: null });
    expect(none).toMatch(/^Max drawdown peak → trough +n\/a$/m);
    const back = formatSummaryTable({ ...SAMPLE, maxDrawdownRecovery: '2024-02-03T00:00:00Z' });
    expect(back).toMatch(/^Max drawdown peak → trough +2024-01-02 → 2024-01-29$/m);
  });

  it('gives a run shorter than a day its length in thousandths of a day', () => {
    const hour = formatSummaryTable({ ...SAMPLE, days: 1 / 24, maxDrawdownDurationDays: 0.0125 }).split('\n');
    expect(hour.find((l) => l.startsWith('Days '))!.trimEnd()).toMatch(/ 0\.042$/);
    expect(hour.find((l) => l.startsWith('Longest underwater (days) '))!.trimEnd()).toMatch(/ 0\.013$/);
    expect(formatSummaryTable({ ...SAMPLE, days: 0 })).toMatch(/^Days +0\.0$/m);
  });

  it('aligns every row to the same width', () => {
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('shows n/a for what the run was too short to estimate, in the table and the HTML report', () => {
    const short = { ...SAMPLE, annualizedReturn: null, calmar: null, var95: null, cvar95: null };
    const rows = formatSummaryTable(short).split('\n');
    for (const label of ['Annualized return (CAGR)', 'Calmar ratio', 'VaR 95% (daily)', 'CVaR 95% (daily)'])
      expect(rows.find((l) => l.startsWith(`${label} `))!.trimEnd(), label).toMatch(/ n\/a$/);
    expect(rows.find((l) => l.startsWith('Total return '))!.trimEnd()).toMatch(/ 12\.35%$/);
    const html = renderHtmlReport({ title: 't', runId: 'r', summary: short, equity: curve, config: {} });
    expect(html).toContain('<th scope="row">Calmar ratio</th><td>n/a</td>');
  });
});

describe('downsampleMinMax', () => {
  it('returns short series unchanged', () => {
    const pts = [1, 2, 3].map((y, x) => ({ x, y }));
    expect(downsampleMinMax(pts, 10)).toEqual(pts);
  });

  it('keeps first, last and every bucket extreme, in order, within the limit', () => {
    // 10,000 points of a gentle wave with one deep spike and one high spike in the middle
    const pts: XY[] = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: Math.sin(i / 50) }));
    pts[4321] = { x: 4321, y: -50 };
    pts[7777] = { x: 7777, y: 50 };
    const out = downsampleMinMax(pts, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.length).toBeGreaterThan(90);
    expect(out[0]).toEqual(pts[0]);
    expect(out[out.length - 1]).toEqual(pts[9999]);
    expect(out).toContainEqual({ x: 4321, y: -50 });
    expect(out).toContainEqual({ x: 7777, y: 50 });
    for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
  });

  it('property: output is an ordered subsequence within the limit preserving global min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 3000 }),
        fc.integer({ min: 4, max: 500 }),
        (ys, max) => {
          const pts = ys.map((y, x) => ({ x, y }));
          const out = downsampleMinMax(pts, max);
          expect(out.length).toBeLessThanOrEqual(Math.max(max, ys.length <= max ? ys.length : 0));
          for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
          for (const p of out) expect(pts[p.x]).toBe(p);
          if (ys.length > 0) {
            expect(Math.min(...out.map((p) => p.y))).toBe(Math.min(...ys));
            expect(Math.max(...out.map((p) => p.y))).toBe(Math.max(...ys));
          }
        }
      ),
      { numRuns: 60 }
    );
  });
});

describe('renderHtmlReport', () => {
  const config = {
    strategy: 'ema-cross',
    note: '</pre><script>alert("x")</script>',
    size: 10n,
    'a&b': "it's"
  };
  const html = renderHtmlReport({ title: 'Backtest <EMA>', runId: 'run-42', summary, equity: curve, config });

  it('shows monthly returns as a year × month grid and the closed trades per instrument, when given', () => {
    expect(html).not.toContain('Monthly returns');
    expect(html).not.toContain('By instrument');
    const out = renderHtmlReport({
      title: 't',
      runId: 'r',
      summary,
      equity: curve,
      config: {},
      returns: {
        monthly: [
          { period: '2023-12', return: 0.01 },
          { period: '2024-01', return: -0.02 },
          { period: '2024-03', return: 0 }
        ],
        yearly: [
          { period: '2023', return: 0.01 },
          { period: '2024', return: -0.02 }
        ]
      },
      byInstrument: [
        { instrumentId: 'A<B>@X', tradeCount: 3, winRate: 2 / 3, profitFactor: 2, netPnl: 1234.5 },
        { instrumentId: 'C@X', tradeCount: 1, winRate: 0, profitFactor: 0, netPnl: -7 }
      ]
    });
    const row = (year: string) => new RegExp(`<tr><th scope="row">${year}</th>(.*?)</tr>`).exec(out)![1]!;
    const cells = (year: string) =>
      [...row(year).matchAll(/<td(?: class="(\w+)")?>([^<]*)<\/td>/g)].map((m) => [m[1] ?? '', m[2]]);
    // 12 months and the year; blank where there is no month; coloured by sign
    expect(cells('2023')).toHaveLength(13);
    expect(cells('2023')[11]).toEqual(['pos', '1.00%']);
    expect(cells('2023')[12]).toEqual(['pos', '1.00%']);
    expect(cells('2024').slice(0, 4)).toEqual([
      ['neg', '-2.00%'],
      ['', ''],
      ['', '0.00%'],
      ['', '']
    ]);
    expect(out).toContain(
      '<th scope="row">A&lt;B&gt;@X</th><td>3</td><td>66.67%</td><td>2.00</td><td class="pos">1,234.50</td>'
    );
    expect(out).toContain('<td class="neg">-7.00</td>');
  });

  it('is a self-contained document with header, metrics, charts and config', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Run <code>run-42</code>');
    expect(html).toContain('<title>Backtest &lt;EMA&gt; — run-42</title>');
    expect(html).toMatch(/<th scope="row">Sharpe ratio<\/th><td>[-\d.]+<\/td>/);
    expect(html).toContain(`<th scope="row">Max drawdown</th><td>${formatPct(summary.maxDrawdown)}</td>`);
    expect(html).toContain(`<th scope="row">Total return</th><td>${formatPct(summary.totalReturn)}</td>`);
    expect(html).toContain('<details>');
    expect(html).toContain('&quot;strategy&quot;: &quot;ema-cross&quot;');
    expect(html).toContain('&quot;size&quot;: &quot;10&quot;');
    // nothing that could load from the network or run code
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|href=/i);
  });

  it('escapes <script> and other markup from the config and title', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('</pre><script>');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;a&amp;b&quot;: &quot;it&#39;s&quot;');
    expect(html).not.toContain('<EMA>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('draws the equity line and the drawdown area with one point per equity point', () => {
    const eq = pathD(html, 'equity-line');
    expect(eq.startsWith('M')).toBe(true);
    expect(eq.match(/[ML]/g)).toHaveLength(curve.length);
    const dd = pathD(html, 'drawdown-area');
    expect(dd.endsWith('Z')).toBe(true);
    expect(dd.match(/L/g)).toHaveLength(curve.length + 1);
    // the deepest drawdown (98,000 vs peak 102,250) is the lowest point of the area
    const ys = [...dd.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    const xs = [...dd.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    expect(ys.indexOf(Math.max(...ys))).toBe(5); // M base, then points 0..5; index 5 is point 4
    // shared time axis: both paths start and end at the same x
    const ex = [...eq.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    expect(xs[0]).toBe(ex[0]);
    expect(xs[xs.length - 1]).toBe(ex[ex.length - 1]);
  });

  it('labels the axes with UTC dates and equity values', () => {
    expect(html).toContain('>2024-01-02<');
    expect(html).toContain('>2024-01-07<');
    expect(html).toContain('Date (UTC)');
    expect(html).toMatch(/>10\d,\d{3}</);
    expect(html).toContain('Drawdown (%)');
  });

  it('downsamples long curves to at most 2,000 points, keeping the drawdown spike', () => {
    const n = 20_000;
    const start = nsFromIso('2024-03-01T00:00:00Z');
    const big: EquityPoint[] = Array.from({ length: n }, (_, i) => ({
      ts: start + BigInt(i) * 10n * NS_PER_SEC, // 10 s apart: ~2.3 days
      equity: i === 12_345 ? 50_000 : 100_000 + i
    }));
    const out = renderHtmlReport({
      title: 't',
      runId: 'r',
      summary: computeSummary(big, []),
      equity: big,
      config: {}
    });
    const eq = pathD(out, 'equity-line');
    const dd = pathD(out, 'drawdown-area');
    expect(eq.match(/[ML]/g)!.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(dd.match(/L/g)!.length).toBeLessThanOrEqual(MAX_CHART_POINTS + 1);
    // the ~50% spike reaches the bottom of the drawdown panel (its lowest nice tick is -60%)
    const ys = [...dd.matchAll(/L[\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...ys)).toBeGreaterThan(Math.min(...ys) + 100);
    expect(out).toContain('>-60%<');
    // intraday span: labels carry the time
    expect(out).toContain('>2024-03-01 00:00<');
  });

  it('handles an empty curve, odd configs and generatedFor', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const out = renderHtmlReport({
      title: 'x',
      runId: 'r',
      summary: computeSummary([], []),
      equity: [],
      config: cyclic,
      generatedFor: 'Desk <A>'
    });
    expect(out).toContain('No equity data.');
    expect(out).toContain('for Desk &lt;A&gt;');
    expect(out).toContain('&quot;[Circular]&quot;');
    expect(prettyJson(undefined)).toBe('undefined');
    const shared = { k: 1 };
    expect(prettyJson({ a: shared, b: shared })).not.toContain('Circular');
  });

  it('labels each axis tick with the value it marks: a 2.5 or 0.25 step keeps its decimals', () => {
    // a 7% drawdown: grid lines at -7.5, -5, -2.5 and 0 % (were labelled -8%, -5%, -3%, 0%)
    const dd7: EquityPoint[] = [100_000, 97_000, 93_000, 96_000, 101_000].map((equity, i) => ({
      ts: T0 + BigInt(i) * NS_PER_DAY,
      equity
    }));
    const labels = (h: string): string[] =>
      [...h.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]*)</g)].map((m) => m[1]!);
    const render = (c: EquityPoint[]): string[] =>
      labels(
        renderHtmlReport({ title: 't', runId: 'r', summary: computeSummary(c, []), equity: c, config: {} })
      );
    expect(niceTicks(-7, 0, 3)).toEqual([-7.5, -5, -2.5, 0]);
    expect(render(dd7).filter((l) => l.endsWith('%'))).toEqual(['-7.5%', '-5.0%', '-2.5%', '0.0%']);
    // equity between 100 and 101.1: a 0.25 step needs two decimals (were 100.3, 100.5, 100.8)
    const small: EquityPoint[] = [100, 100.4, 100.9, 101.1].map((equity, i) => ({
      ts: T0 + BigInt(i) * NS_PER_DAY,
      equity
    }));
    const eq = render(small).filter((l) => !l.endsWith('%'));
    expect(eq).toEqual(['100.00', '100.25', '100.50', '100.75', '101.00', '101.25']);
    // a whole step keeps no decimals
    expect(
      render(curve)
        .filter((l) => !l.endsWith('%'))
        .every((l) => !l.includes('.'))
    ).toBe(true);
  });

  it('niceTicks covers the range with round steps', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(-37, 0, 3)).toEqual([-40, -20, 0]);
    const flat = niceTicks(100, 100, 5);
    expect(flat[0]!).toBeLessThan(100);
    expect(flat[flat.length - 1]!).toBeGreaterThan(100);
  });
});

describe('the Monte Carlo block', () => {
  const mc: MonteCarloSummary = {
    method: 'bootstrap-daily-returns',
    paths: 1000,
    horizon: 252,
    percentiles: [
      { percentile: 5, finalReturn: -0.1234, maxDrawdown: 0.05 },
      { percentile: 95, finalReturn: 0.3, maxDrawdown: 0.25 }
    ],
    probabilityOfLoss: 0.271
  };

  it('prints a caption and an aligned table of percentiles in the terminal', () => {
    expect(formatMonteCarloTable(mc)).toBe(
      [
        'Monte Carlo: 1,000 paths of 252 daily returns resampled with replacement; P(loss) 27.10%',
        'Percentile  Final return  Max drawdown',
        '----------  ------------  ------------',
        '       5th       -12.34%         5.00%',
        '      95th        30.00%        25.00%'
      ].join('\n')
    );
  });

  it('labels each percentile with its English ordinal', () => {
    const at = (percentile: number) => ({ percentile, finalReturn: 0, maxDrawdown: 0 });
    const rows = monteCarloRows({ ...mc, percentiles: [1, 2, 3, 11, 12, 13, 21, 22, 23, 50].map(at) }).rows;
    expect(rows.map((r) => r[0])).toEqual([
      '1st',
      '2nd',
      '3rd',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '50th'
    ]);
  });

  it('is a section of the HTML report, escaped like the rest', () => {
    const input = { title: 't', runId: 'r', summary: SAMPLE, equity: [], config: {} };
    const html = renderHtmlReport({ ...input, monteCarlo: mc });
    expect(html).toMatch(
      /<h2>Monte Carlo<\/h2>\n<p class="meta">Monte Carlo: 1,000 paths of 252 daily returns/
    );
    expect(html).toContain('<tr><th scope="row">5th</th><td>-12.34%</td><td>5.00%</td></tr>');
    expect(renderHtmlReport(input)).not.toContain('Monte Carlo');
  });
});
