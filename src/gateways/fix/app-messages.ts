import { formatDecimal, parseDecimal, pow10 } from '../../core/decimal.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import {
  type Instrument,
  lotsToQty,
  MONEY_SCALE,
  priceToTicks,
  qtyToLots,
  ticksToPrice
} from '../../core/instrument.ts';
import { type Nanos, NS_PER_DAY, NS_PER_MS } from '../../core/nanos.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import { type ExecType, type ExecutionReport, NO_EXECUTION } from '../../messages/execution-report.ts';
import {
  BOOK_FLAG_LAST,
  BOOK_FLAG_SNAPSHOT,
  type BookDelta,
  markLast,
  type Quote,
  type Trade
} from '../../messages/market-data.ts';
import {
  COMMAND_REASON_MAX,
  clipReason,
  type OrderType,
  REASON_MAX,
  type Side,
  type TimeInForce
} from '../../messages/primitives.ts';
import type { MarketDataSubscription } from '../subscription.ts';
import type { FixDictionary } from './dictionary.ts';
import type { FixField } from './encoder.ts';
import type { FixMessage } from './parser.ts';
import { MsgType, Tag } from './tags.ts';
import { formatUtcTimestamp, parseUtcTimestamp } from './time.ts';

/**
 * FIX 4.2 application messages ↔ canonical messages. Prices travel as decimal strings converted exactly
 * to integer ticks of the instrument, quantities to integer lots, times as UTCTimestamp with milliseconds
 * (FIX 4.2's precision, so canonical times are truncated to the millisecond on the way out).
 *
 * Field mapping (see docs/FIX.md): ClOrdID ↔ clientOrderId, Account ↔ strategyId, Text ↔ reason,
 * TransactTime ↔ tsInit (commands) / tsEvent (reports), OrderID ↔ venueOrderId.
 */

/** Symbol ↔ instrument lookups for one venue. */
export class InstrumentMap {
  readonly venue: string;
  readonly #bySymbol = new Map<string, Instrument>();
  readonly #byId = new Map<string, Instrument>();

  constructor(venue: string, instruments: readonly Instrument[]) {
    this.venue = venue;
    for (const i of instruments) {
      this.#bySymbol.set(i.symbol, i);
      this.#byId.set(i.id, i);
    }
  }

  /** Whether `symbol` is one of these instruments. */
  hasSymbol(symbol: string): boolean {
    return this.#bySymbol.has(symbol);
  }

  bySymbol(symbol: string): Instrument {
    const i = this.#bySymbol.get(symbol);
    if (!i) throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `unknown symbol ${symbol}`, { symbol });
    return i;
  }

  byId(id: string): Instrument {
    const i = this.#byId.get(id);
    if (!i) throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `unknown instrument ${id}`, { id });
    return i;
  }
}

/** An outgoing application message: MsgType and body fields in dictionary order. */
export interface FixAppMessage {
  readonly msgType: string;
  readonly fields: FixField[];
}

/** Order the top-level body fields as the dictionary lists them for `msgType` (groups keep their instances). */
export function inDictionaryOrder(dict: FixDictionary, msgType: string, fields: FixField[]): FixField[] {
  const def = dict.messages.get(msgType);
  if (!def) return fields;
  const pos = (t: number): number => def.position.get(t) ?? 1e9;
  return [...fields].sort((a, b) => pos(a[0]) - pos(b[0]));
}

// ── enums ────────────────────────────────────────────────────────────────

const SIDE_TO_FIX: Record<Side, string> = { buy: '1', sell: '2' };
const ORDTYPE_TO_FIX: Record<OrderType, string> = { market: '1', limit: '2', stop: '3', stop_limit: '4' };
const TIF_TO_FIX: Record<TimeInForce, string> = { day: '0', gtc: '1', ioc: '3', fok: '4', gtd: '6' };

function invert<K extends string>(m: Record<K, string>): Record<string, K> {
  const out: Record<string, K> = {};
  for (const [k, v] of Object.entries(m) as [K, string][]) out[v] = k;
  return out;
}
const SIDE_FROM_FIX: Record<string, Side> = { ...invert(SIDE_TO_FIX), '5': 'sell', '6': 'sell' };
const ORDTYPE_FROM_FIX = invert(ORDTYPE_TO_FIX);
const TIF_FROM_FIX = invert(TIF_TO_FIX);

function invalid(msg: FixMessage, tag: number, why: string): TradestateError {
  return new TradestateError(ErrorCode.FIX_VALIDATION, `${msg.msgType}: tag ${tag} ${why}`, {
    refTagId: tag,
    refMsgType: msg.msgType,
    sessionRejectReason: 5
  });
}

function req(msg: FixMessage, tag: number): string {
  const v = msg.get(tag);
  if (v === undefined || v === '') {
    throw new TradestateError(ErrorCode.FIX_VALIDATION, `${msg.msgType}: required tag ${tag} missing`, {
      refTagId: tag,
      refMsgType: msg.msgType,
      sessionRejectReason: 1
    });
  }
  return v;
}

function mapped<T>(msg: FixMessage, tag: number, table: Record<string, T>): T {
  const v = req(msg, tag);
  const r = table[v];
  if (r === undefined) throw invalid(msg, tag, `value ${v} has no canonical meaning`);
  return r;
}

