import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeLobsterMessages,
  decodeLobsterOrderbook,
  LOBSTER_EMPTY_ASK,
  lobsterLevel
} from '../../src/book/lobster.codec.ts';
import { isTradestateError } from '../../src/core/errors.ts';
import { sharedData } from '../support/shared-data.ts';

const MSG999 = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_message_10.first999.csv');
const OB999 = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv');
const MSG1H = sharedData('lobster', 'AAPL_2012-06-21_34200000_37800000_message_50.csv');

function dataInvalid(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isTradestateError(e, 'TRD_ERR_DATA_INVALID')).toBe(true);
    return (e as Error).message;
  }
  return expect.unreachable('expected TRD_ERR_DATA_INVALID');
}

/** Decoding junk either works or fails with a typed DATA_INVALID; anything else (TypeError, RangeError) is a bug. */
function decodeOrTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!isTradestateError(e, 'TRD_ERR_DATA_INVALID')) throw e;
  }
}

describe('LOBSTER codec', () => {
  it('decodes the real message file into typed arrays, exactly', () => {
    const m = decodeLobsterMessages(readFileSync(MSG999));
    expect(m.length).toBe(999);
    // 34200.004241176,1,16113575,18,5853300,1
    expect(m.timeNs[0]).toBe(34_200_004_241_176);
    expect(m.type[0]).toBe(1);
    expect(m.orderId[0]).toBe(16113575);
    expect(m.size[0]).toBe(18);
    expect(m.price[0]).toBe(5853300);
    expect(m.direction[0]).toBe(1);
    expect(m.direction[3]).toBe(-1);
    const types = new Map<number, number>();
    for (const t of m.type) types.set(t, (types.get(t) ?? 0) + 1);
    expect(Object.fromEntries(types)).toEqual({ 1: 471, 3: 369, 4: 98, 5: 61 }); // per SOURCE.txt
    for (let i = 1; i < m.length; i++) expect(m.timeNs[i]! >= m.timeNs[i - 1]!).toBe(true);
  });

  it('decodes the one-hour file, including a time printed with float noise (35821.088778456004)', () => {
    const m = decodeLobsterMessages(readFileSync(MSG1H));
    expect(m.length).toBe(91_997);
    expect(m.timeNs[39_482]).toBe(35_821_088_778_456); // line 39483, rounded to the nanosecond
    const types = [0, 0, 0, 0, 0, 0, 0, 0];
    for (const t of m.type) types[t]!++;
    expect(types.slice(1, 6)).toEqual([44_256, 469, 41_004, 4_067, 2_201]);
  });

  it('decodes the orderbook file into one row-major array', () => {
    const ob = decodeLobsterOrderbook(readFileSync(OB999));
    expect(ob.rows).toBe(999);
    expect(ob.levels).toBe(10);
    expect(lobsterLevel(ob, 0, 0)).toEqual([5859400, 200, 5853300, 18]);
    expect(lobsterLevel(ob, 0, 9)).toEqual([5879000, 500, 5842700, 300]);
  });

  it('accepts CRLF, a trailing newline and padding values', () => {
    const m = decodeLobsterMessages('1.5,7,0,0,-1,-1\r\n2,1,5,10,100,1\r\n');
    expect(m.length).toBe(2);
    expect(m.timeNs[0]).toBe(1_500_000_000);
    expect(m.price[0]).toBe(-1);
    const ob = decodeLobsterOrderbook('9999999999,0,-9999999999,0\n');
    expect(ob.data[0]).toBe(LOBSTER_EMPTY_ASK);
    expect(decodeLobsterMessages('').length).toBe(0);
  });

  it('rounds a 10th decimal of time half-even', () => {
    expect(decodeLobsterMessages('1.0000000005,5,1,1,1,1').timeNs[0]).toBe(1_000_000_000); // tie → even (…0)
    expect(decodeLobsterMessages('1.0000000015,5,1,1,1,1').timeNs[0]).toBe(1_000_000_002); // tie → even (…2)
    expect(decodeLobsterMessages('1.00000000051,5,1,1,1,1').timeNs[0]).toBe(1_000_000_001);
  });

  it('rejects malformed messages with TRD_ERR_DATA_INVALID and the line number', () => {
    const bad: [string, RegExp][] = [
      ['1,8,1,1,1,1', /line 1: unknown event type 8/],
      ['1,1,1,1,1,0', /direction/],
      ['1,1,1,-5,1,1', /negative size/],
      ['1,1,1,1,1', /expected ","/],
      ['1,1,1,1,1,1,1', /end of line/],
      ['1,1,1,1,1,1\n\n2,1,1,1,1,1', /line 2/],
      ['x,1,1,1,1,1', /seconds/],
      ['1.,1,1,1,1,1', /decimals/],
      ['1,1,1234567890123456,1,1,1', /too long/],
      ['1,1,1,1,1e3,1', /expected ","/],
      ['1,1,1,1,1,1\n2,1,1,1,1', /line 2/]
    ];
    for (const [text, re] of bad) expect(dataInvalid(() => decodeLobsterMessages(text))).toMatch(re);
  });

  it('rejects malformed orderbooks', () => {
    expect(dataInvalid(() => decodeLobsterOrderbook('1,2,3'))).toMatch(/multiple of 4/);
    expect(dataInvalid(() => decodeLobsterOrderbook('1,2,3,4\n1,2,3'))).toMatch(/line 2/);
    expect(dataInvalid(() => decodeLobsterOrderbook('1,-2,3,4'))).toMatch(/negative size/);
  });

  it('fuzz: random text and mutated real lines never crash the decoders', () => {
    const real = readFileSync(MSG999, 'utf8').split('\n').slice(0, 20).join('\n');
    const realOb = readFileSync(OB999, 'utf8').split('\n').slice(0, 5).join('\n');
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: fc.constantFrom(...'0123456789,.-\n\r e+xé'.split('')) }),
        (s) => {
          decodeOrTyped(() => decodeLobsterMessages(s));
          decodeOrTyped(() => decodeLobsterOrderbook(s));
        }
      ),
      { numRuns: 1000 }
    );
    fc.assert(
      fc.property(
        fc.nat(real.length - 1),
        fc.nat(realOb.length - 1),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        (at, atOb, bytes) => {
          const junk = Buffer.from(bytes).toString('latin1');
          decodeOrTyped(() => decodeLobsterMessages(real.slice(0, at) + junk + real.slice(at + 1)));
          decodeOrTyped(() => decodeLobsterOrderbook(realOb.slice(0, atOb) + junk + realOb.slice(atOb + 1)));
        }
      ),
      { numRuns: 1000 }
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeOrTyped(() => decodeLobsterMessages(bytes));
        decodeOrTyped(() => decodeLobsterOrderbook(bytes));
      }),
      { numRuns: 1000 }
    );
  });
});
