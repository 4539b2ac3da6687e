import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NS_PER_MIN, NS_PER_SEC, nsFromIso } from '../../src/core/nanos.ts';
import { BarRollup } from '../../src/data/bar-rollup.ts';
import { nyseSessionUtc } from '../../src/data/nyse-calendar.ts';
import { resampleBars } from '../../src/data/resample.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import type { Bar } from '../../src/messages/market-data.ts';

const T0 = nsFromIso('2024-03-05T15:00:00Z'); // a 5-minute boundary
const S = NS_PER_SEC;
const M = NS_PER_MIN;

/** A 1-minute bar of `id` opening `minute` minutes after T0 (or at an absolute `tsOpen`). */
function minuteBar(id: string, minute: number, px: number, volume = 10, base = T0): Bar {
  const tsOpen = base + BigInt(minute) * M;
  return {
    type: 'market.bar',
    instrumentId: id,
    tsOpen,
    tsEvent: tsOpen + M,
    tsInit: tsOpen + M,
    open: px,
    high: px + 2,
    low: px - 1,
    close: px + 1,
    volume
  };
}
const ohlcv = (b: Bar) => [
  b.instrumentId,
  b.tsOpen - T0,
  b.tsEvent - T0,
  b.open,
  b.high,
  b.low,
  b.close,
  b.volume
];
const rollup5m = (graceSec = 10) =>
  new BarRollup({ timeframe: parseTimeframe('5m'), calendar: '24x7', graceNs: BigInt(graceSec) * S });

