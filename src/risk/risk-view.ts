import type { Nanos } from '../core/nanos.ts';

/**
 * The kill switch's trading state (NautilusTrader's `TradingState`): ACTIVE trades normally, REDUCING admits
 * only orders that reduce an absolute position, HALTED admits nothing.
 */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/**
 * What the risk engine reads about the world for one check. The caller implements it over whatever it
 * already keeps (portfolio, working orders, book); {@link RiskState} is a ready-made implementation over
 * typed arrays.
 *
 * Every method is called at most once per check and only by the validators that need it. Instrument methods
 * receive both the id and the engine's index of the instrument (its position in the `instruments` array
 * the engine was built with), so an implementation can use either a map or a typed array. Methods return
 * primitives (or `undefined`), so a check allocates nothing.
 *
 * Scope (account-wide or per strategy) is the implementation's choice; the limits apply to what it reports.
 */
export interface RiskView {
  /** Current time, epoch ns, from the injected clock (used by the throttle). */
  now(): Nanos;
  /** The kill switch's state. */
  tradingState(): TradingState;
  /** Filled net position in lots (long positive). */
  position(instrumentId: string, index: number): number;
  /** Σ leaves of working buy orders on the instrument, lots (≥ 0). */
  openBuyQty(instrumentId: string, index: number): number;
  /** Σ leaves of working sell orders on the instrument, lots (≥ 0). */
  openSellQty(instrumentId: string, index: number): number;
  /**
   * Σ over instruments of the worst-case absolute position,
   * `max(|position + openBuy|, |position − openSell|)` (see {@link worstCaseExposure}).
   */
  grossExposure(): number;
  /**
   * Σ over instruments with a mid of the worst-case absolute position × |mid| × the value of one tick × one lot:
   * the gross notional if every working order filled, in account currency (a float: compared to a limit, never
   * booked).
   */
  grossNotional(): number;
  /** Account equity (cash plus positions at their marks) in account currency, or `undefined` when unknown. */
  equity(): number | undefined;
  /** Mid price in ticks ((bid + ask) / 2, so possibly a half tick), or `undefined` when unknown. */
  mid(instrumentId: string, index: number): number | undefined;
  /** Highest limit price (ticks) of the strategy's own resting buy orders on the instrument. */
  bestOwnBid(strategyId: string, instrumentId: string, index: number): number | undefined;
  /** Lowest limit price (ticks) of the strategy's own resting sell orders on the instrument. */
  bestOwnAsk(strategyId: string, instrumentId: string, index: number): number | undefined;
}

/** Worst-case absolute position of one instrument if every working order on one side fills. */
export function worstCaseExposure(position: number, openBuy: number, openSell: number): number {
  const up = Math.abs(position + openBuy);
  const down = Math.abs(position - openSell);
  return up > down ? up : down;
}
