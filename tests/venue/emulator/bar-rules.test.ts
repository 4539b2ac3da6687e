import { describe, expect, it } from 'vitest';
import { MONEY_ONE } from '../../../src/core/instrument.ts';
import type { SubmitOrder } from '../../../src/messages/commands.ts';
import { bar, emulator, inst } from './support.ts';

function order(over: Partial<SubmitOrder>): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: 'c',
    tsInit: bar(0, 0, 0, 0, 0).tsEvent,
    strategyId: 's',
    instrumentId: inst.id,
    clientOrderId: 'o1',
    side: 'buy',
    orderType: 'market',
    qty: 10,
    tif: 'gtc',
    ...over
  } as SubmitOrder;
}

/** The emulator's bar model with the skeleton's cost settings (commission minimum given in Money units). */
function venue(slippageBps = 0, commissionBps = 0, commissionMin = 0n) {
  return emulator({
    slippageBps,
    commission: { bps: commissionBps, minimum: Number(commissionMin) / Number(MONEY_ONE) }
  });
}

describe('ExecutionEmulator (bar model): the backtest fill rules', () => {
  it('acks on submit and fills a market order at the NEXT bar open plus slippage, never on the bar it was sent on', () => {
    const v = venue(10);
    v.submit(order({}), bar(0, 0, 0, 0, 0).tsEvent);
    expect(v.drain().map((r) => r.execType)).toEqual(['accepted']);
    v.onBar(bar(0, 10000, 10100, 9900, 10050)); // the bar the order was sent at the close of: opens before the order
    expect(v.drain()).toEqual([]);
    v.onBar(bar(1, 10000, 10100, 9900, 10050));
    const [fill] = v.drain();
    // 10 bps of 100.00 = 0.10 → 10 ticks adverse
    expect(fill).toMatchObject({ execType: 'fill', lastPx: 10010, lastQty: 10, leavesQty: 0, cumQty: 10 });
  });

  it('fills a buy limit at the limit only when the bar trades through it, at the open when it gaps through', () => {
    const v = venue();
    v.submit(order({ orderType: 'limit', limitPx: 9950, clientOrderId: 'a' }), bar(0, 0, 0, 0, 0).tsEvent);
    v.submit(order({ orderType: 'limit', limitPx: 10100, clientOrderId: 'b' }), bar(0, 0, 0, 0, 0).tsEvent);
    v.drain();
    v.onBar(bar(1, 10000, 10100, 9950, 10000)); // low touches 99.50 but does not trade through
    expect(v.drain().map((r) => [r.clientOrderId, r.lastPx])).toEqual([['b', 10000]]);
    v.onBar(bar(2, 10000, 10100, 9940, 10000));
    expect(v.drain().map((r) => [r.clientOrderId, r.lastPx])).toEqual([['a', 9950]]);
  });

  it('triggers a sell stop and fills at the worse of open and stop', () => {
    const v = venue();
    v.submit(order({ side: 'sell', orderType: 'stop', stopPx: 9900 }), bar(0, 0, 0, 0, 0).tsEvent);
    v.drain();
    v.onBar(bar(1, 10000, 10050, 9950, 10000));
    expect(v.drain()).toEqual([]);
    v.onBar(bar(2, 9850, 9900, 9800, 9820)); // gaps below the stop
    expect(v.drain()[0]).toMatchObject({ execType: 'fill', lastPx: 9850 });
  });

  it('expires DAY orders at the end of their day and cancels unfillable IOC', () => {
    const v = venue();
    v.submit(
      order({ orderType: 'limit', limitPx: 1, tif: 'day', clientOrderId: 'd' }),
      bar(0, 0, 0, 0, 0).tsEvent
    );
    v.submit(
      order({ orderType: 'limit', limitPx: 1, tif: 'ioc', clientOrderId: 'i' }),
      bar(0, 0, 0, 0, 0).tsEvent
    );
    v.drain();
    v.onBar(bar(1, 10000, 10000, 10000, 10000));
    expect(v.drain().map((r) => [r.clientOrderId, r.execType])).toEqual([['i', 'canceled']]);
    v.onBar(bar(60 * 24, 10000, 10000, 10000, 10000));
    expect(v.drain().map((r) => [r.clientOrderId, r.execType])).toEqual([['d', 'expired']]);
  });

  it('charges bps commission with a minimum, exactly', () => {
    const v = venue(0, 1, MONEY_ONE); // 1 bp, min 1.00
    v.submit(order({ qty: 10 }), bar(0, 0, 0, 0, 0).tsEvent);
    v.onBar(bar(1, 10000, 10000, 10000, 10000));
    // notional 1,000.00 → 1 bp = 0.10 < minimum 1.00
    expect(v.drain().at(-1)?.commission).toBe(MONEY_ONE);
    const w = venue(0, 1, 0n);
    w.submit(order({ qty: 1000 }), bar(0, 0, 0, 0, 0).tsEvent);
    w.onBar(bar(1, 12345, 12345, 12345, 12345));
    // 123,450.00 × 0.0001 = 12.345
    expect(w.drain().at(-1)?.commission).toBe(1_234_500_000n);
  });

  it('cancels and replaces working orders; rejects cancel of an unknown order', () => {
    const v = venue();
    v.submit(order({ orderType: 'limit', limitPx: 1 }), 0n);
    v.replace(
      {
        type: 'order.replace',
        commandId: 'r',
        tsInit: 0n,
        strategyId: 's',
        instrumentId: inst.id,
        clientOrderId: 'o1',
        newClientOrderId: 'o2',
        limitPx: 2
      },
      0n
    );
    v.cancel(
      {
        type: 'order.cancel',
        commandId: 'c',
        tsInit: 0n,
        strategyId: 's',
        instrumentId: inst.id,
        clientOrderId: 'o1'
      },
      0n
    );
    v.cancel(
      {
        type: 'order.cancel',
        commandId: 'c',
        tsInit: 0n,
        strategyId: 's',
        instrumentId: inst.id,
        clientOrderId: 'o2'
      },
      0n
    );
    expect(v.drain().map((r) => [r.execType, r.clientOrderId])).toEqual([
      ['accepted', 'o1'],
      ['replaced', 'o2'],
      ['cancel_rejected', 'o1'],
      ['canceled', 'o2']
    ]);
  });
});
