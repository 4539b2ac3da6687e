import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { nsFromIso } from '../../src/core/nanos.ts';
import { type BarSource, compareBars } from '../../src/data/bar-source.ts';
import { importFile } from '../../src/data/import/index.ts';
import { openBarSource, parquetTimeframe } from '../../src/data/index.ts';
import { nysePhase } from '../../src/data/nyse-calendar.ts';
import { ParquetStore } from '../../src/data/store.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { sharedData } from '../support/shared-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradestate-obs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const inst = (symbol: string) =>
  makeInstrument({ symbol, venue: 'XNYS', tickSize: '0.01', lotSize: '1', currency: 'USD' });

async function collect(src: BarSource): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const b of src) out.push(...b);
  return out;
}

describe('openBarSource', () => {
  it('yahoo-csv: merges files in strict order with the caller’s instrument ids', async () => {
    const bars = await collect(
      await openBarSource(
        {
          kind: 'yahoo-csv',
          files: [
            { symbol: 'ORCL', path: sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt') },
            { symbol: 'NVDA', path: sharedData('ohlcv', 'backtrader', 'nvda-1999-2014.txt') }
          ],
          adjust: true
        },
        inst
      )
    );
    expect(bars).toHaveLength(5036 + 4012);
    for (let i = 1; i < bars.length; i++) expect(compareBars(bars[i - 1]!, bars[i]!)).toBeLessThan(0);
    expect(bars.find((b) => b.instrumentId === 'NVDA@XNYS')!.tsEvent).toBe(nsFromIso('1999-01-22T21:00:00Z'));
  });

  it('parquet: a range of a stored symbol, resampled on request; a tick mismatch is refused', async () => {
    const store = await ParquetStore.open(dir);
    await importFile(store, sharedData('ohlcv', 'spy_yahoo', 'SPY_1min_20250708_20250714.csv'), {
      format: 'spy',
      symbol: 'SPY'
    });
    store.close();
    const spec = {
      kind: 'parquet' as const,
      store: dir,
      symbols: ['SPY'],
      start: '2025-07-09',
      end: '2025-07-10'
    };
    const oneMin = await collect(await openBarSource(spec, inst));
    expect(oneMin[0]!.instrumentId).toBe('SPY@XNYS');
    // NYSE symbols come in regular hours by default: the 9th starts at 09:30 EDT
    expect(oneMin[0]!.tsOpen).toBe(nsFromIso('2025-07-09T13:30:00Z'));
    expect(oneMin[oneMin.length - 1]!.tsEvent).toBe(nsFromIso('2025-07-10T20:00:00Z')); // an end date includes its day
    const hours = await collect(await openBarSource({ ...spec, timeframe: '1h' }, inst));
    expect(hours.map((b) => b.tsOpen)).toContain(nsFromIso('2025-07-09T13:00:00Z'));
    expect(hours.every((b) => b.tsEvent - b.tsOpen === 3_600_000_000_000n)).toBe(true);
    const cents = (s: string) =>
      makeInstrument({ symbol: s, venue: 'X', tickSize: '0.05', lotSize: '1', currency: 'USD' });
    await expect(openBarSource(spec, cents)).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
    await expect(openBarSource({ ...spec, symbols: ['NOPE'] }, inst)).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_NOT_FOUND'
    });
    // a range that ends before it starts is a mistake, not an empty backtest (an end date includes its day)
    await expect(
      openBarSource({ ...spec, start: '2025-07-11', end: '2025-07-09' }, inst)
    ).rejects.toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringMatching(/data\.start/)
    });
    // one day is a range: start and end on the same date read that day's session (383 of its 390 minutes stored)
    const day = await collect(await openBarSource({ ...spec, start: '2025-07-10', end: '2025-07-10' }, inst));
    expect(day).toHaveLength(383);
    expect(
      day.every(
        (b) => b.tsOpen >= nsFromIso('2025-07-10T13:30:00Z') && b.tsEvent <= nsFromIso('2025-07-10T20:00:00Z')
      )
    ).toBe(true);
  });

  it('csv on the NYSE calendar: the regular session by default, bar for bar the store’s bars of the same file imported with --format spy; session all keeps extended hours', async () => {
    const path = sharedData('ohlcv', 'spy_yahoo', 'SPY_5min_20250519_20250714.csv');
    const csv = async (more: { session?: 'regular' | 'all' }, calendar: 'nyse' | '24x7' = 'nyse') =>
      collect(
        await openBarSource(
          { kind: 'csv', files: [{ symbol: 'SPY', path }], read: { calendar }, ...more },
          inst
        )
      );
    const regular = await csv({});
    expect(regular).toHaveLength(2926);
    expect(regular.filter((b) => nysePhase(b.tsOpen) !== 'regular')).toEqual([]);
    expect(await csv({ session: 'regular' })).toEqual(regular);
    const store5 = join(dir, 'spy5');
    const store = await ParquetStore.open(store5);
    await importFile(store, path, { format: 'spy', symbol: 'SPY' });
    store.close();
    const parquet = { kind: 'parquet' as const, store: store5, symbols: ['SPY'] };
    expect(await collect(await openBarSource(parquet, inst))).toEqual(regular);
    // the opt-out, the same for both: 04:00–20:00 New York, every row of the file
    const all = await csv({ session: 'all' });
    expect(all).toHaveLength(7143);
    expect(await collect(await openBarSource({ ...parquet, session: 'all' }, inst))).toEqual(all);
    // round the clock nothing is extended hours
    expect(await csv({}, '24x7')).toHaveLength(7143);
  });

  it('parquet without a timeframe reads the finest one stored for every symbol (daily-only, 5-minute-only data)', async () => {
    const root = join(dir, 'finest');
    const store = await ParquetStore.open(root);
    await importFile(store, sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt'), {
      format: 'yahoo',
      symbol: 'ORCL'
    });
    await importFile(store, sharedData('ohlcv', 'spy_yahoo', 'SPY_5min_20250519_20250714.csv'), {
      format: 'spy',
      symbol: 'SPY'
    });
    await importFile(store, sharedData('ohlcv', 'spy_yahoo', 'SPY_1D_20230717_20250714.csv'), {
      format: 'spy',
      symbol: 'SPY'
    });
    store.close();
    const spec = (symbols: string[], more: { timeframe?: string } = {}) => ({
      kind: 'parquet' as const,
      store: root,
      symbols,
      ...more
    });
    expect(parquetTimeframe(spec(['ORCL'])).label).toBe('1d');
    expect(parquetTimeframe(spec(['SPY'])).label).toBe('5m');
    expect(parquetTimeframe(spec(['SPY', 'ORCL'])).label).toBe('1d');
    expect(parquetTimeframe(spec(['ORCL'], { timeframe: '1h' })).label).toBe('1h');
    const orcl = await collect(await openBarSource(spec(['ORCL']), inst));
    expect(orcl).toHaveLength(5036);
    const both = await collect(await openBarSource({ ...spec(['SPY', 'ORCL']), start: '2014-12-01' }, inst));
    // NYSE sessions (6.5 h, 3.5 h on an early close), no 5-minute bar
    expect(both.filter((b) => b.tsEvent - b.tsOpen < 12_600_000_000_000n)).toEqual([]);
    expect(both.filter((b) => b.instrumentId === 'SPY@XNYS')).toHaveLength(500);
    // a stated timeframe is read as before: none finer to make it from is refused, naming what is stored
    await expect(openBarSource(spec(['ORCL'], { timeframe: '1m' }), inst)).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_NOT_FOUND',
      message: expect.stringMatching(/no 1m bars for ORCL .*stored: 1d/)
    });
    expect(() => parquetTimeframe(spec(['NOPE']))).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_NOT_FOUND' })
    );
  });
});
