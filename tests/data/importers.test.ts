import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal, pow10 } from '../../src/core/decimal.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import { isoFromNs } from '../../src/core/nanos.ts';
import { fillGaps } from '../../src/data/clean.ts';
import { allocBarColumns, BarFlag } from '../../src/data/columns.ts';
import {
  parseBacktraderIntraday,
  parseCryptoMinuteCsv,
  parseYfinanceCsv,
  plainDecimal
} from '../../src/data/import/bar-files.ts';
import { lobsterDate, parseLobsterMessages } from '../../src/data/import/lobster.ts';
import { caught } from '../support/caught.ts';
import { sharedData } from '../support/shared-data.ts';

const read = (...p: string[]) => readFileSync(sharedData(...p), 'utf8');
const IDX = makeInstrument({
  symbol: 'STOXX',
  venue: 'EUREX',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'EUR'
});
const BTC = makeInstrument({
  symbol: 'BTC',
  venue: 'CRYPTO',
  tickSize: '0.01',
  lotSize: '0.000001',
  currency: 'USD'
});
const SPY = makeInstrument({ symbol: 'SPY', venue: 'NYSE', tickSize: '0.01', lotSize: '1', currency: 'USD' });
const AAPL = makeInstrument({
  symbol: 'AAPL',
  venue: 'NASDAQ',
  tickSize: '0.0001',
  lotSize: '1',
  currency: 'USD'
});

describe('backtrader 1-minute file with a 7-name header over 8-cell rows', () => {
  const text = read('ohlcv', 'backtrader', '2006-01-02-volume-min-001.txt');
  const r = parseBacktraderIntraday(text, IDX, { file: 'min.txt' });

  it('repairs the header, says so, and reads every row', () => {
    expect(r.warnings[0]).toMatch(/header names 7 columns.*rows have 8/);
    expect(r.cols.length).toBe(30889);
    expect(r.timeframe.label).toBe('1m');
  });

  it('stamps are bar ends in Central European time, converted to UTC', () => {
    // 2006-01-02,09:01:00,3602.00,3603.00,3597.00,3599.00,5699,0  (CET = UTC+1)
    expect(isoFromNs(r.cols.tsEvent[0]!)).toBe('2006-01-02T08:01:00.000000000Z');
    expect(isoFromNs(r.cols.tsOpen[0]!)).toBe('2006-01-02T08:00:00.000000000Z');
    expect([r.cols.open[0], r.cols.high[0], r.cols.low[0], r.cols.close[0], r.cols.volume[0]]).toEqual([
      360200, 360300, 359700, 359900, 5699
    ]);
  });

  it('names row and column on a bad cell', () => {
    const bad = text.replace('2006-01-02,09:03:00,3599.00', '2006-01-02,09:03:00,35x9.00');
    expect(caught(() => parseBacktraderIntraday(bad, IDX, { file: 'min.txt' })).context).toMatchObject({
      file: 'min.txt',
      row: 4,
      column: 'Open'
    });
  });
});

describe('crypto minute bars', () => {
  it('Binance: 30,240 gap-free bars, exponent volumes read exactly', () => {
    const r = parseCryptoMinuteCsv(
      read('ohlcv', 'crypto_1m', 'binanceus_BTCUSDT_1m_20230301_20230321.csv'),
      BTC
    );
    expect(r.cols.length).toBe(30240);
    expect(fillGaps(r.cols, r.timeframe, 'none').report.gaps).toBe(0);
    // 2023-03-11 10:14:00+00:00,...,9e-05 → 0.00009 BTC = 90 lots of 0.000001
    const i = r.cols.tsOpen.findIndex((t) => isoFromNs(t) === '2023-03-11T10:14:00.000000000Z');
    expect(r.cols.volume[i]).toBe(90);
    expect(plainDecimal('1E+1')).toBe('10');
    expect(plainDecimal('1.5e-3')).toBe('0.0015');
  });

  it('Kraken sparse: the 26,746 gaps are found, flagged, and forward-fill completes Q1 exactly', () => {
    const r = parseCryptoMinuteCsv(read('ohlcv', 'crypto_1m', 'kraken_BTCUSDC_1m_2023Q1_sparse.csv'), BTC);
    expect(r.cols.length).toBe(56717);
    expect(r.warnings.join()).toMatch(/volumes rounded/);
    const none = fillGaps(r.cols, r.timeframe, 'none');
    expect(none.report.gaps).toBe(26746);
    expect(none.cols.flags.filter((f) => f & BarFlag.GAP_BEFORE).length).toBe(26746);
    const ff = fillGaps(r.cols, r.timeframe, 'forward-fill');
    // 2023-01-01 00:00 … 2023-03-31 23:59 = 90 days × 1,440 minutes
    expect(ff.cols.length).toBe(90 * 1440);
    const filled = ff.cols.flags.filter((f) => f & BarFlag.FILLED).length;
    expect(filled).toBe(none.report.missing);
    let steps = 0;
    for (let i = 1; i < ff.cols.length; i++)
      if (ff.cols.tsOpen[i]! - ff.cols.tsOpen[i - 1]! === 60_000_000_000n) steps++;
    expect(steps).toBe(ff.cols.length - 1);
  });
});

