import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relativeStats } from '../../src/analytics/benchmark.ts';
import { dailyReturns } from '../../src/analytics/daily-returns.ts';
import { sharpeRatio } from '../../src/analytics/sharpe-ratio.ts';
import { loadRunConfig } from '../../src/config/load.ts';
import { runBacktest, runIdOf } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { formatBenchmarkTable } from '../../src/report/summary-table.ts';
import { smallConfig } from '../support/run-config.ts';
import { REPO_ROOT, sharedData } from '../support/shared-data.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

/** Each instrument's first and last bar close, from the run's event log. */
function closes(log: unknown): Map<string, { first: number; last: number }> {
  const out = new Map<string, { first: number; last: number }>();
  for (const r of records(log)) {
    if (r.type !== 'market.bar') continue;
    const bar = r.payload as Bar;
    const c = out.get(bar.instrumentId);
    if (c) c.last = bar.close;
    else out.set(bar.instrumentId, { first: bar.close, last: bar.close });
  }
  return out;
}

describe('backtest benchmark: buy and hold, sampled with the equity curve', () => {
  it('by default holds every symbol in equal parts from its first close; stats from the two curves', async () => {
    const r = await runBacktest({ config: smallConfig(), configFile: 'test.yaml', monteCarloPaths: 0 });
    const b = r.benchmark!;
    expect(b.kind).toBe('equal-weight');
    expect(b.symbols).toEqual(['AAA@SIM', 'BBB@SIM']);
    const curve = r.benchmarkEquity!;
    expect(curve.map((p) => p.ts)).toEqual(r.equity.map((p) => p.ts));
    expect(curve[0]!.equity).toBe(r.summary.startEquity);
    const c = closes(r.log);
    const growth = [...c.values()].map((x) => x.last / x.first);
    const expected = (r.summary.startEquity * (growth[0]! + growth[1]!)) / 2;
    expect(curve[curve.length - 1]!.equity).toBeCloseTo(expected, 6);
    expect(b.metrics.totalReturn).toBeCloseTo(expected / r.summary.startEquity - 1, 12);
    expect(b.metrics.tradeCount).toBe(0);
    expect(b.relative).toEqual(relativeStats(r.equity, curve, { riskFree: 0, periodsPerYear: 252 }));
    expect(b.relative.beta).not.toBeNull();
  });

  it('ORCL daily 1995–2014 (real data): the benchmark returns what the file’s closes say', async () => {
    const c = loadRunConfig(join(REPO_ROOT, 'config', 'orcl-daily.yaml'));
    const r = await runBacktest({ config: c, configFile: 'orcl-daily.yaml', monteCarloPaths: 0 });
    const rows = readFileSync(sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt'), 'utf8')
      .trim()
      .split('\n');
    const close = (row: string) => Math.round(Number(row.split(',')[4]) * 100); // Close, in cents (the tick)
    const [first, last] = [close(rows[1]!), close(rows[rows.length - 1]!)];
    expect([first, last]).toEqual([212, 4497]);
    expect(r.benchmark!.symbols).toEqual(['ORCL@SIM']);
    expect(r.benchmark!.metrics.totalReturn).toBeCloseTo(last / first - 1, 12);
    expect(r.benchmark!.metrics.maxDrawdown).toBeGreaterThan(0.8); // the dot-com crash
    // the strategy, mostly in cash, moves little with ORCL
    expect(r.benchmark!.relative.beta!).toBeGreaterThan(0);
    expect(r.benchmark!.relative.beta!).toBeLessThan(0.5);
  });

  it('`{ symbol }` holds that one; an unknown symbol is refused; `none` has no benchmark', async () => {
    const one = await runBacktest({
      config: smallConfig({ analytics: { benchmark: { symbol: 'BBB' } } }),
      configFile: 'test.yaml',
      monteCarloPaths: 0
    });
    expect([one.benchmark!.kind, one.benchmark!.symbols]).toEqual(['symbol', ['BBB@SIM']]);
    const bbb = closes(one.log).get('BBB@SIM')!;
    expect(one.benchmark!.metrics.totalReturn).toBeCloseTo(bbb.last / bbb.first - 1, 12);

    // the config refuses it, naming the file (tests/config/load.test.ts); a config built without the schema is
    // refused by the run
    expect(() => smallConfig({ analytics: { benchmark: { symbol: 'ZZZ' } } })).toThrow(
      /^test\.yaml: analytics\.benchmark\.symbol: symbol ZZZ is not in the data \(AAA, BBB\)/
    );
    const parsed = smallConfig({});
    await expect(
      runBacktest({
        config: { ...parsed, analytics: { riskFree: 0, benchmark: { symbol: 'ZZZ' } } },
        configFile: 'test.yaml'
      })
    ).rejects.toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringContaining('analytics.benchmark: symbol ZZZ is not in the data (AAA, BBB)')
    });

    const dir = mkdtempSync(join(tmpdir(), 'ts-bench-'));
    const none = await runBacktest({
      config: smallConfig({ analytics: { benchmark: 'none' } }),
      configFile: 'test.yaml',
      outDir: dir,
      monteCarloPaths: 0
    });
    expect([none.benchmark, none.benchmarkEquity]).toEqual([undefined, undefined]);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).benchmark).toBeUndefined();
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).not.toContain('<h2>Benchmark</h2>');
  });

  it('analytics change what is measured, not what is traded: the same log; the run id only once it is given', async () => {
    const plain = smallConfig();
    const rf = smallConfig({ analytics: { riskFree: 0.05 } });
    const a = await runBacktest({ config: plain, configFile: 'test.yaml', monteCarloPaths: 0 });
    const b = await runBacktest({ config: rf, configFile: 'test.yaml', monteCarloPaths: 0 });
    // every record the same but the run id in run.started
    expect(records(b.log).slice(1)).toEqual(records(a.log).slice(1));
    expect({ ...(records(b.log)[0]!.payload as object), runId: a.runId }).toEqual(records(a.log)[0]!.payload);
    expect(b.summary.sharpe).toBeCloseTo(
      sharpeRatio(dailyReturns(b.equity), { riskFree: 0.05, periodsPerYear: 252 }),
      12
    );
    expect(b.summary.sharpe).toBeLessThan(a.summary.sharpe);
    expect(runIdOf(rf, 7)).not.toBe(runIdOf(plain, 7));
    // a config without an analytics section: its id does not take in the analytics defaults
    expect(runIdOf(loadRunConfig(join(REPO_ROOT, 'config', 'backtest.yaml')), 42)).toBe(
      'default-s42-50e2bb47'
    );
  });

  it('writes the benchmark to summary.json, the terminal table and report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-bench-'));
    const r = await runBacktest({
      config: smallConfig(),
      configFile: 'test.yaml',
      outDir: dir,
      monteCarloPaths: 0
    });
    const json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(json.benchmark.symbols).toEqual(['AAA@SIM', 'BBB@SIM']);
    expect(json.benchmark.relative.beta).toBe(r.benchmark!.relative.beta);
    expect(json.benchmark.metrics.totalReturn).toBe(r.benchmark!.metrics.totalReturn);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Benchmark</h2>');
    expect(html).toContain('class="benchmark-line"');
    const table = formatBenchmarkTable(r.summary, r.benchmark!).split('\n');
    expect(table[0]).toBe(
      "Benchmark: buy and hold of AAA@SIM, BBB@SIM in equal parts from each one's first price, no costs"
    );
    expect(table[1]).toMatch(/^Metric +Strategy +Benchmark$/);
    expect(table.map((l) => l.split(/ {2,}/)[0])).toEqual([
      table[0],
      'Metric',
      expect.stringMatching(/^-+$/),
      'Total return',
      'Annualized return (CAGR)',
      'Annualized volatility',
      'Sharpe ratio',
      'Max drawdown',
      'Alpha (annualized)',
      'Beta',
      'Correlation',
      'Tracking error (annualized)',
      'Information ratio'
    ]);
  });
});