function ts(msg: FixMessage, tag: number): Nanos {
  return parseUtcTimestamp(req(msg, tag));
}

function optTs(msg: FixMessage, tag: number): Nanos | undefined {
  const v = msg.get(tag);
  return v === undefined ? undefined : parseUtcTimestamp(v);
}

/**
 * Text (58), clipped to the `max` characters the canonical message takes (a venue may send any length): a reject's
 * long explanation keeps its start rather than making the report unencodable. No copy unless it is too long.
 */
function optText(msg: FixMessage, max: number): string | undefined {
  const v = msg.get(Tag.Text);
  return v === undefined ? undefined : clipReason(v, max);
}

function optPx(inst: Instrument, msg: FixMessage, tag: number): number | undefined {
  const v = msg.get(tag);
  return v === undefined ? undefined : priceToTicks(inst, v);
}

function qty(inst: Instrument, msg: FixMessage, tag: number): number {
  return qtyToLots(inst, req(msg, tag));
}

/** Money (10^-8 units) → decimal string with the fewest digits that keep it exact. */
export function moneyToFix(m: bigint): string {
  let s = formatDecimal(m, MONEY_SCALE);
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** Decimal string → Money (exact; more than 8 fraction digits is invalid). */
export function moneyFromFix(s: string): bigint {
  const d = parseDecimal(s);
  if (d.scale > MONEY_SCALE) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `amount ${s} is finer than 10^-${MONEY_SCALE}`);
  }
  return d.mantissa * pow10(MONEY_SCALE - d.scale);
}

function msFloor(ns: Nanos): Nanos {
  const q = ns / NS_PER_MS;
  return (ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q) * NS_PER_MS;
}

// ── orders ───────────────────────────────────────────────────────────────

/** SubmitOrder → NewOrderSingle (D). TransactTime = tsInit. */
export function encodeNewOrderSingle(cmd: SubmitOrder, inst: Instrument): FixAppMessage {
  const f: FixField[] = [
    [Tag.ClOrdID, cmd.clientOrderId],
    [Tag.Account, cmd.strategyId],
    [Tag.HandlInst, '1'],
    [Tag.Symbol, inst.symbol],
    [Tag.Side, SIDE_TO_FIX[cmd.side]],
    [Tag.TransactTime, formatUtcTimestamp(cmd.tsInit)],
    [Tag.OrderQty, lotsToQty(inst, cmd.qty)],
    [Tag.OrdType, ORDTYPE_TO_FIX[cmd.orderType]]
  ];
  if (cmd.limitPx !== undefined) f.push([Tag.Price, ticksToPrice(inst, cmd.limitPx)]);
  if (cmd.stopPx !== undefined) f.push([Tag.StopPx, ticksToPrice(inst, cmd.stopPx)]);
  f.push([Tag.TimeInForce, TIF_TO_FIX[cmd.tif]]);
  if (cmd.expireAt !== undefined) f.push([Tag.ExpireTime, formatUtcTimestamp(cmd.expireAt)]);
  if (cmd.reason !== undefined) f.push([Tag.Text, cmd.reason]);
  return { msgType: MsgType.NewOrderSingle, fields: f };
}

/** NewOrderSingle → SubmitOrder (for an acceptor / simulated venue). commandId = ClOrdID. */
export function decodeNewOrderSingle(msg: FixMessage, instruments: InstrumentMap): SubmitOrder {
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const clientOrderId = req(msg, Tag.ClOrdID);
  const limitPx = optPx(inst, msg, Tag.Price);
  const stopPx = optPx(inst, msg, Tag.StopPx);
  const expireAt = optTs(msg, Tag.ExpireTime);
  const reason = optText(msg, COMMAND_REASON_MAX);
  return {
    type: 'order.submit',
    commandId: clientOrderId,
    tsInit: ts(msg, Tag.TransactTime),
    strategyId: msg.get(Tag.Account) ?? 'fix',
    instrumentId: inst.id,
    clientOrderId,
    side: mapped(msg, Tag.Side, SIDE_FROM_FIX),
    orderType: mapped(msg, Tag.OrdType, ORDTYPE_FROM_FIX),
    qty: qty(inst, msg, Tag.OrderQty),
    ...(limitPx === undefined ? {} : { limitPx }),
    ...(stopPx === undefined ? {} : { stopPx }),
    tif: msg.has(Tag.TimeInForce) ? mapped(msg, Tag.TimeInForce, TIF_FROM_FIX) : 'day',
    ...(expireAt === undefined ? {} : { expireAt }),
    ...(reason === undefined ? {} : { reason })
  };
}

/** What FIX needs about the order being canceled or replaced (FIX 4.2 restates side, type, tif). */
export interface OrderFacts {
  readonly side: Side;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  readonly qty: number;
  readonly limitPx?: number | undefined;
  readonly stopPx?: number | undefined;
  readonly venueOrderId?: string | undefined;
}