describe('SPY from yfinance', () => {
  const r = parseYfinanceCsv(read('ohlcv', 'spy_yahoo', 'SPY_1min_20250708_20250714.csv'), SPY, {
    file: 'spy.csv'
  });

  it('applies the UTC offset in the text and flags extended hours', () => {
    expect(r.cols.length).toBe(4696);
    expect(isoFromNs(r.cols.tsOpen[0]!)).toBe('2025-07-08T08:00:00.000000000Z'); // 04:00-04:00
    const regular = r.cols.flags.filter((f) => (f & BarFlag.EXTENDED_HOURS) === 0).length;
    // 5 sessions × 390 minutes, minus the regular-session minutes Yahoo has no bar for
    const opens = r.cols.tsOpen.filter((_, i) => (r.cols.flags[i]! & BarFlag.EXTENDED_HOURS) === 0);
    const only = allocBarColumns(opens.length);
    only.tsOpen.set(opens);
    const gaps = fillGaps(only, r.timeframe, 'none', 'nyse').report;
    expect(regular + gaps.missing).toBe(5 * 390);
    const first = r.cols.tsOpen.findIndex((_, i) => (r.cols.flags[i]! & BarFlag.EXTENDED_HOURS) === 0);
    expect(isoFromNs(r.cols.tsOpen[first]!)).toBe('2025-07-08T13:30:00.000000000Z');
  });

  it('daily file: EST and EDT rows both land on the session in UTC', () => {
    const d = parseYfinanceCsv(read('ohlcv', 'spy_yahoo', 'SPY_1D_20230717_20250714.csv'), SPY);
    expect(d.timeframe.label).toBe('1d');
    expect(d.cols.length).toBe(500);
    const iso = Array.from(d.cols.tsEvent, (t) => isoFromNs(t));
    expect(iso).toContain('2024-01-02T21:00:00.000000000Z');
    expect(iso).toContain('2024-07-01T20:00:00.000000000Z');
    expect(iso).toContain('2024-07-03T17:00:00.000000000Z'); // early close
  });

  it('rejects a row without an offset, naming the column', () => {
    const bad = read('ohlcv', 'spy_yahoo', 'SPY_1min_20250708_20250714.csv').replace(
      '2025-07-08 04:01:00-04:00',
      '2025-07-08 04:01:00'
    );
    expect(caught(() => parseYfinanceCsv(bad, SPY, { file: 'spy.csv' })).context).toMatchObject({
      row: 3,
      column: 'Datetime'
    });
  });
});

