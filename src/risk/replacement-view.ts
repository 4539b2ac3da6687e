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

  /**
   * `leaves` of the order being replaced (on `instrumentId`, the risk engine's instrument `index`, on `side`) are
   * left out of the open quantities.
   */
  constructor(base: RiskView, instrumentId: string, index: number, side: 'buy' | 'sell', leaves: number) {
    this.#base = base;
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
    const b = this.#base;
    const id = this.#instrumentId;
    const i = this.#index;
    const pos = b.position(id, i);
    const buy = b.openBuyQty(id, i);
    const sell = b.openSellQty(id, i);
    return (
      b.grossExposure() -
      worstCaseExposure(pos, buy, sell) +
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