/** CancelOrder → OrderCancelRequest (F): OrigClOrdID = the order, ClOrdID = the request's commandId. */
export function encodeOrderCancelRequest(
  cmd: CancelOrder,
  inst: Instrument,
  order: OrderFacts
): FixAppMessage {
  const f: FixField[] = [[Tag.OrigClOrdID, cmd.clientOrderId]];
  if (order.venueOrderId !== undefined) f.push([Tag.OrderID, order.venueOrderId]);
  f.push(
    [Tag.ClOrdID, cmd.commandId],
    [Tag.Account, cmd.strategyId],
    [Tag.Symbol, inst.symbol],
    [Tag.Side, SIDE_TO_FIX[order.side]],
    [Tag.TransactTime, formatUtcTimestamp(cmd.tsInit)],
    [Tag.OrderQty, lotsToQty(inst, order.qty)]
  );
  if (cmd.reason !== undefined) f.push([Tag.Text, cmd.reason]);
  return { msgType: MsgType.OrderCancelRequest, fields: f };
}

export function decodeOrderCancelRequest(msg: FixMessage, instruments: InstrumentMap): CancelOrder {
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const reason = optText(msg, COMMAND_REASON_MAX);
  return {
    type: 'order.cancel',
    commandId: req(msg, Tag.ClOrdID),
    tsInit: ts(msg, Tag.TransactTime),
    strategyId: msg.get(Tag.Account) ?? 'fix',
    instrumentId: inst.id,
    clientOrderId: req(msg, Tag.OrigClOrdID),
    ...(reason === undefined ? {} : { reason })
  };
}

/**
 * ReplaceOrder → OrderCancelReplaceRequest (G), restating the whole order (FIX 4.2 venues expect it):
 * unchanged qty/prices are taken from `order`.
 */
export function encodeOrderCancelReplaceRequest(
  cmd: ReplaceOrder,
  inst: Instrument,
  order: OrderFacts
): FixAppMessage {
  const f: FixField[] = [];
  if (order.venueOrderId !== undefined) f.push([Tag.OrderID, order.venueOrderId]);
  f.push(
    [Tag.OrigClOrdID, cmd.clientOrderId],
    [Tag.ClOrdID, cmd.newClientOrderId],
    [Tag.Account, cmd.strategyId],
    [Tag.HandlInst, '1'],
    [Tag.Symbol, inst.symbol],
    [Tag.Side, SIDE_TO_FIX[order.side]],
    [Tag.TransactTime, formatUtcTimestamp(cmd.tsInit)],
    [Tag.OrderQty, lotsToQty(inst, cmd.qty ?? order.qty)],
    [Tag.OrdType, ORDTYPE_TO_FIX[order.orderType]]
  );
  const limitPx = cmd.limitPx ?? order.limitPx;
  const stopPx = cmd.stopPx ?? order.stopPx;
  if (limitPx !== undefined) f.push([Tag.Price, ticksToPrice(inst, limitPx)]);
  if (stopPx !== undefined) f.push([Tag.StopPx, ticksToPrice(inst, stopPx)]);
  f.push([Tag.TimeInForce, TIF_TO_FIX[order.tif]]);
  return { msgType: MsgType.OrderCancelReplaceRequest, fields: f };
}

/** OrderCancelReplaceRequest → ReplaceOrder (restated values become the new ones). commandId = ClOrdID. */
export function decodeOrderCancelReplaceRequest(msg: FixMessage, instruments: InstrumentMap): ReplaceOrder {
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const newClientOrderId = req(msg, Tag.ClOrdID);
  const q = msg.get(Tag.OrderQty);
  const limitPx = optPx(inst, msg, Tag.Price);
  const stopPx = optPx(inst, msg, Tag.StopPx);
  return {
    type: 'order.replace',
    commandId: newClientOrderId,
    tsInit: ts(msg, Tag.TransactTime),
    strategyId: msg.get(Tag.Account) ?? 'fix',
    instrumentId: inst.id,
    clientOrderId: req(msg, Tag.OrigClOrdID),
    newClientOrderId,
    ...(q === undefined ? {} : { qty: qtyToLots(inst, q) }),
    ...(limitPx === undefined ? {} : { limitPx }),
    ...(stopPx === undefined ? {} : { stopPx })
  };
}

// ── execution reports ────────────────────────────────────────────────────

const EXECTYPE_FROM_FIX: Record<string, ExecType> = {
  '0': 'accepted',
  '1': 'fill',
  '2': 'fill',
  '4': 'canceled',
  '5': 'replaced',
  '8': 'rejected',
  C: 'expired',
  D: 'restated'
};

const NO_ORDER_ID = 'NONE';

/** Extra FIX facts a venue knows that the canonical report does not carry. */
export interface ReportExtras {
  /** Average fill price in (possibly fractional) ticks (AvgPx is required in FIX 4.2; 0 when unknown). */
  readonly avgPx?: number;
  /** OrdStatus override (otherwise derived from execType and quantities). */
  readonly ordStatus?: string;
}

function ordStatusOf(r: ExecutionReport): string {
  switch (r.execType) {
    case 'accepted':
      return '0';
    case 'fill':
      return r.leavesQty === 0 ? '2' : '1';
    case 'canceled':
      return '4';
    case 'rejected':
      return '8';
    case 'expired':
      return 'C';
    default:
      return r.cumQty > 0 ? '1' : '0';
  }
}

/**
 * Canonical ExecutionReport → FIX: an ExecutionReport (8), or for `cancel_rejected`/`replace_rejected`
 * an OrderCancelReject (9). For a cancel reject, ClOrdID (the cancel request's id) is the report's
 * execId and OrigClOrdID its clientOrderId; for a replace reject, ClOrdID is clientOrderId (the
 * replacement) and OrigClOrdID is origClientOrderId.
 */