describe('LOBSTER messages', () => {
  const path = sharedData('lobster', 'AAPL_2012-06-21_34200000_37800000_message_50.csv');
  const rows = parseLobsterMessages(readFileSync(path, 'utf8'), AAPL, {
    date: lobsterDate(path)!,
    file: 'msg'
  });

  it('converts seconds-after-midnight exactly to UTC ns and prices to ticks', () => {
    expect(rows).toHaveLength(91997);
    // 34200.004241176,1,16113575,18,5853300,1 — 09:30 EDT = 13:30Z
    expect(isoFromNs(rows[0]!.tsEvent)).toBe('2012-06-21T13:30:00.004241176Z');
    expect(rows[0]).toMatchObject({ eventType: 1, orderId: 16113575, sz: 18, px: 5853300, side: 1, seq: 0 });
    // 35821.088778456004 (a float printed to 12 places) rounds to the nanosecond
    const r = rows[39482]!;
    expect(isoFromNs(r.tsEvent)).toBe('2012-06-21T13:57:01.088778456Z');
    // hidden executions at half-cent midpoints survive at a 0.0001 tick
    expect(rows.some((x) => x.eventType === 5 && x.px === 5856150)).toBe(true);
  });

  it('refuses a half-cent price at a cent tick, naming row and column', () => {
    const cent = makeInstrument({
      symbol: 'AAPL',
      venue: 'NASDAQ',
      tickSize: '0.01',
      lotSize: '1',
      currency: 'USD'
    });
    const e = caught(() =>
      parseLobsterMessages(readFileSync(path, 'utf8'), cent, { date: '2012-06-21', file: 'msg' })
    );
    expect(e.context).toMatchObject({ file: 'msg', row: 1883, column: 'Price' });
  });
});

describe('plainDecimal: scientific notation to an exact plain decimal', () => {
  it('places the point from the mantissa as written, whatever zeros lead it', () => {
    expect(plainDecimal('0.5E2')).toBe('50');
    expect(plainDecimal('0.5e-2')).toBe('0.005');
    expect(plainDecimal('00.25e1')).toBe('2.5');
    expect(plainDecimal('0.0e3')).toBe('0');
    expect(plainDecimal('12.5')).toBe('12.5'); // plain text passes through
  });

  it('property: m × 10^e for any mantissa text and exponent is exactly that value', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: -30, max: 30 }),
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        (n, s, e, zeros, upper) => {
          // the value n / 10^s, written as (n / 10^(s+e)) × 10^e
          const k = s + e;
          const mantissa = k >= 0 ? formatDecimal(n, k) : (n * pow10(-k)).toString();
          const text = `${'0'.repeat(zeros)}${mantissa}${upper ? 'E' : 'e'}${e >= 0 && upper ? '+' : ''}${e}`;
          const out = parseDecimal(plainDecimal(text));
          expect(out.mantissa * pow10(s), text).toBe(n * pow10(out.scale));
        }
      )
    );
  });
});

describe('importers: volumes and sizes are integer lots of the instrument', () => {
  const LOT100 = makeInstrument({
    symbol: 'SPY',
    venue: 'NYSE',
    tickSize: '0.01',
    lotSize: '100',
    currency: 'USD'
  });

  it('yfinance: shares become lots; a volume off the lot goes to the nearest lot and is counted', () => {
    const text =
      'Datetime,Open,High,Low,Close,Volume,Dividends,Stock Splits,Capital Gains,Repaired?\n' +
      '2025-07-08 09:30:00-04:00,620.5,621,620,620.9,1500,0.0,0.0,0.0,False\n' +
      '2025-07-08 09:31:00-04:00,620.5,621,620,620.9,1550,0.0,0.0,0.0,False\n';
    const r = parseYfinanceCsv(text, LOT100, { file: 'spy.csv' });
    expect(Array.from(r.cols.volume)).toEqual([15, 16]);
    expect(r.warnings).toEqual(['spy.csv: 1 volumes rounded to the lot 100']);
  });

  it('backtrader intraday: shares become lots', () => {
    const text =
      'Date,Time,Open,High,Low,Close,Volume,OpenInterest\n2006-01-02,09:01:00,10,11,9,10,1500,0\n2006-01-02,09:02:00,10,11,9,10,300,0\n';
    const r = parseBacktraderIntraday(text, LOT100, { file: 'bt.txt' });
    expect(Array.from(r.cols.volume)).toEqual([15, 3]);
    expect(r.warnings).toEqual([]);
  });

  it('LOBSTER: order sizes become lots, and a size off the lot is refused naming row and column', () => {
    const rows = parseLobsterMessages('34200.0,1,1,1500,5853300,-1\n', LOT100, { date: '2012-06-21' });
    expect(rows[0]!.sz).toBe(15);
    const e = caught(() =>
      parseLobsterMessages('34200.0,1,1,1500,5853300,-1\n34200.1,1,2,1550,5853300,-1\n', LOT100, {
        date: '2012-06-21',
        file: 'msg'
      })
    );
    expect([e.code, e.context]).toMatchObject([
      'TRD_ERR_DATA_INVALID',
      { file: 'msg', row: 2, column: 'Size' }
    ]);
  });
});

