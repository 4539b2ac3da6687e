import { beforeAll, describe, expect, it } from 'vitest';
import { NS_PER_DAY, nsFromIso } from '../../src/core/nanos.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import { applyParams, parseParamSpecs } from '../../src/sweep/param-grid.ts';
import { runSweep } from '../../src/sweep/sweep-runner.ts';
import {
  runWalkForward,
  type WalkForwardOutcome,
  walkForwardJson
} from '../../src/sweep/walk-forward-runner.ts';
import { sharedData } from '../support/shared-data.ts';

const FILE = 'walk-forward-test.yaml';

/** 12 one-hour sessions (2024-03-04 to 03-19) of 2 symbols, as parsed from YAML. */
function rawConfig(): Record<string, unknown> {
  return {
    name: 'wf-test',
    seed: 7,
    data: {
      kind: 'synthetic',
      symbols: ['AAA', 'BBB'],
      start: '2024-03-04',
      sessions: 12,
      sessionCloseUtc: '15:30',
      volatility: 0.6
    },
    strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } },
    execution: { commission: { bps: 1, minimum: 0.5 }, slippage: { bps: 2 } }
  };
}

const axes = parseParamSpecs(['strategy.params.fast=3,5', 'strategy.params.slow=10,20']);
/** 5-day train and test windows: two folds fit in the data (a third test window would end after it). */
const base = {
  config: rawConfig(),
  configFile: FILE,
  axes,
  objective: 'sharpe' as const,
  folds: { train: 5n * NS_PER_DAY, test: 5n * NS_PER_DAY }
};

let one: WalkForwardOutcome;

beforeAll(async () => {
  one = await runWalkForward({ ...base, workers: 1 });
});

