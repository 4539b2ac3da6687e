import fc from 'fast-check';
import type { Message } from '../../src/messages/index.ts';

const ns = fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n });
const ticks = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
const lots = fc.integer({ min: 0, max: 1_000_000_000 });
const pos = fc.integer({ min: 1, max: 1_000_000_000 });
const id = fc.string({ minLength: 1, maxLength: 20 });
const inst = fc.constantFrom('AAPL@XNAS', 'BTC/USD@ALPACA', 'ORCL@SIM', 'ES.H5@CME');
const side = fc.constantFrom('buy' as const, 'sell' as const);
const money = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });

/** Arbitrary canonical messages of every kind, for round-trip property tests. */
export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant('market.bar' as const),
    instrumentId: inst,
    tsEvent: ns,
    tsInit: ns,
    tsOpen: ns,
    open: ticks,
    high: ticks,
    low: ticks,
    close: ticks,
    volume: lots
  }),
  fc.record({
    type: fc.constant('market.quote' as const),
    instrumentId: inst,
    tsEvent: ns,
    tsInit: ns,
    bidPx: ticks,
    bidSz: lots,
    askPx: ticks,
    askSz: lots
  }),
  fc.record({
    type: fc.constant('market.trade' as const),
    instrumentId: inst,
    tsEvent: ns,
    tsInit: ns,
    px: ticks,
    sz: lots,
    aggressor: fc.constantFrom('buy' as const, 'sell' as const, 'none' as const),
    tradeId: fc.string({ maxLength: 10 })
  }),
  fc.record(
    {
      type: fc.constant('market.book_delta' as const),
      instrumentId: inst,
      tsEvent: ns,
      tsInit: ns,
      seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      action: fc.constantFrom(
        'add' as const,
        'modify' as const,
        'delete' as const,
        'execute' as const,
        'clear' as const
      ),
      side,
      px: ticks,
      sz: lots,
      orderId: id,
      flags: fc.integer({ min: 0, max: 3 })
    },
    {
      requiredKeys: [
        'type',
        'instrumentId',
        'tsEvent',
        'tsInit',
        'seq',
        'action',
        'side',
        'px',
        'sz',
        'flags'
      ]
    }
  ),
  fc.record(
    {
      type: fc.constant('order.submit' as const),
      commandId: id,
      tsInit: ns,
      strategyId: id,
      instrumentId: inst,
      clientOrderId: id,
      side,
      orderType: fc.constant('limit' as const),
      qty: pos,
      limitPx: ticks,
      tif: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const, 'fok' as const),
      reason: fc.string({ maxLength: 10 })
    },
    {
      requiredKeys: [
        'type',
        'commandId',
        'tsInit',
        'strategyId',
        'instrumentId',
        'clientOrderId',
        'side',
        'orderType',
        'qty',
        'limitPx',
        'tif'
      ]
    }
  ),
  fc.record({
    type: fc.constant('order.cancel' as const),
    commandId: id,
    tsInit: ns,
    strategyId: id,
    instrumentId: inst,
    clientOrderId: id
  }),
  fc.record({
    type: fc.constant('exec.report' as const),
    execType: fc.constantFrom('accepted' as const, 'fill' as const, 'canceled' as const, 'expired' as const),
    venue: fc.constantFrom('SIM', 'XNAS'),
    instrumentId: inst,
    clientOrderId: id,
    venueOrderId: id,
    execId: id,
    side,
    lastQty: lots,
    lastPx: ticks,
    cumQty: lots,
    leavesQty: lots,
    commission: money,
    liquidity: fc.constantFrom('maker' as const, 'taker' as const, 'none' as const),
    tsEvent: ns,
    tsInit: ns
  })
);
