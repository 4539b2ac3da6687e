import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import { isoFromNs, NS_PER_MIN, nsFromIso } from '../../src/core/nanos.ts';
import { type BarColumns, BarFlag } from '../../src/data/columns.ts';
import {
  importYahooDaily,
  parseBacktraderIntraday,
  parseCryptoMinuteCsv,
  parseYfinanceCsv
} from '../../src/data/import/bar-files.ts';
import { parseGenericCsv } from '../../src/data/import/generic-csv.ts';
import { caught } from '../support/caught.ts';
import { sharedData } from '../support/shared-data.ts';

const read = (...p: string[]) => readFileSync(sharedData('ohlcv', ...p), 'utf8');
const inst = (tickSize: string, lotSize: string) =>
  makeInstrument({ symbol: 'X', venue: 'CSV', tickSize, lotSize, currency: 'USD' });
const CENT = inst('0.01', '1');
const BTC = inst('0.01', '0.000001');

/** Columns as plain arrays, for whole-file equality. */
function plain(c: BarColumns): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(c))
    if (ArrayBuffer.isView(v)) out[k] = Array.from(v as unknown as ArrayLike<unknown>);
  return out;
}

describe('parseGenericCsv on real files: the same bars as the format-specific importers', () => {
  it('Binance 1-minute bars (open_time with zone, exponent volumes): 30,240 bars, identical', () => {
    const text = read('crypto_1m', 'binanceus_BTCUSDT_1m_20230301_20230321.csv');
    const g = parseGenericCsv(text, BTC);
    expect(g.cols.length).toBe(30_240);
    expect(g.timeframe.label).toBe('1m');
    expect(plain(g.cols)).toEqual(plain(parseCryptoMinuteCsv(text, BTC).cols));
    expect(g.warnings).toEqual([]);
  });

  it('backtrader 5-minute bars (Date and Time columns, Berlin wall clock, stamped at the close): identical', () => {
    const text = read('backtrader', '2006-min-005.txt');
    const g = parseGenericCsv(text, CENT, { tz: 'Europe/Berlin', stamp: 'close', file: 'min5.txt' });
    expect(g.timeframe.label).toBe('5m');
    expect(plain(g.cols)).toEqual(plain(parseBacktraderIntraday(text, CENT).cols));
    expect(g.warnings).toEqual(['min5.txt: ignored columns OpenInterest']);
    // 09:05 Berlin in winter is 08:05 UTC, the end of the 08:00 bar
    expect(isoFromNs(g.cols.tsOpen[0]!)).toBe('2006-01-02T08:00:00.000000000Z');
  });

  it('yfinance SPY 1-minute, 5-minute and daily (UTC offsets, extended hours) on the NYSE calendar: identical', () => {
    for (const f of [
      'SPY_1min_20250708_20250714.csv',
      'SPY_5min_20250519_20250714.csv',
      'SPY_1D_20230717_20250714.csv'
    ]) {
      const text = read('spy_yahoo', f);
      const g = parseGenericCsv(text, CENT, { calendar: 'nyse' });
      expect(plain(g.cols), f).toEqual(plain(parseYfinanceCsv(text, CENT).cols));
    }
    const g = parseGenericCsv(read('spy_yahoo', 'SPY_1min_20250708_20250714.csv'), CENT, {
      calendar: 'nyse'
    });
    expect(g.cols.flags.some((f) => f & BarFlag.EXTENDED_HOURS)).toBe(true);
  });

  it('Yahoo daily with Adj Close, unadjusted, on the NYSE calendar: identical; Adj Close is ignored and named', () => {
    const text = read('backtrader', 'orcl-2014.txt');
    const g = parseGenericCsv(text, CENT, { calendar: 'nyse', file: 'orcl.txt' });
    expect(plain(g.cols)).toEqual(plain(importYahooDaily(text, CENT).cols));
    expect(g.warnings).toEqual(['orcl.txt: ignored columns Adj Close']);
  });

  it('a daily file no other importer reads (Euro Stoxx, no Adj Close) becomes UTC days; the weekly file is refused', () => {
    const g = parseGenericCsv(read('backtrader', '2006-day-001.txt'), CENT);
    expect([g.timeframe.label, g.cols.length]).toEqual(['1d', 255]);
    expect([isoFromNs(g.cols.tsOpen[0]!), isoFromNs(g.cols.tsEvent[0]!)]).toEqual([
      '2006-01-02T00:00:00.000000000Z',
      '2006-01-03T00:00:00.000000000Z'
    ]);
    expect([g.cols.open[0], g.cols.close[0]]).toEqual([357_873, 360_433]);
    const e = caught(() =>
      parseGenericCsv(read('backtrader', '2006-week-001.txt'), CENT, { file: 'week.txt' })
    );
    expect(e.code).toBe('TRD_ERR_DATA_INVALID');
    expect(e.message).toMatch(/^week\.txt: bars wider than a day/);
  });
});

