import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import { applyParams, gridOf, parseParamSpecs } from '../../src/sweep/param-grid.ts';
import type { SweepPointResult } from '../../src/sweep/sweep.worker.ts';
import { rankResults, runSweep, sweepCsv, sweepJson } from '../../src/sweep/sweep-runner.ts';

const FILE = 'sweep-test.yaml';

/** A small synthetic raw config (2 symbols, 2 sessions), as parsed from YAML. */
function rawConfig(): Record<string, unknown> {
  return {
    name: 'sweep-test',
    seed: 7,
    data: { kind: 'synthetic', symbols: ['AAA', 'BBB'], start: '2024-03-04', sessions: 2, volatility: 0.6 },
    strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } },
    execution: { commission: { bps: 1, minimum: 0.5 }, slippage: { bps: 2 } }
  };
}

describe('runSweep', () => {
  it('a 2×2 grid gives byte-identical JSON on 1 and 2 workers, each point equal to a direct backtest', async () => {
    const axes = parseParamSpecs(['strategy.params.fast=3,5', 'strategy.params.slow=10,20']);
    const base = { config: rawConfig(), configFile: FILE, axes };
    const progress: number[] = [];
    const one = await runSweep({ ...base, workers: 1, onProgress: (done) => progress.push(done) });
    const two = await runSweep({ ...base, workers: 2 });
    expect([one.workers, two.workers]).toEqual([1, 2]);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(one.failed).toBe(0);
    expect(one.results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(sweepJson(two)).toBe(sweepJson(one));
    expect(sweepCsv(two)).toBe(sweepCsv(one));
    // the points really differ, so equality above is not trivial
    expect(new Set(one.results.map((r) => r.metrics!.sharpe)).size).toBeGreaterThan(1);

    const points = gridOf(axes);
    for (const i of [0, 3]) {
      const config = applyParams(rawConfig(), points[i]!, FILE);
      expect(config.strategy.params).toMatchObject({ fast: [3, 3, 5, 5][i], slow: [10, 20, 10, 20][i] });
      const direct = await runBacktest({ config, configFile: FILE, seed: 7 });
      const r = one.results[i]!;
      expect(r.params).toEqual(points[i]);
      expect(r.runId).toBe(direct.runId);
      expect(r.metrics).toEqual({
        totalReturn: direct.summary.totalReturn,
        annualizedReturn: direct.summary.annualizedReturn,
        annualizedVolatility: direct.summary.annualizedVolatility,
        sharpe: direct.summary.sharpe,
        sortino: direct.summary.sortino,
        calmar: direct.summary.calmar,
        maxDrawdown: direct.summary.maxDrawdown,
        alpha: direct.benchmark!.relative.alpha,
        beta: direct.benchmark!.relative.beta,
        informationRatio: direct.benchmark!.relative.informationRatio,
        trades: direct.summary.tradeCount,
        winRate: direct.summary.winRate,
        endEquity: direct.summary.endEquity
      });
      expect(r.counts).toEqual({
        bars: direct.bars,
        orders: direct.orders,
        fills: direct.fills,
        rejected: direct.rejected,
        events: direct.events
      });
    }

    // ranked by Sharpe, best first
    const sharpe = one.ranking.map((i) => one.results[i]!.metrics!.sharpe);
    expect(one.ranking).toHaveLength(4);
    expect(sharpe).toEqual([...sharpe].sort((a, b) => b - a));
  });

  it('a point the strategy refuses (fast ≥ slow) is an error result and the others complete', async () => {
    const s = await runSweep({
      config: rawConfig(),
      configFile: FILE,
      axes: parseParamSpecs(['strategy.params.fast=5,20,8', 'strategy.params.slow=20']),
      workers: 2
    });
    expect(s.failed).toBe(1);
    expect(s.results[1]!.error).toEqual({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringContaining(`${FILE}: strategy.params.fast: fast must be shorter than slow`)
    });
    expect(s.results[1]!.metrics).toBeUndefined();
    for (const i of [0, 2]) {
      expect(s.results[i]!.error).toBeUndefined();
      expect(s.results[i]!.counts!.bars).toBeGreaterThan(0);
    }
    expect([...s.ranking].sort()).toEqual([0, 2]);
  });

  it('an unknown path stops the sweep before any backtest', async () => {
    await expect(
      runSweep({
        config: rawConfig(),
        configFile: FILE,
        axes: parseParamSpecs(['strategy.params.fats=1,2']),
        workers: 1
      })
    ).rejects.toMatchObject({ code: 'TRD_ERR_CONFIG_INVALID', context: { path: 'strategy.params.fats' } });
    await expect(
      runSweep({ config: rawConfig(), configFile: FILE, axes: [], workers: 0 })
    ).rejects.toMatchObject({ code: 'TRD_ERR_SWEEP_INVALID' });
  });

  it('a worker that dies fails its job only: it is replaced and the sweep completes', async () => {
    const base = {
      config: rawConfig(),
      configFile: FILE,
      axes: parseParamSpecs(['strategy.params.fast=3,4,5,6']),
      workers: 1
    };
    const clean = await runSweep(base);
    const hurt = await runSweep({ ...base, testHooks: { exitAt: [1], throwAt: [2] } });
    expect(hurt.results.map((r) => r.error?.code)).toEqual([
      undefined,
      'TRD_ERR_SWEEP_WORKER_FAILED',
      'TRD_ERR_SWEEP_WORKER_FAILED',
      undefined
    ]);
    expect(hurt.results[1]!.error!.message).toMatch(/exited with code 70/);
    expect(hurt.results[2]!.error!.message).toMatch(/test hook: throw/);
    expect(hurt.results[1]!.runId).toBe(clean.results[1]!.runId);
    // the point after the crash ran on the replacement worker, and gives what it gives in a clean sweep
    expect(hurt.results[3]).toEqual(clean.results[3]);
    expect(hurt.results[0]).toEqual(clean.results[0]);
    expect(hurt.failed).toBe(2);
    expect(hurt.ranking).toEqual(clean.ranking.filter((i) => i === 0 || i === 3));
  });
});

describe('rankResults', () => {
  const r = (index: number, sharpe: number, maxDrawdown: number): SweepPointResult => ({
    index,
    params: {},
    metrics: {
      totalReturn: 0,
      annualizedReturn: 0,
      annualizedVolatility: 0,
      sharpe,
      sortino: 0,
      calmar: 0,
      maxDrawdown,
      alpha: null,
      beta: null,
      // a point without a benchmark estimate ranks last
      informationRatio: index === 3 ? null : sharpe,
      trades: 0,
      winRate: 0,
      endEquity: 0
    }
  });
  const results: SweepPointResult[] = [
    r(0, 1, 0.3),
    r(1, 2, 0.1),
    { index: 2, params: {}, error: { code: 'TRD_ERR_CONFIG_INVALID', message: 'x' } },
    r(3, 2, 0.3),
    r(4, Number.NaN, 0.05),
    r(5, -1, 0.1)
  ];

  it('sorts best first, ties by grid index, failed points left out, non-finite last', () => {
    expect(rankResults(results, 'sharpe')).toEqual([1, 3, 0, 5, 4]);
  });

  it('lower is better for maxDrawdown', () => {
    expect(rankResults(results, 'maxDrawdown')).toEqual([4, 1, 5, 0, 3]);
  });

  it('a null objective (no benchmark, or too short a run) ranks last', () => {
    expect(rankResults(results, 'informationRatio')).toEqual([1, 0, 5, 3, 4]);
  });
});
