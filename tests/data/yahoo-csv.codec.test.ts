import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { isoFromNs } from '../../src/core/nanos.ts';
import { compareBars } from '../../src/data/bar-source.ts';
import { parseYahooCsv } from '../../src/data/yahoo-csv.codec.ts';
import { barSchema } from '../../src/messages/market-data.ts';
import { caught } from '../support/caught.ts';
import { sharedData } from '../support/shared-data.ts';

const ORCL = makeInstrument({
  symbol: 'ORCL',
  venue: 'NYSE',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
const FILE = sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt');
const TEXT = readFileSync(FILE, 'utf8');

describe('parseYahooCsv on orcl-1995-2014.txt', () => {
  const bars = parseYahooCsv(TEXT, ORCL, { file: FILE });

  it('loads every row as a valid, strictly ordered bar', () => {
    expect(bars).toHaveLength(5036);
    for (const b of bars.slice(0, 50)) expect(barSchema.safeEncode(b).success).toBe(true);
    for (let i = 1; i < bars.length; i++) expect(compareBars(bars[i - 1]!, bars[i]!)).toBeLessThan(0);
  });

  it('converts prices to ticks: exact when on the tick, nearest tick otherwise', () => {
    // 1995-01-03,2.179012,2.191358,2.117284,2.117284,1.883304,36301200
    expect(bars[0]).toMatchObject({ open: 218, high: 219, low: 212, close: 212, volume: 36301200 });
    const jan2 = bars.find((b) => isoFromNs(b.tsEvent).startsWith('2014-01-02'))!;
    // 2014-01-02,37.779999,38.029999,37.549999,37.840000,35.166069,18162100
    expect(jan2).toMatchObject({ open: 3778, high: 3803, low: 3755, close: 3784, volume: 18162100 });
  });

  it('spans the NYSE regular session in UTC, DST-aware, with early closes', () => {
    const at = (d: string) => bars.find((b) => isoFromNs(b.tsOpen).startsWith(d))!;
    // winter: 09:30 EST = 14:30Z, 16:00 EST = 21:00Z
    expect(isoFromNs(bars[0]!.tsOpen)).toBe('1995-01-03T14:30:00.000000000Z');
    expect(isoFromNs(bars[0]!.tsEvent)).toBe('1995-01-03T21:00:00.000000000Z');
    // summer: 09:30 EDT = 13:30Z
    expect(isoFromNs(at('2014-07-01').tsOpen)).toBe('2014-07-01T13:30:00.000000000Z');
    expect(isoFromNs(at('2014-07-01').tsEvent)).toBe('2014-07-01T20:00:00.000000000Z');
    // 2006 (old rule): DST began 2 April → 3 April is EDT, 31 March is EST
    expect(isoFromNs(at('2006-03-31').tsOpen)).toBe('2006-03-31T14:30:00.000000000Z');
    expect(isoFromNs(at('2006-04-03').tsOpen)).toBe('2006-04-03T13:30:00.000000000Z');
    // 2007 (new rule): DST began 11 March
    expect(isoFromNs(at('2007-03-12').tsOpen)).toBe('2007-03-12T13:30:00.000000000Z');
    // early closes at 13:00 New York
    expect(isoFromNs(at('2014-11-28').tsEvent)).toBe('2014-11-28T18:00:00.000000000Z');
    expect(isoFromNs(at('2014-07-03').tsEvent)).toBe('2014-07-03T17:00:00.000000000Z');
    expect(isoFromNs(at('2014-12-24').tsEvent)).toBe('2014-12-24T18:00:00.000000000Z');
  });

  it('adjusts OHLC by Adj Close / Close exactly, leaving volume', () => {
    const adj = parseYahooCsv(TEXT, ORCL, { adjust: true, file: FILE });
    const last = adj[adj.length - 1]!;
    // 2014-12-31,45.450001,45.560001,44.970001,44.970001,42.303135,13269200
    const r = 42.303135 / 44.970001;
    expect(last.close).toBe(4230);
    expect(last.open).toBe(Math.round(45.450001 * r * 100));
    expect(last.high).toBe(Math.round(45.560001 * r * 100));
    expect(last.volume).toBe(13269200);
    expect(adj[0]!.close).toBe(188); // 1.883304
    expect(adj[0]!.close).not.toBe(bars[0]!.close);
  });
});

describe('parseYahooCsv rejects bad input naming file, row and column', () => {
  const lines = TEXT.split('\n');
  const mutate = (line: number, replace: (s: string) => string) =>
    lines.map((l, i) => (i === line - 1 ? replace(l) : l)).join('\n');

  it('a non-numeric price', () => {
    const e = caught(() =>
      parseYahooCsv(
        mutate(3, (l) => l.replace(/,[^,]+/, ',null')),
        ORCL,
        { file: 'x.csv' }
      )
    );
    expect(e.code).toBe('TRD_ERR_DATA_INVALID');
    expect(e.context).toMatchObject({ file: 'x.csv', row: 3, column: 'Open' });
  });

  it('a bad date, a missing column, a non-integer volume', () => {
    expect(
      caught(() =>
        parseYahooCsv(
          mutate(5, (l) => `1995-02-30${l.slice(10)}`),
          ORCL
        )
      ).context
    ).toMatchObject({
      row: 5,
      column: 'Date'
    });
    expect(
      caught(() =>
        parseYahooCsv(
          mutate(7, (l) => l.slice(0, l.lastIndexOf(','))),
          ORCL
        )
      ).context
    ).toMatchObject({ row: 7 });
    expect(
      caught(() =>
        parseYahooCsv(
          mutate(9, (l) => `${l}.5`),
          ORCL
        )
      ).context
    ).toMatchObject({
      row: 9,
      column: 'Volume'
    });
  });

  it('out-of-order dates, High below Low, and a wrong header', () => {
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n');
    expect(caught(() => parseYahooCsv(swapped, ORCL)).context).toMatchObject({ row: 3, column: 'Date' });
    const badHigh = mutate(4, (l) => {
      const c = l.split(',');
      c[2] = '0.50';
      return c.join(',');
    });
    expect(caught(() => parseYahooCsv(badHigh, ORCL)).context).toMatchObject({ row: 4, column: 'High' });
    expect(
      caught(() =>
        parseYahooCsv(
          mutate(1, (l) => l.replace('Adj Close', 'Adj')),
          ORCL
        )
      ).context
    ).toMatchObject({ row: 1, column: 'Adj Close' });
  });
});
