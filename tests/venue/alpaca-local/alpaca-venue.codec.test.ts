import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import {
  alpacaAccountSchema,
  alpacaClockSchema,
  alpacaOrderSchema,
  alpacaPositionSchema,
  alpacaStreamMessageSchema,
  encodeOrderRequest
} from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import { InstrumentMap } from '../../../src/gateways/fix/app-messages.ts';
import type { SubmitOrder } from '../../../src/messages/commands.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import { Portfolio } from '../../../src/portfolio/portfolio.ts';
import {
  AlpacaApiError,
  type AlpacaOrderRecord,
  applyReport,
  averagePrice,
  decodeOrderRequest,
  decodeReplaceRequest,
  encodeAccount,
  encodeClock,
  encodeOrder,
  encodePosition,
  encodeTradeUpdate,
  formatRatio,
  isUuid,
  uuidFromName,
  uuidFromRng
} from '../../../src/venue/alpaca-local/alpaca-venue.codec.ts';
import { AAPL, BTC, T0 } from './support.ts';

const instruments = new InstrumentMap('ALPACA', [AAPL, BTC]);
let cidSeq = 0;
const ctx = { instruments, now: T0, strategyId: 'alpaca', newClientOrderId: () => `gen-${++cidSeq}` };

/** The AlpacaApiError thrown by `f` (fails the test when `f` returns or throws something else). */
function refusal(f: () => unknown): AlpacaApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof AlpacaApiError) return e;
    throw e;
  }
  throw new Error('expected an AlpacaApiError');
}

const decode = (body: unknown) => decodeOrderRequest(body, ctx);

