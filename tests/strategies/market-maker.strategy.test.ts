import { describe, expect, it } from 'vitest';
import type { Quote } from '../../src/messages/market-data.ts';
import { MarketMakerStrategy, marketMakerParamsSchema } from '../../src/strategies/market-maker.strategy.ts';
import type { StrategyView, WorkingOrderView } from '../../src/strategies/strategy.ts';

const X = 'X@SIM';
const quote = (bidPx: number, askPx: number): Quote => ({
  type: 'market.quote',
  instrumentId: X,
  tsEvent: 1n,
  tsInit: 1n,
  bidPx,
  bidSz: 100,
  askPx,
  askSz: 100
});
function view(position: number, orders: WorkingOrderView[] = []): StrategyView {
  return {
    position: () => position,
    workingQty: () => 0,
    openOrders: () => orders,
    now: () => 1n,
    book: () => undefined
  };
}
const order = (
  id: string,
  side: 'buy' | 'sell',
  limitPx: number,
  status: WorkingOrderView['status'] = 'ACKNOWLEDGED'
): WorkingOrderView => ({ clientOrderId: id, instrumentId: X, side, leaves: 10, limitPx, status });
const mm = (over: Record<string, unknown> = {}) =>
  new MarketMakerStrategy(
    'mm',
    marketMakerParamsSchema.parse({ qty: 10, maxInventory: 20, requoteTicks: 2, ...over })
  );
const brief = (actions: readonly unknown[]) =>
  actions.map((a) => {
    const x = a as { kind?: string; side?: string; limitPx?: number; clientOrderId?: string };
    return x.kind === undefined
      ? `${x.side}@${x.limitPx}`
      : `${x.kind}:${x.clientOrderId}${x.limitPx !== undefined ? `@${x.limitPx}` : ''}`;
  });

