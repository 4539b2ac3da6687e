import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { isoFromNs, MAX_DATE_NS, MIN_DATE_NS } from '../../src/core/nanos.ts';
import { symbolMetaSchema } from '../../src/data/schema.ts';
import {
  clipReason,
  decodeMessage,
  instrumentIdSchema,
  nanosSchema,
  REASON_MAX,
  SYMBOL_MAX,
  symbolSchema
} from '../../src/messages/index.ts';
import { caught } from '../support/caught.ts';
import { submittedJson } from '../support/order-event-json.ts';

describe('instrument ids', () => {
  it('takes every symbol the data store takes: ES=F, ^GSPC, BRK.B, BTC/USD, …', () => {
    for (const symbol of [
      'ES=F',
      '^GSPC',
      'BRK.B',
      'BTC/USD',
      'ES.H5',
      'EUR_USD',
      'BRK-B',
      'X'.repeat(SYMBOL_MAX)
    ]) {
      expect(
        symbolMetaSchema.safeParse({
          symbol,
          venue: 'SIM',
          tickSize: '0.01',
          lotSize: '1',
          currency: 'USD',
          calendar: 'nyse'
        }).success
      ).toBe(true);
      const { id } = makeInstrument({
        symbol,
        venue: 'SIM',
        tickSize: '0.01',
        lotSize: '1',
        currency: 'USD'
      });
      expect(symbolSchema.safeParse(symbol).success, symbol).toBe(true);
      expect(instrumentIdSchema.safeParse(id).success, id).toBe(true);
      // an order of it decodes (its events were bad lines to the audit, so the order vanished from it)
      expect(decodeMessage(submittedJson({ instrumentId: id })).type, id).toBe('order.submitted');
    }
  });

  it('refuses what cannot be a symbol: "@", whitespace, control characters, empty, too long', () => {
    for (const symbol of [
      '',
      'A@B',
      'A B',
      'A\tB',
      'A\nB',
      'A\u0000',
      'A\u200b',
      'X'.repeat(SYMBOL_MAX + 1)
    ]) {
      expect(symbolSchema.safeParse(symbol).success, JSON.stringify(symbol)).toBe(false);
      expect(instrumentIdSchema.safeParse(`${symbol}@SIM`).success, JSON.stringify(symbol)).toBe(false);
    }
    for (const id of [
      'AAPL',
      'AAPL@',
      '@SIM',
      'AAPL@SIM@X',
      'AAPL@S M',
      `AAPL@${'V'.repeat(SYMBOL_MAX + 1)}`
    ]) {
      expect(instrumentIdSchema.safeParse(id).success, id).toBe(false);
    }
  });

  it('one rule: a symbol and a venue that symbolSchema takes make an id instrumentIdSchema takes (property)', () => {
    // printable ASCII (with ' ' and '@'), and any code point (controls, format characters, astral: two units)
    const part = fc.oneof(
      fc.string({ minLength: 1, maxLength: SYMBOL_MAX + 2, unit: 'grapheme-ascii' }),
      fc.string({ minLength: 1, maxLength: SYMBOL_MAX, unit: 'binary' })
    );
    fc.assert(
      fc.property(part, part, (symbol, venue) => {
        const both = symbolSchema.safeParse(symbol).success && symbolSchema.safeParse(venue).success;
        expect(instrumentIdSchema.safeParse(`${symbol}@${venue}`).success).toBe(both);
      }),
      { numRuns: 200 }
    );
  });
});

describe('nanoseconds on the wire', () => {
  it('are within the range of a Date, so every decoded timestamp can be shown', () => {
    for (const ns of [MIN_DATE_NS, -1n, 0n, 1_700_000_000_000_000_000n, MAX_DATE_NS]) {
      expect(nanosSchema.decode(ns.toString())).toBe(ns);
      expect(isoFromNs(nanosSchema.decode(ns.toString()))).toMatch(/Z$/);
    }
    // 30 digits passed, then the audit of such an event died in isoFromNs with a RangeError
    for (const ns of [MAX_DATE_NS + 1n, MIN_DATE_NS - 1n, 9_000_000_000_000_000_000_000n, 10n ** 29n]) {
      expect(nanosSchema.safeDecode(ns.toString()).success, ns.toString()).toBe(false);
      expect(nanosSchema.safeEncode(ns).success, ns.toString()).toBe(false);
    }
    const e = caught(() =>
      decodeMessage(submittedJson({ instrumentId: 'A@SIM', tsEvent: '9000000000000000000000' }))
    );
    expect([e.code, e.context.path]).toEqual(['TRD_ERR_MESSAGE_INVALID', 'tsEvent']);
  });
});

describe('clipReason', () => {
  it('keeps a text that fits, cuts a longer one to the limit, never between the halves of a surrogate pair', () => {
    expect(clipReason('short')).toBe('short');
    expect(clipReason('x'.repeat(REASON_MAX))).toBe('x'.repeat(REASON_MAX));
    expect(clipReason('y'.repeat(REASON_MAX + 44))).toBe('y'.repeat(REASON_MAX));
    expect(clipReason('abcdef', 4)).toBe('abcd');
    // '😀' is two UTF-16 units: a cut after its first would leave a lone surrogate
    expect(clipReason('abc😀def', 4)).toBe('abc');
    expect(clipReason('abc😀def', 5)).toBe('abc😀');
  });
});
