// Strategy and indicator costs on the hot path: ns per bar through each built-in strategy's onBar (its
// indicators included, no orders filled: a view that holds nothing), and ns per update of each indicator.
// Workload: a seeded random walk of closes in ticks, two instruments interleaved (pairs needs both).
import { RateOfChange } from '../src/indicators/rate-of-change.indicator.ts';
import { RollingRegression } from '../src/indicators/rolling-regression.indicator.ts';
import { RollingStats } from '../src/indicators/rolling-stats.indicator.ts';
import { Sma } from '../src/indicators/sma.indicator.ts';
import type { Bar } from '../src/messages/market-data.ts';
import {
  MeanReversionStrategy,
  meanReversionParamsSchema
} from '../src/strategies/mean-reversion.strategy.ts';
import { MlLogisticStrategy, mlLogisticParamsSchema } from '../src/strategies/ml-logistic.strategy.ts';
import { MomentumStrategy, momentumParamsSchema } from '../src/strategies/momentum.strategy.ts';
import { PairsStrategy, pairsParamsSchema } from '../src/strategies/pairs.strategy.ts';
import { SmaCrossoverStrategy, smaCrossoverParamsSchema } from '../src/strategies/sma-crossover.strategy.ts';
import type { Strategy, StrategyView } from '../src/strategies/strategy.ts';
import { type Figure, nsPerOp } from './figure.ts';

const BARS = 200_000;
const MIN = 60_000_000_000n;

function walk(seed: number, n: number): Float64Array {
  let x = seed >>> 0 || 1;
  const out = new Float64Array(n);
  let p = 10_000;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    p = Math.max(100, p + (((x >>> 0) % 21) - 10));
    out[i] = p;
  }
  return out;
}

function bars(): Bar[] {
  const a = walk(1, BARS / 2);
  const b = walk(2, BARS / 2);
  const out: Bar[] = [];
  for (let i = 0; i < BARS / 2; i++) {
    const ts = BigInt(i + 1) * MIN;
    for (const [id, c] of [
      ['AAA@SIM', a[i]!],
      ['BBB@SIM', b[i]!]
    ] as const) {
      out.push({
        type: 'market.bar',
        instrumentId: id,
        tsOpen: ts - MIN,
        tsEvent: ts,
        tsInit: ts,
        open: c,
        high: c,
        low: c,
        close: c,
        volume: 1
      });
    }
  }
  return out;
}

const FLAT: StrategyView = {
  position: () => 0,
  workingQty: () => 0,
  openOrders: () => [],
  now: () => 0n,
  book: () => undefined
};

export async function run(emit: (fig: Figure) => void): Promise<void> {
  const bs = bars();
  const strategies: [string, () => Strategy][] = [
    [
      'sma-crossover',
      () => new SmaCrossoverStrategy('s', smaCrossoverParamsSchema.parse({ fast: 10, slow: 50 }))
    ],
    [
      'momentum',
      () => new MomentumStrategy('s', momentumParamsSchema.parse({ lookback: 60, allowShort: true }))
    ],
    [
      'mean-reversion',
      () => new MeanReversionStrategy('s', meanReversionParamsSchema.parse({ window: 30, allowShort: true }))
    ],
    ['pairs', () => new PairsStrategy('s', pairsParamsSchema.parse({ legs: ['AAA', 'BBB'], window: 120 }))],
    [
      'ml-logistic',
      () =>
        new MlLogisticStrategy('s', mlLogisticParamsSchema.parse({ lags: 5, warmup: 200, allowShort: true }))
    ]
  ];
  for (const [name, make] of strategies) {
    let s = make();
    let i = 0;
    let sink = 0;
    const ns = nsPerOp(
      () => {
        if (i === bs.length) {
          i = 0;
          s = make();
        }
        sink += s.onBar(bs[i++]!, FLAT).length;
      },
      BARS,
      5,
      BARS
    );
    if (sink < 0) throw new Error('unreachable');
    emit({ suite: 'strategies', case: `onBar-${name}`, impl: 'tradestate', value: ns, unit: 'ns/bar' });
  }
  const closes = walk(3, 1 << 16);
  const mask = closes.length - 1;
  const indicators: [string, (x: number, k: number) => number][] = (() => {
    const sma = new Sma(50);
    const roc = new RateOfChange(60);
    const stats = new RollingStats(30);
    const reg = new RollingRegression(120);
    return [
      ['sma-50', (x) => sma.update(x)],
      ['rate-of-change-60', (x) => roc.update(x)],
      ['rolling-stats-30', (x) => stats.update(x)],
      [
        'rolling-regression-120',
        (x, k) => {
          reg.update(Math.log(x), Math.log(closes[(k + 7) & mask]!));
          return reg.beta;
        }
      ]
    ];
  })();
  for (const [name, update] of indicators) {
    let k = 0;
    let sink = 0;
    const ns = nsPerOp(() => {
      sink += update(closes[k & mask]!, k);
      k++;
    }, 1_000_000);
    if (Number.isNaN(sink) && sink === 0) throw new Error('unreachable');
    emit({ suite: 'strategies', case: `update-${name}`, impl: 'tradestate', value: ns, unit: 'ns/op' });
  }
}