describe('runWalkForward', () => {
  it('2 folds × a 2×2 grid: byte-identical JSON on 1 and 2 workers, over the data’s own range', async () => {
    const two = await runWalkForward({ ...base, workers: 2 });
    expect([one.workers, two.workers]).toEqual([1, 2]);
    expect(walkForwardJson(two)).toBe(walkForwardJson(one));

    // the range defaults to the data's first bar close and just past its last
    expect(one.range).toEqual({
      from: nsFromIso('2024-03-04T14:31:00Z'),
      to: nsFromIso('2024-03-19T15:30:00Z') + 1n
    });
    expect(one.folds).toHaveLength(2);
    expect(one.folds.map((f) => f.status)).toEqual(['completed', 'completed']);
    expect(one.folds[1]!.train).toEqual(one.folds[0]!.test);
    expect(one.summary.completed).toBe(2);
    // the folds really differ, so the equality above is not trivial
    expect(one.folds[0]!.oos!.metrics.endEquity).not.toBe(one.folds[1]!.oos!.metrics.endEquity);
    const doc = JSON.parse(walkForwardJson(one));
    expect(doc).toMatchObject({ train: '5d', test: '5d', step: '5d', anchored: false, objective: 'sharpe' });
    expect(doc.folds[0].test).toEqual({
      from: '2024-03-09T14:31:00.000000000Z',
      to: '2024-03-14T14:31:00.000000000Z'
    });
  });

  it('each fold takes the best point of a sweep on its train window and trades it on its test window', async () => {
    const benchmarkReturns: number[] = [];
    for (const f of one.folds) {
      const sweep = await runSweep({
        config: rawConfig(),
        configFile: FILE,
        axes,
        window: f.train,
        workers: 1
      });
      expect(sweep.failed).toBe(0);
      expect(f.sweep.ranking).toEqual(sweep.ranking);
      const best = sweep.results[sweep.ranking[0]!]!;
      expect(f.best).toEqual({
        index: best.index,
        params: best.params,
        objective: best.metrics!.sharpe,
        runId: best.runId,
        metrics: best.metrics
      });
      // best by the objective: no point of the train sweep has a higher Sharpe
      for (const r of sweep.results) expect(r.metrics!.sharpe).toBeLessThanOrEqual(best.metrics!.sharpe);
      expect(best.runId).toMatch(/-w\d{8}T\d{6}Z\.\.\d{8}T\d{6}Z-/);

      const config = applyParams(rawConfig(), best.params, FILE);
      const direct = await runBacktest({ config, configFile: FILE, seed: 7, window: f.test });
      expect(f.oos!.runId).toBe(direct.runId);
      expect(f.oos!.metrics).toEqual(direct.summary);
      expect(f.oos!.counts).toEqual({
        bars: direct.bars,
        orders: direct.orders,
        fills: direct.fills,
        rejected: direct.rejected,
        events: direct.events
      });
      expect(direct.bars).toBeGreaterThan(0);
      benchmarkReturns.push(direct.benchmark!.metrics.totalReturn);
      const summary = one.summary.folds[f.index]!;
      expect(summary.oosMetrics).toEqual(direct.summary);
      expect(summary.bestParams).toEqual(best.params);
    }
    // the stitched curve chains both test runs: its return compounds theirs
    const [a, b] = one.folds.map((f) => f.oos!.metrics.totalReturn) as [number, number];
    expect(one.summary.oos.totalReturn).toBeCloseTo((1 + a) * (1 + b) - 1, 12);
    // and so does the stitched benchmark, measured against the stitched curve
    const [ba, bb] = benchmarkReturns as [number, number];
    expect(one.summary.benchmark!.metrics.totalReturn).toBeCloseTo((1 + ba) * (1 + bb) - 1, 12);
    expect(one.summary.benchmark!.relative.beta).not.toBeNull();
  });

  it('a fold whose every point fails is reported as failed and the other completes', async () => {
    const hurt = await runWalkForward({
      ...base,
      workers: 1,
      testHooks: { sweeps: { 1: { throwAt: [0, 1, 2, 3] } } }
    });
    expect(hurt.folds.map((f) => f.status)).toEqual(['completed', 'failed']);
    expect(hurt.folds[0]).toEqual(one.folds[0]);
    const failed = hurt.folds[1]!;
    expect(failed.sweep).toMatchObject({ points: 4, failed: 4, ranking: [] });
    expect(failed.best).toBeUndefined();
    expect(failed.oos).toBeUndefined();
    expect(failed.error).toEqual({
      code: 'TRD_ERR_SWEEP_WORKER_FAILED',
      message: expect.stringMatching(
        /^every point of the train sweep failed \(first: #0: sweep test hook: throw\)$/
      )
    });
    expect([hurt.summary.completed, hurt.summary.failed]).toEqual([1, 1]);
    expect(hurt.summary.oos.totalReturn).toBeCloseTo(one.folds[0]!.oos!.metrics.totalReturn, 12);
    const doc = JSON.parse(walkForwardJson(hurt));
    expect(doc.folds[1]).toMatchObject({ status: 'failed', best: null, oos: null, error: failed.error });
    expect(doc.overall).toMatchObject({ completed: 1, failed: 1 });
  });

  it('refuses a fold geometry that does not fit the data, before any backtest', async () => {
    await expect(
      runWalkForward({ ...base, folds: { train: 10n * NS_PER_DAY, test: 6n * NS_PER_DAY }, workers: 1 })
    ).rejects.toMatchObject({ code: 'TRD_ERR_WALK_FORWARD_INVALID' });
    await expect(
      runWalkForward({ ...base, axes: parseParamSpecs(['strategy.params.fats=1,2']), workers: 1 })
    ).rejects.toMatchObject({ code: 'TRD_ERR_CONFIG_INVALID' });
  });

  it('walks forward over tick data: folds cut the LOBSTER file’s own time range, each test run a windowed tick backtest', async () => {
    const messages = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_message_10.first999.csv');
    const orderbook = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv');
    const tick = {
      name: 'wf-tick',
      seed: 3,
      instruments: { defaults: { venue: 'NASDAQ', tickSize: '0.0001' } },
      data: { kind: 'lobster', symbol: 'AAPL', messages, orderbook },
      strategy: { type: 'market-maker', params: { qty: 50, maxInventory: 100, requoteTicks: 100 } },
      execution: {
        commission: { bps: 0.2, minimum: 0 },
        latency: { networkMs: 0.05, ackMs: 0.1, fillMs: 0.1 }
      }
    };
    const S = 1_000_000_000n;
    const wf = await runWalkForward({
      config: tick,
      configFile: FILE,
      axes: parseParamSpecs(['strategy.params.requoteTicks=100,300']),
      folds: { train: 15n * S, test: 15n * S },
      workers: 1
    });
    // the file runs from 34,200.004241176 s to 34,249.086375027 s after New York midnight (04:00 UTC, EDT)
    const midnight = nsFromIso('2012-06-21T04:00:00Z');
    expect(wf.range).toEqual({ from: midnight + 34_200_004_241_176n, to: midnight + 34_249_086_375_028n });
    expect(wf.folds.map((f) => f.status)).toEqual(['completed', 'completed']);
    for (const f of wf.folds) {
      const config = applyParams(tick, f.best!.params, FILE);
      const direct = await runBacktest({ config, configFile: FILE, window: f.test });
      expect(f.oos!.runId).toBe(direct.runId);
      expect(f.oos!.metrics).toEqual(direct.summary);
      expect(direct.messages).toBeGreaterThan(0);
      const submits = (direct.log as MemoryEventLog).records.filter((r) => r.type === 'order.submit');
      expect(submits.length).toBeGreaterThan(0);
      expect(submits.every((r) => r.ts >= f.test.from && r.ts < f.test.to)).toBe(true);
    }
  });
});