describe('parseGenericCsv layouts', () => {
  const bars = (text: string, o = {}) => {
    const r = parseGenericCsv(text, CENT, o);
    return Array.from({ length: r.cols.length }, (_, i) => ({
      t: isoFromNs(r.cols.tsOpen[i]!).slice(0, 19),
      o: r.cols.open[i],
      h: r.cols.high[i],
      l: r.cols.low[i],
      c: r.cols.close[i],
      v: r.cols.volume[i]
    }));
  };
  const TWO = [
    { t: '2024-01-02T14:30:00', o: 10_000, h: 10_100, l: 9_900, c: 10_050, v: 7 },
    { t: '2024-01-02T14:31:00', o: 10_050, h: 10_060, l: 10_000, c: 10_010, v: 3 }
  ];

  it('reads every way of writing the same two minutes', () => {
    const s = 1704205800; // 2024-01-02T14:30:00Z
    for (const text of [
      'timestamp,open,high,low,close,volume\n2024-01-02T14:30:00Z,100,101,99,100.5,7\n2024-01-02T14:31:00Z,100.5,100.6,100,100.1,3',
      'Date,Time,Open,High,Low,Close,Volume\n2024-01-02,14:30:00,100,101,99,100.5,7\n2024-01-02,14:31,100.5,100.6,100,100.1,3',
      `t,o,h,l,c,v\n${s},100,101,99,100.5,7\n${s + 60},100.5,100.6,100,100.1,3`,
      `ts;close;open;low;high;vol\n${s}000;100,5;100;99;101;7\n${s + 60}000;100,1;100,5;100;100,6;3`,
      `time\topen\thigh\tlow\tclose\tvolume\n${s}000000\t100\t101\t99\t100.5\t7\n${s + 60}000000\t100.5\t100.6\t100\t100.1\t3`,
      `DATETIME,OPEN,HIGH,LOW,CLOSE,VOLUME\n${s}000000000,100,101,99,100.5,7\n${s + 60}000000000,100.5,100.6,100,100.1,3`,
      '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\n2024.01.02\t14:30:00\t100\t101\t99\t100.5\t50\t7\n2024.01.02\t14:31:00\t100.5\t100.6\t100\t100.1\t40\t3',
      '"datetime","open","high","low","close","volume"\n"2024-01-02 09:30:00-05:00","100","101","99","100.5","7"\n"2024-01-02 09:31:00-05:00","100.5","100.6","100","100.1","3"',
      // newest first, with a BOM and CRLF and a blank line
      '\ufeffopen_time,open,high,low,close,volume\r\n2024-01-02 14:31:00+00:00,100.5,100.6,100,100.1,3\r\n\r\n2024-01-02 14:30:00+00:00,100,101,99,100.5,7\r\n'
    ]) {
      expect(bars(text), text).toEqual(TWO);
    }
  });

  it('wall times without a zone are in --tz: New York 09:30 in January is 14:30 UTC, and in July 13:30', () => {
    const ny =
      'datetime,open,high,low,close,volume\n2024-01-02 09:30:00,100,101,99,100.5,7\n2024-01-02 09:31:00,100.5,100.6,100,100.1,3';
    expect(bars(ny, { tz: 'America/New_York' })).toEqual(TWO);
    expect(bars(ny)[0]!.t).toBe('2024-01-02T09:30:00');
    const july = bars(ny.replaceAll('2024-01-02', '2024-07-02'), { tz: 'America/New_York' });
    expect(july[0]!.t).toBe('2024-07-02T13:30:00');
  });

  it('--stamp close, --timeframe, no volume column, a compact date, descending order — each said in a warning when it matters', () => {
    const closes =
      'datetime,open,high,low,close\n2024-01-02T14:35:00Z,100,101,99,100.5\n2024-01-02T14:45:00Z,100.5,100.6,100,100.1';
    const r = parseGenericCsv(closes, CENT, { stamp: 'close', timeframe: '5m', file: 'f.csv' });
    expect(r.timeframe.label).toBe('5m');
    expect(isoFromNs(r.cols.tsOpen[0]!)).toBe('2024-01-02T14:30:00.000000000Z');
    expect(Array.from(r.cols.volume)).toEqual([0, 0]);
    expect(r.warnings).toEqual(['f.csv: no volume column; volumes are 0']);
    const days = parseGenericCsv('date,o,h,l,c,v\n20240103,1,1,1,1,1\n20240102,1,1,1,1,1', CENT, {
      file: 'd.csv'
    });
    expect([days.timeframe.label, isoFromNs(days.cols.tsOpen[0]!)]).toEqual([
      '1d',
      '2024-01-02T00:00:00.000000000Z'
    ]);
    expect(days.warnings).toEqual(['d.csv: rows were newest first; read oldest first']);
    // an 8-digit integer with --time-unit is an epoch, not a date
    const epoch = parseGenericCsv('t,o,h,l,c\n86400000,1,1,1,1\n86460000,1,1,1,1', CENT, { timeUnit: 'ms' });
    expect(isoFromNs(epoch.cols.tsOpen[0]!)).toBe('1970-01-02T00:00:00.000000000Z');
  });

  it('volumes finer than the lot are rounded to it and counted; prices off the tick go to the nearest', () => {
    const r = parseGenericCsv(
      't,o,h,l,c,v\n1704205800,100.004,101,99,100.5,0.5\n1704205860,100.5,100.6,100,100.1,2.5',
      CENT,
      { file: 'r.csv' }
    );
    expect(Array.from(r.cols.open)).toEqual([10_000, 10_050]);
    expect(Array.from(r.cols.volume)).toEqual([0, 2]);
    expect(r.warnings).toEqual(['r.csv: 2 volumes rounded to the lot 1']);
  });
});

