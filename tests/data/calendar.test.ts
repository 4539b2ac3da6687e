import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoFromNs, NS_PER_MS, nsFromIso } from '../../src/core/nanos.ts';
import {
  nyLocal,
  nyseDay,
  nysePhase,
  nyseSessionUtc,
  nyseTradingDays
} from '../../src/data/nyse-calendar.ts';
import { isUsEasternDst, usDstBounds } from '../../src/data/us-eastern.ts';
import { sharedData } from '../support/shared-data.ts';

describe('NYSE calendar', () => {
  it.each([
    ['orcl-1995-2014.txt', 5036],
    ['nvda-1999-2014.txt', 4012],
    ['yhoo-1996-2015.txt', 4965]
  ])('reproduces every trading day of %s exactly (holidays, 9/11, Sandy, mourning days)', (f, n) => {
    const dates = readFileSync(sharedData('ohlcv', 'backtrader', f), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.slice(0, 10));
    expect(dates).toHaveLength(n);
    expect(nyseTradingDays(dates[0]!, dates[dates.length - 1]!)).toEqual(dates);
  });

  it('names holidays and early closes', () => {
    expect(nyseDay(2012, 10, 29)).toMatchObject({ tradingDay: false, holiday: 'Hurricane Sandy' });
    expect(nyseDay(2014, 4, 18)).toMatchObject({ tradingDay: false, holiday: 'Good Friday' });
    expect(nyseDay(2022, 6, 20)).toMatchObject({ tradingDay: false, holiday: 'Juneteenth' });
    expect(nyseDay(2021, 12, 31).tradingDay).toBe(true); // New Year on a Saturday is not observed
    expect(nyseDay(2014, 11, 28)).toMatchObject({ tradingDay: true, earlyClose: true });
    expect(nyseDay(2014, 11, 26)).toMatchObject({ tradingDay: true, earlyClose: false });
  });

  it('applies both US DST regimes', () => {
    expect(usDstBounds(2006)).toEqual({ start: [4, 2], end: [10, 29] });
    expect(usDstBounds(2007)).toEqual({ start: [3, 11], end: [11, 4] });
    expect(isUsEasternDst(2025, 3, 9, 1 * 60 + 59)).toBe(false);
    expect(isUsEasternDst(2025, 3, 9, 3 * 60)).toBe(true);
    expect(isUsEasternDst(2025, 11, 2, 0)).toBe(true);
    expect(isUsEasternDst(2025, 11, 2, 3 * 60)).toBe(false);
    expect(isoFromNs(nyseSessionUtc(2025, 1, 2).open)).toBe('2025-01-02T14:30:00.000000000Z');
    expect(isoFromNs(nyseSessionUtc(2025, 7, 8).preOpen)).toBe('2025-07-08T08:00:00.000000000Z');
  });

  it('classifies instants into pre / regular / post / closed', () => {
    expect(nysePhase(nsFromIso('2025-07-08T08:00:00Z'))).toBe('pre');
    expect(nysePhase(nsFromIso('2025-07-08T13:29:59Z'))).toBe('pre');
    expect(nysePhase(nsFromIso('2025-07-08T13:30:00Z'))).toBe('regular');
    expect(nysePhase(nsFromIso('2025-07-08T20:00:00Z'))).toBe('post');
    expect(nysePhase(nsFromIso('2025-07-09T00:00:00Z'))).toBe('closed');
    expect(nysePhase(nsFromIso('2025-07-04T15:00:00Z'))).toBe('closed'); // Independence Day
    expect(nysePhase(nsFromIso('2025-07-12T15:00:00Z'))).toBe('closed'); // Saturday
  });
});

describe('nyLocal: New York wall time of a UTC instant', () => {
  it('is standard time until the spring-forward instant and daylight time after it; the repeated autumn hour comes twice', () => {
    const at = (iso: string) => nyLocal(nsFromIso(iso));
    // 2024-03-10: 02:00 EST (07:00Z) becomes 03:00 EDT
    expect(at('2024-03-10T06:30:00Z')).toEqual({ y: 2024, m: 3, d: 10, minute: 90 }); // 01:30 EST
    expect(at('2024-03-10T06:59:00Z')).toEqual({ y: 2024, m: 3, d: 10, minute: 119 });
    expect(at('2024-03-10T07:00:00Z')).toEqual({ y: 2024, m: 3, d: 10, minute: 180 }); // 03:00 EDT
    // 2024-11-03: 02:00 EDT (06:00Z) becomes 01:00 EST
    expect(at('2024-11-03T05:30:00Z')).toEqual({ y: 2024, m: 11, d: 3, minute: 90 }); // 01:30 EDT
    expect(at('2024-11-03T06:30:00Z')).toEqual({ y: 2024, m: 11, d: 3, minute: 90 }); // 01:30 EST
    expect(at('2024-11-03T07:00:00Z')).toEqual({ y: 2024, m: 11, d: 3, minute: 120 });
  });

  it('property: agrees with the platform time-zone database within hours of every DST switch since 1967', () => {
    const ny = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric'
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1967, max: 2060 }),
        fc.boolean(),
        fc.integer({ min: -4 * 3600, max: 4 * 3600 }),
        (y, spring, dt) => {
          const { start, end } = usDstBounds(y);
          const [m, d] = spring ? start : end;
          // the switch is at 02:00 local: 07:00Z in spring (EST), 06:00Z in autumn (EDT)
          const ms = Date.UTC(y, m - 1, d, spring ? 7 : 6) + dt * 1000;
          const p = Object.fromEntries(ny.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
          const want = { y: p.year, m: p.month, d: p.day, minute: p.hour! * 60 + p.minute! };
          expect(nyLocal(BigInt(ms) * NS_PER_MS + 123n), new Date(ms).toISOString()).toEqual(want);
        }
      ),
      { numRuns: 500 }
    );
  });
});