export function encodeExecutionReport(
  r: ExecutionReport,
  inst: Instrument,
  x: ReportExtras = {}
): FixAppMessage {
  const orderId = r.venueOrderId ?? NO_ORDER_ID;
  const ordStatus = x.ordStatus ?? ordStatusOf(r);
  if (r.execType === 'cancel_rejected' || r.execType === 'replace_rejected') {
    const cancel = r.execType === 'cancel_rejected';
    const f: FixField[] = [
      [Tag.OrderID, orderId],
      [Tag.ClOrdID, cancel ? r.execId : r.clientOrderId],
      [Tag.OrigClOrdID, cancel ? r.clientOrderId : (r.origClientOrderId ?? r.clientOrderId)],
      [Tag.OrdStatus, ordStatus],
      [Tag.TransactTime, formatUtcTimestamp(r.tsEvent)],
      [Tag.CxlRejResponseTo, cancel ? '1' : '2']
    ];
    if (r.reason !== undefined) f.push([Tag.Text, r.reason]);
    return { msgType: MsgType.OrderCancelReject, fields: f };
  }
  const execType =
    r.execType === 'fill'
      ? r.leavesQty === 0
        ? '2'
        : '1'
      : Object.entries(EXECTYPE_FROM_FIX).find(([, v]) => v === r.execType)![0];
  const f: FixField[] = [
    [Tag.OrderID, orderId],
    [Tag.ClOrdID, r.clientOrderId]
  ];
  if (r.origClientOrderId !== undefined) f.push([Tag.OrigClOrdID, r.origClientOrderId]);
  f.push(
    [Tag.ExecID, r.execId],
    [Tag.ExecTransType, '0'],
    [Tag.ExecType, execType],
    [Tag.OrdStatus, ordStatus],
    [Tag.Symbol, inst.symbol],
    [Tag.Side, SIDE_TO_FIX[r.side]],
    [Tag.LastShares, lotsToQty(inst, r.lastQty)],
    [Tag.LastPx, ticksToPrice(inst, r.lastPx)],
    [Tag.LeavesQty, lotsToQty(inst, r.leavesQty)],
    [Tag.CumQty, lotsToQty(inst, r.cumQty)],
    [Tag.AvgPx, avgPxToFix(inst, x.avgPx ?? 0)],
    [Tag.TransactTime, formatUtcTimestamp(r.tsEvent)],
    [Tag.Commission, moneyToFix(r.commission)],
    [Tag.CommType, '3']
  );
  if (r.reason !== undefined) f.push([Tag.Text, r.reason]);
  return { msgType: MsgType.ExecutionReport, fields: f };
}

/**
 * FIX ExecutionReport (8) → canonical. Returns undefined for reports with no canonical meaning
 * (pending/done-for-day/status, ExecTransType cancel or correct). A restatement (ExecType D) is `restated`. tsInit is the receiver's clock.
 */
export function decodeExecutionReport(
  msg: FixMessage,
  instruments: InstrumentMap,
  tsInit: Nanos
): ExecutionReport | undefined {
  const execType = EXECTYPE_FROM_FIX[req(msg, Tag.ExecType)];
  const transType = msg.get(Tag.ExecTransType) ?? '0';
  if (execType === undefined || transType !== '0') return undefined;
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const orderId = req(msg, Tag.OrderID);
  const orig = msg.get(Tag.OrigClOrdID);
  const reason = optText(msg, REASON_MAX);
  const commission = msg.get(Tag.Commission);
  const lastQty = msg.get(Tag.LastShares);
  const lastPx = msg.get(Tag.LastPx);
  return {
    type: 'exec.report',
    execType,
    venue: instruments.venue,
    instrumentId: inst.id,
    clientOrderId: req(msg, Tag.ClOrdID),
    ...(orig === undefined ? {} : { origClientOrderId: orig }),
    ...(orderId === NO_ORDER_ID ? {} : { venueOrderId: orderId }),
    execId: req(msg, Tag.ExecID),
    side: mapped(msg, Tag.Side, SIDE_FROM_FIX),
    lastQty: lastQty === undefined ? 0 : qtyToLots(inst, lastQty),
    lastPx: lastPx === undefined ? 0 : priceToTicks(inst, lastPx),
    cumQty: qty(inst, msg, Tag.CumQty),
    leavesQty: qty(inst, msg, Tag.LeavesQty),
    commission: commission === undefined ? 0n : moneyFromFix(commission),
    liquidity: 'none',
    ...(reason === undefined ? {} : { reason }),
    tsEvent: msg.has(Tag.TransactTime) ? ts(msg, Tag.TransactTime) : ts(msg, Tag.SendingTime),
    tsInit
  };
}

/** What the gateway remembers about an order, to complete an OrderCancelReject (which carries neither symbol nor side). */
export type OrderLookup = (clientOrderId: string) =>
  | {
      readonly instrumentId: string;
      readonly side: Side;
      readonly cumQty: number;
      readonly leavesQty: number;
    }
  | undefined;