describe('MarketMakerStrategy', () => {
  it('joins the best bid and ask (or offsetTicks behind) when it has nothing working; ignores bars', () => {
    expect(brief(mm().onQuote(quote(100, 104), view(0)))).toEqual(['buy@100', 'sell@104']);
    expect(brief(mm({ offsetTicks: 1 }).onQuote(quote(100, 104), view(0)))).toEqual(['buy@99', 'sell@105']);
    expect(mm().onBar()).toEqual([]);
  });

  it('re-prices a resting quote only when its target moved by requoteTicks or more', () => {
    const working = [order('b', 'buy', 100), order('s', 'sell', 104)];
    expect(brief(mm().onQuote(quote(101, 105), view(0, working)))).toEqual([]);
    expect(brief(mm().onQuote(quote(102, 103), view(0, working)))).toEqual(['replace:b@102']);
  });

  it('leaves orders alone while the venue owes an answer', () => {
    const pending = [order('b', 'buy', 100, 'PENDING_REPLACE'), order('s', 'sell', 110, 'PENDING_NEW')];
    expect(mm().onQuote(quote(105, 108), view(0, pending))).toEqual([]);
  });

  it('withdraws the side that would pass maxInventory, and skews both quotes against inventory', () => {
    const working = [order('b', 'buy', 100), order('s', 'sell', 104)];
    expect(brief(mm().onQuote(quote(100, 104), view(20, working)))).toEqual(['cancel:b']);
    expect(brief(mm().onQuote(quote(100, 104), view(-20)))).toEqual(['buy@100']);
    // long 20 = two quantities: both targets 2 × 3 ticks lower (sell sooner, buy lower)
    expect(brief(mm({ skewTicks: 1, maxInventory: 100 }).onQuote(quote(100, 104), view(20)))).toEqual([
      'buy@98',
      'sell@102'
    ]);
  });

  it('skew never pushes a quote through the other side of the market; prices stay at 1 tick or more', () => {
    const skewed = mm({ skewTicks: 3, maxInventory: 100 });
    // long 20: the ask target 104 − 6 = 98 would sell through the bid of 100; it stays one tick above it
    expect(brief(skewed.onQuote(quote(100, 104), view(20)))).toEqual(['buy@94', 'sell@101']);
    // short 20: the bid target 100 + 6 = 106 would buy through the ask of 104
    expect(brief(skewed.onQuote(quote(100, 104), view(-20)))).toEqual(['buy@103', 'sell@110']);
    // a resting quote is re-priced to the clamped target, not through the market
    expect(brief(skewed.onQuote(quote(100, 104), view(20, [order('s', 'sell', 104)])))).toEqual([
      'buy@94',
      'replace:s@101'
    ]);
    // near zero: the bid floors at 1 tick, and is not quoted when the ask is 1 tick itself
    expect(brief(skewed.onQuote(quote(3, 5), view(20)))).toEqual(['buy@1', 'sell@4']);
    expect(brief(mm({ offsetTicks: 2 }).onQuote(quote(0, 1), view(0)))).toEqual(['sell@3']);
  });

  it('refuses qty above maxInventory (it could never quote)', () => {
    const r = marketMakerParamsSchema.safeParse({ qty: 1000 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['qty']);
    expect(marketMakerParamsSchema.safeParse({ qty: 500, maxInventory: 500 }).success).toBe(true);
  });

  it('with depth, backs off the side a lopsided book is about to run over; without depth it cannot', () => {
    let imbalance = 0;
    const asked: number[] = [];
    const withBook = (): StrategyView => ({
      ...view(0),
      book: (id) => {
        expect(id).toBe(X);
        return {
          bestBid: () => 100,
          bestAsk: () => 104,
          bestBidQty: () => 1,
          bestAskQty: () => 1,
          levels: () => [],
          depthQty: () => 0,
          imbalance: (n) => {
            asked.push(n);
            return imbalance;
          },
          microprice: () => Number.NaN,
          depthWeightedMid: () => Number.NaN
        };
      }
    });
    const leaning = mm({ imbalanceLevels: 3, imbalanceThreshold: 0.5, imbalanceTicks: 2 });
    imbalance = 0.8; // buyers dominate: the ask steps back
    expect(brief(leaning.onQuote(quote(100, 104), withBook()))).toEqual(['buy@100', 'sell@106']);
    imbalance = -0.8; // sellers dominate: the bid steps back
    expect(brief(leaning.onQuote(quote(100, 104), withBook()))).toEqual(['buy@98', 'sell@104']);
    imbalance = 0.5; // not beyond the threshold
    expect(brief(leaning.onQuote(quote(100, 104), withBook()))).toEqual(['buy@100', 'sell@104']);
    expect(asked).toEqual([3, 3, 3]);
    // no depth (paper trading, bar data): quotes as without the feature; off by default
    expect(brief(leaning.onQuote(quote(100, 104), view(0)))).toEqual(['buy@100', 'sell@104']);
    imbalance = 0.9;
    expect(brief(mm().onQuote(quote(100, 104), withBook()))).toEqual(['buy@100', 'sell@104']);
    expect(asked).toEqual([3, 3, 3]);
  });

  it('never quotes into its own other side (the public quote shows our own orders)', () => {
    // our sell rests at 101; the market bid rises to 101 (locked by our own order)
    expect(brief(mm().onQuote(quote(101, 101 + 3), view(0, [order('s', 'sell', 101)])))).toEqual([
      'replace:s@104'
    ]);
    expect(
      brief(mm().onQuote(quote(101, 102), view(0, [order('s', 'sell', 101, 'PENDING_CANCEL')])))
    ).toEqual([]);
  });

  it('counts its order being re-priced at the new price too (risk would refuse a quote crossing it)', () => {
    // the bid is being moved 100 → 103; the ask at 110 would follow the market down to 103, into our own bid:
    // it is withdrawn instead (as against a resting bid at 103)
    const moving = { ...order('b', 'buy', 100, 'PENDING_REPLACE'), replacingPx: 103 };
    const working = [moving, order('s', 'sell', 110)];
    expect(brief(mm().onQuote(quote(101, 103), view(0, working)))).toEqual(['cancel:s']);
    expect(brief(mm().onQuote(quote(101, 104), view(0, working)))).toEqual(['replace:s@104']);
  });
});
