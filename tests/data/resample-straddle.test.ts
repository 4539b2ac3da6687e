import { describe, expect, it } from 'vitest';
import { NS_PER_HOUR, NS_PER_MIN, nsFromIso } from '../../src/core/nanos.ts';
import { resampleBars } from '../../src/data/resample.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { risingBars } from './support/rising-bars.ts';

const tf = parseTimeframe;
const nyse = { calendar: 'nyse', session: 'regular' } as const;

const ohlcv = (bs: readonly Bar[]) =>
  bs.map((b) => [b.tsOpen, b.tsEvent, b.open, b.high, b.low, b.close, b.volume]);

describe('BarResampler: an input bar it cannot place exactly is refused', () => {
  // 2024-03-05 (EST): 09:30–16:00 = 14:30Z–21:00Z
  const session = risingBars(nsFromIso('2024-03-05T14:30:00Z'), 390, NS_PER_MIN);

  it('hour-aligned 1h bars: [09:00, 10:00) straddles the session open, for 2h and daily targets alike', () => {
    const hours = resampleBars(session, tf('1h'), nyse);
    for (const target of ['2h', '4h', '1d']) {
      expect(() => resampleBars(hours, tf(target), nyse)).toThrow(
        expect.objectContaining({
          code: 'TRD_ERR_DATA_INVALID',
          message: expect.stringContaining('2024-03-05T14:00:00'),
          context: expect.objectContaining({
            timeframe: target,
            tsOpen: nsFromIso('2024-03-05T14:00:00Z').toString()
          })
        })
      );
    }
    // extended hours (04:00–20:00) are whole hours: the same bars tile them
    const all = { calendar: 'nyse', session: 'all' } as const;
    expect(ohlcv(resampleBars(hours, tf('2h'), all))).toEqual(ohlcv(resampleBars(session, tf('2h'), all)));
  });

  it('session-aligned 1h bars (09:30 … 15:30, the last cut by the close) make the daily bar exactly', () => {
    const h = risingBars(nsFromIso('2024-03-05T14:30:00Z'), 7, NS_PER_HOUR);
    expect(ohlcv(resampleBars(h, tf('1d'), nyse))).toEqual([
      [nsFromIso('2024-03-05T14:30:00Z'), nsFromIso('2024-03-05T21:00:00Z'), 100, 106, 100, 106, 7]
    ]);
    // an early close (2024-11-29, 13:00 EST = 18:00Z): 09:30 … 12:30, the last cut at 13:00
    const early = risingBars(nsFromIso('2024-11-29T14:30:00Z'), 4, NS_PER_HOUR);
    expect(ohlcv(resampleBars(early, tf('1d'), nyse))).toEqual([
      [nsFromIso('2024-11-29T14:30:00Z'), nsFromIso('2024-11-29T18:00:00Z'), 100, 103, 100, 103, 4]
    ]);
    // they straddle the edges of epoch-aligned 2h and 30m buckets
    expect(() => resampleBars(h, tf('2h'), nyse)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_INVALID' })
    );
  });

  it('24x7: a bar straddling a bucket edge or the day boundary is refused', () => {
    const utc = { calendar: '24x7' } as const;
    const off = risingBars(nsFromIso('2024-03-05T00:30:00Z'), 3, NS_PER_HOUR);
    expect(() => resampleBars(off, tf('2h'), utc)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_DATA_INVALID',
        context: expect.objectContaining({ tsOpen: nsFromIso('2024-03-05T01:30:00Z').toString() })
      })
    );
    const late = risingBars(nsFromIso('2024-03-05T23:30:00Z'), 1, NS_PER_HOUR);
    expect(() => resampleBars(late, tf('1d'), utc)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_INVALID' })
    );
  });

  it('bars that tile the buckets resample as before (1m → 5m, 1h, 1d; 5m → 1h; 24x7)', () => {
    const m5 = resampleBars(session, tf('5m'), nyse);
    expect(m5).toHaveLength(78);
    expect(ohlcv(resampleBars(m5, tf('1h'), nyse))).toEqual(ohlcv(resampleBars(session, tf('1h'), nyse)));
    const day = resampleBars(session, tf('1d'), nyse);
    expect(ohlcv(day)).toEqual([
      [nsFromIso('2024-03-05T14:30:00Z'), nsFromIso('2024-03-05T21:00:00Z'), 100, 489, 100, 489, 390]
    ]);
    // pre-market and after-hours minutes are dropped for regular bars, not refused
    const ext = risingBars(nsFromIso('2024-03-05T09:00:00Z'), 16 * 60, NS_PER_MIN);
    expect(resampleBars(ext, tf('1d'), nyse)[0]).toMatchObject({ volume: 390 });
    const utc = { calendar: '24x7' } as const;
    const minutes = risingBars(nsFromIso('2024-03-05T00:00:00Z'), 2 * 1440, NS_PER_MIN);
    const hours = resampleBars(minutes, tf('1h'), utc);
    expect(hours).toHaveLength(48);
    expect(ohlcv(resampleBars(hours, tf('1d'), utc))).toEqual(ohlcv(resampleBars(minutes, tf('1d'), utc)));
  });
});
