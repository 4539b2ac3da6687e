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

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function collect(src: BarSource): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const b of src) out.push(...b);
  return out;
}

/** `n` minute bars from `t0`, the price rising one tick a minute, volume 1. */
function minutes(t0: bigint, n: number): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const t = t0 + BigInt(i) * NS_PER_MIN;
    const px = 100 + i;
    return {
      type: 'market.bar',
      instrumentId: 'X',
      tsOpen: t,
      tsEvent: t + NS_PER_MIN,
      tsInit: t + NS_PER_MIN,
      open: px,
      high: px,
      low: px,
      close: px,
      volume: 1
    };
  });
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
  const session = minutes(nsFromIso('2024-03-05T14:30:00Z'), 390);
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
      // intraday targets still use the hours (both are aligned on the epoch)
      expect(chooseSource(store, 'X', tf('2h')).label).toBe('1h');
      // with extended hours the day is 04:00–20:00, whole hours: 1h bars tile it
      expect(chooseSource(store, 'X', tf('1d'), { calendar: 'nyse', session: 'all' }).label).toBe('1h');
      const all = await collect(getBars(store, ['X'], undefined, undefined, '1d', { session: 'all' }));
      expect(all[0]).toMatchObject({ open: 100, close: 489, volume: 390 });
    } finally {
      store.close();
    }
  });

  it('NYSE daily bars from 1h bars alone are refused (DATA_NOT_FOUND), not made without the first half hour', async () => {
    const store = await storeWith('nyse', { '1h': resampleBars(session, tf('1h'), nyse) });
    try {
      expect(() => getBars(store, ['X'], undefined, undefined, '1d')).toThrow(
        expect.objectContaining({
          code: 'TRD_ERR_DATA_NOT_FOUND',
          context: expect.objectContaining({ symbol: 'X', timeframe: '1d', stored: ['1h'] })
        })
      );
    } finally {
      store.close();
    }
  });

  it('24x7 daily bars: a stored width that does not divide the day (7m) is not used', async () => {
    const day = minutes(nsFromIso('2024-03-05T00:00:00Z'), 1440 + 60);
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