describe('Alpaca local venue codec: order requests → SubmitOrder', () => {
  const submitArb: fc.Arbitrary<SubmitOrder> = fc
    .record({
      inst: fc.constantFrom(AAPL, BTC),
      clientOrderId: fc.string({ minLength: 1, maxLength: 128 }),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      orderType: fc.constantFrom('market' as const, 'limit' as const, 'stop' as const, 'stop_limit' as const),
      qty: fc.integer({ min: 1, max: 1_000_000_000 }),
      limitPx: fc.integer({ min: 1, max: 1_000_000_000 }),
      stopPx: fc.integer({ min: 1, max: 1_000_000_000 }),
      tif: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const, 'fok' as const)
    })
    // only orders Alpaca takes: crypto is gtc/ioc and market/limit/stop_limit (refusals are tested below)
    .filter(
      ({ inst, orderType, tif }) => inst !== BTC || ((tif === 'gtc' || tif === 'ioc') && orderType !== 'stop')
    )
    .map(({ inst, clientOrderId, side, orderType, qty, limitPx, stopPx, tif }) => ({
      type: 'order.submit' as const,
      commandId: clientOrderId,
      tsInit: T0,
      strategyId: 'alpaca',
      instrumentId: inst.id,
      clientOrderId,
      side,
      orderType,
      qty,
      ...(orderType === 'limit' || orderType === 'stop_limit' ? { limitPx } : {}),
      ...(orderType === 'stop' || orderType === 'stop_limit' ? { stopPx } : {}),
      tif
    }));

  it('property: a canonical submit → the gateway’s request JSON → decodeOrderRequest gives it back exactly', () => {
    fc.assert(
      fc.property(submitArb, (cmd) => {
        const inst = instruments.byId(cmd.instrumentId);
        const wire = JSON.parse(JSON.stringify(encodeOrderRequest(cmd, inst)));
        const back = decode(wire);
        expect(back.cmd).toEqual(cmd);
        expect(back.tif).toBe(cmd.tif);
        expect(back.extendedHours).toBe(false);
      }),
      { numRuns: 300 }
    );
  });

  it('property: any JSON body either decodes or is refused with a typed 4xx (never another exception)', () => {
    const valid = orderFields();
    const junkBody = fc.oneof(
      fc.jsonValue(),
      // a valid request with one field replaced by junk, or one extra field
      fc
        .record({
          key: fc.constantFrom(...Object.keys(valid), 'extra', 'qty', 'limit_price'),
          v: fc.jsonValue()
        })
        .map(({ key, v }) => ({ ...valid, [key]: v }))
    );
    fc.assert(
      fc.property(junkBody, (body) => {
        try {
          decode(body);
        } catch (e) {
          expect(e).toBeInstanceOf(AlpacaApiError);
          const err = e as AlpacaApiError;
          expect(err.status).toBe(422);
          expect([40010001, 42210000]).toContain(err.reply.code);
          expect(err.code).toMatch(/^TRD_ERR_/);
        }
      }),
      { numRuns: 500 }
    );
  });

  it('decodes limit and stop-limit requests with exact ticks and lots (fractional crypto quantities too)', () => {
    const r = decode({
      symbol: 'BTC/USD',
      qty: '0.0125',
      side: 'sell',
      type: 'stop_limit',
      time_in_force: 'gtc',
      limit_price: '65000.5',
      stop_price: '65010',
      client_order_id: 'c-1'
    });
    expect(r.cmd).toMatchObject({
      instrumentId: 'BTC/USD@ALPACA',
      clientOrderId: 'c-1',
      commandId: 'c-1',
      side: 'sell',
      orderType: 'stop_limit',
      qty: 125,
      limitPx: 6_500_050,
      stopPx: 6_501_000,
      tif: 'gtc'
    });
  });

  it('takes JSON numbers for amounts as Alpaca does, and generates a client_order_id when none is given', () => {
    const r = decode(orderFields({ qty: 5, type: 'limit', limit_price: 187.25 }));
    expect(r.cmd).toMatchObject({ qty: 5, limitPx: 18725 });
    expect(r.cmd.clientOrderId).toMatch(/^gen-\d+$/);
  });

  it('extended hours: echoed for DAY limits, refused otherwise', () => {
    expect(decode(orderFields({ type: 'limit', limit_price: '1', extended_hours: true })).extendedHours).toBe(
      true
    );
    expect(refusal(() => decode(orderFields({ extended_hours: true }))).reply.code).toBe(40010001);
  });

  it.each([
    ['notional', { notional: '500', qty: undefined }, /notional/],
    ['a trailing stop', { type: 'trailing_stop', trail_percent: '1' }, /trailing_stop/],
    [
      'a bracket',
      { order_class: 'bracket', take_profit: { limit_price: '200' }, stop_loss: { stop_price: '150' } },
      /order_class bracket/
    ],
    ['an OCO', { order_class: 'oco' }, /order_class oco/],
    ['opg', { time_in_force: 'opg' }, /opg/],
    ['cls', { time_in_force: 'cls' }, /cls/]
  ])('unsupported: %s → 422 42210000 TRD_ERR_ORDER_INVALID with a clear message', (_what, over, msg) => {
    const e = refusal(() => decode(orderFields(over)));
    expect(e.status).toBe(422);
    expect(e.reply.code).toBe(42210000);
    expect(e.code).toBe(ErrorCode.ORDER_INVALID);
    expect(e.reply.message).toMatch(msg);
    expect(e.reply.message).toMatch(/not supported by the local venue/);
  });

  it.each([
    ['a missing qty', { qty: undefined }, 'qty', ErrorCode.MESSAGE_INVALID],
    ['a missing side', { side: undefined }, 'side', ErrorCode.MESSAGE_INVALID],
    ['a limit without limit_price', { type: 'limit' }, 'limit_price', ErrorCode.MESSAGE_INVALID],
    ['a market order with a limit_price', { limit_price: '1' }, 'limit_price', ErrorCode.MESSAGE_INVALID],
    ['an unknown type', { type: 'pegged' }, 'type', ErrorCode.MESSAGE_INVALID],
    ['an unknown field', { colour: 'red' }, 'colour', ErrorCode.MESSAGE_INVALID],
    ['a zero qty', { qty: '0' }, 'qty', ErrorCode.MESSAGE_INVALID],
    ['an exponent', { qty: '1e3' }, 'qty', ErrorCode.MESSAGE_INVALID],
    ['an unknown symbol', { symbol: 'MSFT' }, 'asset not found: MSFT', ErrorCode.UNKNOWN_INSTRUMENT],
    [
      'a client_order_id of 129 characters',
      { client_order_id: 'x'.repeat(129) },
      'client_order_id',
      ErrorCode.MESSAGE_INVALID
    ]
  ])('%s → 422 40010001 naming the field', (_what, over, field, code) => {
    const e = refusal(() => decode(orderFields(over)));
    expect(e.status).toBe(422);
    expect(e.reply).toEqual({ code: 40010001, message: expect.stringContaining(field) });
    expect(e.code).toBe(code);
  });

  it('a sub-penny price → Alpaca’s 42210000 message; a qty off the lot → 42210000 TRD_ERR_QTY_NOT_ON_LOT', () => {
    const px = refusal(() => decode(orderFields({ type: 'limit', limit_price: '290.123' })));
    expect(px.reply).toEqual({
      code: 42210000,
      message: 'invalid limit_price 290.123. sub-penny increment does not fulfill minimum pricing criteria'
    });
    expect(px.code).toBe(ErrorCode.PRICE_NOT_ON_TICK);
    const q = refusal(() => decode(orderFields({ qty: '1.5' })));
    expect([q.reply.code, q.code]).toEqual([42210000, ErrorCode.QTY_NOT_ON_LOT]);
  });

  it('a body that is not an object → 422', () => {
    for (const b of [null, [], 'x', 3, true]) expect(refusal(() => decode(b)).status).toBe(422);
  });
});

