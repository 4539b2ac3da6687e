import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import {
  inDateRange,
  isoFromNs,
  isoFromNsTrimmed,
  MAX_DATE_NS,
  MIN_DATE_NS,
  nsFromIso
} from '../../src/core/nanos.ts';
import { caught } from '../support/caught.ts';

/** The code `nsFromIso(iso)` throws, or undefined when it parses. */
function codeOf(iso: string): string | undefined {
  try {
    nsFromIso(iso);
    return undefined;
  } catch (e) {
    if (isTradestateError(e)) return e.code;
    throw e;
  }
}

describe('nsFromIso', () => {
  it('parses to exact nanoseconds, with a fraction and an offset', () => {
    expect(nsFromIso('2024-01-02T14:30:00Z')).toBe(BigInt(Date.UTC(2024, 0, 2, 14, 30)) * 1_000_000n);
    expect(isoFromNs(nsFromIso('2024-01-02T14:30:00.000000001Z'))).toBe('2024-01-02T14:30:00.000000001Z');
    expect(isoFromNs(nsFromIso('2024-03-10T01:30:00-05:00'))).toBe('2024-03-10T06:30:00.000000000Z');
    expect(isoFromNs(nsFromIso('2024-03-10T01:30:00+0100'))).toBe('2024-03-10T00:30:00.000000000Z');
    expect(nsFromIso('2024-01-02T14:30:00')).toBe(nsFromIso('2024-01-02T14:30:00Z'));
  });

  it('takes every day that exists: leap days, month ends, the last second of a day', () => {
    for (const iso of [
      '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '2024-04-30T00:00:00Z',
      '2024-12-31T23:59:59Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999999999Z'
    ]) {
      expect(isoFromNs(nsFromIso(iso)), iso).toBe(iso.replace(/(:\d{2})Z$/, '$1.000000000Z'));
    }
  });

  it('refuses a date or time that does not exist instead of rolling it over (2024-02-31 is not March 2)', () => {
    for (const iso of [
      '2024-02-31T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T12:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-02-31T00:00:00+01:00'
    ]) {
      expect(codeOf(iso), iso).toBe('TRD_ERR_NUMBER_INVALID');
    }
    expect(codeOf('yesterday')).toBe('TRD_ERR_NUMBER_INVALID');
  });

  it('agrees with Date.parse on every timestamp that exists, offsets and 0-99 years included', () => {
    const two = (n: number): string => String(n).padStart(2, '0');
    const arb = fc.record({
      ms: fc.integer({ min: Date.UTC(0, 0, 1) - 146_097 * 86_400_000 * 5, max: Date.UTC(9999, 11, 31) }),
      frac: fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
      zone: fc.oneof(
        fc.constant(''),
        fc.constant('Z'),
        fc.record({
          sign: fc.constantFrom('+', '-'),
          h: fc.integer({ min: 0, max: 23 }),
          m: fc.integer({ min: 0, max: 59 }),
          colon: fc.boolean()
        })
      )
    });
    fc.assert(
      fc.property(arb, ({ ms, frac, zone }) => {
        const d = new Date(ms);
        if (d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) return;
        const head = `${String(d.getUTCFullYear()).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
        const z =
          typeof zone === 'string'
            ? zone
            : `${zone.sign}${two(zone.h)}${zone.colon ? ':' : ''}${two(zone.m)}`;
        const iso = `${head}${frac === undefined ? '' : `.${frac}`}${z}`;
        const zoned = typeof zone === 'string' ? 'Z' : `${zone.sign}${two(zone.h)}:${two(zone.m)}`;
        const expected =
          BigInt(Date.parse(`${head}${zoned}`)) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0'));
        expect(nsFromIso(iso), iso).toBe(expected);
      })
    );
    expect(isoFromNs(nsFromIso('0050-06-15T12:00:00+01:00'))).toBe('0050-06-15T11:00:00.000000000Z');
  });

  it('refuses an offset that does not exist', () => {
    for (const iso of ['2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00+23:60', '2024-01-01T00:00:00-2400'])
      expect(codeOf(iso), iso).toBe('TRD_ERR_NUMBER_INVALID');
    expect(nsFromIso('2024-01-01T00:00:00-00:00')).toBe(nsFromIso('2024-01-01T00:00:00Z'));
  });
});

describe('isoFromNs', () => {
  it('shows every time a Date can hold, to the nanosecond, out to its very ends', () => {
    expect(isoFromNs(MAX_DATE_NS)).toBe('+275760-09-13T00:00:00.000000000Z');
    expect(isoFromNs(MIN_DATE_NS)).toBe('-271821-04-20T00:00:00.000000000Z');
    expect(isoFromNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect([MIN_DATE_NS, 0n, MAX_DATE_NS].every(inDateRange)).toBe(true);
  });

  it('beyond the range of a Date: TRD_ERR_NUMBER_INVALID, not a RangeError', () => {
    for (const ns of [MAX_DATE_NS + 1n, MIN_DATE_NS - 1n, 10n ** 22n, -(10n ** 29n)]) {
      expect(inDateRange(ns), ns.toString()).toBe(false);
      const e = caught(() => isoFromNs(ns));
      expect([e.code, e.context], ns.toString()).toEqual(['TRD_ERR_NUMBER_INVALID', { ns: ns.toString() }]);
    }
  });
});

describe('isoFromNsTrimmed', () => {
  it('drops only the sub-second digits that are zero', () => {
    const t = nsFromIso('2024-01-02T14:50:00Z');
    expect(isoFromNsTrimmed(t)).toBe('2024-01-02T14:50:00Z');
    expect(isoFromNsTrimmed(t + 250_000_000n)).toBe('2024-01-02T14:50:00.25Z');
    expect(isoFromNsTrimmed(t + 1n)).toBe('2024-01-02T14:50:00.000000001Z');
    expect(isoFromNsTrimmed(t - 1n)).toBe('2024-01-02T14:49:59.999999999Z');
  });
});
