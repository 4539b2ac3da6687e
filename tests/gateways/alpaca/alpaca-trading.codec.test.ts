import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError, TradestateError } from '../../../src/core/errors.ts';
import {
  type Instrument,
  lotsToQty,
  makeInstrument,
  priceToTicks,
  priceToTicksRounded,
  qtyToLots,
  ticksToPrice
} from '../../../src/core/instrument.ts';
import { nsFromIso } from '../../../src/core/nanos.ts';
import {
  type AlpacaOrder,
  type AlpacaTradeUpdate,
  alpacaAccountSchema,
  alpacaCancelAllResultSchema,
  alpacaClockSchema,
  alpacaExecId,
  alpacaOrderRequestSchema,
  alpacaOrderSchema,
  alpacaOrderStatusSchema,
  alpacaPositionSchema,
  alpacaReplaceRequestSchema,
  alpacaStreamActionSchema,
  alpacaStreamMessageSchema,
  alpacaTradeEventSchema,
  alpacaTradeUpdateSchema,
  cryptoOrderProblem,
  decodeTradeStreamFrame,
  encodeOrderRequest,
  encodeReplaceRequest,
  missedFillReport,
  orderToReport,
  replacedOrderReport,
  tickNotional,
  tradeUpdateToReport
} from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import type { ReplaceOrder, SubmitOrder } from '../../../src/messages/commands.ts';
import { executionReportSchema } from '../../../src/messages/execution-report.ts';
import { codeOf } from '../../support/caught.ts';
import {
  AAPL,
  documentedOrderStatuses,
  documentedTradeEvents,
  entityExample,
  INSTRUMENTS,
  messageShapesFillExecPrefix,
  requestExamples,
  requestFieldExamples,
  responseExamples,
  SOLUSD,
  SOLUSD_DOC,
  snapshotOperation,
  streamingDocFrames,
  VENUE
} from './support/alpaca-docs.ts';

const T0 = 1_767_000_000_000_000_000n;

/** The 2026 docs' Equity order (AAPL limit buy 2 @ 150, accepted). */
const equityOrder = (): AlpacaOrder =>
  alpacaOrderSchema.parse(responseExamples('getorderbyorderid-1', '/v2/orders/{order_id}', 'get')['Equity']);

const update = (
  event: AlpacaTradeUpdate['event'],
  o: Partial<AlpacaOrder>,
  extra: object = {}
): AlpacaTradeUpdate => alpacaTradeUpdateSchema.parse({ event, order: { ...equityOrder(), ...o }, ...extra });

const submit = (c: Partial<SubmitOrder> = {}): SubmitOrder => ({
  type: 'order.submit',
  commandId: 'c1',
  tsInit: T0,
  strategyId: 's1',
  instrumentId: AAPL.id,
  clientOrderId: 'cl-1',
  side: 'buy',
  orderType: 'limit',
  qty: 2,
  limitPx: 15000,
  tif: 'gtc',
  ...c
});

const replace = (c: Partial<ReplaceOrder> = {}): ReplaceOrder => ({
  type: 'order.replace',
  commandId: 'c2',
  tsInit: T0,
  strategyId: 's1',
  instrumentId: AAPL.id,
  clientOrderId: 'cl-1',
  newClientOrderId: 'cl-2',
  ...c
});

