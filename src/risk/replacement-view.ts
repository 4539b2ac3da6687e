import type { Nanos } from '../core/nanos.ts';
import { type RiskView, type TradingState, worstCaseExposure } from './risk-view.ts';

/**
 * A {@link RiskView} for checking a cancel-replace as the order it would become: the same world, minus the
 * working leaves of the order being replaced (otherwise the position and exposure limits would count that
 * order twice, once as it is and once as the replacement).
 */
export class ReplacementRiskView implements RiskView {
  readonly #base: RiskView;
  readonly #instrumentId: string;
  readonly #index: number;
  readonly #buyLeaves: number;
  readonly #sellLeaves: number;
  readonly #unit: number;

  /**
   * `leaves` of the order being replaced (on `instrumentId`, the risk engine's instrument `index`, on `side`) are
   * left out of the open quantities; `unit` is the instrument's value of one tick × one lot in account currency.
   */
  constructor(
    base: RiskView,
    instrumentId: string,
    index: number,
    side: 'buy' | 'sell',
    leaves: number,
    unit: number
  ) {
    this.#base = base;
    this.#unit = unit;
    this.#instrumentId = instrumentId;
    this.#index = index;
    this.#buyLeaves = side === 'buy' ? leaves : 0;
    this.#sellLeaves = side === 'sell' ? leaves : 0;
  }

  now(): Nanos {
    return this.#base.now();
  }
  tradingState(): TradingState {
    return this.#base.tradingState();
  }
  position(instrumentId: string, index: number): number {
    return this.#base.position(instrumentId, index);
  }
  openBuyQty(instrumentId: string, index: number): number {
    const q = this.#base.openBuyQty(instrumentId, index);
    return instrumentId === this.#instrumentId ? Math.max(0, q - this.#buyLeaves) : q;
  }
  openSellQty(instrumentId: string, index: number): number {
    const q = this.#base.openSellQty(instrumentId, index);
    return instrumentId === this.#instrumentId ? Math.max(0, q - this.#sellLeaves) : q;
  }
  /** The base's gross exposure with the replaced order's instrument recomputed without its leaves. */
  grossExposure(): number {
    return this.#base.grossExposure() - this.#leftOut();
  }
  /** The base's gross notional less the replaced order's share of it (valued at the mid, as the base does). */
  grossNotional(): number {
    const m = this.#base.mid(this.#instrumentId, this.#index);
    const g = this.#base.grossNotional();
    return m === undefined ? g : g - this.#leftOut() * Math.abs(m) * this.#unit;
  }
  equity(): number | undefined {
    return this.#base.equity();
  }
  /** How much the replaced order's leaves add to its instrument's worst-case exposure (lots). */
  #leftOut(): number {
    const b = this.#base;
    const id = this.#instrumentId;
    const i = this.#index;
    const pos = b.position(id, i);
    const buy = b.openBuyQty(id, i);
    const sell = b.openSellQty(id, i);
    return (
      worstCaseExposure(pos, buy, sell) -
      worstCaseExposure(pos, Math.max(0, buy - this.#buyLeaves), Math.max(0, sell - this.#sellLeaves))
    );
  }
  mid(instrumentId: string, index: number): number | undefined {
    return this.#base.mid(instrumentId, index);
  }
  bestOwnBid(strategyId: string, instrumentId: string, index: number): number | undefined {
    return this.#base.bestOwnBid(strategyId, instrumentId, index);
  }
  bestOwnAsk(strategyId: string, instrumentId: string, index: number): number | undefined {
    return this.#base.bestOwnAsk(strategyId, instrumentId, index);
  }
}
