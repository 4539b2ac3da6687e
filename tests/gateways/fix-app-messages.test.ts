import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import {
  decodeExecutionReport,
  decodeMarketDataIncremental,
  decodeMarketDataRequest,
  decodeMarketDataSnapshot,
  decodeNewOrderSingle,
  decodeOrderCancelReject,
  decodeOrderCancelReplaceRequest,
  decodeOrderCancelRequest,
  decodeOrderStatus,
  decodeOrderStatusRequest,
  decodeQuote,
  encodeExecutionReport,
  encodeMarketDataIncremental,
  encodeMarketDataRequest,
  encodeMarketDataSnapshot,
  encodeNewOrderSingle,
  encodeOrderCancelReplaceRequest,
  encodeOrderCancelRequest,
  encodeOrderStatus,
  encodeOrderStatusRequest,
  encodeQuote,
  InstrumentMap,
  type OrderFacts,
  type OrderStatusReport
} from '../../src/gateways/fix/app-messages.ts';
import { FixEncoder } from '../../src/gateways/fix/encoder.ts';
import { type FixMessage, parseFix } from '../../src/gateways/fix/parser.ts';
import { subscriptionFromJson, subscriptionToJson } from '../../src/gateways/subscription.ts';
import {
  type BookDelta,
  type CancelOrder,
  type ExecutionReport,
  messageFromJson,
  messageToJson,
  type Quote,
  type ReplaceOrder,
  type SubmitOrder,
  type Trade
} from '../../src/messages/index.ts';
import { FIXSIM_AAPL } from '../support/fix-instruments.ts';
import { dict, wire } from './fix-support.ts';

const AAPL = FIXSIM_AAPL;
const BTC = makeInstrument({
  symbol: 'BTC/USD',
  venue: 'FIXSIM',
  tickSize: '0.01',
  lotSize: '0.00001',
  currency: 'USD'
});
const MAP = new InstrumentMap('FIXSIM', [AAPL, BTC]);
const NOW = 1_704_164_645_000_000_000n;
const _ENC = new FixEncoder();

/** Encode as a full message (header + body) and parse it back, checking it against the dictionary. */

/** Body order must follow the dictionary (FIX standard field order). */
function inOrder(msg: FixMessage): boolean {
  const def = dict.messages.get(msg.msgType)!;
  let last = -1;
  for (let i = 3; i < msg.count - 1; i++) {
    const pos = def.position.get(msg.tagAt(i));
    if (pos === undefined) continue; // header / group member
    if (pos < last) return false;
    last = pos;
  }
  return true;
}

const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,24}$/);
const msArb = fc.bigInt({ min: 946_684_800_000n, max: 4_102_444_799_999n }).map((ms) => ms * 1_000_000n);
const instArb = fc.constantFrom(AAPL, BTC);
const sideArb = fc.constantFrom('buy' as const, 'sell' as const);
const pxArb = fc.integer({ min: 1, max: 100_000_000 });
const lotsArb = fc.integer({ min: 1, max: 1_000_000_000 });

const submitArb: fc.Arbitrary<SubmitOrder> = fc
  .record({
    inst: instArb,
    clientOrderId: idArb,
    strategyId: idArb,
    tsInit: msArb,
    side: sideArb,
    orderType: fc.constantFrom('market' as const, 'limit' as const, 'stop' as const, 'stop_limit' as const),
    qty: lotsArb,
    limitPx: pxArb,
    stopPx: pxArb,
    tif: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const, 'fok' as const, 'gtd' as const),
    expireAt: msArb,
    reason: fc.option(fc.stringMatching(/^[ -~]{1,40}$/), { nil: undefined })
  })
  .map((r) => ({
    type: 'order.submit' as const,
    commandId: r.clientOrderId,
    tsInit: r.tsInit,
    strategyId: r.strategyId,
    instrumentId: r.inst.id,
    clientOrderId: r.clientOrderId,
    side: r.side,
    orderType: r.orderType,
    qty: r.qty,
    ...(r.orderType === 'limit' || r.orderType === 'stop_limit' ? { limitPx: r.limitPx } : {}),
    ...(r.orderType === 'stop' || r.orderType === 'stop_limit' ? { stopPx: r.stopPx } : {}),
    tif: r.tif,
    ...(r.tif === 'gtd' ? { expireAt: r.expireAt } : {}),
    ...(r.reason === undefined ? {} : { reason: r.reason })
  }));