describe('documented wire examples (../shared/data/alpaca)', () => {
  it('decodes the streaming doc fill example into an exact canonical fill', () => {
    const doc = streamingDocFrames();
    const m = decodeTradeStreamFrame(JSON.stringify(doc.fill));
    expect(m?.stream).toBe('trade_updates');
    if (m?.stream !== 'trade_updates') throw new Error('not a trade update');
    expect(m.data.execution_id?.startsWith(messageShapesFillExecPrefix())).toBe(true);
    const r = tradeUpdateToReport(m.data, SOLUSD_DOC, VENUE, T0);
    expect(r).toMatchObject({
      execType: 'fill',
      instrumentId: 'SOLUSD@ALPACA',
      clientOrderId: '4642fd68-d59a-47d7-a9ac-e22f536828d1',
      venueOrderId: 'a5be8f5e-fdfa-41f5-a644-7a74fe947a8f',
      execId: '2f63ea93-423d-4169-b3f6-3fdafc10c418',
      side: 'sell',
      lastQty: 179_086, // 1790.86 in 0.01 lots
      lastPx: 1_058_988_475, // 105.8988475 in 1e-7 ticks
      cumQty: 179_086,
      leavesQty: 0,
      commission: 0n,
      tsEvent: nsFromIso('2022-04-19T17:45:05.024916716Z'),
      tsInit: T0
    });
    expect(executionReportSchema.safeEncode(r!).success).toBe(true);
  });

  it('books the documented fill (105.8988475) on a cent tick at the nearest cent, its quantity exact', () => {
    const m = decodeTradeStreamFrame(JSON.stringify(streamingDocFrames().fill));
    if (m?.stream !== 'trade_updates') throw new Error('not a trade update');
    const cents = makeInstrument({
      symbol: 'SOLUSD',
      venue: VENUE,
      tickSize: '0.01',
      lotSize: '0.01',
      currency: 'USD'
    });
    expect(tradeUpdateToReport(m.data, cents, VENUE, T0)).toMatchObject({
      execType: 'fill',
      lastQty: 179_086, // 1790.86 in 0.01 lots, exact
      lastPx: 10_590, // 105.8988475 → 105.90
      reason: 'price 105.8988475 rounded to the tick'
    });
  });

  it('types the documented fill for an instrument too coarse for it, naming the field', () => {
    const m = decodeTradeStreamFrame(JSON.stringify(streamingDocFrames().fill));
    if (m?.stream !== 'trade_updates') throw new Error('not a trade update');
    let err: unknown;
    try {
      tradeUpdateToReport(m.data, SOLUSD, VENUE, T0);
    } catch (e) {
      err = e;
    }
    expect(isTradestateError(err, ErrorCode.QTY_NOT_ON_LOT)).toBe(true);
    expect((err as TradestateError).context).toMatchObject({
      field: 'qty',
      value: '1790.86',
      orderId: m.data.order.id
    });
  });

  it('decodes the control frames of the streaming doc, and the client frames parse as actions', () => {
    const d = streamingDocFrames();
    for (const f of [d.authorized, d.unauthorized, d.unauthorizedListen, d.listening])
      expect(decodeTradeStreamFrame(JSON.stringify(f))).toEqual(f);
    expect(alpacaStreamMessageSchema.parse(d.authorized)).toEqual(d.authorized);
    expect(alpacaStreamActionSchema.parse(d.authenticate)).toEqual(d.authenticate);
    expect(alpacaStreamActionSchema.parse(d.listen)).toEqual(d.listen);
  });

  it('knows every documented order status and trade event', () => {
    // and `held` (bracket/OCO legs), which Alpaca sends though its list leaves it out (alpaca-py's OrderStatus)
    expect([...alpacaOrderStatusSchema.options].sort()).toEqual(
      [...documentedOrderStatuses(), 'held'].sort()
    );
    const events = documentedTradeEvents();
    expect(events.length).toBeGreaterThanOrEqual(16);
    for (const e of events) expect(alpacaTradeEventSchema.options).toContain(e);
  });

  it('parses the entity examples: order, positions, account, clock', () => {
    expect(alpacaOrderSchema.parse(entityExample('order-v2')).notional).toBe('500');
    expect(alpacaPositionSchema.parse(entityExample('position')).qty).toBe('5');
    expect(alpacaPositionSchema.parse(entityExample('position-crypto')).avg_entry_price).toBe(
      '19660.5738784516887649'
    );
    expect(alpacaAccountSchema.parse(entityExample('account-v2')).buying_power).toBe('262113.632');
    expect(alpacaClockSchema.parse(entityExample('clock')).is_open).toBe(true);
  });

  it('parses every Order example of the 2026 snapshot (equity, option, crypto, multi-leg)', () => {
    const pages: [string, string, string][] = [
      ['postorder', '/v2/orders', 'post'],
      ['getorderbyorderid-1', '/v2/orders/{order_id}', 'get'],
      ['getallorders-1', '/v2/orders', 'get']
    ];
    let n = 0;
    for (const [page, path, method] of pages)
      for (const [name, ex] of Object.entries(responseExamples(page, path, method))) {
        const list = Array.isArray(ex) ? ex : [ex];
        for (const o of list) {
          const r = alpacaOrderSchema.safeParse(o);
          expect(r.success, `${page} ${name}: ${JSON.stringify(r.error?.issues[0])}`).toBe(true);
          n++;
        }
      }
    expect(n).toBeGreaterThanOrEqual(12);
    const mleg = responseExamples('postorder', '/v2/orders', 'post')['MultilegOptions'];
    expect(alpacaOrderSchema.parse(mleg).legs).toHaveLength(2);
  });

  it('accepts every documented order request, the account and the cancel-all examples', () => {
    const reqs = requestExamples('postorder', '/v2/orders', 'post');
    expect(Object.keys(reqs).length).toBeGreaterThanOrEqual(4);
    for (const [name, body] of Object.entries(reqs)) {
      const r = alpacaOrderRequestSchema.safeParse(body);
      expect(r.success, `${name}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
    expect(
      alpacaAccountSchema.parse(responseExamples('getaccount-1', '/v2/account', 'get')['example']).status
    ).toBe('ACTIVE');
    const cancelAll = snapshotOperation('deleteallorders-1', '/v2/orders', 'delete').responses['207']
      ?.content?.['application/json']?.schema?.items?.['x-examples'];
    expect(alpacaCancelAllResultSchema.parse(Object.values(cancelAll ?? {}))).toHaveLength(1);
  });

  it('maps the Equity example snapshot to an accepted report with its leaves', () => {
    const r = orderToReport(equityOrder(), AAPL, VENUE, T0);
    expect(r).toMatchObject({ execType: 'accepted', cumQty: 0, leavesQty: 2, side: 'buy', lastQty: 0 });
    // done for the day is still working: Alpaca trades it again the next trading day
    const resting = orderToReport({ ...equityOrder(), status: 'done_for_day' }, AAPL, VENUE, T0);
    expect(resting).toMatchObject({ execType: 'accepted', leavesQty: 2 });
  });
});

describe('request schemas enforce what Alpaca enforces', () => {
  const base = { symbol: 'AAPL', side: 'buy', time_in_force: 'day' } as const;
  it.each([
    [{ ...base, type: 'limit', qty: '1' }, 'limit_price'],
    [{ ...base, type: 'stop', qty: '1' }, 'stop_price'],
    [{ ...base, type: 'stop_limit', qty: '1', limit_price: '1' }, 'stop_price'],
    [{ ...base, type: 'market', qty: '1', notional: '10' }, 'qty'],
    [{ ...base, type: 'market' }, 'qty'],
    [{ ...base, type: 'market', qty: '1', limit_price: '2' }, 'limit_price'],
    [{ ...base, type: 'limit', notional: '10', limit_price: '2' }, 'notional'],
    [{ ...base, type: 'trailing_stop', qty: '1' }, 'trail_price'],
    [{ ...base, type: 'market', qty: '1', extended_hours: true }, 'extended_hours'],
    [{ ...base, type: 'market', qty: '0' }, 'qty'],
    [{ ...base, type: 'market', qty: '1', client_order_id: 'x'.repeat(129) }, 'client_order_id'],
    [{ side: 'buy', time_in_force: 'day', type: 'market', qty: '1' }, 'symbol']
  ])('refuses %j (%s)', (body, path) => {
    const r = alpacaOrderRequestSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path[0])).toContain(path);
  });

  it('takes a stop_limit with both prices and a trailing stop with one trail', () => {
    expect(
      alpacaOrderRequestSchema.safeParse({
        ...base,
        type: 'stop_limit',
        qty: '1',
        limit_price: '1',
        stop_price: '2'
      }).success
    ).toBe(true);
    expect(
      alpacaOrderRequestSchema.safeParse({ ...base, type: 'trailing_stop', qty: '1', trail_percent: '2' })
        .success
    ).toBe(true);
  });

  it('refuses an empty replace and takes the documented PATCH fields', () => {
    expect(alpacaReplaceRequestSchema.safeParse({ client_order_id: 'x' }).success).toBe(false);
    const body = requestFieldExamples('patchorderbyorderid-1', '/v2/orders/{order_id}', 'patch');
    expect(Object.keys(body).sort()).toEqual(['limit_price', 'qty', 'stop_price', 'time_in_force', 'trail']);
    expect(alpacaReplaceRequestSchema.parse(body)).toEqual(body);
  });
});

describe('commands → requests', () => {
  it('encodes a limit order with exact decimals and the client order id', () => {
    expect(encodeOrderRequest(submit(), AAPL)).toEqual({
      symbol: 'AAPL',
      qty: '2',
      side: 'buy',
      type: 'limit',
      time_in_force: 'gtc',
      limit_price: '150.00',
      client_order_id: 'cl-1'
    });
    const sol = encodeOrderRequest(
      submit({
        instrumentId: SOLUSD.id,
        qty: 179_086,
        orderType: 'stop_limit',
        limitPx: 1_058_988_475,
        stopPx: 1,
        tif: 'ioc'
      }),
      SOLUSD_DOC
    );
    expect(sol).toMatchObject({ qty: '1790.86', limit_price: '105.8988475', stop_price: '0.0000001' });
  });

  it.each([
    ['good-till-date', submit({ tif: 'gtd', expireAt: T0 })],
    ['a price a market order does not use', submit({ orderType: 'market' })],
    ['a non-positive price', submit({ limitPx: 0 })],
    ['another instrument', submit({ instrumentId: SOLUSD.id })]
  ])('refuses %s with TRD_ERR_ORDER_INVALID', (_why, cmd) => {
    expect(codeOf(() => encodeOrderRequest(cmd, AAPL))).toBe(ErrorCode.ORDER_INVALID);
  });

  it('encodes a replace: the new client id, and (total − filled) once partially filled', () => {
    expect(encodeReplaceRequest(replace({ limitPx: 14_950 }), AAPL)).toEqual({
      limit_price: '149.50',
      client_order_id: 'cl-2'
    });
    expect(encodeReplaceRequest(replace({ qty: 10 }), AAPL, { qty: 8, cumQty: 3 })).toEqual({
      qty: '7',
      client_order_id: 'cl-2'
    });
    // the quantity is sent even when unchanged: Alpaca would reuse the original 8
    expect(encodeReplaceRequest(replace({ limitPx: 1 }), AAPL, { qty: 8, cumQty: 3 }).qty).toBe('5');
    expect(codeOf(() => encodeReplaceRequest(replace(), AAPL))).toBe(ErrorCode.ORDER_INVALID);
    expect(codeOf(() => encodeReplaceRequest(replace({ qty: 3 }), AAPL, { qty: 8, cumQty: 3 }))).toBe(
      ErrorCode.ORDER_INVALID
    );
  });
});

describe('updates → reports', () => {
  const fillExtra = {
    price: '150.25',
    qty: '1',
    timestamp: '2026-01-05T15:00:00.000000001Z',
    execution_id: 'x-1'
  };

  it.each([
    ['new', 'accepted'],
    ['accepted', 'accepted'],
    ['partial_fill', 'fill'],
    ['fill', 'fill'],
    ['canceled', 'canceled'],
    ['done_for_day', null], // done for the day only: Alpaca trades it again the next trading day
    ['expired', 'expired'],
    ['rejected', 'rejected'],
    ['order_cancel_rejected', 'cancel_rejected'],
    ['order_replace_rejected', 'replace_rejected'],
    ['pending_new', null],
    ['pending_cancel', null],
    ['pending_replace', null],
    ['stopped', null],
    ['calculated', null],
    ['suspended', null]
  ] as const)('%s → %s', (event, execType) => {
    const r = tradeUpdateToReport(update(event, { filled_qty: '1' }, fillExtra), AAPL, VENUE, T0);
    expect(r?.execType ?? null).toBe(execType);
  });

  it('takes lastQty/lastPx from the event and cum/leaves from the order', () => {
    const r = tradeUpdateToReport(
      update('partial_fill', { qty: '10', filled_qty: '4', status: 'partially_filled' }, fillExtra),
      AAPL,
      VENUE,
      T0
    );
    expect(r).toMatchObject({ lastQty: 1, lastPx: 15_025, cumQty: 4, leavesQty: 6, execId: 'x-1' });
    expect(r?.tsEvent).toBe(nsFromIso('2026-01-05T15:00:00.000000001Z'));
    const c = tradeUpdateToReport(update('canceled', { qty: '10', filled_qty: '4' }), AAPL, VENUE, T0);
    expect(c).toMatchObject({ cumQty: 4, leavesQty: 0 });
  });

  it('builds a deterministic exec id when there is no execution_id, at most 128 characters', () => {
    const u = update('partial_fill', { filled_qty: '1' }, { ...fillExtra, execution_id: undefined });
    const a = tradeUpdateToReport(u, AAPL, VENUE, T0)!;
    const b = tradeUpdateToReport(structuredClone(u), AAPL, VENUE, T0 + 5n)!;
    expect(a.execId).toBe(b.execId);
    expect(a.execId).toContain(u.order.id);
    const c = tradeUpdateToReport(
      update('partial_fill', { filled_qty: '2' }, { ...fillExtra, execution_id: undefined }),
      AAPL,
      VENUE,
      T0
    )!;
    expect(c.execId).not.toBe(a.execId);
    expect(alpacaExecId(['a'.repeat(100), 'b'.repeat(100)]).length).toBeLessThanOrEqual(128);
  });

  it('rounds a fill price off the tick half-even, the quantity stays exact (150.0049 → 150.00, not refused)', () => {
    const fill = (price: string) =>
      tradeUpdateToReport(update('fill', { filled_qty: '1' }, { ...fillExtra, price }), AAPL, VENUE, T0);
    expect(fill('150.0049')).toMatchObject({
      execType: 'fill',
      lastQty: 1,
      lastPx: 15_000,
      reason: 'price 150.0049 rounded to the tick'
    });
    expect(fill('150.255')?.lastPx).toBe(15_026); // a tie goes to the even tick
    expect(fill('150.245')?.lastPx).toBe(15_024);
    expect(fill('150.25')).not.toHaveProperty('reason'); // on the tick: exact, nothing said
    // the stream's fill and the fill reconciliation derives from the same order agree
    const o = {
      ...equityOrder(),
      qty: '10',
      filled_qty: '10',
      filled_avg_price: '150.0049',
      status: 'filled' as const
    };
    const streamed = tradeUpdateToReport(
      update('fill', o, { ...fillExtra, qty: '10', price: '150.0049' }),
      AAPL,
      VENUE,
      T0
    );
    const reconciled = missedFillReport(o, AAPL, VENUE, T0, { cumQty: 0, notional: tickNotional(AAPL, 0n) });
    expect([streamed?.lastQty, streamed?.lastPx]).toEqual([reconciled?.lastQty, reconciled?.lastPx]);
    expect(executionReportSchema.safeEncode(streamed!).success).toBe(true);
  });

  it('types a quantity off the lot and a symbol mismatch, with context; a non-numeric price never gets there', () => {
    const off = update('fill', {}, { ...fillExtra, qty: '0.5' });
    let err: unknown;
    try {
      tradeUpdateToReport(off, AAPL, VENUE, T0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TradestateError);
    expect((err as TradestateError).code).toBe(ErrorCode.QTY_NOT_ON_LOT);
    expect((err as TradestateError).context).toMatchObject({
      field: 'qty',
      value: '0.5',
      orderId: off.order.id
    });
    expect(codeOf(() => tradeUpdateToReport(update('new', { symbol: 'MSFT' }), AAPL, VENUE, T0))).toBe(
      ErrorCode.MESSAGE_INVALID
    );
    // a non-numeric string never reaches the mapping: the schema types it
    expect(
      codeOf(() =>
        decodeTradeStreamFrame(JSON.stringify({ stream: 'trade_updates', data: { ...off, price: 'abc' } }))
      )
    ).toBe(ErrorCode.WS_FRAME_INVALID);
  });

  it('resolves both sides of a replace through the links, and types an unknown one', () => {
    const old = { ...equityOrder(), status: 'replaced' as const, replaced_by: 'new-venue-id' };
    const links = {
      clientOrderIdOf: (id: string) => ({ 'new-venue-id': 'cl-2', [old.id]: old.client_order_id })[id]
    };
    const r = tradeUpdateToReport(
      update('replaced', old, { timestamp: '2026-01-05T15:00:00Z' }),
      AAPL,
      VENUE,
      T0,
      links
    );
    expect(r).toMatchObject({
      execType: 'replaced',
      clientOrderId: 'cl-2',
      origClientOrderId: old.client_order_id,
      venueOrderId: 'new-venue-id'
    });
    const viaPending = tradeUpdateToReport(update('replaced', old), AAPL, VENUE, T0, {
      pendingReplacementOf: (cid) => (cid === old.client_order_id ? 'cl-3' : undefined)
    });
    expect(viaPending?.clientOrderId).toBe('cl-3');
    const n = alpacaOrderSchema.parse({
      ...equityOrder(),
      id: 'new-venue-id',
      client_order_id: 'cl-2',
      replaces: old.id
    });
    expect(replacedOrderReport(n, AAPL, VENUE, T0, links)).toMatchObject({
      clientOrderId: 'cl-2',
      origClientOrderId: old.client_order_id,
      venueOrderId: 'new-venue-id',
      leavesQty: 2
    });
    expect(codeOf(() => tradeUpdateToReport(update('replaced', old), AAPL, VENUE, T0))).toBe(
      ErrorCode.UNKNOWN_ORDER
    );
  });

  it('reports a replace rejection for the new client id when a replace is pending', () => {
    const r = tradeUpdateToReport(update('order_replace_rejected', {}), AAPL, VENUE, T0, {
      pendingReplacementOf: () => 'cl-9'
    });
    expect(r).toMatchObject({
      execType: 'replace_rejected',
      clientOrderId: 'cl-9',
      origClientOrderId: equityOrder().client_order_id
    });
  });

  it('derives a missed fill from filled_qty and filled_avg_price, exactly or rounded to the tick', () => {
    const o = {
      ...equityOrder(),
      qty: '40',
      filled_qty: '30',
      filled_avg_price: '100.5',
      status: 'partially_filled' as const
    };
    // 10 @ 100.00 reported; 30 @ avg 100.50 → the 20 missed were at 100.75
    const r = missedFillReport(o, AAPL, VENUE, T0, {
      cumQty: 10,
      notional: tickNotional(AAPL, 10n * 10_000n)
    });
    expect(r).toMatchObject({ execType: 'fill', lastQty: 20, lastPx: 10_075, cumQty: 30, leavesQty: 10 });
    expect(r?.execId).toBe(`${o.id}:reconciled:30`);
    expect(r?.reason).not.toContain('rounded');
    const rounded = missedFillReport({ ...o, filled_avg_price: '100.503' }, AAPL, VENUE, T0, {
      cumQty: 10,
      notional: tickNotional(AAPL, 100_000n)
    });
    expect(rounded?.lastPx).toBe(10_075); // 100.7545 → 100.75
    expect(rounded?.reason).toContain('rounded');
    expect(missedFillReport(o, AAPL, VENUE, T0, { cumQty: 30, notional: tickNotional(AAPL, 0n) })).toBeNull();
  });
});

// ── properties ───────────────────────────────────────────────────────────────────────────────────────

const tickLot = fc
  .record({
    tm: fc.integer({ min: 1, max: 25 }),
    ts: fc.integer({ min: 0, max: 8 }),
    lm: fc.integer({ min: 1, max: 5 }),
    ls: fc.integer({ min: 0, max: 4 })
  })
  .filter((x) => x.ts + x.ls <= 8)
  .map(({ tm, ts, lm, ls }) =>
    makeInstrument({
      symbol: 'XYZ',
      venue: VENUE,
      tickSize: decimalOf(tm, ts),
      lotSize: decimalOf(lm, ls),
      currency: 'USD'
    })
  );

function decimalOf(m: number, scale: number): string {
  const s = String(m).padStart(scale + 1, '0');
  return scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}

const submitArb = (inst: Instrument): fc.Arbitrary<SubmitOrder> =>
  fc
    .record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      orderType: fc.constantFrom('market' as const, 'limit' as const, 'stop' as const, 'stop_limit' as const),
      qty: fc.integer({ min: 1, max: 1_000_000_000 }),
      limitPx: fc.integer({ min: 1, max: 2_000_000_000 }),
      stopPx: fc.integer({ min: 1, max: 2_000_000_000 }),
      tif: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const, 'fok' as const),
      clientOrderId: fc.string({ minLength: 1, maxLength: 128 })
    })
    .map((r) => ({
      ...submit({
        instrumentId: inst.id,
        clientOrderId: r.clientOrderId,
        side: r.side,
        orderType: r.orderType,
        qty: r.qty,
        tif: r.tif
      }),
      limitPx: r.orderType === 'limit' || r.orderType === 'stop_limit' ? r.limitPx : undefined,
      stopPx: r.orderType === 'stop' || r.orderType === 'stop_limit' ? r.stopPx : undefined
    }));

describe('properties', () => {
  it('ticks and lots ↔ decimal strings round-trip exactly', () => {
    fc.assert(
      fc.property(
        tickLot,
        fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
        fc.integer({ min: 0, max: 2_000_000_000 }),
        (inst, t, l) => {
          expect(priceToTicks(inst, ticksToPrice(inst, t))).toBe(t);
          expect(qtyToLots(inst, lotsToQty(inst, l))).toBe(l);
        }
      )
    );
  });

  it('every valid command encodes to a request the schema accepts, and back to the same ticks and lots', () => {
    fc.assert(
      fc.property(
        tickLot.chain((inst) => fc.tuple(fc.constant(inst), submitArb(inst))),
        ([inst, cmd]) => {
          const req = encodeOrderRequest(cmd, inst);
          const r = alpacaOrderRequestSchema.safeParse(req);
          expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
          expect(qtyToLots(inst, req.qty!)).toBe(cmd.qty);
          if (cmd.limitPx !== undefined) expect(priceToTicks(inst, req.limit_price!)).toBe(cmd.limitPx);
          if (cmd.stopPx !== undefined) expect(priceToTicks(inst, req.stop_price!)).toBe(cmd.stopPx);
        }
      )
    );
  });

  it('every replace that changes something encodes to a request the schema accepts', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 1000 }),
        (qty, limitPx, cumQty) => {
          const cmd = replace({ qty, limitPx });
          const encode = () => encodeReplaceRequest(cmd, AAPL, { qty: 1000, cumQty });
          // refused only when it changes nothing, or leaves nothing to fill after what has filled
          const changes = qty !== undefined || limitPx !== undefined;
          const leaves = cumQty > 0 ? (qty ?? 1000) - cumQty : (qty ?? 1);
          if (!changes || leaves <= 0) {
            expect(codeOf(encode)).toBe(ErrorCode.ORDER_INVALID);
            return;
          }
          const req = encode();
          expect(alpacaReplaceRequestSchema.safeParse(req).success).toBe(true);
          expect(req.qty === undefined ? undefined : Number(req.qty)).toBe(cumQty > 0 ? leaves : qty);
          expect(req.limit_price === undefined ? undefined : priceToTicks(AAPL, req.limit_price)).toBe(
            limitPx
          );
        }
      ),
      {
        examples: [
          [2, undefined, 1], // one lot left: sent
          [1, undefined, 1], // none left: refused
          [undefined, 100, 999], // the order's own size, one lot left
          [1000, undefined, 999]
        ]
      }
    );
  });

  it('random junk frames never throw anything but a TradestateError', () => {
    const valid = JSON.stringify({
      stream: 'trade_updates',
      data: update('partial_fill', { qty: '10', filled_qty: '3' }, { price: '1.23', qty: '3' })
    });
    const mutate = fc
      .tuple(fc.nat({ max: valid.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 8 }))
      .map(([i, n, s]) => valid.slice(0, i) + s + valid.slice(i + n));
    const junk = fc.oneof(
      fc.string(),
      fc.json(),
      mutate,
      fc.anything().map((a) => JSON.stringify({ stream: 'trade_updates', data: a }) ?? 'x'),
      fc.anything().map((a) => JSON.stringify({ stream: 'authorization', data: a }) ?? 'x')
    );
    fc.assert(
      fc.property(junk, (text) => {
        try {
          const m = decodeTradeStreamFrame(text);
          if (m?.stream === 'trade_updates') {
            for (const inst of [AAPL, SOLUSD]) tradeUpdateToReport(m.data, inst, VENUE, T0);
            orderToReport(m.data.order, AAPL, VENUE, T0);
            missedFillReport(m.data.order, AAPL, VENUE, T0, { cumQty: 0, notional: tickNotional(AAPL, 0n) });
          }
        } catch (e) {
          if (!(e instanceof TradestateError)) throw e;
          expect(e.code).toMatch(/^TRD_ERR_/);
        }
      }),
      { numRuns: 300 }
    );
  });

  it('random decimal strings as prices and quantities give a report or a typed error, never a crash', () => {
    const decimalish = fc.oneof(
      fc.stringMatching(/^-?\d{1,12}(\.\d{1,12})?$/),
      fc.constantFrom('', '1e5', 'NaN', '1.', '.5', '+1', '0x10', ' 1')
    );
    fc.assert(
      fc.property(decimalish, decimalish, decimalish, (price, qty, filled) => {
        const u = {
          event: 'partial_fill',
          order: { ...equityOrder(), qty: '1000000000000', filled_qty: filled },
          price,
          qty
        } as AlpacaTradeUpdate;
        try {
          const r = tradeUpdateToReport(u, AAPL, VENUE, T0);
          expect(r?.lastPx).toBe(priceToTicksRounded(AAPL, price).ticks);
        } catch (e) {
          if (!(e instanceof TradestateError)) throw e;
        }
      })
    );
  });

  it('a fill of whole lots at any decimal price gives a report at the price rounded to the tick', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{1,9}(\.\d{1,12})?$/),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 1_000 }),
        (price, qty, before) => {
          const u = {
            event: 'partial_fill',
            order: { ...equityOrder(), qty: '1000000000000', filled_qty: String(before + qty) },
            price,
            qty: String(qty)
          } as AlpacaTradeUpdate;
          const r = tradeUpdateToReport(u, AAPL, VENUE, T0)!;
          expect([r.lastPx, r.lastQty, r.cumQty]).toEqual([
            priceToTicksRounded(AAPL, price).ticks,
            qty,
            before + qty
          ]);
        }
      )
    );
  });

  it('a missed fill is priced back exactly from a 12-digit average', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ q: fc.integer({ min: 1, max: 10_000 }), p: fc.integer({ min: 1, max: 1_000_000 }) }),
          { minLength: 1, maxLength: 6 }
        ),
        fc.nat({ max: 5 }),
        (fills, k) => {
          const reported = fills.slice(0, Math.min(k, fills.length - 1));
          const missed = fills.slice(reported.length);
          // several missed fills collapse into one at their volume-weighted price: test the single-fill case
          const one = missed.length === 1;
          const cum = fills.reduce((s, f) => s + f.q, 0);
          const notional = fills.reduce((s, f) => s + BigInt(f.q) * BigInt(f.p), 0n); // ticks × lots
          // avg price as a decimal with 12 digits: notional / cum ticks of 0.01
          const scaled = (notional * 10n ** 10n) / BigInt(cum); // price × 10^12 (a tick is 0.01)
          const avg = `${scaled / 10n ** 12n}.${String(scaled % 10n ** 12n).padStart(12, '0')}`;
          const o = {
            ...equityOrder(),
            qty: String(cum + 1),
            filled_qty: String(cum),
            filled_avg_price: avg,
            status: 'partially_filled' as const
          };
          const r = missedFillReport(o, AAPL, VENUE, T0, {
            cumQty: reported.reduce((s, f) => s + f.q, 0),
            notional: tickNotional(
              AAPL,
              reported.reduce((s, f) => s + BigInt(f.q) * BigInt(f.p), 0n)
            )
          });
          expect(r?.lastQty).toBe(missed.reduce((s, f) => s + f.q, 0));
          if (one) expect(r?.lastPx).toBe(missed[0]!.p);
        }
      )
    );
  });
});

describe('what Alpaca sends or refuses beyond its documented lists', () => {
  const ETH = INSTRUMENTS.bySymbol('ETH/USD');

  it('a `held` bracket leg, and a status no list knows, decode and are taken as working', () => {
    // regression: `held` (alpaca-py's OrderStatus.HELD) failed the order schema, and with it a whole listing
    const held = alpacaOrderSchema.parse({ ...equityOrder(), order_class: 'bracket', status: 'held' });
    expect(orderToReport(held, AAPL, VENUE, T0)).toMatchObject({ execType: 'accepted', leavesQty: 2 });
    const novel = alpacaOrderSchema.parse({ ...equityOrder(), status: 'brand_new_state' });
    expect(orderToReport(novel, AAPL, VENUE, T0)).toMatchObject({ execType: 'accepted', leavesQty: 2 });
    // still a wire check: not any string
    expect(alpacaOrderSchema.safeParse({ ...equityOrder(), status: 'Not A Status!' }).success).toBe(false);
    // a trade update of a bracket parent whose legs are held decodes
    const parent = { ...equityOrder(), order_class: 'bracket', legs: [{ ...equityOrder(), status: 'held' }] };
    const frame = JSON.stringify({ stream: 'trade_updates', data: { event: 'new', order: parent } });
    expect(decodeTradeStreamFrame(frame)?.stream).toBe('trade_updates');
  });

  it('`restated` (alpaca-py’s TradeEvent.RESTATED) → restated, its size the order’s; an unknown event decodes to nothing', () => {
    const r = tradeUpdateToReport(
      update(
        'restated',
        { qty: '8', filled_qty: '3', status: 'partially_filled' },
        { timestamp: '2026-01-05T15:00:00Z' }
      ),
      AAPL,
      VENUE,
      T0
    );
    expect(r).toMatchObject({ execType: 'restated', cumQty: 3, leavesQty: 5, lastQty: 0 });
    const later = alpacaTradeUpdateSchema.parse({ event: 'some_future_event', order: equityOrder() });
    expect(tradeUpdateToReport(later, AAPL, VENUE, T0)).toBeNull();
  });

  it('crypto takes only gtc/ioc and market/limit/stop_limit: refused by the request schema and by the encoder', () => {
    // regression: a day, fok or stop crypto order passed both and only the venue refused it
    const body = {
      symbol: 'ETH/USD',
      side: 'buy',
      qty: '1',
      type: 'limit',
      limit_price: '1',
      time_in_force: 'gtc'
    };
    expect(alpacaOrderRequestSchema.safeParse(body).success).toBe(true);
    expect(
      alpacaOrderRequestSchema.safeParse({
        ...body,
        time_in_force: 'ioc',
        type: 'market',
        limit_price: undefined
      }).success
    ).toBe(true);
    for (const [bad, path] of [
      [{ time_in_force: 'day' }, 'time_in_force'],
      [{ time_in_force: 'fok' }, 'time_in_force'],
      [{ type: 'stop', limit_price: undefined, stop_price: '1' }, 'type']
    ] as const) {
      const r = alpacaOrderRequestSchema.safeParse({ ...body, ...bad });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.path[0])).toContain(path);
    }
    // crypto notional orders are gtc/ioc too
    const notional = { symbol: 'ETH/USD', side: 'buy', notional: '10', type: 'market', time_in_force: 'gtc' };
    expect(alpacaOrderRequestSchema.safeParse(notional).success).toBe(true);
    const eth = (c: Partial<SubmitOrder>) => submit({ instrumentId: ETH.id, ...c });
    expect(encodeOrderRequest(eth({ tif: 'ioc' }), ETH)).toMatchObject({
      symbol: 'ETH/USD',
      time_in_force: 'ioc'
    });
    expect(codeOf(() => encodeOrderRequest(eth({ tif: 'day' }), ETH))).toBe(ErrorCode.ORDER_INVALID);
    expect(codeOf(() => encodeOrderRequest(eth({ tif: 'fok' }), ETH))).toBe(ErrorCode.ORDER_INVALID);
    expect(
      codeOf(() => encodeOrderRequest(eth({ orderType: 'stop', limitPx: undefined, stopPx: 100 }), ETH))
    ).toBe(ErrorCode.ORDER_INVALID);
    // equities keep every time in force
    expect(encodeOrderRequest(submit({ tif: 'fok' }), AAPL).time_in_force).toBe('fok');
    // the problem names its field (the schema's issue path), not a message to search
    expect(cryptoOrderProblem('ETH/USD', 'limit', 'day')).toEqual({
      field: 'time_in_force',
      message: 'crypto orders take time_in_force gtc or ioc, not day'
    });
    expect(cryptoOrderProblem('ETH/USD', 'stop', 'gtc')?.field).toBe('type');
    expect(cryptoOrderProblem('AAPL', 'stop', 'day')).toBeUndefined();
  });
});
