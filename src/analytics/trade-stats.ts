import type { RoundTrip } from './types.ts';

/** Aggregate statistics of closed round trips. */
export interface TradeStats {
  readonly tradeCount: number;
  readonly wins: number;
  readonly losses: number;
  /** `wins / tradeCount`; 0 when no trades. */
  readonly winRate: number;
  /** Sum of positive pnl. */
  readonly grossProfit: number;
  /** Sum of negative pnl, as a positive number. */
  readonly grossLoss: number;
  /**
   * `grossProfit / grossLoss`; `Infinity` when there are profits and no losses, 0 when there are no
   * trades (or neither profits nor losses).
   */
  readonly profitFactor: number;
  /** Mean pnl per trade; 0 when no trades. */
  readonly avgTradePnl: number;
}

/** Count, win rate (pnl > 0 is a win), profit factor and average pnl of round trips. */
export function tradeStats(trades: readonly RoundTrip[]): TradeStats {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (const t of trades) {
    if (t.pnl > 0) {
      wins++;
      grossProfit += t.pnl;
    } else if (t.pnl < 0) {
      losses++;
      grossLoss -= t.pnl;
    }
  }
  const n = trades.length;
  const profitFactor =
    grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Number.POSITIVE_INFINITY : 0;
  return {
    tradeCount: n,
    wins,
    losses,
    winRate: n === 0 ? 0 : wins / n,
    grossProfit,
    grossLoss,
    profitFactor,
    avgTradePnl: n === 0 ? 0 : (grossProfit - grossLoss) / n
  };
}

/** Closed round trips of one instrument, summarised. */
export interface InstrumentStats {
  readonly instrumentId: string;
  readonly tradeCount: number;
  /** Fraction of trades with pnl > 0. */
  readonly winRate: number;
  /** Gross profit / gross loss (`Infinity` with profits and no losses, 0 with no trades). */
  readonly profitFactor: number;
  /** Σ pnl, net of commission, in account currency. */
  readonly netPnl: number;
}

/** {@link tradeStats} per instrument, in instrument id order: where a multi-symbol strategy made and lost money. */
export function statsByInstrument(trades: readonly RoundTrip[]): InstrumentStats[] {
  const by = new Map<string, RoundTrip[]>();
  for (const t of trades) {
    const list = by.get(t.instrumentId);
    if (list) list.push(t);
    else by.set(t.instrumentId, [t]);
  }
  return [...by.keys()].sort().map((instrumentId) => {
    const s = tradeStats(by.get(instrumentId)!);
    return {
      instrumentId,
      tradeCount: s.tradeCount,
      winRate: s.winRate,
      profitFactor: s.profitFactor,
      netPnl: s.grossProfit - s.grossLoss
    };
  });
}