/** OrderCancelReject (9) → canonical report with execType cancel_rejected / replace_rejected. */
export function decodeOrderCancelReject(
  msg: FixMessage,
  venue: string,
  lookup: OrderLookup,
  tsInit: Nanos
): ExecutionReport {
  const cancel = req(msg, Tag.CxlRejResponseTo) === '1';
  const clOrdId = req(msg, Tag.ClOrdID);
  const origClOrdId = req(msg, Tag.OrigClOrdID);
  const order = lookup(origClOrdId) ?? lookup(clOrdId);
  if (!order) {
    throw new TradestateError(ErrorCode.UNKNOWN_ORDER, `OrderCancelReject for unknown order ${origClOrdId}`, {
      clientOrderId: origClOrdId
    });
  }
  const orderId = req(msg, Tag.OrderID);
  const reason = optText(msg, REASON_MAX);
  return {
    type: 'exec.report',
    execType: cancel ? 'cancel_rejected' : 'replace_rejected',
    venue,
    instrumentId: order.instrumentId,
    clientOrderId: cancel ? origClOrdId : clOrdId,
    ...(cancel ? {} : { origClientOrderId: origClOrdId }),
    ...(orderId === NO_ORDER_ID ? {} : { venueOrderId: orderId }),
    execId: clOrdId,
    side: order.side,
    ...NO_EXECUTION,
    cumQty: order.cumQty,
    leavesQty: order.leavesQty,
    ...(reason === undefined ? {} : { reason }),
    tsEvent: msg.has(Tag.TransactTime) ? ts(msg, Tag.TransactTime) : ts(msg, Tag.SendingTime),
    tsInit
  };
}

// ── order status ─────────────────────────────────────────────────────────

/** An OrderStatusRequest (H): which order, on which instrument and side, optionally with the venue's id. */
export interface OrderStatusQuery {
  readonly clientOrderId: string;
  readonly instrumentId: string;
  readonly side: Side;
  readonly venueOrderId?: string;
}

/** OrderStatusQuery → OrderStatusRequest (H). */
export function encodeOrderStatusRequest(q: OrderStatusQuery, inst: Instrument): FixAppMessage {
  const f: FixField[] = [];
  if (q.venueOrderId !== undefined) f.push([Tag.OrderID, q.venueOrderId]);
  f.push([Tag.ClOrdID, q.clientOrderId], [Tag.Symbol, inst.symbol], [Tag.Side, SIDE_TO_FIX[q.side]]);
  return { msgType: MsgType.OrderStatusRequest, fields: f };
}

/** OrderStatusRequest (H) → OrderStatusQuery (for an acceptor / simulated venue). */
export function decodeOrderStatusRequest(msg: FixMessage, instruments: InstrumentMap): OrderStatusQuery {
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const orderId = msg.get(Tag.OrderID);
  return {
    clientOrderId: req(msg, Tag.ClOrdID),
    instrumentId: inst.id,
    side: mapped(msg, Tag.Side, SIDE_FROM_FIX),
    ...(orderId === undefined || orderId === NO_ORDER_ID ? {} : { venueOrderId: orderId })
  };
}

/** FIX 4.2 OrdStatus values an order status carries. */
export type OrdStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired';
/** OrdStatus (39) of each status. */
export const ORDSTATUS_TO_FIX: Readonly<Record<OrdStatus, string>> = {
  new: '0',
  partially_filled: '1',
  filled: '2',
  canceled: '4',
  rejected: '8',
  expired: 'C'
};
const ORDSTATUS_FROM_FIX = invert(ORDSTATUS_TO_FIX);

/** An order's state as a venue states it in answer to an OrderStatusRequest. */
export interface OrderStatusReport {
  readonly clientOrderId: string;
  readonly venueOrderId: string | undefined;
  readonly instrumentId: string;
  readonly side: Side;
  readonly status: OrdStatus;
  readonly cumQty: number;
  readonly leavesQty: number;
  /** Average fill price in ticks (may be fractional; 0 before the first fill). */
  readonly avgPx: number;
  readonly execId: string;
  readonly tsEvent: Nanos;
}

/**
 * OrderStatusReport → ExecutionReport (8) with ExecTransType=3 (STATUS), FIX 4.2's answer to an
 * OrderStatusRequest: ExecType and OrdStatus state the order's current status; nothing is executed by it.
 */
export function encodeOrderStatus(s: OrderStatusReport, inst: Instrument): FixAppMessage {
  const st = ORDSTATUS_TO_FIX[s.status];
  return {
    msgType: MsgType.ExecutionReport,
    fields: [
      [Tag.OrderID, s.venueOrderId ?? NO_ORDER_ID],
      [Tag.ClOrdID, s.clientOrderId],
      [Tag.ExecID, s.execId],
      [Tag.ExecTransType, '3'],
      [Tag.ExecType, st],
      [Tag.OrdStatus, st],
      [Tag.Symbol, inst.symbol],
      [Tag.Side, SIDE_TO_FIX[s.side]],
      [Tag.LeavesQty, lotsToQty(inst, s.leavesQty)],
      [Tag.CumQty, lotsToQty(inst, s.cumQty)],
      [Tag.AvgPx, avgPxToFix(inst, s.avgPx)],
      [Tag.TransactTime, formatUtcTimestamp(s.tsEvent)]
    ]
  };
}

/**
 * An average price in (possibly fractional) ticks as a decimal string: at the tick's precision when it is a whole
 * number of ticks, else to 1/10,000 of a tick.
 */
