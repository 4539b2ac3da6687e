import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import { decodeMessage, messageFromJson, messageToJson } from '../../src/messages/index.ts';
import { messageArb } from '../support/arbitraries.ts';

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
