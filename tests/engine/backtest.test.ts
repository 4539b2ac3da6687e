import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dailyReturns } from '../../src/analytics/daily-returns.ts';
import { monteCarloSummary } from '../../src/analytics/monte-carlo.ts';
import { parseRunConfig } from '../../src/config/load.ts';
import { Rng } from '../../src/core/rng.ts';
import { barsFromArray, closingSource } from '../../src/data/bar-source.ts';
import { DEFAULT_MONTE_CARLO_PATHS, runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { probeStrategy } from '../support/probe-strategy.ts';
import { smallConfig } from '../support/run-config.ts';
import { sharedData } from '../support/shared-data.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

const MIN = 60_000_000_000n;
const T0 = 1_709_562_600_000_000_000n; // 2024-03-04 14:30Z
/** A one-minute bar of AAA@SIM at 100 closing at `tsEvent`. */
const flatBar = (tsEvent: bigint): Bar => ({
  type: 'market.bar',
  instrumentId: 'AAA@SIM',
  tsOpen: tsEvent - MIN,
  tsEvent,
  tsInit: tsEvent,
  open: 100,
  high: 100,
  low: 100,
  close: 100,
  volume: 1
});

describe('backtest engine', () => {
  it('runs bars → strategy → orders → risk → venue → portfolio → analytics and logs every step', async () => {
    const r = await runBacktest({ config: smallConfig(), configFile: 'test.yaml' });
    expect(r.bars).toBe(2 * 3 * 390);
    expect(r.orders).toBeGreaterThan(10);
    expect(r.fills).toBe(r.orders);
    const types = new Set(records(r.log).map((x) => x.type));
    for (const t of [
      'run.started',
      'market.bar',
      'order.submit',
      'risk.passed',
      'order.submitted',
      'exec.report',
      'order.accepted',
      'order.filled',
      'portfolio.position_changed',
      'run.completed'
    ]) {
      expect(types).toContain(t);
    }
    expect(r.equity.length).toBe(3 * 390 + 1);
    expect(Number.isFinite(r.summary.sharpe)).toBe(true);
    expect(r.summary.tradeCount).toBe(r.portfolio.trips.length);
  });

  it('is deterministic: the same config and seed give a byte-identical events.jsonl; another seed differs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-det-'));
    const cfg = smallConfig();
    await runBacktest({ config: cfg, configFile: 'test.yaml', outDir: join(dir, 'a') });
    await runBacktest({ config: cfg, configFile: 'test.yaml', outDir: join(dir, 'b') });
    await runBacktest({ config: cfg, configFile: 'test.yaml', outDir: join(dir, 'c'), seed: 8 });
    const a = readFileSync(join(dir, 'a', 'events.jsonl'));
    expect(a.length).toBeGreaterThan(100_000);
    expect(a.equals(readFileSync(join(dir, 'b', 'events.jsonl')))).toBe(true);
    expect(a.equals(readFileSync(join(dir, 'c', 'events.jsonl')))).toBe(false);
    const summary = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      seed: 7,
      config: { name: 'test' },
      metrics: { tradeCount: expect.any(Number) }
    });
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    // returns by month and year, and closed trades per instrument, in the file and the report
    expect(summary.returns).toEqual({
      monthly: [{ period: '2024-03', return: expect.any(Number) }],
      yearly: [{ period: '2024', return: expect.any(Number) }]
    });
    expect(summary.returns.yearly[0].return).toBeCloseTo(summary.metrics.totalReturn, 12);
    expect(summary.byInstrument.map((s: { instrumentId: string }) => s.instrumentId)).toEqual([
      'AAA@SIM',
      'BBB@SIM'
    ]);
    const trades = summary.byInstrument.reduce((n: number, s: { tradeCount: number }) => n + s.tradeCount, 0);
    expect(trades).toBe(summary.metrics.tradeCount);
    expect(html).toContain('<h2>Monthly returns</h2>');
    expect(html).toContain('<th scope="row">AAA@SIM</th>');
  });

  it('bootstraps the run’s daily returns from its own seed stream, leaving the trades as they were', async () => {
    const cfg = smallConfig({
      data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-04', sessions: 25 }
    });
    const dir = mkdtempSync(join(tmpdir(), 'ts-mc-'));
    const on = await runBacktest({ config: cfg, configFile: 'test.yaml', outDir: join(dir, 'on') });
    const off = await runBacktest({
      config: cfg,
      configFile: 'test.yaml',
      outDir: join(dir, 'off'),
      monteCarloPaths: 0
    });
    const mc = on.monteCarlo!;
    expect(mc).toEqual(
      monteCarloSummary(dailyReturns(on.equity), new Rng(7).fork('monte-carlo'), DEFAULT_MONTE_CARLO_PATHS)
    );
    expect([mc.paths, mc.horizon]).toEqual([1000, 25]);
    expect(off.monteCarlo).toBeUndefined();
    // the venue's random draws do not move: the same events, byte for byte
    expect(
      readFileSync(join(dir, 'on', 'events.jsonl')).equals(readFileSync(join(dir, 'off', 'events.jsonl')))
    ).toBe(true);
    const summary = (d: string) => JSON.parse(readFileSync(join(dir, d, 'summary.json'), 'utf8'));
    expect(summary('on').monteCarlo).toEqual(JSON.parse(JSON.stringify(mc)));
    expect(summary('off').monteCarlo).toBeUndefined();
    expect(readFileSync(join(dir, 'on', 'report.html'), 'utf8')).toMatch(/<h2>Monte Carlo<\/h2>/);
    expect(readFileSync(join(dir, 'off', 'report.html'), 'utf8')).not.toMatch(/Monte Carlo/);
    // too short to resample: 3 sessions give 2 daily returns
    expect(
      (await runBacktest({ config: smallConfig(), configFile: 'test.yaml' })).monteCarlo
    ).toBeUndefined();
  });

  it('shows a strategy no bar before it closes, and fills its orders no earlier than the next bar open', async () => {
    const seen: { bar: Bar; now: bigint }[] = [];
    // trades every 50th bar, alternating, and records what it was shown
    const probe = probeStrategy(50, (bar, view) => void seen.push({ bar, now: view.now() }));
    const r = await runBacktest({
      config: smallConfig({ execution: { slippage: { bps: 0 } } }),
      configFile: 'test.yaml',
      strategy: probe
    });
    const maxSeen = { ts: 0n };
    for (const { bar, now } of seen) {
      // the bar is complete at `now`, and nothing later has been delivered
      expect(bar.tsEvent).toBe(now);
      expect(bar.tsEvent >= maxSeen.ts).toBe(true);
      maxSeen.ts = bar.tsEvent;
    }
    const recs = records(r.log);
    const bars = recs.filter((x) => x.type === 'market.bar').map((x) => x.payload as Bar);
    const submits = new Map(
      recs.filter((x) => x.type === 'order.submit').map((x) => [x.ids.clientOrderId, x.ts])
    );
    const fills = recs.filter((x) => x.type === 'order.filled');
    expect(fills.length).toBeGreaterThan(10);
    for (const f of fills) {
      const p = f.payload as { clientOrderId: string; instrumentId: string; lastPx: number };
      const sentAt = submits.get(p.clientOrderId)!;
      const next = bars.find((b) => b.instrumentId === p.instrumentId && b.tsOpen >= sentAt)!;
      expect(f.ts).toBe(next.tsOpen);
      expect(p.lastPx).toBe(next.open);
    }
  });

  it('risk denies orders over the limit; the order is rejected and never reaches the venue', async () => {
    const r = await runBacktest({
      config: smallConfig({ risk: { maxOrderQty: 5 } }),
      configFile: 'test.yaml'
    });
    const recs = records(r.log);
    expect(r.fills).toBe(0);
    expect(r.rejected).toBe(r.orders);
    expect(recs.filter((x) => x.type === 'order.denied').length).toBe(r.orders);
    expect(recs.some((x) => x.type === 'exec.report')).toBe(false);
    expect(recs.find((x) => x.type === 'risk.failed')?.payload).toMatchObject({ validator: 'maxOrderQty' });
  });

  it('a run that fails (bars out of order) still closes events.jsonl: all it logged, then run.failed with the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-fail-'));
    // 50 good bars, then one that goes back in time
    const bars = Array.from({ length: 50 }, (_, i) => flatBar(T0 + BigInt(i + 1) * MIN));
    bars.push(flatBar(T0));
    const path = join(dir, 'events.jsonl');
    await expect(
      runBacktest({
        config: smallConfig(),
        configFile: 'test.yaml',
        bars: barsFromArray(bars, 8),
        outDir: dir
      })
    ).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
    // the log is closed (no descriptor left on it) and whole: every bar delivered, then the failure
    const open = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
    expect(open).toEqual([]);
    const recs = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    expect(recs[0].type).toBe('run.started');
    expect(recs.filter((x) => x.type === 'market.bar').length).toBeGreaterThan(40);
    expect(recs.map((x) => x.seq)).toEqual(recs.map((_, i) => i + 1));
    expect(recs.at(-1)).toMatchObject({
      type: 'run.failed',
      payload: { code: 'TRD_ERR_DATA_INVALID' }
    });
  });

  it('a run that fails after its snapshot pause (the replay paused, its source half read) releases its bars', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-release-'));
    mkdirSync(join(dir, 'snapshot.json')); // the snapshot cannot be written: the run fails while paused
    const bars = Array.from({ length: 50 }, (_, i) => flatBar(T0 + BigInt(i + 1) * MIN));
    let closed = 0;
    await expect(
      runBacktest({
        config: smallConfig(),
        configFile: 'test.yaml',
        bars: closingSource(barsFromArray(bars, 8), () => closed++),
        outDir: dir,
        snapshotAt: bars[10]!.tsEvent
      })
    ).rejects.toThrow(/EISDIR/);
    expect(closed).toBe(1);
  });

  it('backtests ORCL 1995–2014 from the real Yahoo file', async () => {
    const config = parseRunConfig(
      JSON.stringify({
        name: 'orcl',
        data: {
          kind: 'yahoo-csv',
          files: [{ symbol: 'ORCL', path: sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt') }]
        },
        strategy: { type: 'sma-crossover', params: { fast: 20, slow: 100, qty: 1000 } },
        portfolio: { cash: 100000 }
      }),
      'orcl.yaml'
    );
    const r = await runBacktest({ config, configFile: 'orcl.yaml' });
    expect(r.bars).toBe(5036);
    const recs = records(r.log);
    const first = recs.find((x) => x.type === 'market.bar')!;
    const last = recs.findLast((x) => x.type === 'market.bar')!;
    expect(new Date(Number(first.ts / 1_000_000n)).toISOString().slice(0, 10)).toBe('1995-01-03');
    expect(new Date(Number(last.ts / 1_000_000n)).toISOString().slice(0, 10)).toBe('2014-12-31');
    expect(r.summary.tradeCount).toBeGreaterThan(20);
    expect(r.summary.days).toBeGreaterThan(7000);
    for (const v of [r.summary.sharpe, r.summary.maxDrawdown, r.summary.annualizedReturn])
      expect(Number.isFinite(v)).toBe(true);
    // 20 years of 12 months; compounded, they are the run's total return
    expect(r.returns.yearly.map((y) => y.period)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(1995 + i))
    );
    expect(r.returns.monthly).toHaveLength(240);
    const compound = r.returns.monthly.reduce((a, m) => a * (1 + m.return), 1) - 1;
    expect(compound).toBeCloseTo(r.summary.totalReturn, 9);
    const pnl = r.portfolio.tripsForAnalytics().reduce((a, t) => a + t.pnl, 0);
    expect(r.byInstrument).toHaveLength(1);
    expect(r.byInstrument[0]!).toMatchObject({ instrumentId: 'ORCL@SIM', tradeCount: r.summary.tradeCount });
    expect(r.byInstrument[0]!.netPnl).toBeCloseTo(pnl, 6);
  });
});