function avgPxToFix(inst: Instrument, avgTicks: number): string {
  if (Number.isInteger(avgTicks)) return ticksToPrice(inst, avgTicks);
  return formatDecimal(BigInt(Math.round(avgTicks * 10_000)) * inst.tick.mantissa, inst.tick.scale + 4);
}

/**
 * An ExecutionReport (8) with ExecTransType=3 (STATUS) → OrderStatusReport; undefined for any other report.
 * AvgPx comes back in (fractional) ticks.
 */
export function decodeOrderStatus(
  msg: FixMessage,
  instruments: InstrumentMap
): OrderStatusReport | undefined {
  if (msg.get(Tag.ExecTransType) !== '3') return undefined;
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const orderId = req(msg, Tag.OrderID);
  const tick = parseDecimal(inst.tickSize);
  const avg = parseDecimal(msg.get(Tag.AvgPx) ?? '0');
  return {
    clientOrderId: req(msg, Tag.ClOrdID),
    venueOrderId: orderId === NO_ORDER_ID ? undefined : orderId,
    instrumentId: inst.id,
    side: mapped(msg, Tag.Side, SIDE_FROM_FIX),
    status: mapped(msg, Tag.OrdStatus, ORDSTATUS_FROM_FIX),
    cumQty: qty(inst, msg, Tag.CumQty),
    leavesQty: qty(inst, msg, Tag.LeavesQty),
    avgPx: (Number(avg.mantissa) * 10 ** (tick.scale - avg.scale)) / Number(tick.mantissa),
    execId: req(msg, Tag.ExecID),
    tsEvent: msg.has(Tag.TransactTime) ? ts(msg, Tag.TransactTime) : ts(msg, Tag.SendingTime)
  };
}

// ── market data ──────────────────────────────────────────────────────────

const ENTRY_TYPES: Record<MarketDataSubscription['entries'][number], string> = {
  bid: '0',
  offer: '1',
  trade: '2'
};
const ENTRY_FROM_FIX = invert(ENTRY_TYPES);

/** MarketDataSubscription → MarketDataRequest (V). */
export function encodeMarketDataRequest(
  sub: MarketDataSubscription,
  instruments: InstrumentMap
): FixAppMessage {
  const f: FixField[] = [
    [Tag.MDReqID, sub.requestId],
    [Tag.SubscriptionRequestType, sub.action === 'unsubscribe' ? '2' : sub.updates ? '1' : '0'],
    [Tag.MarketDepth, sub.depth]
  ];
  if (sub.action === 'subscribe' && sub.updates) f.push([Tag.MDUpdateType, '1']);
  f.push([Tag.NoMDEntryTypes, sub.entries.map((e) => [[Tag.MDEntryType, ENTRY_TYPES[e]]] as FixField[])]);
  f.push([
    Tag.NoRelatedSym,
    sub.instrumentIds.map((id) => [[Tag.Symbol, instruments.byId(id).symbol]] as FixField[])
  ]);
  return { msgType: MsgType.MarketDataRequest, fields: f };
}

/** Instances of a repeating group: field indexes of each instance (starting at the delimiter). */
export function groupInstances(msg: FixMessage, countTag: number, delimiter: number): number[][] {
  const ci = msg.indexOf(countTag);
  if (ci < 0) return [];
  const n = Number(msg.valueAt(ci));
  const out: number[][] = [];
  let i = ci + 1;
  for (let k = 0; k < n && i < msg.count; k++) {
    if (msg.tagAt(i) !== delimiter)
      throw invalid(msg, countTag, 'group instance does not start with its delimiter');
    const inst = [i];
    i++;
    while (i < msg.count && msg.tagAt(i) !== delimiter && msg.tagAt(i) !== 10) {
      inst.push(i);
      i++;
    }
    out.push(inst);
  }
  if (out.length !== n) throw invalid(msg, countTag, `count ${n} but ${out.length} instance(s)`);
  return out;
}

function instGet(msg: FixMessage, idx: number[], tag: number): string | undefined {
  for (const i of idx) if (msg.tagAt(i) === tag) return msg.valueAt(i);
  return undefined;
}

export function decodeMarketDataRequest(msg: FixMessage, instruments: InstrumentMap): MarketDataSubscription {
  const t = req(msg, Tag.SubscriptionRequestType);
  const entries = groupInstances(msg, Tag.NoMDEntryTypes, Tag.MDEntryType).map((g) => {
    const e = ENTRY_FROM_FIX[instGet(msg, g, Tag.MDEntryType) ?? ''];
    if (!e) throw invalid(msg, Tag.MDEntryType, 'unsupported MDEntryType');
    return e;
  });
  const syms = groupInstances(msg, Tag.NoRelatedSym, Tag.Symbol).map(
    (g) => instruments.bySymbol(instGet(msg, g, Tag.Symbol) ?? '').id
  );
  return {
    type: 'md.subscription',
    action: t === '2' ? 'unsubscribe' : 'subscribe',
    requestId: req(msg, Tag.MDReqID),
    instrumentIds: syms,
    entries,
    depth: Number(req(msg, Tag.MarketDepth)),
    updates: t === '1'
  };
}

function dateTimeFields(tsEvent: Nanos): FixField[] {
  const s = formatUtcTimestamp(tsEvent);
  return [
    [Tag.MDEntryDate, s.slice(0, 8)],
    [Tag.MDEntryTime, s.slice(9)]
  ];
}