const factsArb: fc.Arbitrary<OrderFacts> = fc.record({
  side: sideArb,
  orderType: fc.constantFrom('limit' as const, 'market' as const),
  tif: fc.constantFrom('day' as const, 'gtc' as const),
  qty: lotsArb,
  limitPx: pxArb,
  venueOrderId: idArb
});

const reportArb: fc.Arbitrary<ExecutionReport> = fc
  .record({
    inst: instArb,
    execType: fc.constantFrom(
      'accepted' as const,
      'rejected' as const,
      'fill' as const,
      'canceled' as const,
      'replaced' as const,
      'expired' as const,
      'restated' as const
    ),
    clientOrderId: idArb,
    orig: fc.option(idArb, { nil: undefined }),
    venueOrderId: fc.option(idArb, { nil: undefined }),
    execId: idArb,
    side: sideArb,
    lastQty: lotsArb,
    lastPx: pxArb,
    cumQty: lotsArb,
    leavesQty: fc.integer({ min: 0, max: 1_000_000 }),
    commission: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    reason: fc.option(fc.stringMatching(/^[ -~]{1,40}$/), { nil: undefined }),
    tsEvent: msArb
  })
  .map((r) => ({
    type: 'exec.report' as const,
    execType: r.execType,
    venue: 'FIXSIM',
    instrumentId: r.inst.id,
    clientOrderId: r.clientOrderId,
    ...(r.orig === undefined ? {} : { origClientOrderId: r.orig }),
    ...(r.venueOrderId === undefined ? {} : { venueOrderId: r.venueOrderId }),
    execId: r.execId,
    side: r.side,
    lastQty: r.lastQty,
    lastPx: r.lastPx,
    cumQty: r.cumQty,
    leavesQty: r.leavesQty,
    commission: r.commission,
    liquidity: 'none' as const,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    tsEvent: r.tsEvent,
    tsInit: NOW
  }));

/** canonical → JSON → canonical is the identity. */
function jsonRoundTrip(m: Parameters<typeof messageToJson>[0]): void {
  expect(messageFromJson(messageToJson(m))).toEqual(m);
}

describe('order status: OrderStatusRequest (H) and the status answer (8, ExecTransType=3)', () => {
  it('round-trips through the wire, valid against the dictionary, in field order (property)', () => {
    const statusArb = fc.record({
      clientOrderId: idArb,
      venueOrderId: fc.option(idArb, { nil: undefined }),
      instrumentId: fc.constantFrom(AAPL.id, BTC.id),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      status: fc.constantFrom(
        'new' as const,
        'partially_filled' as const,
        'filled' as const,
        'canceled' as const,
        'rejected' as const,
        'expired' as const
      ),
      cumQty: fc.integer({ min: 0, max: 1e9 }),
      leavesQty: fc.integer({ min: 0, max: 1e9 }),
      // an average of integer-tick fills: a ratio of integers, carried to 1/10,000 of a tick
      avgPx: fc.integer({ min: 0, max: 1e10 }).map((n) => n / 10_000),
      execId: idArb,
      tsEvent: fc.constant(NOW)
    });
    fc.assert(
      fc.property(statusArb, (st: OrderStatusReport) => {
        const inst = MAP.byId(st.instrumentId);
        const answer = wire(encodeOrderStatus(st, inst));
        expect(inOrder(answer)).toBe(true);
        expect(decodeOrderStatus(answer, MAP)).toEqual({ ...st, avgPx: expect.closeTo(st.avgPx, 6) });
        // an ordinary report is not a status answer, and a status answer is no canonical report
        expect(decodeExecutionReport(answer, MAP, NOW)).toBeUndefined();
        const q = {
          clientOrderId: st.clientOrderId,
          instrumentId: st.instrumentId,
          side: st.side,
          ...(st.venueOrderId !== undefined ? { venueOrderId: st.venueOrderId } : {})
        };
        const req = wire(encodeOrderStatusRequest(q, inst));
        expect(inOrder(req)).toBe(true);
        expect(decodeOrderStatusRequest(req, MAP)).toEqual(q);
      }),
      { numRuns: 300 }
    );
  });
});

