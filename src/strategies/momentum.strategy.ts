import { z } from 'zod';
import { RateOfChange } from '../indicators/rate-of-change.indicator.ts';
import type { Bar } from '../messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView } from './strategy.ts';
import { orderToTarget } from './target-position.ts';

export const momentumParamsSchema = z
  .strictObject({
    /** Bars back for the rate of change: close_t / close_{t−lookback} − 1. */
    lookback: z.number().int().positive().default(20),
    /** Go long when the rate of change is above this (basis points); short below its negative (allowShort). */
    entryBps: z.number().positive().default(50),
    /**
     * Go flat when |rate of change| falls below this (basis points). 0 = hold the position until the opposite
     * entry. Must be below `entryBps`.
     */
    exitBps: z.number().min(0).default(0),
    /** Target position in lots. */
    qty: z.number().int().positive().default(100),
    allowShort: z.boolean().default(false)
  })
  .refine((p) => p.exitBps < p.entryBps, { message: 'exitBps must be below entryBps', path: ['exitBps'] });
export type MomentumParams = z.infer<typeof momentumParamsSchema>;

/**
 * Time-series momentum, per instrument: long `qty` while the `lookback`-bar rate of change of closes is above
 * `entryBps`, short (with `allowShort`) while it is below −`entryBps`, flat once it is back inside ±`exitBps`;
 * in between, the position is held (hysteresis, so noise around a threshold does not churn orders).
 */
export class MomentumStrategy implements Strategy {
  readonly id: string;
  readonly #p: MomentumParams;
  readonly #state = new Map<string, { roc: RateOfChange; signal: number }>();

  constructor(id: string, params: MomentumParams) {
    this.id = id;
    this.#p = params;
  }

  onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
    let s = this.#state.get(bar.instrumentId);
    if (s === undefined) {
      s = { roc: new RateOfChange(this.#p.lookback), signal: 0 };
      this.#state.set(bar.instrumentId, s);
    }
    const bps = s.roc.update(bar.close) * 10_000;
    if (!s.roc.ready) return [];
    const p = this.#p;
    if (bps > p.entryBps) s.signal = 1;
    else if (bps < -p.entryBps) s.signal = p.allowShort ? -1 : 0;
    else if (Math.abs(bps) < p.exitBps) s.signal = 0;
    const order = orderToTarget(
      bar.instrumentId,
      s.signal * p.qty,
      view,
      s.signal > 0 ? 'momentum.long' : s.signal < 0 ? 'momentum.short' : 'momentum.flat'
    );
    return order ? [order] : [];
  }

  snapshot(): unknown {
    return Object.fromEntries([...this.#state].map(([k, v]) => [k, { roc: v.roc.value, signal: v.signal }]));
  }
}