describe('BarRollup', () => {
  it('emits a 5-minute bar as soon as the minute ending it arrives, with exact OHLCV', () => {
    const r = rollup5m();
    const out: Bar[] = [];
    for (let m = 0; m < 5; m++) {
      const step = r.push(minuteBar('A', m, 100 + m), T0 + BigInt(m + 1) * M + S);
      expect(step.late).toBe(false);
      out.push(...step.bars);
      if (m < 4) expect(out).toEqual([]); // not before its last minute
    }
    expect(out.map(ohlcv)).toEqual([['A', 0n, 5n * M, 100, 106, 99, 105, 50]]);
    expect(out[0]!.tsInit).toBe(5n * M + T0);
    expect(r.flush(T0 + 3600n * S)).toEqual([]); // nothing left open
  });

  it('a bucket whose last minute had no bar closes when a later bucket starts, or by the clock after the grace', () => {
    const r = rollup5m(10);
    r.push(minuteBar('A', 0, 100), T0 + M);
    r.push(minuteBar('A', 2, 110), T0 + 3n * M);
    r.push(minuteBar('B', 1, 50), T0 + 2n * M);
    // B's bucket [0, 5) has no minute 4: the clock closes it 10 s after its end, not before
    expect(r.flush(T0 + 5n * M + 9n * S)).toEqual([]);
    expect(r.flush(T0 + 5n * M + 10n * S).map(ohlcv)).toEqual([
      ['A', 0n, 5n * M, 100, 112, 99, 111, 20],
      ['B', 0n, 5n * M, 50, 52, 49, 51, 10]
    ]);
    // A's next bucket is closed by the bar of the one after it (minute 12), without waiting for the clock
    expect(r.push(minuteBar('A', 6, 120), T0 + 7n * M).bars).toEqual([]);
    expect(r.push(minuteBar('A', 12, 130), T0 + 13n * M).bars.map(ohlcv)).toEqual([
      ['A', 5n * M, 10n * M, 120, 122, 119, 121, 10]
    ]);
  });

  it('a bar for a bucket already emitted is late: reported and left out, the emitted bar is never revised', () => {
    const r = rollup5m(10);
    r.push(minuteBar('A', 0, 100), T0 + M);
    expect(r.flush(T0 + 5n * M + 10n * S)).toHaveLength(1);
    expect(r.push(minuteBar('A', 4, 999), T0 + 5n * M + 11n * S)).toEqual({ bars: [], late: true });
    expect(r.flush(T0 + 3600n * S)).toEqual([]);
    // out of order inside the open bucket's past: also late
    r.push(minuteBar('A', 7, 100), T0 + 8n * M);
    expect(r.push(minuteBar('A', 3, 100), T0 + 8n * M).late).toBe(true);
    expect(r.push(minuteBar('A', 9, 101), T0 + 10n * M).bars.map(ohlcv)).toEqual([
      ['A', 5n * M, 10n * M, 100, 103, 99, 102, 20]
    ]);
  });

  it('a bar it cannot place exactly (straddling a bucket edge) is refused, typed, and changes nothing', () => {
    const r = rollup5m(10);
    r.push(minuteBar('A', 0, 100), T0 + M);
    const straddling = { ...minuteBar('A', 4, 500), tsEvent: T0 + 6n * M, tsInit: T0 + 6n * M }; // 15:04–15:06
    const step = r.push(straddling, T0 + 6n * M);
    expect(step).toMatchObject({ bars: [], late: false, refused: { code: 'TRD_ERR_DATA_INVALID' } });
    // the open bucket is as it was: the next minutes complete it without the refused bar
    r.push(minuteBar('A', 1, 101), T0 + 6n * M);
    expect(r.push(minuteBar('A', 4, 104), T0 + 6n * M).bars.map(ohlcv)).toEqual([
      ['A', 0n, 5n * M, 100, 106, 99, 105, 30]
    ]);
  });

  it('old bars replayed now: a bucket waits for the grace after its first bar, so a fast replay still makes whole buckets', () => {
    const r = rollup5m(10);
    const now = T0 + 365n * 24n * 3600n * S; // a year later
    r.push(minuteBar('A', 0, 100), now);
    r.push(minuteBar('A', 1, 101), now + 25_000_000n); // 25 ms apart
    expect(r.flush(now + 9n * S)).toEqual([]); // its end is long past, its first bar is not
    expect(r.push(minuteBar('A', 2, 102), now + 9n * S).bars).toEqual([]);
    expect(r.flush(now + 10n * S).map(ohlcv)).toEqual([['A', 0n, 5n * M, 100, 104, 99, 103, 30]]);
  });

  it('NYSE days: a daily bar spans the regular session and is emitted with its last minute, early closes included', () => {
    const r = new BarRollup({ timeframe: parseTimeframe('1d'), calendar: 'nyse', graceNs: 10n * S });
    for (const [y, m, d] of [
      [2024, 3, 5],
      [2024, 11, 29] // closes at 13:00
    ] as const) {
      const s = nyseSessionUtc(y, m, d);
      const minutes = Number((s.close - s.open) / M);
      const out: Bar[] = [];
      // a pre-market minute is not part of the regular session's bar
      expect(r.push(minuteBar('A', -10, 1, 1_000, s.open), s.open).bars).toEqual([]);
      for (let i = 0; i < minutes; i++) {
        const step = r.push(minuteBar('A', i, 100 + (i % 7), 10, s.open), s.open + BigInt(i + 1) * M);
        out.push(...step.bars);
        if (i < minutes - 1) expect(out).toEqual([]);
      }
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({
        tsOpen: s.open,
        tsEvent: s.close,
        open: 100,
        high: 108,
        low: 99,
        volume: 10 * minutes
      });
      // after hours: dropped, and nothing is reopened
      expect(r.push(minuteBar('A', minutes + 5, 1, 1_000, s.open), s.close + 6n * M)).toEqual({
        bars: [],
        late: false
      });
      expect(r.flush(s.postClose + 3600n * S)).toEqual([]);
    }
  });

  it('a bar already at the timeframe passes as it is, aligned or not (a replay restamped to the wall clock)', () => {
    const r = new BarRollup({ timeframe: parseTimeframe('1m'), calendar: '24x7', graceNs: 10n * S });
    const at = (ms: bigint, px: number): Bar => {
      const tsEvent = T0 + ms * 1_000_000n;
      return { ...minuteBar('A', 0, px), tsOpen: tsEvent - M, tsEvent, tsInit: tsEvent };
    };
    const a = at(1n, 100);
    const b = at(2n, 101); // 1 ms later: an overlapping minute, as the local venue's fast replay stamps them
    expect(r.push(a, T0)).toEqual({ bars: [a], late: false });
    expect(r.push(b, T0)).toEqual({ bars: [b], late: false });
    expect(r.push(at(2n, 102), T0)).toEqual({ bars: [], late: true }); // not newer than the last
    expect(r.flush(T0 + 3600n * S)).toEqual([]);
    // the NYSE regular session still filters them
    const nyse = new BarRollup({ timeframe: parseTimeframe('1m'), calendar: 'nyse' });
    const open = nyseSessionUtc(2024, 3, 5).open;
    expect(nyse.push(minuteBar('A', -1, 100, 10, open), open).bars).toEqual([]);
    expect(nyse.push(minuteBar('A', 0, 100, 10, open), open).bars).toHaveLength(1);
  });

  it('refuses a timeframe the resampler cannot make', () => {
    expect(() => new BarRollup({ timeframe: parseTimeframe('1w'), calendar: 'nyse' })).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_INVALID' })
    );
  });

  it('property: fed in order, it emits exactly the backtest resampler’s bars, each at the first bar that completes it', () => {
    const bars = fc.array(
      fc.record({
        id: fc.constantFrom('A', 'B'),
        gap: fc.nat({ max: 9 }),
        px: fc.integer({ min: 1, max: 10_000 }),
        v: fc.nat({ max: 1_000 })
      }),
      { maxLength: 120 }
    );
    fc.assert(
      fc.property(bars, fc.constantFrom('1m', '2m', '5m', '15m', '1h'), (steps, label) => {
        const tf = parseTimeframe(label);
        const r = new BarRollup({ timeframe: tf, calendar: '24x7', graceNs: 30n * S });
        const minute = { A: 0, B: 0 };
        const input: Bar[] = [];
        const emitted: Bar[] = [];
        for (const s of steps) {
          const id = s.id as 'A' | 'B';
          const b = minuteBar(id, minute[id], s.px, s.v);
          minute[id] += s.gap + 1;
          input.push(b);
          const step = r.push(b, b.tsEvent);
          expect(step.late).toBe(false);
          for (const out of step.bars) {
            // emitted no earlier than its end is known, and no later than needed
            const completes = b.tsEvent >= out.tsEvent || b.tsOpen >= out.tsEvent;
            expect(completes).toBe(true);
            expect(out.instrumentId).toBe(id);
          }
          emitted.push(...step.bars);
        }
        const closedByClock = r.flush(T0 + 1_000_000n * M);
        emitted.push(...closedByClock);
        for (const id of ['A', 'B']) {
          const want = resampleBars(
            input.filter((b) => b.instrumentId === id),
            tf,
            { calendar: '24x7' }
          );
          expect(emitted.filter((b) => b.instrumentId === id)).toEqual(want);
        }
        // only the last bucket of an instrument, one its bars never reached the end of, is left to the clock
        const lastSeen = new Map<string, bigint>();
        for (const b of input) lastSeen.set(b.instrumentId, b.tsEvent);
        expect(new Set(closedByClock.map((b) => b.instrumentId)).size).toBe(closedByClock.length);
        for (const b of closedByClock) expect(lastSeen.get(b.instrumentId)!).toBeLessThan(b.tsEvent);
      })
    );
  });
});
