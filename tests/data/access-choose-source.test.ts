import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NS_PER_MIN, nsFromIso } from '../../src/core/nanos.ts';
import { chooseSource, getBars } from '../../src/data/access.ts';
import type { BarSource } from '../../src/data/bar-source.ts';
import { barsToColumns } from '../../src/data/columns.ts';
import { resampleBars } from '../../src/data/resample.ts';
import { ParquetStore } from '../../src/data/store.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { risingBars } from './support/rising-bars.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function collect(src: BarSource): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const b of src) out.push(...b);
  return out;
}

async function storeWith(calendar: 'nyse' | '24x7', series: Record<string, Bar[]>): Promise<ParquetStore> {
  const dir = mkdtempSync(join(tmpdir(), 'tradestate-choose-'));
  dirs.push(dir);
  const store = await ParquetStore.open(dir);
  store.putSymbolMeta({ symbol: 'X', venue: 'V', tickSize: '0.01', lotSize: '1', currency: 'USD', calendar });
  for (const [tf, bars] of Object.entries(series))
    await store.writeBars('X', parseTimeframe(tf), barsToColumns(bars));
  return store;
}

const tf = parseTimeframe;

describe('chooseSource: the stored timeframe a resampled one is made from', () => {
  // one regular NYSE session, 2024-03-05 (EST): 09:30–16:00 = 14:30Z–21:00Z
  const session = risingBars(nsFromIso('2024-03-05T14:30:00Z'), 390, NS_PER_MIN);
  const nyse = { calendar: 'nyse', session: 'regular' } as const;

  it('NYSE daily bars: hour-aligned 1h bars straddle the 09:30 open, so the finer 1m or 30m bars are read', async () => {
    const hours = resampleBars(session, tf('1h'), nyse);
    expect(hours[0]!.tsOpen).toBe(nsFromIso('2024-03-05T14:00:00Z')); // [09:00, 10:00) holds 09:30–09:59
    const store = await storeWith('nyse', { '1m': session, '1h': hours });
    try {
      expect(chooseSource(store, 'X', tf('1d')).label).toBe('1m');
      const days = await collect(getBars(store, ['X'], undefined, undefined, '1d'));
      expect(days).toEqual([
        {
          type: 'market.bar',
          instrumentId: 'X@V',
          tsOpen: nsFromIso('2024-03-05T14:30:00Z'),
          tsEvent: nsFromIso('2024-03-05T21:00:00Z'),
          tsInit: nsFromIso('2024-03-05T21:00:00Z'),
          open: 100,
          high: 489,
          low: 100,
          close: 489,
          volume: 390
        }
      ]);
      // 30-minute bars tile the session: the coarsest usable source
      await store.writeBars('X', tf('30m'), barsToColumns(resampleBars(session, tf('30m'), nyse)));
      expect(chooseSource(store, 'X', tf('1d')).label).toBe('30m');
      expect(await collect(getBars(store, ['X'], undefined, undefined, '1d'))).toEqual(days);
      // an intraday NYSE target too: the hour-aligned 1h bar [09:00, 10:00) straddles the 09:30 open (2h bucket 09:00–11:00)
      expect(chooseSource(store, 'X', tf('2h')).label).toBe('30m');
      // with extended hours the session (04:00–20:00) is whole hours: 1h bars tile 2h buckets
      expect(chooseSource(store, 'X', tf('2h'), { calendar: 'nyse', session: 'all' }).label).toBe('1h');
      // with extended hours the day is 04:00–20:00, whole hours: 1h bars tile it
      expect(chooseSource(store, 'X', tf('1d'), { calendar: 'nyse', session: 'all' }).label).toBe('1h');
      const all = await collect(getBars(store, ['X'], undefined, undefined, '1d', { session: 'all' }));
      expect(all[0]).toMatchObject({ open: 100, close: 489, volume: 390 });
    } finally {
      store.close();
    }
  });

  it('NYSE daily bars from hour-aligned 1h bars alone are refused (DATA_INVALID), not made without the first half hour', async () => {
    const store = await storeWith('nyse', { '1h': resampleBars(session, tf('1h'), nyse) });
    try {
      expect(chooseSource(store, 'X', tf('1d')).label).toBe('1h'); // nothing tiles: the resampler decides
      await expect(collect(getBars(store, ['X'], undefined, undefined, '1d'))).rejects.toMatchObject({
        code: 'TRD_ERR_DATA_INVALID',
        context: expect.objectContaining({
          timeframe: '1d',
          tsOpen: nsFromIso('2024-03-05T14:00:00Z').toString()
        })
      });
    } finally {
      store.close();
    }
  });

  it('nothing finer stored is DATA_NOT_FOUND', async () => {
    const store = await storeWith('nyse', { '1h': resampleBars(session, tf('1h'), nyse) });
    try {
      expect(() => getBars(store, ['X'], undefined, undefined, '30m')).toThrow(
        expect.objectContaining({
          code: 'TRD_ERR_DATA_NOT_FOUND',
          context: expect.objectContaining({ symbol: 'X', timeframe: '30m', stored: ['1h'] })
        })
      );
    } finally {
      store.close();
    }
  });

  it('2h NYSE bars: from hour-aligned 1h bars alone a typed error naming the bar; with 1m stored, the 1m bars', async () => {
    const store = await storeWith('nyse', { '1h': resampleBars(session, tf('1h'), nyse) });
    try {
      await expect(collect(getBars(store, ['X'], undefined, undefined, '2h'))).rejects.toMatchObject({
        code: 'TRD_ERR_DATA_INVALID',
        message: expect.stringContaining('2024-03-05T14:00:00'),
        context: expect.objectContaining({
          timeframe: '2h',
          tsOpen: nsFromIso('2024-03-05T14:00:00Z').toString()
        })
      });
      await store.writeBars('X', tf('1m'), barsToColumns(session));
      expect(chooseSource(store, 'X', tf('2h')).label).toBe('1m');
      const got = await collect(getBars(store, ['X'], undefined, undefined, '2h'));
      // [09:00, 11:00) EST holds 09:30–10:59: the first half hour is not lost
      expect(got[0]).toMatchObject({ tsOpen: nsFromIso('2024-03-05T14:00:00Z'), open: 100, volume: 90 });
      expect(got[1]).toMatchObject({ tsOpen: nsFromIso('2024-03-05T16:00:00Z'), open: 190, volume: 120 });
      expect(got.reduce((v, b) => v + b.volume, 0)).toBe(390);
      const want = resampleBars(session, tf('2h'), nyse).map((b) => ({ ...b, instrumentId: 'X@V' }));
      expect(got).toEqual(want);
    } finally {
      store.close();
    }
  });

  it('NYSE daily bars from session-aligned 1h bars (09:30 … 15:30, yfinance 60m, CSV): the session exactly', async () => {
    const h = risingBars(nsFromIso('2024-03-05T14:30:00Z'), 7, NS_PER_MIN).map((b, i) => ({
      ...b,
      tsOpen: nsFromIso('2024-03-05T14:30:00Z') + BigInt(i) * 60n * NS_PER_MIN,
      tsEvent: nsFromIso('2024-03-05T15:30:00Z') + BigInt(i) * 60n * NS_PER_MIN,
      volume: 10 + i
    }));
    const store = await storeWith('nyse', { '1h': h });
    try {
      expect(chooseSource(store, 'X', tf('1d')).label).toBe('1h');
      expect(await collect(getBars(store, ['X'], undefined, undefined, '1d'))).toEqual([
        {
          type: 'market.bar',
          instrumentId: 'X@V',
          tsOpen: nsFromIso('2024-03-05T14:30:00Z'),
          tsEvent: nsFromIso('2024-03-05T21:00:00Z'),
          tsInit: nsFromIso('2024-03-05T21:00:00Z'),
          open: 100,
          high: 106,
          low: 100,
          close: 106,
          volume: 7 * 10 + 21
        }
      ]);
      // but they straddle the edges of 2h buckets: refused, not misplaced
      await expect(collect(getBars(store, ['X'], undefined, undefined, '2h'))).rejects.toMatchObject({
        code: 'TRD_ERR_DATA_INVALID'
      });
    } finally {
      store.close();
    }
  });

  it('24x7 daily bars: a stored width that does not divide the day (7m) is not used', async () => {
    const day = risingBars(nsFromIso('2024-03-05T00:00:00Z'), 1440 + 60, NS_PER_MIN);
    const utc = { calendar: '24x7' } as const;
    const store = await storeWith('24x7', { '1m': day, '7m': resampleBars(day, tf('7m'), utc) });
    try {
      expect(chooseSource(store, 'X', tf('1d')).label).toBe('1m');
      const days = await collect(getBars(store, ['X'], undefined, undefined, '1d'));
      expect(days[0]).toMatchObject({ open: 100, close: 1539, volume: 1440 });
      await store.writeBars('X', tf('1h'), barsToColumns(resampleBars(day, tf('1h'), utc)));
      expect(chooseSource(store, 'X', tf('1d')).label).toBe('1h');
      expect(await collect(getBars(store, ['X'], undefined, undefined, '1d'))).toEqual(days);
    } finally {
      store.close();
    }
  });
});