describe('LOBSTER order ids', () => {
  it('keeps 2^53 − 1 exactly and refuses a larger id instead of rounding it', () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    expect(
      parseLobsterMessages(`34200.0,1,${max},18,5853300,-1\n`, AAPL, { date: '2012-06-21' })[0]!.orderId
    ).toBe(Number.MAX_SAFE_INTEGER);
    const e = caught(() =>
      parseLobsterMessages('34200.0,1,9007199254740993,18,5853300,-1\n', AAPL, {
        date: '2012-06-21',
        file: 'msg'
      })
    );
    expect([e.code, e.context]).toMatchObject([
      'TRD_ERR_DATA_INVALID',
      { file: 'msg', row: 1, column: 'OrderID', value: '9007199254740993' }
    ]);
  });
});

describe('importers skip blank lines inside a file, and still number the lines of the file', () => {
  const gap = (rows: string[]) => `${rows[0]}\n\n${rows.slice(1).join('\n  \t\n')}\n`;

  it('crypto (Binance and Kraken)', () => {
    const binance = gap([
      'open_time,open,high,low,close,volume',
      '2023-03-01 00:00:00+00:00,1,1,1,1,1',
      '2023-03-01 00:01:00+00:00,1,1,1,1,1',
      '2023-03-01 00:02:00+00:00,1,1,1,1,x'
    ]);
    expect(caught(() => parseCryptoMinuteCsv(binance, BTC, { file: 'b.csv' })).context).toMatchObject({
      row: 7,
      column: 'volume'
    });
    expect(parseCryptoMinuteCsv(binance.replace(',x', ',1'), BTC).cols.length).toBe(3);
    const kraken = gap(['1677628800,1,1,1,1,1,1', '1677628860,1,1,1,1,1,1']);
    expect(parseCryptoMinuteCsv(kraken, BTC).cols.length).toBe(2);
  });

  it('backtrader intraday, also when the first row after the header is blank', () => {
    const text = gap([
      'Date,Time,Open,High,Low,Close,Volume,OpenInterest',
      '2006-01-02,09:01:00,10,11,9,10,5,0',
      '2006-01-02,09:02:00,10,11,9,10,5,0',
      '2006-01-02,09:03:00,10,11,9,10,5,0'
    ]);
    expect(parseBacktraderIntraday(text, IDX).cols.length).toBe(3);
    const repaired = text.replace('Date,Time,', 'Date,');
    const r = parseBacktraderIntraday(repaired, IDX, { file: 'min.txt' });
    expect(r.cols.length).toBe(3);
    expect(r.warnings[0]).toMatch(/header names 7 columns/);
  });

  it('yfinance', () => {
    const text = gap([
      'Datetime,Open,High,Low,Close,Volume,Dividends,Stock Splits,Capital Gains,Repaired?',
      '2025-07-08 09:30:00-04:00,620.5,621,620,620.9,1500,0.0,0.0,0.0,False',
      '2025-07-08 09:31:00-04:00,620.5,621,620,620.9,1500,0.0,0.0,0.0,False'
    ]);
    expect(parseYfinanceCsv(text, SPY).cols.length).toBe(2);
  });

  it('LOBSTER, whose seq stays the index of the message', () => {
    const text = '34200.0,1,1,18,5853300,-1\n\n34200.1,1,2,18,5853300,-1\n \n34200.2,1,3,18,5853300,x\n';
    expect(
      caught(() => parseLobsterMessages(text, AAPL, { date: '2012-06-21', file: 'm' })).context
    ).toMatchObject({
      row: 5,
      column: 'Direction'
    });
    const rows = parseLobsterMessages(text.replace(',x', ',1'), AAPL, { date: '2012-06-21' });
    expect(rows.map((r) => [r.seq, r.orderId])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3]
    ]);
  });
});