function entryTime(msg: FixMessage, idx: number[], fallback: Nanos): Nanos {
  const d = instGet(msg, idx, Tag.MDEntryDate);
  const t = instGet(msg, idx, Tag.MDEntryTime);
  if (d !== undefined && t !== undefined) return parseUtcTimestamp(`${d}-${t}`);
  if (t !== undefined) {
    const day = fallback - (((fallback % NS_PER_DAY) + NS_PER_DAY) % NS_PER_DAY);
    return parseUtcTimestamp(`19700101-${t}`) + day;
  }
  return fallback;
}

/** A snapshot of one instrument's book (levels as canonical deltas) and recent trades. */
export interface MarketDataSnapshot {
  readonly instrumentId: string;
  readonly requestId?: string;
  readonly levels: readonly BookDelta[];
  readonly trades: readonly Trade[];
}

/** Snapshot → MarketDataSnapshotFullRefresh (W). Each level's own tsEvent travels as MDEntryDate/Time. */
export function encodeMarketDataSnapshot(
  snap: MarketDataSnapshot,
  instruments: InstrumentMap
): FixAppMessage {
  const inst = instruments.byId(snap.instrumentId);
  const entries: FixField[][] = [];
  for (const l of snap.levels) {
    entries.push([
      [Tag.MDEntryType, l.side === 'buy' ? '0' : '1'],
      [Tag.MDEntryPx, ticksToPrice(inst, l.px)],
      [Tag.MDEntrySize, lotsToQty(inst, l.sz)],
      ...dateTimeFields(l.tsEvent)
    ]);
  }
  for (const t of snap.trades) {
    entries.push([
      [Tag.MDEntryType, '2'],
      [Tag.MDEntryPx, ticksToPrice(inst, t.px)],
      [Tag.MDEntrySize, lotsToQty(inst, t.sz)],
      ...dateTimeFields(t.tsEvent)
    ]);
  }
  const f: FixField[] = [];
  if (snap.requestId !== undefined) f.push([Tag.MDReqID, snap.requestId]);
  f.push([Tag.Symbol, inst.symbol], [Tag.NoMDEntries, entries]);
  return { msgType: MsgType.MarketDataSnapshotFullRefresh, fields: f };
}

/**
 * MarketDataSnapshotFullRefresh (W) → canonical: book levels as `add` deltas flagged SNAPSHOT (the last
 * one also LAST), sequenced by the message's MsgSeqNum; trade entries as Trades.
 */
export function decodeMarketDataSnapshot(
  msg: FixMessage,
  instruments: InstrumentMap,
  tsInit: Nanos
): MarketDataSnapshot {
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const seq = msg.getInt(Tag.MsgSeqNum) ?? 0;
  const sending = ts(msg, Tag.SendingTime);
  const levels: BookDelta[] = [];
  const trades: Trade[] = [];
  for (const g of groupInstances(msg, Tag.NoMDEntries, Tag.MDEntryType)) {
    const type = instGet(msg, g, Tag.MDEntryType);
    const p = priceToTicks(inst, instGet(msg, g, Tag.MDEntryPx) ?? '');
    const szS = instGet(msg, g, Tag.MDEntrySize);
    const sz = szS === undefined ? 0 : qtyToLots(inst, szS);
    const tsEvent = entryTime(msg, g, sending);
    const m = mdEntry(inst.id, type, 'add', p, sz, tsEvent, tsInit, seq, BOOK_FLAG_SNAPSHOT);
    if (m?.type === 'market.book_delta') levels.push(m);
    else if (m) trades.push(m);
  }
  markLast(levels);
  const reqId = msg.get(Tag.MDReqID);
  return { instrumentId: inst.id, ...(reqId === undefined ? {} : { requestId: reqId }), levels, trades };
}

/** One MD entry as a canonical message: bid (0) or offer (1) → book delta, trade (2) → trade; other types are skipped. */
function mdEntry(
  instrumentId: string,
  type: string | undefined,
  action: 'add' | 'modify' | 'delete',
  px: number,
  sz: number,
  tsEvent: Nanos,
  tsInit: Nanos,
  seq: number,
  flags: number
): BookDelta | Trade | undefined {
  if (type === '2') {
    return { type: 'market.trade', instrumentId, tsEvent, tsInit, px, sz, aggressor: 'none', tradeId: '' };
  }
  if (type !== '0' && type !== '1') return undefined;
  const side = type === '0' ? 'buy' : 'sell';
  return { type: 'market.book_delta', instrumentId, tsEvent, tsInit, seq, action, side, px, sz, flags };
}

const ACTION_TO_FIX: Record<'add' | 'modify' | 'delete', string> = { add: '0', modify: '1', delete: '2' };
const ACTION_FROM_FIX = invert(ACTION_TO_FIX);

