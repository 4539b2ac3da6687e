import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exposureStats } from '../../src/analytics/exposure.ts';
import { MONEY_ONE, makeInstrument } from '../../src/core/instrument.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { Portfolio } from '../../src/portfolio/portfolio.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';
import { at } from './helpers.ts';

describe('exposureStats', () => {
  it('weights each point by the time until the next: in the market, average and largest gross leverage', () => {
    const equity = [at(0, 0, 100), at(0, 10, 100), at(0, 40, 200), at(0, 50, 100), at(0, 60, 100)];
    // flat 10 min, 50 % for 30 min, 150 % (of 200 equity) for 10 min, flat 10 min, then the end
    const gross = [0, 50, 300, 0, 80];
    const e = exposureStats(equity, gross);
    expect(e.timeInMarket).toBeCloseTo(40 / 60, 12);
    expect(e.averageLeverage).toBeCloseTo((0.5 * 30 + 1.5 * 10) / 60, 12);
    expect(e.maxLeverage).toBe(1.5); // the last point has no duration but is a level reached
    expect(exposureStats([at(0, 0, 100)], [0])).toEqual({
      timeInMarket: 0,
      averageLeverage: 0,
      maxLeverage: 0
    });
    expect(exposureStats([at(0, 0, -5), at(0, 1, 10)], [10, 0]).maxLeverage).toBe(Number.POSITIVE_INFINITY);
  });

  it('Portfolio.grossValue counts longs and shorts at their marks', () => {
    const x = makeInstrument({ symbol: 'X', venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' });
    const y = makeInstrument({ symbol: 'Y', venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' });
    const p = new Portfolio(1000n * MONEY_ONE, new Map([x, y].map((i) => [i.id, i])));
    p.applyFill(x.id, 'buy', 10, 1000, 0n, 1n); // 10 × $10
    p.applyFill(y.id, 'sell', 5, 2000, 0n, 1n); // −5 × $20
    p.mark(y.id, 3000);
    expect(p.grossValue()).toBe(100n * MONEY_ONE + 150n * MONEY_ONE);
  });

  it('a backtest that buys on its first bar and holds is in the market from that bar’s fill to the end', async () => {
    let sent = false;
    const hold: Strategy = {
      id: 'hold',
      onBar(bar: Bar) {
        if (sent || bar.instrumentId !== 'AAA@SIM') return [];
        sent = true;
        return [
          {
            instrumentId: bar.instrumentId,
            side: 'buy',
            qty: 100,
            orderType: 'market',
            tif: 'day',
            reason: 'hold'
          }
        ];
      },
      snapshot: () => ({})
    };
    const dir = mkdtempSync(join(tmpdir(), 'ts-exposure-'));
    const r = await runBacktest({
      config: smallConfig(),
      configFile: 't.yaml',
      strategy: hold,
      outDir: dir,
      monteCarloPaths: 0
    });
    const fill = readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : undefined))
      .find((x) => x?.type === 'order.filled');
    const ts = r.equity.map((p) => p.ts);
    // filled at the next bar's open, which is the signal bar's close: held from the next sample on
    const first = ts.findIndex((t) => t > BigInt(fill.payload.tsEvent));
    const span = Number(ts[ts.length - 1]! - ts[0]!);
    expect(r.exposure.timeInMarket).toBeCloseTo(Number(ts[ts.length - 1]! - ts[first]!) / span, 12);
    expect(r.exposure.timeInMarket).toBeGreaterThan(0.9);
    const last = r.equity[r.equity.length - 1]!;
    const value = 100 * Number(r.portfolio.position('AAA@SIM')!.lastPx) * 0.01;
    expect(r.exposure.maxLeverage).toBeGreaterThanOrEqual(value / last.equity - 1e-12);
    expect(r.exposure.maxLeverage).toBeLessThan(0.02); // $10k of a ~$100 stock in a $1M account
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).exposure).toEqual(r.exposure);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Exposure: in the market');
  });
});
