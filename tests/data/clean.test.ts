import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { isoFromNs, NS_PER_MIN, nsFromIso } from '../../src/core/nanos.ts';
import { applyAdjustments, fillGaps, flagOutliers, SymbolMap } from '../../src/data/clean.ts';
import { allocBarColumns, BarFlag, barsToColumns } from '../../src/data/columns.ts';
import { nyseSessionUtc } from '../../src/data/nyse-calendar.ts';
import { resampleBars } from '../../src/data/resample.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import { parseYahooCsv } from '../../src/data/yahoo-csv.codec.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { codeOf } from '../support/caught.ts';
import { sharedData } from '../support/shared-data.ts';

const NVDA = makeInstrument({
  symbol: 'NVDA',
  venue: 'NYSE',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});

describe('outliers', () => {
  it('flags an injected bad tick by robust z-score and keeps every bar', () => {
    const bars = parseYahooCsv(
      readFileSync(sharedData('ohlcv', 'backtrader', 'nvda-1999-2014.txt'), 'utf8'),
      NVDA
    );
    const cols = barsToColumns(bars);
    const before = flagOutliers(barsToColumns(bars), { threshold: 12 });
    const i = 2000;
    cols.close[i] = cols.close[i]! * 10; // a fat-finger print
    const flagged = flagOutliers(cols, { threshold: 12 });
    expect(flagged).toContain(i); // the jump up…
    expect(flagged).toContain(i + 1); // …and back down
    expect(flagged.filter((x) => !before.includes(x)).sort()).toEqual([i, i + 1]);
    expect(cols.length).toBe(bars.length);
    expect(cols.flags[i]! & BarFlag.OUTLIER).toBe(BarFlag.OUTLIER);
  });
});

describe('gap policies', () => {
  const tf = parseTimeframe('1m');
  const mk = (mins: number[]) => {
    const c = allocBarColumns(mins.length);
    mins.forEach((m, i) => {
      c.tsOpen[i] = BigInt(m) * 60_000_000_000n;
      c.tsEvent[i] = c.tsOpen[i]! + tf.ns;
      c.close[i] = 100 + i;
    });
    return c;
  };
  it('none flags, forward-fill inserts flat bars at the last close, skip leaves data untouched', () => {
    const c = mk([0, 1, 4, 5]);
    const none = fillGaps(c, tf, 'none');
    expect(none.report).toEqual({ gaps: 1, missing: 2, longest: 2 });
    expect(Array.from(none.cols.flags)).toEqual([0, 0, BarFlag.GAP_BEFORE, 0]);
    const ff = fillGaps(c, tf, 'forward-fill').cols;
    expect(Array.from(ff.tsOpen, (t) => Number(t / 60_000_000_000n))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(ff.close)).toEqual([100, 101, 101, 101, 102, 103]);
    expect(Array.from(ff.flags)).toEqual([0, 0, BarFlag.FILLED, BarFlag.FILLED, 0, 0]);
    const skip = fillGaps(c, tf, 'skip').cols;
    expect(Array.from(skip.flags)).toEqual([0, 0, 0, 0]);
  });
  it('on the NYSE calendar a night, a weekend or a holiday is not a gap', () => {
    const c = allocBarColumns(2);
    c.tsOpen[0] = nsFromIso('2025-07-03T16:59:00Z'); // last minute before the 13:00 EDT early close
    c.tsOpen[1] = nsFromIso('2025-07-07T13:30:00Z'); // Monday open (Friday the 4th is a holiday)
    expect(fillGaps(c, tf, 'none', 'nyse').report.gaps).toBe(0);
    expect(fillGaps(c, tf, 'none', '24x7').report.gaps).toBe(1);
  });
});