/** Book deltas (add/modify/delete) and trades → MarketDataIncrementalRefresh (X), one entry each, Symbol per entry. */
export function encodeMarketDataIncremental(
  items: readonly (BookDelta | Trade)[],
  instruments: InstrumentMap,
  requestId?: string
): FixAppMessage {
  const entries: FixField[][] = items.map((it) => {
    const inst = instruments.byId(it.instrumentId);
    if (it.type === 'market.trade') {
      return [
        [Tag.MDUpdateAction, '0'],
        [Tag.MDEntryType, '2'],
        [Tag.Symbol, inst.symbol],
        [Tag.MDEntryPx, ticksToPrice(inst, it.px)],
        [Tag.MDEntrySize, lotsToQty(inst, it.sz)],
        ...dateTimeFields(it.tsEvent)
      ];
    }
    if (it.action === 'clear' || it.action === 'execute') {
      throw new TradestateError(ErrorCode.MESSAGE_INVALID, `FIX 4.2 has no MDUpdateAction for ${it.action}`);
    }
    return [
      [Tag.MDUpdateAction, ACTION_TO_FIX[it.action]],
      [Tag.MDEntryType, it.side === 'buy' ? '0' : '1'],
      [Tag.Symbol, inst.symbol],
      [Tag.MDEntryPx, ticksToPrice(inst, it.px)],
      [Tag.MDEntrySize, lotsToQty(inst, it.sz)],
      ...dateTimeFields(it.tsEvent)
    ];
  });
  const f: FixField[] = [];
  if (requestId !== undefined) f.push([Tag.MDReqID, requestId]);
  f.push([Tag.NoMDEntries, entries]);
  return { msgType: MsgType.MarketDataIncrementalRefresh, fields: f };
}

/**
 * MarketDataIncrementalRefresh (X) → canonical book deltas (sequenced by MsgSeqNum, the last one flagged
 * LAST) and trades. An entry without Symbol inherits the previous entry's (FIX 4.2 practice).
 */
export function decodeMarketDataIncremental(
  msg: FixMessage,
  instruments: InstrumentMap,
  tsInit: Nanos
): (BookDelta | Trade)[] {
  const seq = msg.getInt(Tag.MsgSeqNum) ?? 0;
  const sending = ts(msg, Tag.SendingTime);
  const out: (BookDelta | Trade)[] = [];
  let symbol: string | undefined;
  let lastDelta = -1;
  for (const g of groupInstances(msg, Tag.NoMDEntries, Tag.MDUpdateAction)) {
    symbol = instGet(msg, g, Tag.Symbol) ?? symbol;
    if (symbol === undefined) throw invalid(msg, Tag.Symbol, 'entry without Symbol');
    const inst = instruments.bySymbol(symbol);
    const action = ACTION_FROM_FIX[instGet(msg, g, Tag.MDUpdateAction) ?? ''];
    if (!action) throw invalid(msg, Tag.MDUpdateAction, 'unknown MDUpdateAction');
    const type = instGet(msg, g, Tag.MDEntryType);
    const pxS = instGet(msg, g, Tag.MDEntryPx);
    const szS = instGet(msg, g, Tag.MDEntrySize);
    const p = pxS === undefined ? 0 : priceToTicks(inst, pxS);
    const sz = szS === undefined || action === 'delete' ? 0 : qtyToLots(inst, szS);
    const tsEvent = entryTime(msg, g, sending);
    const m = mdEntry(inst.id, type, action, p, sz, tsEvent, tsInit, seq, 0);
    if (m?.type === 'market.book_delta') lastDelta = out.length;
    if (m) out.push(m);
  }
  if (lastDelta >= 0) {
    const d = out[lastDelta] as BookDelta;
    out[lastDelta] = { ...d, flags: d.flags | BOOK_FLAG_LAST };
  }
  return out;
}

/** Canonical Quote → FIX Quote (S). */
export function encodeQuote(q: Quote, instruments: InstrumentMap, quoteId: string): FixAppMessage {
  const inst = instruments.byId(q.instrumentId);
  return {
    msgType: MsgType.Quote,
    fields: [
      [Tag.QuoteID, quoteId],
      [Tag.Symbol, inst.symbol],
      [Tag.BidPx, ticksToPrice(inst, q.bidPx)],
      [Tag.OfferPx, ticksToPrice(inst, q.askPx)],
      [Tag.BidSize, lotsToQty(inst, q.bidSz)],
      [Tag.OfferSize, lotsToQty(inst, q.askSz)],
      [Tag.TransactTime, formatUtcTimestamp(q.tsEvent)]
    ]
  };
}

/** FIX Quote (S) → canonical Quote; a missing side is 0 @ 0. tsEvent = TransactTime (else SendingTime). */
export function decodeQuote(msg: FixMessage, instruments: InstrumentMap, tsInit: Nanos): Quote {
  const inst = instruments.bySymbol(req(msg, Tag.Symbol));
  const get = (tag: number, f: (s: string) => number): number => {
    const v = msg.get(tag);
    return v === undefined ? 0 : f(v);
  };
  return {
    type: 'market.quote',
    instrumentId: inst.id,
    tsEvent: msg.has(Tag.TransactTime) ? ts(msg, Tag.TransactTime) : ts(msg, Tag.SendingTime),
    tsInit,
    bidPx: get(Tag.BidPx, (s) => priceToTicks(inst, s)),
    bidSz: get(Tag.BidSize, (s) => qtyToLots(inst, s)),
    askPx: get(Tag.OfferPx, (s) => priceToTicks(inst, s)),
    askSz: get(Tag.OfferSize, (s) => qtyToLots(inst, s))
  };
}

/** Truncate epoch ns to the millisecond (FIX 4.2 precision): what survives a round trip. */
export function toFixPrecision(ns: Nanos): Nanos {
  return msFloor(ns);
}
