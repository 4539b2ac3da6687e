import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import { isoFromNs, nsFromIso } from '../../src/core/nanos.ts';

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
});
