import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import {
  decodeMessage,
  type ExecutionReport,
  encodeMessage,
  messageFromJson,
  messageToJson,
  NO_EXECUTION
} from '../../src/messages/index.ts';
import { messageArb } from '../support/arbitraries.ts';
import { caught } from '../support/caught.ts';

describe('canonical messages', () => {
  it('JSON round trip is lossless for every message kind (property)', () => {
    fc.assert(
      fc.property(messageArb, (msg) => {
        const text = messageToJson(msg);
        const back = messageFromJson(text);
        expect(back).toEqual(msg);
        expect(messageToJson(back)).toBe(text);
      }),
      { numRuns: 500 }
    );
  });

  it('keeps epoch nanoseconds exact beyond 2^53', () => {
    const ts = 1_718_960_400_123_456_789n;
    const bar = decodeMessage({
      type: 'market.bar',
      instrumentId: 'AAPL@XNAS',
      tsEvent: ts.toString(),
      tsInit: ts.toString(),
      tsOpen: (ts - 60_000_000_000n).toString(),
      open: 1,
      high: 2,
      low: 1,
      close: 2,
      volume: 10
    });
    expect(bar.type === 'market.bar' && bar.tsEvent).toBe(ts);
  });

  it('rejects malformed messages with a typed error naming the key path', () => {
    const bad = [
      '{"type":"market.bar","instrumentId":"AAPL@XNAS","tsEvent":1.5}',
      '{"type":"nope"}',
      'not json',
      '{"type":"market.quote","instrumentId":"AAPL@XNAS","tsEvent":"1","tsInit":"1","bidPx":1.5,"bidSz":1,"askPx":2,"askSz":1}'
    ];
    for (const text of bad) {
      try {
        messageFromJson(text);
        expect.unreachable(text);
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_MESSAGE_INVALID')).toBe(true);
      }
    }
  });

  it('names the offending key path of a message of a known type, and what was expected', () => {
    const bar = {
      type: 'market.bar',
      instrumentId: 'A@B',
      tsEvent: '1',
      tsInit: '1',
      tsOpen: '0',
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1
    };
    const report = {
      type: 'exec.report',
      execType: 'fill',
      venue: 'X',
      instrumentId: 'A@B',
      clientOrderId: 'c',
      execId: 'e',
      side: 'buy',
      lastQty: 1,
      lastPx: 1,
      cumQty: 1,
      leavesQty: 0,
      commission: '0',
      liquidity: 'none',
      tsEvent: '1',
      tsInit: '1'
    };
    expect(decodeMessage(bar).type).toBe('market.bar');
    expect(decodeMessage(report).type).toBe('exec.report');
    // under a plain union every one of these was path "" and "Invalid input"
    for (const [bad, path, expected] of [
      [{ ...bar, high: 1.5 }, 'high', /int/],
      [{ ...report, commission: 0 }, 'commission', /string/],
      [{ ...report, tsEvent: undefined }, 'tsEvent', /string/],
      [{ ...bar, type: 'market.nope' }, 'type', /market\.bar/],
      [{ open: 1 }, 'type', /market\.bar/]
    ] as const) {
      const e = caught(() => decodeMessage(bad));
      expect(e.code, path).toBe('TRD_ERR_MESSAGE_INVALID');
      expect(e.context, path).toMatchObject({
        path,
        issues: [{ path, message: expect.stringMatching(expected) }]
      });
      expect(e.message, path).toMatch(new RegExp(`^invalid message at "${path}": `));
    }
  });

  it('a message that breaks its schema cannot be encoded: TRD_ERR_MESSAGE_INVALID naming the field', () => {
    const report: ExecutionReport = {
      type: 'exec.report',
      execType: 'rejected',
      venue: 'X',
      instrumentId: 'A@B',
      clientOrderId: 'c',
      execId: 'e',
      side: 'buy',
      ...NO_EXECUTION,
      cumQty: 0,
      leavesQty: 0,
      reason: 'x'.repeat(257),
      tsEvent: 1n,
      tsInit: 1n
    };
    // was a raw ZodError out of encodeMessage / messageToJson
    for (const encode of [encodeMessage, messageToJson]) {
      const e = caught(() => encode(report));
      expect(e.code).toBe('TRD_ERR_MESSAGE_INVALID');
      expect(e.context).toMatchObject({ type: 'exec.report', path: 'reason', issues: [{ path: 'reason' }] });
    }
    expect(messageFromJson(messageToJson({ ...report, reason: 'x'.repeat(256) }))).toEqual({
      ...report,
      reason: 'x'.repeat(256)
    });
  });

  it('a limit order without a limit price is invalid', () => {
    expect(() =>
      decodeMessage({
        type: 'order.submit',
        commandId: 'c1',
        tsInit: '0',
        strategyId: 's',
        instrumentId: 'AAPL@XNAS',
        clientOrderId: 'o1',
        side: 'buy',
        orderType: 'limit',
        qty: 1,
        tif: 'day'
      })
    ).toThrowError(/limitPx/);
  });

  it('fuzz: arbitrary JSON never crashes the decoder, only typed errors', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          decodeMessage(v);
        } catch (e) {
          expect(isTradestateError(e, 'TRD_ERR_MESSAGE_INVALID')).toBe(true);
        }
      }),
      { numRuns: 1000 }
    );
  });
});