describe('gaps on the NYSE calendar: the resampler’s grid', () => {
  // every regular minute of 2025-07-02 (full), 07-03 (13:00 early close) and 07-07 (after the 4th and a weekend)
  const minutes: Bar[] = [];
  for (const d of [2, 3, 7]) {
    const s = nyseSessionUtc(2025, 7, d);
    for (let t = s.open; t < s.close; t += NS_PER_MIN) {
      minutes.push({
        type: 'market.bar',
        instrumentId: 'X',
        tsOpen: t,
        tsEvent: t + NS_PER_MIN,
        tsInit: t + NS_PER_MIN,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume: 1
      });
    }
  }
  const opens = (c: { tsOpen: BigInt64Array }) => Array.from(c.tsOpen);

  it('hour-aligned bars, as the resampler makes them, are complete; a missing one is found and filled in its place', () => {
    for (const label of ['1m', '5m', '30m', '1h', '2h', '4h']) {
      const tf = parseTimeframe(label);
      const bars = resampleBars(minutes, tf, { calendar: 'nyse' });
      const cols = barsToColumns(bars);
      const ff = fillGaps(cols, tf, 'forward-fill', 'nyse');
      expect([label, ff.report]).toEqual([label, { gaps: 0, missing: 0, longest: 0 }]);
      expect(ff.cols.length).toBe(bars.length);
      const i = bars.length - 3; // one bar of the last session
      const holed = barsToColumns(bars.filter((_, j) => j !== i));
      const filled = fillGaps(holed, tf, 'forward-fill', 'nyse');
      expect([label, filled.report]).toEqual([label, { gaps: 1, missing: 1, longest: 1 }]);
      expect(opens(filled.cols)).toEqual(opens(cols));
      expect(filled.cols.flags[i]).toBe(BarFlag.FILLED);
    }
    // 1h: the [09:00, 10:00) bar holds the first half hour; the 15:00 bar is the last (no 15:30 bar expected)
    const hours = resampleBars(minutes, parseTimeframe('1h'), { calendar: 'nyse' });
    expect(hours.slice(0, 7).map((b) => isoFromNs(b.tsOpen).slice(11, 16))).toEqual([
      '13:00',
      '14:00',
      '15:00',
      '16:00',
      '17:00',
      '18:00',
      '19:00'
    ]);
  });

  it('session-aligned bars (09:30, 10:30 … 15:30, as yfinance makes 60m bars) are no gaps either', () => {
    const tf = parseTimeframe('1h');
    const c = allocBarColumns(14);
    for (let i = 0; i < 14; i++) {
      c.tsOpen[i] = nsFromIso(`2025-07-0${i < 7 ? 1 : 2}T${13 + (i % 7)}:30:00Z`);
      c.tsEvent[i] = c.tsOpen[i]! + tf.ns;
    }
    expect(fillGaps(c, tf, 'none', 'nyse').report.gaps).toBe(0);
  });

  it('forward-fill on session-aligned bars puts the missing bar on their spacing (10:30), overlapping none', () => {
    const tf = parseTimeframe('1h');
    const c = allocBarColumns(14);
    for (let i = 0; i < 14; i++) {
      c.tsOpen[i] = nsFromIso(`2025-07-0${i < 7 ? 1 : 2}T${13 + (i % 7)}:30:00Z`);
      c.tsEvent[i] = c.tsOpen[i]! + tf.ns;
      c.close[i] = i;
    }
    const keep = (j: number) => j !== 1 && j !== 7; // 10:30 of day 1, and 09:30 (the first bar) of day 2
    const holed = allocBarColumns(12);
    for (let i = 0, o = 0; i < 14; i++) {
      if (!keep(i)) continue;
      holed.tsOpen[o] = c.tsOpen[i]!;
      holed.tsEvent[o] = c.tsEvent[i]!;
      holed.close[o] = c.close[i]!;
      o++;
    }
    const { cols, report } = fillGaps(holed, tf, 'forward-fill', 'nyse');
    expect(report).toEqual({ gaps: 2, missing: 2, longest: 1 });
    expect(opens(cols)).toEqual(opens(c));
    expect(cols.flags[1]).toBe(BarFlag.FILLED);
    expect(cols.close[1]).toBe(0);
    expect(cols.flags[7]).toBe(BarFlag.FILLED);
    expect(cols.close[7]).toBe(6); // the previous session's last close
    for (let i = 1; i < cols.length; i++) expect(cols.tsOpen[i]! >= cols.tsEvent[i - 1]!).toBe(true);
  });
});

describe('corporate actions', () => {
  it('a 2-for-1 split halves earlier prices and doubles earlier volume', () => {
    const c = allocBarColumns(2);
    c.tsOpen[0] = 1n;
    c.tsOpen[1] = 10n;
    c.close.set([10000, 5010]);
    c.volume.set([100, 250]);
    applyAdjustments(c, [{ exDate: 5n, factor: 0.5, adjustVolume: true }]);
    expect(Array.from(c.close)).toEqual([5000, 5010]);
    expect(Array.from(c.volume)).toEqual([200, 250]);
    expect(c.flags[0]! & BarFlag.ADJUSTED).toBeTruthy();
    expect(c.flags[1]).toBe(0);
  });
});

describe('symbol mapping', () => {
  const map = new SymbolMap([
    { from: 'FB', to: 'META', effective: '2022-06-09' },
    { from: 'OLD', to: 'MID', effective: '2010-01-01' },
    { from: 'MID', to: 'NEW', effective: '2015-01-01' }
  ]);
  it('resolves the canonical name and the ticker of the day, following chains', () => {
    expect(map.canonical('FB')).toBe('META');
    expect(map.canonical('OLD')).toBe('NEW');
    expect(map.tickerOn('META', '2022-06-08')).toBe('FB');
    expect(map.tickerOn('META', '2022-06-09')).toBe('META');
    expect(map.tickerOn('NEW', '2012-05-05')).toBe('MID');
    expect(map.tickerOn('NEW', '2009-12-31')).toBe('OLD');
    expect(map.canonical('AAPL')).toBe('AAPL');
  });
  it('rejects a malformed table', () => {
    expect(codeOf(() => new SymbolMap([{ from: 'A', to: 'B', effective: '2020-13' }]))).toBe(
      'TRD_ERR_DATA_INVALID'
    );
    expect(
      codeOf(
        () =>
          new SymbolMap([
            { from: 'A', to: 'B', effective: '2020-01-01' },
            { from: 'A', to: 'C', effective: '2021-01-01' }
          ])
      )
    ).toBe('TRD_ERR_DATA_INVALID');
  });
});