describe('parseGenericCsv numbers and sessions', () => {
  it('a price or volume in scientific notation is its exact value, whatever zeros lead the mantissa', () => {
    const r = parseGenericCsv(
      't,o,h,l,c,v\n1704205800,0.5E2,0.5e2,5e1,50,0.3e1\n1704205860,50,50,50,50,1e0',
      CENT
    );
    expect([r.cols.open[0], r.cols.high[0], r.cols.low[0], r.cols.close[0], r.cols.volume[0]]).toEqual([
      5000, 5000, 5000, 5000, 3
    ]);
  });

  it('on the NYSE calendar a bar holding no regular-session minute is flagged extended hours; an hour holding the open is not', () => {
    // 2024-01-02 (EST) hours from 08:00 to 17:00 New York: 08:00 pre-market, 09:00 holds the 09:30 open, 16:00 after hours
    const rows = Array.from(
      { length: 10 },
      (_, h) => `2024-01-02 ${String(8 + h).padStart(2, '0')}:00:00-05:00,1,1,1,1,1`
    );
    const r = parseGenericCsv(`datetime,o,h,l,c,v\n${rows.join('\n')}`, CENT, { calendar: 'nyse' });
    expect(r.timeframe.label).toBe('1h');
    const extended = Array.from(r.cols.flags, (f) => (f & BarFlag.EXTENDED_HOURS) !== 0);
    expect(extended).toEqual([true, false, false, false, false, false, false, false, true, true]);
  });
});