describe('Alpaca local venue codec: PATCH bodies → ReplaceOrder', () => {
  const target = { inst: AAPL, clientOrderId: 'old', type: 'limit' as const, tif: 'day' as const, qty: 10 };
  const rctx = { now: T0, strategyId: 'alpaca', newClientOrderId: () => 'gen-new' };

  it('the replacing order trades `qty` more: the canonical total is the chain’s filled + qty', () => {
    const r = decodeReplaceRequest(
      { qty: '4', limit_price: '101.5', client_order_id: 'new' },
      { ...target, chainFilled: 6 },
      rctx
    );
    expect(r).toEqual({
      type: 'order.replace',
      commandId: 'new',
      tsInit: T0,
      strategyId: 'alpaca',
      instrumentId: AAPL.id,
      clientOrderId: 'old',
      newClientOrderId: 'new',
      qty: 10,
      limitPx: 10150
    });
    // no qty: the replacing order keeps the replaced order's own qty (Alpaca keeps every field not given)
    expect(decodeReplaceRequest({ limit_price: '99' }, { ...target, chainFilled: 3 }, rctx)).toMatchObject({
      newClientOrderId: 'gen-new',
      qty: 13,
      limitPx: 9900
    });
  });

  it.each([
    ['an empty body', {}, 40010001],
    ['a stop_price on a limit order', { stop_price: '1' }, 40010001],
    ['trail', { trail: '1' }, 42210000],
    ['a time_in_force change', { time_in_force: 'gtc' }, 42210000],
    ['an unknown field', { qty: '1', side: 'sell' }, 40010001],
    ['a sub-penny price', { limit_price: '1.001' }, 42210000]
  ])('%s → 422 %i', (_what, body, code) => {
    const e = refusal(() => decodeReplaceRequest(body, { ...target, chainFilled: 0 }, rctx));
    expect([e.status, e.reply.code]).toEqual([422, code]);
  });

  it('the same time_in_force is not a change', () => {
    expect(
      decodeReplaceRequest({ time_in_force: 'day', qty: '2' }, { ...target, chainFilled: 0 }, rctx).qty
    ).toBe(2);
  });
});

function orderFields(over: Record<string, unknown> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {
    symbol: 'AAPL',
    qty: '10',
    side: 'buy',
    type: 'market',
    time_in_force: 'day',
    ...over
  };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function record(over: Partial<AlpacaOrderRecord> = {}): AlpacaOrderRecord {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    clientOrderId: 'c1',
    inst: AAPL,
    side: 'buy',
    type: 'limit',
    tif: 'day',
    extendedHours: false,
    qty: 450,
    limitPx: 10002,
    stopPx: undefined,
    status: 'accepted',
    filled: 0,
    priorFilled: 0,
    filledTickLots: 0n,
    createdAt: T0,
    updatedAt: T0,
    filledAt: undefined,
    expiredAt: undefined,
    canceledAt: undefined,
    failedAt: undefined,
    replacedAt: undefined,
    replacedBy: undefined,
    replaces: undefined,
    ...over
  };
}

function report(over: Partial<ExecutionReport>): ExecutionReport {
  return {
    type: 'exec.report',
    execType: 'accepted',
    venue: 'ALPACA',
    instrumentId: AAPL.id,
    clientOrderId: 'c1',
    execId: 'x',
    side: 'buy',
    lastQty: 0,
    lastPx: 0,
    cumQty: 0,
    leavesQty: 450,
    commission: 0n,
    liquidity: 'none',
    tsEvent: T0 + 1000n,
    tsInit: T0 + 1000n,
    ...over
  };
}

