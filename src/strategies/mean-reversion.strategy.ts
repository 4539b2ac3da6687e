import { z } from 'zod';
import { RollingStats } from '../indicators/rolling-stats.indicator.ts';
import type { Bar } from '../messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView } from './strategy.ts';
import { orderToTarget } from './target-position.ts';

export const meanReversionParamsSchema = z
  .strictObject({
    /** Bars in the rolling mean and standard deviation of closes. */
    window: z.number().int().min(2).default(20),
    /** Enter when the close is this many standard deviations from the mean: below → long, above → short. */
    entryZ: z.number().positive().default(2),
    /** Exit once the z-score is back within ±exitZ of the mean. Must be below entryZ. */
    exitZ: z.number().min(0).default(0.5),
    /** Target position in lots. */
    qty: z.number().int().positive().default(100),
    allowShort: z.boolean().default(false)
  })
  .refine((p) => p.exitZ < p.entryZ, { message: 'exitZ must be below entryZ', path: ['exitZ'] });
export type MeanReversionParams = z.infer<typeof meanReversionParamsSchema>;

/**
 * Mean reversion on a rolling z-score (a Bollinger-band rule), per instrument. The z-score of each close is
 * taken against the previous `window` closes (the close itself is not in its own band). Below −`entryZ`:
 * long `qty`; above `entryZ`: short (with `allowShort`); a long exits once z ≥ −`exitZ`, a short once
 * z ≤ `exitZ`.
 */
export class MeanReversionStrategy implements Strategy {
  readonly id: string;
  readonly #p: MeanReversionParams;
  readonly #state = new Map<string, { stats: RollingStats; z: number; signal: number }>();

  constructor(id: string, params: MeanReversionParams) {
    this.id = id;
    this.#p = params;
  }

  onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
    let s = this.#state.get(bar.instrumentId);
    if (s === undefined) {
      s = { stats: new RollingStats(this.#p.window), z: Number.NaN, signal: 0 };
      this.#state.set(bar.instrumentId, s);
    }
    const ready = s.stats.ready;
    const z = s.stats.zScore(bar.close);
    s.stats.update(bar.close);
    if (!ready) return [];
    s.z = z;
    const p = this.#p;
    if (z < -p.entryZ) s.signal = 1;
    else if (z > p.entryZ) s.signal = p.allowShort ? -1 : 0;
    else if ((s.signal > 0 && z >= -p.exitZ) || (s.signal < 0 && z <= p.exitZ)) s.signal = 0;
    const order = orderToTarget(
      bar.instrumentId,
      s.signal * p.qty,
      view,
      s.signal > 0 ? 'meanrev.long' : s.signal < 0 ? 'meanrev.short' : 'meanrev.exit'
    );
    return order ? [order] : [];
  }

  snapshot(): unknown {
    return Object.fromEntries(
      [...this.#state].map(([k, v]) => [
        k,
        { mean: v.stats.mean, std: v.stats.std, z: v.z, signal: v.signal }
      ])
    );
  }
}