describe('parseGenericCsv refuses bad input with TRD_ERR_DATA_INVALID naming file, line and column', () => {
  const H = 'timestamp,open,high,low,close,volume';
  for (const [what, text, where, why] of [
    ['an empty file', '', 'f.csv:1 column (header)', /empty file/],
    ['no stamp column', 'when,open,high,low,close', 'f.csv:1 column time', /no time column/],
    ['no close column', 'ts,open,high,low', 'f.csv:1 column close', /no close column.*close, c, last/],
    [
      'a cell missing',
      `${H}\n2024-01-02T14:30:00Z,1,1,1`,
      'f.csv:2 column close',
      /expected 6 columns, got 4/
    ],
    [
      'a bad price',
      `${H}\n2024-01-02T14:30:00Z,1,x,1,1,1`,
      'f.csv:2 column high',
      /non-negative decimal price/
    ],
    ['a negative volume', `${H}\n2024-01-02T14:30:00Z,1,1,1,1,-1`, 'f.csv:2 column volume', /decimal volume/],
    ['a bad stamp', `${H}\n02/01/2024 14:30,1,1,1,1,1`, 'f.csv:2 column timestamp', /ISO-8601/],
    [
      'an impossible date',
      `${H}\n2024-02-30T14:30:00Z,1,1,1,1,1`,
      'f.csv:2 column timestamp',
      /not a valid date/
    ],
    [
      'an epoch out of range (seconds past 2261)',
      `${H}\n9999999999,1,1,1,1,1`,
      'f.csv:2 column timestamp',
      /1900 to 2261/
    ],
    [
      'a stamp out of range',
      `${H}\n1800-01-01T00:00:00Z,1,1,1,1,1`,
      'f.csv:2 column timestamp',
      /1900 to 2261/
    ],
    [
      'high below close',
      `${H}\n2024-01-02T14:30:00Z,1,1,1,1,1\n2024-01-02T14:31:00Z,1,1,1,2,1`,
      'f.csv:3 column High',
      /High is below/
    ],
    [
      'a repeated stamp',
      `${H}\n2024-01-02T14:30:00Z,1,1,1,1,1\n2024-01-02T14:31:00Z,1,1,1,1,1\n2024-01-02T14:31:00Z,1,1,1,1,1`,
      'f.csv:4 column timestamp',
      /strictly ascending/
    ],
    [
      'a date among minute bars',
      `${H}\n2024-01-02T14:30:00Z,1,1,1,1,1\n2024-01-02T14:31:00Z,1,1,1,1,1\n2024-01-03,1,1,1,1,1`,
      'f.csv:4 column timestamp',
      /a date without a time in 1m bars/
    ]
  ] as const) {
    it(what, () => {
      const e = caught(() => parseGenericCsv(text, CENT, { file: 'f.csv' }));
      expect(e.code).toBe('TRD_ERR_DATA_INVALID');
      expect(e.message.startsWith(`${where}: `), e.message).toBe(true);
      expect(e.message).toMatch(why);
    });
  }
});

// ------------------------------------------------------------------ properties

const ALIAS = {
  time: ['timestamp', 'Datetime', 'open_time', 'ts', 'TIME', 't'],
  open: ['open', 'Open', 'o', '<OPEN>'],
  high: ['high', 'HIGH', 'h'],
  low: ['low', 'Low', 'l'],
  close: ['close', 'Close', 'c', 'last'],
  volume: ['volume', 'Vol', 'v']
} as const;
type Col = keyof typeof ALIAS;
const STAMPS = ['iso-z', 'iso-offset', 'wall', 's', 'ms', 'us', 'ns'] as const;

const px = (ticks: number, comma: boolean) => {
  const s = `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, '0')}`;
  return comma ? s.replace('.', ',') : s;
};

