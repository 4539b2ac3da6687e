import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NS_PER_MIN, NS_PER_SEC } from '../../src/core/nanos.ts';
import { TradeBarAggregator } from '../../src/data/trade-bars.ts';
import type { Bar, Trade } from '../../src/messages/market-data.ts';

const T0 = 1_709_650_800n * NS_PER_SEC; // 2024-03-05T15:00:00Z, a minute boundary
const trade = (instrumentId: string, at: bigint, px: number, sz: number): Trade => ({
  type: 'market.trade',
  instrumentId,
  tsEvent: at,
  tsInit: at,
  px,
  sz,
  aggressor: 'none',
  tradeId: ''
});
const ohlcv = (b: Bar) => [b.tsOpen - T0, b.tsEvent - T0, b.open, b.high, b.low, b.close, b.volume];

describe('TradeBarAggregator', () => {
  it('cuts one bar per minute with trades, finished by the next minute’s first trade or by the clock after the grace', () => {
    const agg = new TradeBarAggregator(NS_PER_MIN, 2n * NS_PER_SEC);
    const s = NS_PER_SEC;
    expect(agg.push(trade('A', T0 + 1n * s, 100, 5), T0 + 1n * s)).toBeUndefined();
    expect(agg.push(trade('A', T0 + 20n * s, 104, 1), T0 + 20n * s)).toBeUndefined();
    expect(agg.push(trade('A', T0 + 40n * s, 98, 2), T0 + 40n * s)).toBeUndefined();
    expect(agg.push(trade('A', T0 + 59n * s, 101, 3), T0 + 59n * s)).toBeUndefined();
    expect(agg.push(trade('B', T0 + 30n * s, 50, 7), T0 + 30n * s)).toBeUndefined();
    // minute 2 has no trades; the trade in minute 3 finishes A's first bar
    const first = agg.push(trade('A', T0 + 185n * s, 102, 4), T0 + 185n * s);
    expect(ohlcv(first!)).toEqual([0n, NS_PER_MIN, 100, 104, 98, 101, 11]);
    // the clock: B's bar ends at +60 s, so it is finished at +62 s and not before; A's at +242 s
    expect(agg.flush(T0 + 61n * s)).toEqual([]);
    expect(agg.flush(T0 + 62n * s).map(ohlcv)).toEqual([[0n, NS_PER_MIN, 50, 50, 50, 50, 7]]);
    expect(agg.flush(T0 + 241n * s)).toEqual([]);
    expect(agg.flush(T0 + 242n * s).map(ohlcv)).toEqual([
      [3n * NS_PER_MIN, 4n * NS_PER_MIN, 102, 102, 102, 102, 4]
    ]);
    expect(agg.flush(T0 + 3600n * s)).toEqual([]);
  });

  it('old trades replayed now: a bar waits for the grace after its first trade, so a minute’s trades still make one bar', () => {
    const agg = new TradeBarAggregator(NS_PER_MIN, 2n * NS_PER_SEC);
    const now = T0 + 365n * 24n * 3600n * NS_PER_SEC; // a year later
    expect(agg.push(trade('A', T0 + 1n, 100, 1), now)).toBeUndefined();
    expect(agg.flush(now + 1n)).toEqual([]); // its end is long past, its first trade is not
    expect(agg.push(trade('A', T0 + 2n, 90, 1), now + 2n)).toBeUndefined();
    expect(agg.flush(now + 2n * NS_PER_SEC).map(ohlcv)).toEqual([[0n, NS_PER_MIN, 100, 100, 90, 90, 2]]);
  });

  it('a late trade counts in the open bar; a finished bar is never revised', () => {
    const agg = new TradeBarAggregator(NS_PER_MIN);
    agg.push(trade('A', T0 + NS_PER_MIN + 5n, 10, 1), T0 + NS_PER_MIN + 5n);
    expect(agg.push(trade('A', T0 + 5n, 12, 1), T0 + NS_PER_MIN + 6n)).toBeUndefined(); // from the minute before: into the open bar
    expect(ohlcv(agg.flush(T0 + 2n * NS_PER_MIN)[0]!)).toEqual([
      NS_PER_MIN,
      2n * NS_PER_MIN,
      10,
      12,
      10,
      12,
      2
    ]);
  });

  it('a trade of a minute the clock already finished is dropped and counted, not a second bar for that minute', () => {
    const agg = new TradeBarAggregator(NS_PER_MIN);
    agg.push(trade('A', T0 + 10n * NS_PER_SEC, 100, 1), T0 + 10n * NS_PER_SEC);
    agg.push(trade('B', T0 + 20n * NS_PER_SEC, 50, 1), T0 + 20n * NS_PER_SEC);
    const first = agg.flush(T0 + NS_PER_MIN); // both minutes finished by the clock
    expect(first.map(ohlcv)).toEqual([
      [0n, NS_PER_MIN, 100, 100, 100, 100, 1],
      [0n, NS_PER_MIN, 50, 50, 50, 50, 1]
    ]);
    // A's trade stamped inside the finished minute arrives a moment later (network delay)
    expect(agg.push(trade('A', T0 + 59n * NS_PER_SEC, 90, 1), T0 + NS_PER_MIN + 1n)).toBeUndefined();
    expect(agg.late).toBe(1);
    expect(agg.flush(T0 + 10n * NS_PER_MIN)).toEqual([]);
    // later minutes still make bars; B (nothing late) is unaffected
    agg.push(trade('A', T0 + NS_PER_MIN + 1n, 101, 2), T0 + NS_PER_MIN + 2n);
    agg.push(trade('B', T0 + 30n * NS_PER_SEC, 51, 1), T0 + NS_PER_MIN + 3n); // B's finished minute too
    agg.push(trade('A', T0 + 30n * NS_PER_SEC, 1, 9), T0 + NS_PER_MIN + 4n); // nor is it folded into A's open bar
    expect(agg.flush(T0 + 10n * NS_PER_MIN).map(ohlcv)).toEqual([
      [NS_PER_MIN, 2n * NS_PER_MIN, 101, 101, 101, 101, 2]
    ]);
    expect(agg.late).toBe(3);
  });

  it('property: every trade lands in exactly one bar; bars are in time order per instrument and OHLC-consistent', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            inst: fc.constantFrom('A', 'B', 'C'),
            dt: fc.bigInt({ min: 0n, max: 90n * NS_PER_SEC }),
            px: fc.integer({ min: 1, max: 10_000 }),
            sz: fc.integer({ min: 1, max: 1_000 })
          }),
          { maxLength: 200 }
        ),
        (steps) => {
          const agg = new TradeBarAggregator(NS_PER_MIN, NS_PER_SEC);
          const bars: Bar[] = [];
          const vol = new Map<string, number>();
          let t = T0;
          for (const st of steps) {
            t += st.dt;
            const b = agg.push(trade(st.inst, t, st.px, st.sz), t);
            if (b) bars.push(b);
            bars.push(...agg.flush(t));
            vol.set(st.inst, (vol.get(st.inst) ?? 0) + st.sz);
          }
          bars.push(...agg.flush(t + 10n * NS_PER_MIN));
          for (const [inst, v] of vol) {
            const mine = bars.filter((b) => b.instrumentId === inst);
            expect(mine.reduce((s, b) => s + b.volume, 0)).toBe(v);
            for (let i = 1; i < mine.length; i++) expect(mine[i]!.tsOpen >= mine[i - 1]!.tsEvent).toBe(true);
          }
          for (const b of bars) {
            expect(b.tsEvent - b.tsOpen).toBe(NS_PER_MIN);
            expect(b.tsOpen % NS_PER_MIN).toBe(0n);
            expect(b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close)).toBe(true);
          }
        }
      )
    );
  });
});