describe('orders: canonical ↔ FIX ↔ canonical (property)', () => {
  it('NewOrderSingle', () => {
    fc.assert(
      fc.property(submitArb, (cmd) => {
        const msg = wire(encodeNewOrderSingle(cmd, MAP.byId(cmd.instrumentId)));
        expect(inOrder(msg)).toBe(true);
        expect(decodeNewOrderSingle(msg, MAP)).toEqual(cmd);
        jsonRoundTrip(cmd);
        // FIX → canonical → FIX gives the same fields
        const again = wire(encodeNewOrderSingle(decodeNewOrderSingle(msg, MAP), MAP.byId(cmd.instrumentId)));
        expect(again.toPairs()).toEqual(msg.toPairs());
      }),
      { numRuns: 300 }
    );
  });

  it('OrderCancelRequest', () => {
    fc.assert(
      fc.property(
        submitArb,
        idArb,
        factsArb,
        fc.option(fc.stringMatching(/^[ -~]{1,30}$/), { nil: undefined }),
        (s, cmdId, facts, reason) => {
          const cmd: CancelOrder = {
            type: 'order.cancel',
            commandId: cmdId,
            tsInit: s.tsInit,
            strategyId: s.strategyId,
            instrumentId: s.instrumentId,
            clientOrderId: s.clientOrderId,
            ...(reason === undefined ? {} : { reason })
          };
          const msg = wire(encodeOrderCancelRequest(cmd, MAP.byId(cmd.instrumentId), facts));
          expect(inOrder(msg)).toBe(true);
          expect(msg.get(54)).toBe(facts.side === 'buy' ? '1' : '2');
          expect(decodeOrderCancelRequest(msg, MAP)).toEqual(cmd);
          jsonRoundTrip(cmd);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('OrderCancelReplaceRequest restates the order; unchanged fields come from the order', () => {
    fc.assert(
      fc.property(
        submitArb,
        idArb,
        factsArb,
        fc.option(lotsArb, { nil: undefined }),
        fc.option(pxArb, { nil: undefined }),
        (s, newId, facts, qty, limitPx) => {
          const cmd: ReplaceOrder = {
            type: 'order.replace',
            commandId: newId,
            tsInit: s.tsInit,
            strategyId: s.strategyId,
            instrumentId: s.instrumentId,
            clientOrderId: s.clientOrderId,
            newClientOrderId: newId,
            ...(qty === undefined ? {} : { qty }),
            ...(limitPx === undefined ? {} : { limitPx })
          };
          const msg = wire(encodeOrderCancelReplaceRequest(cmd, MAP.byId(cmd.instrumentId), facts));
          expect(inOrder(msg)).toBe(true);
          const back = decodeOrderCancelReplaceRequest(msg, MAP);
          expect(back).toEqual({
            ...cmd,
            qty: qty ?? facts.qty,
            ...((limitPx ?? facts.limitPx) === undefined ? {} : { limitPx: limitPx ?? facts.limitPx })
          });
          jsonRoundTrip(back);
        }
      ),
      { numRuns: 200 }
    );
  });
});

describe('execution reports: canonical ↔ FIX ↔ canonical (property)', () => {
  it('ExecutionReport (8) for every execType with a FIX 4.2 ExecType', () => {
    fc.assert(
      fc.property(reportArb, (r) => {
        const msg = wire(encodeExecutionReport(r, MAP.byId(r.instrumentId)));
        expect(msg.msgType).toBe('8');
        expect(inOrder(msg)).toBe(true);
        expect(decodeExecutionReport(msg, MAP, NOW)).toEqual(r);
        jsonRoundTrip(r);
      }),
      { numRuns: 300 }
    );
  });

  it('OrderCancelReject (9) becomes cancel_rejected / replace_rejected', () => {
    fc.assert(
      fc.property(reportArb, fc.boolean(), (base, cancel) => {
        const r: ExecutionReport = cancel
          ? {
              ...base,
              execType: 'cancel_rejected',
              lastQty: 0,
              lastPx: 0,
              commission: 0n,
              origClientOrderId: undefined
            }
          : {
              ...base,
              execType: 'replace_rejected',
              lastQty: 0,
              lastPx: 0,
              commission: 0n,
              execId: base.clientOrderId,
              origClientOrderId: base.origClientOrderId ?? 'orig-1'
            };
        // drop the undefined fields (a JSON round trip would also turn an id such as "0n" into a bigint)
        const clean = Object.fromEntries(
          Object.entries(r).filter(([, v]) => v !== undefined)
        ) as ExecutionReport;
        const msg = wire(encodeExecutionReport(clean, MAP.byId(r.instrumentId)));
        expect(msg.msgType).toBe('9');
        expect(msg.get(434)).toBe(cancel ? '1' : '2');
        const order = {
          instrumentId: r.instrumentId,
          side: r.side,
          cumQty: r.cumQty,
          leavesQty: r.leavesQty
        };
        const back = decodeOrderCancelReject(
          msg,
          'FIXSIM',
          (id) => (id === (cancel ? r.clientOrderId : clean.origClientOrderId) ? order : undefined),
          NOW
        );
        expect(back).toEqual(clean);
        jsonRoundTrip(back);
      }),
      { numRuns: 200 }
    );
  });

  it('decodes a real venue ExecutionReport layout (FIX 4.2 sample fields) and skips status reports', () => {
    const m = wire({
      msgType: '8',
      fields: [
        [37, 'OAVVA18KA8302522'],
        [11, '7314956'],
        [17, 'EAVVA18KA1117184'],
        [20, '0'],
        [150, '2'],
        [39, '2'],
        [55, 'AAPL'],
        [54, '2'],
        [38, '12'],
        [32, '12'],
        [31, '1.25'],
        [151, '0'],
        [14, '12'],
        [6, '1.2557'],
        [60, '20181106-08:00:21']
      ]
    });
    expect(decodeExecutionReport(m, MAP, NOW)).toMatchObject({
      execType: 'fill',
      side: 'sell',
      lastQty: 12,
      lastPx: 125,
      leavesQty: 0,
      venueOrderId: 'OAVVA18KA8302522',
      tsEvent: 1_541_491_221_000_000_000n
    });
    const status = wire({
      msgType: '8',
      fields: [
        [37, 'x'],
        [17, 'e'],
        [20, '3'],
        [150, '3'],
        [39, '3'],
        [55, 'AAPL'],
        [54, '1'],
        [151, '0'],
        [14, '0'],
        [6, '0']
      ]
    });
    expect(decodeExecutionReport(status, MAP, NOW)).toBeUndefined();
    // an unsolicited restatement (ExecType D) of a working order's size
    const restated = wire({
      msgType: '8',
      fields: [
        [37, 'OAVVA18KA8302522'],
        [11, '7314956'],
        [17, 'EAVVA18KA1117185'],
        [20, '0'],
        [150, 'D'],
        [39, '1'],
        [55, 'AAPL'],
        [54, '2'],
        [151, '3'],
        [14, '4'],
        [6, '1.25'],
        [58, 'OUO: 7314955 filled 5'],
        [60, '20181106-08:00:22']
      ]
    });
    expect(decodeExecutionReport(restated, MAP, NOW)).toMatchObject({
      execType: 'restated',
      clientOrderId: '7314956',
      cumQty: 4,
      leavesQty: 3,
      lastQty: 0,
      reason: 'OUO: 7314955 filled 5'
    });
  });

  it('AvgPx: a whole number of ticks at the tick’s precision, an average between ticks to 1/10,000 of a tick', () => {
    const r = { ...fc.sample(reportArb, { numRuns: 1, seed: 42 })[0]!, instrumentId: AAPL.id };
    const avgPx = (avg: number) => wire(encodeExecutionReport(r, AAPL, { avgPx: avg })).get(6);
    // two fills, at 100 and 101 ticks: the average is between ticks (this threw a RangeError before)
    expect(avgPx(100.5)).toBe('1.005000');
    expect(avgPx(100 + 1 / 3)).toBe('1.003333');
    expect(avgPx(100)).toBe('1.00');
  });

  it('prices off the tick and unknown symbols are typed errors', () => {
    // one fixed report: random text fields could hold '|' or '=' and break the text substitution below
    const r = fc.sample(reportArb, { numRuns: 1, seed: 42 })[0]!;
    const msg = wire(encodeExecutionReport({ ...r, instrumentId: AAPL.id }, AAPL));
    const text = msg.toString().replace(/\|31=([\d.]+)\|/, '|31=1.005|');
    const bad = parseFix(Buffer.from(fixText(text), 'latin1'));
    expect(catchCode(() => decodeExecutionReport(bad, MAP, NOW))).toBe(ErrorCode.PRICE_NOT_ON_TICK);
    const unk = parseFix(Buffer.from(fixText(msg.toString().replace('|55=AAPL|', '|55=MSFT|')), 'latin1'));
    expect(catchCode(() => decodeExecutionReport(unk, MAP, NOW))).toBe(ErrorCode.UNKNOWN_INSTRUMENT);
  });
});

describe('market data: canonical ↔ FIX ↔ canonical (property)', () => {
  it('MarketDataRequest (V) ↔ subscription ↔ JSON', () => {
    const subArb = fc
      .record({
        type: fc.constant('md.subscription' as const),
        action: fc.constantFrom('subscribe' as const, 'unsubscribe' as const),
        requestId: idArb,
        instrumentIds: fc.uniqueArray(fc.constantFrom(AAPL.id, BTC.id), { minLength: 1 }),
        entries: fc.uniqueArray(fc.constantFrom('bid' as const, 'offer' as const, 'trade' as const), {
          minLength: 1
        }),
        depth: fc.integer({ min: 0, max: 50 }),
        updates: fc.boolean()
      })
      .map((s) => (s.action === 'unsubscribe' ? { ...s, updates: false } : s));
    fc.assert(
      fc.property(subArb, (sub) => {
        const msg = wire(encodeMarketDataRequest(sub, MAP));
        expect(decodeMarketDataRequest(msg, MAP)).toEqual(sub);
        expect(subscriptionFromJson(subscriptionToJson(sub))).toEqual(sub);
      }),
      { numRuns: 200 }
    );
  });

  const levelArb = (inst: typeof AAPL) =>
    fc.record({ side: sideArb, px: pxArb, sz: lotsArb, tsEvent: msArb }).map(
      (l): BookDelta => ({
        type: 'market.book_delta',
        instrumentId: inst.id,
        tsEvent: l.tsEvent,
        tsInit: NOW,
        seq: 7,
        action: 'add',
        side: l.side,
        px: l.px,
        sz: l.sz,
        flags: 1
      })
    );
  const tradeArb = (inst: typeof AAPL) =>
    fc.record({ px: pxArb, sz: lotsArb, tsEvent: msArb }).map(
      (t): Trade => ({
        type: 'market.trade',
        instrumentId: inst.id,
        tsEvent: t.tsEvent,
        tsInit: NOW,
        px: t.px,
        sz: t.sz,
        aggressor: 'none',
        tradeId: ''
      })
    );

  it('MarketDataSnapshotFullRefresh (W): levels flagged SNAPSHOT, the last LAST; trades kept', () => {
    fc.assert(
      fc.property(
        instArb.chain((inst) =>
          fc.tuple(
            fc.array(levelArb(inst), { minLength: 1, maxLength: 20 }),
            fc.array(tradeArb(inst), { maxLength: 5 }),
            fc.constant(inst)
          )
        ),
        ([levels, trades, inst]) => {
          const withLast = levels.map((l, i) => (i === levels.length - 1 ? { ...l, flags: 3 } : l));
          const msg = wire(
            encodeMarketDataSnapshot({ instrumentId: inst.id, requestId: 'r1', levels, trades }, MAP)
          );
          expect(decodeMarketDataSnapshot(msg, MAP, NOW)).toEqual({
            instrumentId: inst.id,
            requestId: 'r1',
            levels: withLast,
            trades
          });
          for (const m of [...withLast, ...trades]) jsonRoundTrip(m);
        }
      ),
      { numRuns: 150 }
    );
  });

  it('MarketDataIncrementalRefresh (X): add/modify/delete and trades across instruments', () => {
    const deltaArb = fc
      .tuple(instArb, fc.constantFrom('add' as const, 'modify' as const, 'delete' as const))
      .chain(([inst, action]) =>
        levelArb(inst).map((d) => ({ ...d, action, flags: 0, ...(action === 'delete' ? { sz: 0 } : {}) }))
      );
    const itemArb = fc.oneof(
      deltaArb,
      instArb.chain((i) => tradeArb(i))
    );
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 20 }), (items) => {
        const msg = wire(encodeMarketDataIncremental(items, MAP, 'r2'));
        const lastDelta = items.map((x) => x.type).lastIndexOf('market.book_delta');
        const expected = items.map((x, i) =>
          i === lastDelta && x.type === 'market.book_delta' ? { ...x, flags: 2 } : x
        );
        expect(decodeMarketDataIncremental(msg, MAP, NOW)).toEqual(expected);
      }),
      { numRuns: 150 }
    );
  });

  it('Quote (S)', () => {
    const quoteArb = fc
      .record({ inst: instArb, bidPx: pxArb, askPx: pxArb, bidSz: lotsArb, askSz: lotsArb, tsEvent: msArb })
      .map(
        (q): Quote => ({
          type: 'market.quote',
          instrumentId: q.inst.id,
          tsEvent: q.tsEvent,
          tsInit: NOW,
          bidPx: q.bidPx,
          bidSz: q.bidSz,
          askPx: q.askPx,
          askSz: q.askSz
        })
      );
    fc.assert(
      fc.property(quoteArb, idArb, (q, id) => {
        const msg = wire(encodeQuote(q, MAP, id));
        expect(decodeQuote(msg, MAP, NOW)).toEqual(q);
        jsonRoundTrip(q);
      }),
      { numRuns: 200 }
    );
  });
});

function catchCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isTradestateError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** Recompute BodyLength/CheckSum of a `|` text message; returns SOH text. */
function fixText(t: string): string {
  const raw = t.replaceAll('|', '\x01');
  const i9 = raw.indexOf('\x019=');
  const bodyStart = raw.indexOf('\x01', i9 + 1) + 1;
  const i10 = raw.lastIndexOf('\x0110=');
  const body = raw.slice(bodyStart, i10 + 1);
  const head = `${raw.slice(0, i9 + 1)}9=${body.length}\x01`;
  let sum = 0;
  for (const ch of head + body) sum += ch.charCodeAt(0);
  return `${head}${body}10=${String(sum & 255).padStart(3, '0')}\x01`;
}