function stampText(ns: bigint, how: (typeof STAMPS)[number]): string {
  const iso = isoFromNs(ns);
  switch (how) {
    case 'iso-z':
      return `${iso.slice(0, 19)}Z`;
    case 'iso-offset': {
      // the same instant written at UTC+05:30
      const shifted = isoFromNs(ns + 330n * NS_PER_MIN);
      return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}+05:30`;
    }
    case 'wall':
      return iso.slice(0, 19); // no zone: UTC wall time (the zone rules are tested above)
    case 's':
      return String(ns / 1_000_000_000n);
    case 'ms':
      return String(ns / 1_000_000n);
    case 'us':
      return String(ns / 1_000n);
    case 'ns':
      return String(ns);
  }
}

const layoutArb = fc.record({
  order: fc.shuffledSubarray(['time', 'open', 'high', 'low', 'close', 'volume'] as Col[], {
    minLength: 6,
    maxLength: 6
  }),
  names: fc.record(
    Object.fromEntries(Object.entries(ALIAS).map(([k, v]) => [k, fc.constantFrom(...v)])) as {
      [K in Col]: fc.Arbitrary<string>;
    }
  ),
  delim: fc.constantFrom(',', ';', '\t'),
  stamp: fc.constantFrom(...STAMPS),
  quote: fc.boolean(),
  extra: fc.boolean(),
  descending: fc.boolean()
});

const barsArb = fc
  .record({
    start: fc.integer({ min: 0, max: 30 * 365 * 24 * 60 }), // minutes from 2000-01-01
    tf: fc.constantFrom(1, 5, 15, 60),
    gaps: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 }),
    prices: fc.array(
      fc.tuple(fc.integer({ min: 1, max: 5_000_000 }), fc.nat(500), fc.nat(500), fc.nat(1000)),
      {
        minLength: 41,
        maxLength: 41
      }
    ),
    volumes: fc.array(fc.nat(1_000_000), { minLength: 41, maxLength: 41 })
  })
  .map(({ start, tf, gaps, prices, volumes }) => {
    const t0 = nsFromIso('2000-01-01T00:00:00Z') + BigInt(start) * NS_PER_MIN;
    // the first step is exactly one bar, so the timeframe can be inferred
    const steps = [0, 1, ...gaps.slice(1)];
    let t = t0;
    return {
      tf,
      bars: steps.map((k, i) => {
        t += BigInt(k * tf) * NS_PER_MIN;
        const [base, up, down, move] = prices[i]!;
        const close = Math.max(1, base + move - 500);
        return {
          ts: t,
          open: base,
          high: Math.max(base, close) + up,
          low: Math.max(0, Math.min(base, close) - down),
          close,
          volume: volumes[i]!
        };
      })
    };
  });

describe('parseGenericCsv properties', () => {
  it('property: bars written in any layout, delimiter, stamp format and order read back exactly', () => {
    fc.assert(
      fc.property(barsArb, layoutArb, ({ tf, bars }, l) => {
        const q = (s: string) => (l.quote ? `"${s}"` : s);
        const comma = l.delim !== ',';
        const header = [...l.order.map((c) => l.names[c]), ...(l.extra ? ['OpenInterest'] : [])];
        const rows = bars.map((b) => {
          const cell: Record<Col, string> = {
            time: stampText(b.ts, l.stamp),
            open: px(b.open, comma),
            high: px(b.high, comma),
            low: px(b.low, comma),
            close: px(b.close, comma),
            volume: String(b.volume)
          };
          return [...l.order.map((c) => q(cell[c])), ...(l.extra ? ['0'] : [])].join(l.delim);
        });
        if (l.descending) rows.reverse();
        const text = [header.map(q).join(l.delim), ...rows].join('\n');
        const r = parseGenericCsv(text, CENT);
        expect(r.timeframe.ns).toBe(BigInt(tf) * NS_PER_MIN);
        expect(Array.from(r.cols.tsOpen)).toEqual(bars.map((b) => b.ts));
        expect(Array.from(r.cols.tsEvent)).toEqual(bars.map((b) => b.ts + BigInt(tf) * NS_PER_MIN));
        expect(Array.from(r.cols.open)).toEqual(bars.map((b) => b.open));
        expect(Array.from(r.cols.high)).toEqual(bars.map((b) => b.high));
        expect(Array.from(r.cols.low)).toEqual(bars.map((b) => b.low));
        expect(Array.from(r.cols.close)).toEqual(bars.map((b) => b.close));
        expect(Array.from(r.cols.volume)).toEqual(bars.map((b) => b.volume));
      }),
      { numRuns: 300 }
    );
  });

  it('fuzz: any mutation of a valid file reads or is refused with TRD_ERR_DATA_INVALID, never another error', () => {
    const base = read('backtrader', '2006-min-005.txt').split('\n').slice(0, 30).join('\n');
    const edit = fc.tuple(
      fc.nat(base.length),
      fc.nat(8),
      fc.string({ maxLength: 6, unit: fc.constantFrom(...'0123456789,;.:-+TZ" \n\teE') })
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = base;
        for (const [at, cut, ins] of edits) text = text.slice(0, at) + ins + text.slice(at + cut);
        try {
          parseGenericCsv(text, CENT, { tz: 'Europe/Berlin' }); // read, or refused typed
        } catch (e) {
          expect(isTradestateError(e) && e.code, String(e)).toBe('TRD_ERR_DATA_INVALID');
        }
      }),
      { numRuns: 1000 }
    );
  });
});