describe('Alpaca local venue codec: records and reports → orders and trade updates', () => {
  it('accepted → new, partial fills → partial_fill with exact decimals, last fill → fill with filled_avg_price', () => {
    const rec = record();
    expect(applyReport(rec, report({}))).toBe('new');
    expect(rec.status).toBe('new');
    const f1 = report({ execType: 'fill', lastQty: 300, lastPx: 10001, cumQty: 300, leavesQty: 150 });
    expect(applyReport(rec, f1)).toBe('partial_fill');
    const u1 = encodeTradeUpdate('partial_fill', rec, f1, { executionId: 'e1', positionQty: 300 });
    expect(u1.data).toMatchObject({
      event: 'partial_fill',
      execution_id: 'e1',
      price: '100.01',
      qty: '300',
      position_qty: '300',
      timestamp: '2024-03-05T15:00:00.000001000Z',
      order: { status: 'partially_filled', filled_qty: '300', filled_avg_price: '100.01', qty: '450' }
    });
    const f2 = report({ execType: 'fill', lastQty: 150, lastPx: 10002, cumQty: 450, leavesQty: 0 });
    expect(applyReport(rec, f2)).toBe('fill');
    const u2 = encodeTradeUpdate('fill', rec, f2, { executionId: 'e2', positionQty: -5 });
    // (300 × 100.01 + 150 × 100.02) / 450 = 100.013333… exactly to 9 decimals, half-even
    expect(u2.data.order).toMatchObject({
      status: 'filled',
      filled_qty: '450',
      filled_avg_price: '100.013333333',
      filled_at: '2024-03-05T15:00:00.000001000Z'
    });
    expect(u2.data.position_qty).toBe('-5');
    expect(alpacaStreamMessageSchema.parse(u2)).toEqual(u2);
  });

  it('every other event: timestamp (but new), statuses and their timestamps; schemas accept them all', () => {
    const cases: [ExecutionReport['execType'], string, string][] = [
      ['canceled', 'canceled', 'canceled_at'],
      ['expired', 'expired', 'expired_at'],
      ['rejected', 'rejected', 'failed_at'],
      ['replaced', 'replaced', 'replaced_at']
    ];
    for (const [execType, status, field] of cases) {
      const rec = record({ status: 'new' });
      const r = report({ execType });
      const event = applyReport(rec, r);
      const u = encodeTradeUpdate(event, rec, r);
      expect(u.data).toMatchObject({ event: status, timestamp: '2024-03-05T15:00:00.000001000Z' });
      expect((u.data.order as Record<string, unknown>)[field]).toBe('2024-03-05T15:00:00.000001000Z');
      expect(u.data.order.status).toBe(status);
      alpacaStreamMessageSchema.parse(u);
    }
    const live = record({ status: 'pending_cancel', filled: 5, filledTickLots: 50000n });
    expect(applyReport(live, report({ execType: 'cancel_rejected' }))).toBe('order_cancel_rejected');
    expect(live.status).toBe('partially_filled');
    const pend = record({ status: 'pending_replace' });
    expect(applyReport(pend, report({ execType: 'replace_rejected' }))).toBe('order_replace_rejected');
    expect(pend.status).toBe('new');
    const u = encodeTradeUpdate('new', record(), report({}));
    expect(Object.keys(u.data)).toEqual(['event', 'order']);
  });

  it('the order object passes the gateway’s schema and carries nulls where Alpaca does', () => {
    const o = encodeOrder(record({ replaces: '00000000-0000-4000-8000-000000000000' }));
    expect(alpacaOrderSchema.parse(o)).toEqual(o);
    expect(o).toMatchObject({
      symbol: 'AAPL',
      asset_class: 'us_equity',
      asset_id: uuidFromName('AAPL'),
      notional: null,
      qty: '450',
      filled_qty: '0',
      filled_avg_price: null,
      limit_price: '100.02',
      stop_price: null,
      order_class: '',
      order_type: 'limit',
      type: 'limit',
      replaces: '00000000-0000-4000-8000-000000000000',
      replaced_by: null,
      legs: null
    });
    expect(encodeOrder(record({ inst: BTC, qty: 125 })).qty).toBe('0.0125');
    expect(encodeOrder(record({ inst: BTC })).asset_class).toBe('crypto');
  });
});

