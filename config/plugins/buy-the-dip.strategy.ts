// Your own strategy, outside src/: a module whose default export is `defineStrategy({ params, create })`.
// config/buy-the-dip.yaml names it (`strategy.module`), and `npm start -- --config config/buy-the-dip.yaml`,
// `tradestate sweep --param strategy.params.dropBps=…`, walk-forward and paper sessions run it like a built-in.
import { z } from 'zod';
import { defineStrategy } from '../../src/strategies/plugin.ts';
import type { OrderIntent, Strategy } from '../../src/strategies/strategy.ts';

const params = z.strictObject({
  /** Buy when a bar closes this far below its open, in basis points. */
  dropBps: z.number().positive().default(30),
  /** Sell after holding this many bars. */
  holdBars: z.number().int().positive().default(30),
  /** Lots per entry. */
  qty: z.number().int().positive().default(100)
});

export default defineStrategy({
  params,
  create(id, p): Strategy {
    /** Bars held so far, per instrument with a position. */
    const held = new Map<string, number>();
    const order = (instrumentId: string, side: 'buy' | 'sell', qty: number, reason: string): OrderIntent => ({
      instrumentId,
      side,
      qty,
      orderType: 'market',
      tif: 'day',
      reason
    });
    return {
      id,
      onBar(bar, view) {
        const pos = view.position(bar.instrumentId);
        if (view.workingQty(bar.instrumentId) !== 0) return [];
        if (pos > 0) {
          const n = (held.get(bar.instrumentId) ?? 0) + 1;
          held.set(bar.instrumentId, n);
          if (n < p.holdBars) return [];
          held.delete(bar.instrumentId);
          return [order(bar.instrumentId, 'sell', pos, 'dip.exit')];
        }
        // prices are integer ticks: compare without division
        if ((bar.open - bar.close) * 10_000 >= p.dropBps * bar.open) {
          return [order(bar.instrumentId, 'buy', p.qty, 'dip.entry')];
        }
        return [];
      },
      snapshot: () => ({ held: Object.fromEntries(held) })
    };
  }
});
