import { z } from 'zod';
import { Sma } from '../indicators/sma.indicator.ts';
import type { Bar } from '../messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView } from './strategy.ts';
import { orderToTarget } from './target-position.ts';

export const smaCrossoverParamsSchema = z
  .strictObject({
    fast: z.number().int().positive().default(10),
    slow: z.number().int().positive().default(50),
    /** Target long position in lots when fast > slow. */
    qty: z.number().int().positive().default(100),
    /** Also go short when fast < slow (otherwise flat). */
    allowShort: z.boolean().default(false)
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });
export type SmaCrossoverParams = z.infer<typeof smaCrossoverParamsSchema>;

/**
 * Classic moving-average crossover, per instrument: long `qty` while the fast SMA of closes is above the
 * slow one; flat (or short) otherwise. Trades with market orders on a change of target.
 */
export class SmaCrossoverStrategy implements Strategy {
  readonly id: string;
  readonly #p: SmaCrossoverParams;
  readonly #state = new Map<string, { fast: Sma; slow: Sma; lastSignal: number }>();

  constructor(id: string, params: SmaCrossoverParams) {
    this.id = id;
    this.#p = params;
  }

  onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
    let s = this.#state.get(bar.instrumentId);
    if (s === undefined) {
      s = { fast: new Sma(this.#p.fast), slow: new Sma(this.#p.slow), lastSignal: 0 };
      this.#state.set(bar.instrumentId, s);
    }
    const fast = s.fast.update(bar.close);
    const slow = s.slow.update(bar.close);
    if (!s.slow.ready) return [];
    const signal = fast > slow ? 1 : fast < slow ? -1 : s.lastSignal;
    s.lastSignal = signal;
    const target = signal > 0 ? this.#p.qty : signal < 0 && this.#p.allowShort ? -this.#p.qty : 0;
    const order = orderToTarget(
      bar.instrumentId,
      target,
      view,
      signal > 0 ? 'sma.cross_up' : 'sma.cross_down'
    );
    return order ? [order] : [];
  }

  snapshot(): unknown {
    return Object.fromEntries(
      [...this.#state].map(([k, v]) => [k, { fast: v.fast.value, slow: v.slow.value, signal: v.lastSignal }])
    );
  }
}