describe('Alpaca local venue codec: numbers, ids, positions, account, clock', () => {
  it('formatRatio: exact, half-even at the last digit, trailing zeros trimmed to the minimum', () => {
    expect(formatRatio(1n, 3n, 2, 9)).toBe('0.333333333');
    expect(formatRatio(2n, 3n, 0, 2)).toBe('0.67');
    expect(formatRatio(5n, 1000n, 0, 2)).toBe('0'); // 0.005 → 0.00, ties to even
    expect(formatRatio(15n, 1000n, 0, 2)).toBe('0.02');
    expect(formatRatio(100n, 1n, 2, 9)).toBe('100.00');
    expect(formatRatio(100n, 1n, 0, 9)).toBe('100');
    expect(formatRatio(-1234n, 100n, 0, 9)).toBe('-12.34');
    expect(averagePrice(AAPL, 10001n * 3n, 3)).toBe('100.01');
  });

  it('uuids: v4 from the seeded rng (same seed, same ids), stable v5-style from names', () => {
    const a = [uuidFromRng(new Rng(3)), uuidFromRng(new Rng(3)), uuidFromRng(new Rng(4))];
    expect(a[0]).toBe(a[1]);
    expect(a[0]).not.toBe(a[2]);
    for (const u of a)
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFromName('AAPL')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    );
    expect(uuidFromName('AAPL')).not.toBe(uuidFromName('MSFT'));
    expect([isUuid(a[0]!), isUuid('not-a-uuid'), isUuid(`${a[0]}x`)]).toEqual([true, false, false]);
  });

  it('positions: long and short, marked and unmarked, exact money', () => {
    const pf = new Portfolio(10_000_000_000_000n, new Map([[AAPL.id, AAPL]]));
    pf.applyFill(AAPL.id, 'buy', 10, 10001, 0n, T0);
    pf.applyFill(AAPL.id, 'sell', 4, 10050, 0n, T0);
    const unmarked = encodePosition(AAPL, { ...pf.position(AAPL.id)!, lastPx: undefined }, 6);
    expect(unmarked).toMatchObject({ qty: '6', avg_entry_price: '100.01', cost_basis: '600.06' });
    expect(unmarked.market_value).toBe('600.06');
    pf.mark(AAPL.id, 10100);
    const p = encodePosition(AAPL, pf.position(AAPL.id)!, 6);
    expect(alpacaPositionSchema.parse(p)).toEqual(p);
    expect(p).toMatchObject({
      side: 'long',
      market_value: '606',
      unrealized_pl: '5.94',
      unrealized_plpc: '0.00989901',
      current_price: '101.00',
      qty_available: '6'
    });
    pf.applyFill(AAPL.id, 'sell', 9, 10100, 0n, T0);
    const s = encodePosition(AAPL, pf.position(AAPL.id)!, -3);
    expect(s).toMatchObject({ side: 'short', qty: '-3', cost_basis: '-303', market_value: '-303' });
  });

  it('a crypto position is named as Alpaca names it, without the "/" (BTCUSD, as position-crypto.yaml)', () => {
    const pf = new Portfolio(10_000_000_000_000n, new Map([[BTC.id, BTC]]));
    pf.applyFill(BTC.id, 'buy', 2_500, 6_000_000, 0n, T0);
    const p = encodePosition(BTC, pf.position(BTC.id)!, 2_500);
    expect(alpacaPositionSchema.parse(p)).toEqual(p);
    expect(p).toMatchObject({ symbol: 'BTCUSD', asset_class: 'crypto', qty: '0.2500' });
    expect(encodePosition(AAPL, { ...pf.position(BTC.id)!, instrumentId: AAPL.id }, 0).symbol).toBe('AAPL');
  });

  it('account: equity = cash + long + short market value; the schema accepts it', () => {
    const a = encodeAccount({
      id: 'acc',
      accountNumber: 'PA0000000001',
      createdAt: T0,
      cash: 9_940_190_000_000n,
      longMarketValue: 60_600_000_000n,
      shortMarketValue: -10_000_000_000n,
      lastEquity: 10_000_000_000_000n,
      buyingPower: 9_940_190_000_000n
    });
    expect(alpacaAccountSchema.parse(a)).toEqual(a);
    expect(a).toMatchObject({
      cash: '99401.9',
      equity: '99907.9',
      last_equity: '100000',
      buying_power: '99401.9'
    });
  });

  it('clock: open in the session, closed at night and over the weekend, New York offsets', () => {
    const open = encodeClock(T0);
    expect(alpacaClockSchema.parse(open)).toEqual(open);
    expect(open).toEqual({
      timestamp: '2024-03-05T10:00:00.000000000-05:00',
      is_open: true,
      next_open: '2024-03-06T09:30:00.000000000-05:00',
      next_close: '2024-03-05T16:00:00.000000000-05:00'
    });
    // Friday 2024-06-14 22:00 New York (EDT): next open Monday
    const fri = encodeClock(1_718_416_800_000_000_000n);
    expect(fri).toMatchObject({
      is_open: false,
      next_open: '2024-06-17T09:30:00.000000000-04:00',
      next_close: '2024-06-17T16:00:00.000000000-04:00'
    });
  });
});
