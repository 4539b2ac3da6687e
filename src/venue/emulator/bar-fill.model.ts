import type { Nanos } from '../../core/nanos.ts';
import type { Bar } from '../../messages/market-data.ts';
import { type EmulatorHost, type FillModel, leavesOf, type WorkingOrder } from './fill-model.ts';
import { participationCap } from './pricing.ts';

/**
 * Bar fills (the skeleton's next-bar rules, plus liquidity limits). An order trades on a bar only if it reached
 * the venue at or before the bar's open:
 * - market: at the open (taker: slippage and impact apply);
 * - limit: at the open if the bar opens through the limit, else at the limit if the bar trades strictly through
 *   it (low < limit for a buy, high > limit for a sell), dated at the bar's close;
 * - stop / stop-limit: trigger when the bar reaches the stop; a stop then fills as market at the worse of open
 *   and stop, a stop-limit works as a limit from the same bar on.
 * Liquidity: one order takes at most ⌊volume × maxParticipation⌋ of a bar, and all orders together at most the
 * bar's volume (orders served in arrival order); the rest works on later bars (partial fills). A market
 * remainder fills at the next bar's open. IOC takes what the first bar allows and cancels the rest; FOK fills
 * completely on its first bar or is cancelled.
 */
export class BarFillModel implements FillModel {
  readonly #host: EmulatorHost;

  constructor(host: EmulatorHost) {
    this.#host = host;
  }

  arrive(): void {}
  remove(): void {}
  canReplace(): boolean {
    return true;
  }
  replaced(): void {}

  onBar(bar: Bar): void {
    const host = this.#host;
    let budget = bar.volume;
    const cap = participationCap(bar.volume, host.maxParticipation);
    for (const w of host.workingOf(bar.instrumentId)) {
      if (w.arrivedAt > bar.tsOpen) continue;
      const ioc = w.cmd.tif === 'ioc' || w.cmd.tif === 'fok';
      const hit = this.#price(w, bar);
      if (hit !== undefined) {
        const leaves = leavesOf(w);
        let q = Math.min(leaves, cap, budget);
        if (w.cmd.tif === 'fok' && q < leaves) q = 0;
        if (q > 0) {
          budget -= q;
          const left = host.fill(w, hit.px, q, hit.t, hit.liquidity, bar.volume);
          if (left > 0 && ioc) host.close(w, bar.tsOpen, 'canceled', `${w.cmd.tif} remainder not fillable`);
          continue;
        }
      }
      if (ioc) host.close(w, bar.tsOpen, 'canceled', `${w.cmd.tif} not fillable`);
    }
  }

  #price(w: WorkingOrder, bar: Bar): { px: number; t: Nanos; liquidity: 'maker' | 'taker' } | undefined {
    const buy = w.buy;
    let atMarket = w.cmd.orderType === 'market';
    let base = bar.open;
    if (!w.triggered && w.stopPx !== undefined) {
      const reached = buy ? bar.high >= w.stopPx : bar.low <= w.stopPx;
      if (!reached) return undefined;
      w.triggered = true;
      if (w.cmd.orderType === 'stop')
        base = buy ? Math.max(bar.open, w.stopPx) : Math.min(bar.open, w.stopPx);
    }
    if (w.cmd.orderType === 'stop') atMarket = true;
    if (atMarket) return { px: base, t: base === bar.open ? bar.tsOpen : bar.tsEvent, liquidity: 'taker' };
    const limit = w.limitPx!;
    if (buy ? bar.open <= limit : bar.open >= limit)
      return { px: bar.open, t: bar.tsOpen, liquidity: 'maker' };
    if (buy ? bar.low < limit : bar.high > limit) return { px: limit, t: bar.tsEvent, liquidity: 'maker' };
    return undefined;
  }
}
