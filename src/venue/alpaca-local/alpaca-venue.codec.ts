import { createHash } from 'node:crypto';
import { divRoundHalfEven, formatDecimal, pow10 } from '../../core/decimal.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import {
  type Instrument,
  lotsToQty,
  type Money,
  notional,
  priceToTicks,
  qtyToLots,
  ticksToPrice
} from '../../core/instrument.ts';
import { isoFromNs, type Nanos, NS_PER_MIN } from '../../core/nanos.ts';
import type { Rng } from '../../core/rng.ts';
import { nextNyseOpen, nyLocal, nysePhase, nyseSessionUtc } from '../../data/nyse-calendar.ts';
import { usEasternOffsetMinutes } from '../../data/us-eastern.ts';
import {
  type AlpacaAccount,
  type AlpacaClock,
  type AlpacaErrorBody,
  type AlpacaOrder,
  type AlpacaOrderStatus,
  type AlpacaPosition,
  type AlpacaTimeInForce,
  type AlpacaTradeEvent,
  type AlpacaTradeUpdate,
  alpacaOrderRequestSchema,
  alpacaReplaceRequestSchema,
  isCryptoSymbol
} from '../../gateways/alpaca/alpaca-trading.codec.ts';
import { type InstrumentMap, moneyToFix } from '../../gateways/fix/app-messages.ts';
import { numToDecimal } from '../../gateways/ws/codec-util.ts';
import type { ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import type { ExecutionReport } from '../../messages/execution-report.ts';
import type { OrderType, Side, TimeInForce } from '../../messages/primitives.ts';
import type { Position } from '../../portfolio/portfolio.ts';

/*
 * The server side of Alpaca's trading API for the local venue: Alpaca request bodies → canonical commands,
 * and the venue's order records (kept up to date from canonical execution reports) → Alpaca order objects,
 * trade updates, positions, the account and the clock. The wire schemas and types are the gateway's
 * (src/gateways/alpaca/alpaca-trading.codec.ts); every number leaves as an exact decimal string.
 */

// ── errors ──────────────────────────────────────────────────────────────────────────────────────────────

/** Alpaca's numeric error codes (the `code` of its `{code, message}` error bodies): HTTP status × 10⁵ + 10⁴. */
export const ALPACA_ERROR_CODE = {
  /** 400: the body is not JSON. */
  MALFORMED: 40010000,
  /** 422: a parameter is missing, of the wrong type or not recognised. */
  INVALID_INPUT: 40010001,
  /** 401: unknown key or wrong secret. */
  UNAUTHORIZED: 40110000,
  /** 403: no credentials; insufficient buying power. */
  FORBIDDEN: 40310000,
  /** 404: no such order, position or endpoint. */
  NOT_FOUND: 40410000,
  /** 405: the endpoint does not take this method. */
  METHOD_NOT_ALLOWED: 40510000,
  /** 422: well-formed but not processable (sub-penny price, order not cancelable, unsupported feature). */
  UNPROCESSABLE: 42210000,
  /** 500. */
  INTERNAL: 50010000
} as const;

/** Alpaca's error code for an HTTP status without a more specific one (`500` → `50010000`). */
export function alpacaCodeOfStatus(status: number): number {
  return status * 100_000 + 10_000;
}

/**
 * A request the local venue answers with an HTTP error, as Alpaca would: the HTTP `status`, Alpaca's numeric
 * `alpacaCode` and message (together the response body, {@link reply}), and a stable tradestate `code`.
 */
export class AlpacaApiError extends TradestateError {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** Alpaca's numeric error code ({@link ALPACA_ERROR_CODE}). */
  readonly alpacaCode: number;

  constructor(
    status: number,
    alpacaCode: number,
    code: ErrorCode,
    message: string,
    context: Record<string, unknown> = {}
  ) {
    super(code, message, { status, alpacaCode, ...context });
    this.name = 'AlpacaApiError';
    this.status = status;
    this.alpacaCode = alpacaCode;
  }

  /** The response body, `{"code": 40410000, "message": "order not found"}`. */
  get reply(): AlpacaErrorBody {
    return { code: this.alpacaCode, message: this.message };
  }
}

/** 400 `40010000`: the body is not JSON. */
export function malformedBody(): AlpacaApiError {
  return new AlpacaApiError(
    400,
    ALPACA_ERROR_CODE.MALFORMED,
    ErrorCode.MESSAGE_INVALID,
    'request body format is invalid'
  );
}

/** 422 `40010001`: a parameter is missing or malformed. */
export function invalidInput(message: string, code: ErrorCode = ErrorCode.MESSAGE_INVALID): AlpacaApiError {
  return new AlpacaApiError(422, ALPACA_ERROR_CODE.INVALID_INPUT, code, message);
}

/** 422 `42210000`: well-formed but not processable by this venue. */
export function unprocessable(message: string, code: ErrorCode = ErrorCode.ORDER_INVALID): AlpacaApiError {
  return new AlpacaApiError(422, ALPACA_ERROR_CODE.UNPROCESSABLE, code, message);
}

/** 404 `40410000`. */
export function notFound(message: string, code: ErrorCode = ErrorCode.NOT_FOUND): AlpacaApiError {
  return new AlpacaApiError(404, ALPACA_ERROR_CODE.NOT_FOUND, code, message);
}

// ── identifiers and numbers ─────────────────────────────────────────────────────────────────────────────

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const dashed = (h: string): string =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;

/** A version-4 UUID drawn from the seeded `rng`: the same seed gives the same ids. */
export function uuidFromRng(rng: Rng): string {
  const a = rng.nextU32();
  const b = ((rng.nextU32() & 0xffff0fff) | 0x00004000) >>> 0; // version 4
  const c = ((rng.nextU32() & 0x3fffffff) | 0x80000000) >>> 0; // RFC 4122 variant
  const d = rng.nextU32();
  return dashed(hex8(a) + hex8(b) + hex8(c) + hex8(d));
}

/** A name-based (version-5 layout, SHA-1) UUID: a symbol's asset id is the same in every run. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update(`tradestate:alpaca-asset:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return dashed(h.subarray(0, 16).toString('hex'));
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its 8-4-4-4-12 hex form (what Alpaca's `{order_id}` must be). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/**
 * The exact rational `num/den` as a plain decimal string: rounded half-even at `maxScale` fraction digits,
 * trailing zeros trimmed down to `minScale` digits.
 */
export function formatRatio(num: bigint, den: bigint, minScale: number, maxScale: number): string {
  const s = formatDecimal(divRoundHalfEven(num * pow10(maxScale), den), maxScale);
  if (maxScale <= minScale) return s;
  const dot = s.length - maxScale - 1;
  let end = s.length;
  while (end > dot + 1 + minScale && s[end - 1] === '0') end--;
  return end === dot + 1 ? s.slice(0, dot) : s.slice(0, end);
}

/** Fraction digits of computed prices (averages) and ratios beyond an instrument's own precision. */
const RATIO_SCALE = 9;

/** Σ(price × qty) / Σ qty in price units, `sumTickLots` = Σ ticks × lots; exact up to 9 decimals. */
export function averagePrice(inst: Instrument, sumTickLots: bigint, lots: number): string {
  return formatRatio(
    sumTickLots * inst.tick.mantissa,
    BigInt(lots) * pow10(inst.tick.scale),
    inst.priceDecimals,
    Math.max(RATIO_SCALE, inst.priceDecimals)
  );
}

/** Alpaca's asset class of a symbol: pairs (`BTC/USD`) are crypto, the rest US equities. */
export function assetClassOf(inst: Instrument): 'crypto' | 'us_equity' {
  return isCryptoSymbol(inst.symbol) ? 'crypto' : 'us_equity';
}

// ── requests → canonical commands ───────────────────────────────────────────────────────────────────────

/** What decoding an order request needs beyond the body. */
export interface OrderDecodeContext {
  /** The tradable symbols. */
  readonly instruments: InstrumentMap;
  /** The venue's time: the command's `tsInit`. */
  readonly now: Nanos;
  /** The `strategyId` of decoded commands (Alpaca has no such field). */
  readonly strategyId: string;
  /** A fresh `client_order_id` for a request without one (Alpaca generates a UUID). */
  newClientOrderId(): string;
}

/** Times in force both Alpaca and the emulator have (not opg/cls, not gtd). */
export type LocalTimeInForce = Extract<TimeInForce, AlpacaTimeInForce>;

/** An order request in canonical form, with what Alpaca echoes but the canonical command cannot carry. */
export interface DecodedOrderRequest {
  readonly cmd: SubmitOrder;
  readonly tif: LocalTimeInForce;
  readonly extendedHours: boolean;
}

const present = (o: Readonly<Record<string, unknown>>, k: string): boolean =>
  o[k] !== undefined && o[k] !== null;

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidInput('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

const DECIMAL_FIELDS = [
  'qty',
  'notional',
  'limit_price',
  'stop_price',
  'trail_price',
  'trail_percent',
  'trail'
];

/** Alpaca takes JSON numbers as well as strings for amounts; the schemas take strings: print numbers plainly. */
function numbersAsDecimals(o: Record<string, unknown>): Record<string, unknown> {
  let out = o;
  for (const k of DECIMAL_FIELDS) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (out === o) out = { ...o };
      out[k] = numToDecimal('alpaca', v, k);
    }
  }
  return out;
}

/** Parse with a gateway schema; the first issue becomes a 422 `40010001` (`limit_price: limit order needs …`). */
function parseRequest<T>(
  schema: {
    safeParse(
      v: unknown
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
  },
  o: Record<string, unknown>
): T {
  const r = schema.safeParse(numbersAsDecimals(o));
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const path = i ? i.path.map(String).join('.') : '';
  throw invalidInput(path ? `${path}: ${i!.message}` : (i?.message ?? 'invalid request'));
}

/** Features of Alpaca's order entry this venue does not emulate: a clear 422 instead of a silent misfill. */
function refuseUnsupported(o: Readonly<Record<string, unknown>>): void {
  const no = (what: string): never => {
    throw unprocessable(`${what} not supported by the local venue`);
  };
  if (present(o, 'notional')) no('notional (dollar amount) orders are');
  if (o['type'] === 'trailing_stop' || present(o, 'trail_price') || present(o, 'trail_percent'))
    no('trailing_stop orders are');
  const cls = o['order_class'];
  if (present(o, 'order_class') && cls !== '' && cls !== 'simple') no(`order_class ${String(cls)} is`);
  if (present(o, 'legs') || present(o, 'take_profit') || present(o, 'stop_loss'))
    no('legs, take_profit and stop_loss are');
  const tif = o['time_in_force'];
  if (tif === 'opg' || tif === 'cls') no(`time_in_force ${tif} (auction orders) is`);
  if (present(o, 'advanced_instructions')) no('advanced_instructions are');
}

/** A price field → ticks; off the tick → Alpaca's sub-penny 422. */
function priceField(inst: Instrument, name: string, text: string): number {
  try {
    return priceToTicks(inst, text);
  } catch (e) {
    if (isTradestateError(e, ErrorCode.PRICE_NOT_ON_TICK)) {
      throw unprocessable(
        `invalid ${name} ${text}. sub-penny increment does not fulfill minimum pricing criteria`,
        ErrorCode.PRICE_NOT_ON_TICK
      );
    }
    throw invalidInput(`${name}: ${(e as Error).message}`, ErrorCode.NUMBER_INVALID);
  }
}

/** A quantity field → lots; off the lot → 422. */
function qtyField(inst: Instrument, text: string): number {
  try {
    return qtyToLots(inst, text);
  } catch (e) {
    if (isTradestateError(e, ErrorCode.QTY_NOT_ON_LOT)) {
      throw unprocessable(`qty ${text} is not a multiple of ${inst.lotSize} for ${inst.symbol}`, e.code);
    }
    throw invalidInput(`qty: ${(e as Error).message}`, ErrorCode.NUMBER_INVALID);
  }
}

const TIF_IN: Readonly<Record<string, LocalTimeInForce>> = { day: 'day', gtc: 'gtc', ioc: 'ioc', fok: 'fok' };

/**
 * `POST /v2/orders` body → canonical {@link SubmitOrder} (commandId = client_order_id, tsInit = `ctx.now`), with
 * the gateway's `alpacaOrderRequestSchema` and its cross-field rules. Throws {@link AlpacaApiError}: 422
 * `40010001` for a missing, malformed or unknown field or an unknown symbol; 422 `42210000` for what the venue
 * cannot do (notional, trailing stop, bracket/OCO/OTO/mleg, opg/cls, advanced instructions) and for prices
 * off the tick (Alpaca's sub-penny message) or quantities off the lot.
 */
export function decodeOrderRequest(body: unknown, ctx: OrderDecodeContext): DecodedOrderRequest {
  const o = requireObject(body);
  refuseUnsupported(o);
  const r = parseRequest(alpacaOrderRequestSchema, o);
  let inst: Instrument;
  try {
    inst = ctx.instruments.bySymbol(r.symbol!);
  } catch {
    throw invalidInput(`asset not found: ${r.symbol}`, ErrorCode.UNKNOWN_INSTRUMENT);
  }
  const tif = TIF_IN[r.time_in_force]!;
  const orderType = r.type as OrderType;
  const clientOrderId = r.client_order_id ?? ctx.newClientOrderId();
  const cmd: SubmitOrder = {
    type: 'order.submit',
    commandId: clientOrderId,
    tsInit: ctx.now,
    strategyId: ctx.strategyId,
    instrumentId: inst.id,
    clientOrderId,
    side: r.side!,
    orderType,
    qty: qtyField(inst, r.qty!),
    ...(r.limit_price === undefined ? {} : { limitPx: priceField(inst, 'limit_price', r.limit_price) }),
    ...(r.stop_price === undefined ? {} : { stopPx: priceField(inst, 'stop_price', r.stop_price) }),
    tif
  };
  return { cmd, tif, extendedHours: r.extended_hours === true };
}

/** What a replace needs to know of the order it replaces. */
export interface ReplaceTarget {
  readonly inst: Instrument;
  readonly clientOrderId: string;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** The order's own quantity (lots). */
  readonly qty: number;
  /** Lots filled over the whole replace chain so far: the emulator's cumulative quantity. */
  readonly chainFilled: number;
}

/** What decoding a replace request needs beyond the body and the order. */
export interface ReplaceDecodeContext {
  readonly now: Nanos;
  readonly strategyId: string;
  newClientOrderId(): string;
}

/**
 * `PATCH /v2/orders/{id}` body → canonical {@link ReplaceOrder} (commandId = the new client_order_id), with the
 * gateway's `alpacaReplaceRequestSchema`. Alpaca's replacing order is a new order for `qty` (default: the
 * replaced order's own `qty`, as every field not given stays as it was) with nothing filled; the canonical
 * quantity is a total over the chain, so the command's `qty` is `chainFilled + qty`. 422 for a malformed
 * body, a price the order type has no use for, `trail`, or a change of `time_in_force` (the emulator keeps an
 * order's time in force across a replace).
 */
export function decodeReplaceRequest(
  body: unknown,
  target: ReplaceTarget,
  ctx: ReplaceDecodeContext
): ReplaceOrder {
  const o = requireObject(body);
  if (present(o, 'trail')) throw unprocessable('trail (trailing stops) is not supported by the local venue');
  if (present(o, 'advanced_instructions'))
    throw unprocessable('advanced_instructions are not supported by the local venue');
  const r = parseRequest(alpacaReplaceRequestSchema, o);
  const { inst, type } = target;
  if (r.time_in_force !== undefined && r.time_in_force !== target.tif)
    throw unprocessable('changing time_in_force is not supported by the local venue');
  if (r.limit_price !== undefined && type !== 'limit' && type !== 'stop_limit')
    throw invalidInput(`limit_price: ${type} order takes no limit_price`);
  if (r.stop_price !== undefined && type !== 'stop' && type !== 'stop_limit')
    throw invalidInput(`stop_price: ${type} order takes no stop_price`);
  const own = r.qty === undefined ? target.qty : qtyField(inst, r.qty);
  const newClientOrderId = r.client_order_id ?? ctx.newClientOrderId();
  return {
    type: 'order.replace',
    commandId: newClientOrderId,
    tsInit: ctx.now,
    strategyId: ctx.strategyId,
    instrumentId: inst.id,
    clientOrderId: target.clientOrderId,
    newClientOrderId,
    qty: target.chainFilled + own,
    ...(r.limit_price === undefined ? {} : { limitPx: priceField(inst, 'limit_price', r.limit_price) }),
    ...(r.stop_price === undefined ? {} : { stopPx: priceField(inst, 'stop_price', r.stop_price) })
  };
}

// ── the venue's order record → Alpaca order objects and trade updates ─────────────────────────────────

const CLOSED: ReadonlySet<AlpacaOrderStatus> = new Set([
  'filled',
  'canceled',
  'expired',
  'replaced',
  'rejected'
]);

/** True while an order in `status` can still trade (Alpaca's `status=open`). */
export function isOpenStatus(status: AlpacaOrderStatus): boolean {
  return !CLOSED.has(status);
}

/** The local venue's record of one Alpaca order (owned and mutated by the venue). */
export interface AlpacaOrderRecord {
  readonly id: string;
  readonly clientOrderId: string;
  readonly inst: Instrument;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: LocalTimeInForce;
  readonly extendedHours: boolean;
  /**
   * Ordered quantity, lots. A replacing order's is reduced by what the replaced order filled after the PATCH
   * and before the replace took effect (see `AlpacaLocalVenue`'s PATCH).
   */
  qty: number;
  readonly limitPx: number | undefined;
  readonly stopPx: number | undefined;
  status: AlpacaOrderStatus;
  /** Lots filled on this order. */
  filled: number;
  /** Lots filled by the orders this one replaced (the emulator counts the chain as one order). */
  priorFilled: number;
  /** Σ fill ticks × fill lots of this order, for its average price. */
  filledTickLots: bigint;
  readonly createdAt: Nanos;
  updatedAt: Nanos;
  filledAt: Nanos | undefined;
  expiredAt: Nanos | undefined;
  canceledAt: Nanos | undefined;
  failedAt: Nanos | undefined;
  replacedAt: Nanos | undefined;
  replacedBy: string | undefined;
  readonly replaces: string | undefined;
}

/** What a new order record is made of (the rest starts empty: nothing filled, no timestamps yet). */
export type NewOrderFields = Pick<
  AlpacaOrderRecord,
  | 'id'
  | 'clientOrderId'
  | 'inst'
  | 'side'
  | 'type'
  | 'tif'
  | 'extendedHours'
  | 'qty'
  | 'limitPx'
  | 'stopPx'
  | 'priorFilled'
  | 'replaces'
>;

/** A new order as received at `now` (status `accepted`: not yet acknowledged by the emulator). */
export function newOrderRecord(f: NewOrderFields, now: Nanos): AlpacaOrderRecord {
  return {
    ...f,
    status: 'accepted',
    filled: 0,
    filledTickLots: 0n,
    createdAt: now,
    updatedAt: now,
    filledAt: undefined,
    expiredAt: undefined,
    canceledAt: undefined,
    failedAt: undefined,
    replacedAt: undefined,
    replacedBy: undefined
  };
}

const isoOrNull = (t: Nanos | undefined): string | null => (t === undefined ? null : isoFromNs(t));

/** The order as Alpaca's REST API and trade updates show it; every amount an exact decimal string. */
export function encodeOrder(rec: AlpacaOrderRecord): AlpacaOrder {
  const { inst } = rec;
  const px = (t: number | undefined): string | null => (t === undefined ? null : ticksToPrice(inst, t));
  return {
    id: rec.id,
    client_order_id: rec.clientOrderId,
    created_at: isoFromNs(rec.createdAt),
    updated_at: isoFromNs(rec.updatedAt),
    submitted_at: isoFromNs(rec.createdAt),
    filled_at: isoOrNull(rec.filledAt),
    expired_at: isoOrNull(rec.expiredAt),
    canceled_at: isoOrNull(rec.canceledAt),
    failed_at: isoOrNull(rec.failedAt),
    replaced_at: isoOrNull(rec.replacedAt),
    replaced_by: rec.replacedBy ?? null,
    replaces: rec.replaces ?? null,
    asset_id: uuidFromName(inst.symbol),
    symbol: inst.symbol,
    asset_class: assetClassOf(inst),
    notional: null,
    qty: lotsToQty(inst, rec.qty),
    filled_qty: lotsToQty(inst, rec.filled),
    filled_avg_price: rec.filled === 0 ? null : averagePrice(inst, rec.filledTickLots, rec.filled),
    order_class: '',
    order_type: rec.type,
    type: rec.type,
    side: rec.side,
    time_in_force: rec.tif,
    limit_price: px(rec.limitPx),
    stop_price: px(rec.stopPx),
    status: rec.status,
    extended_hours: rec.extendedHours,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null
  };
}

/** The status a live order has (on acceptance, after a refused cancel or replace). */
function workingStatus(rec: AlpacaOrderRecord): AlpacaOrderStatus {
  return rec.filled > 0 ? 'partially_filled' : 'new';
}

/**
 * Apply a canonical report of the emulator to the order's record and say which trade update it is.
 * `accepted` → `new` (also for a replacing order going live), `fill` → `partial_fill` / `fill`, `canceled`,
 * `expired`, `rejected`, `replaced` (on the order being replaced), `cancel_rejected` →
 * `order_cancel_rejected` and `replace_rejected` → `order_replace_rejected` (the order is live again).
 */
export function applyReport(rec: AlpacaOrderRecord, r: ExecutionReport): AlpacaTradeEvent {
  const t = r.tsEvent;
  rec.updatedAt = t;
  switch (r.execType) {
    case 'accepted':
      rec.status = workingStatus(rec);
      return 'new';
    case 'fill':
      rec.filled += r.lastQty;
      rec.filledTickLots += BigInt(r.lastPx) * BigInt(r.lastQty);
      if (r.leavesQty === 0) {
        rec.status = 'filled';
        rec.filledAt = t;
        return 'fill';
      }
      if (rec.status !== 'pending_cancel' && rec.status !== 'pending_replace')
        rec.status = 'partially_filled';
      return 'partial_fill';
    case 'canceled':
      rec.status = 'canceled';
      rec.canceledAt = t;
      return 'canceled';
    case 'expired':
      rec.status = 'expired';
      rec.expiredAt = t;
      return 'expired';
    case 'rejected':
      rec.status = 'rejected';
      rec.failedAt = t;
      return 'rejected';
    case 'replaced':
      rec.status = 'replaced';
      rec.replacedAt = t;
      return 'replaced';
    case 'cancel_rejected':
      if (isOpenStatus(rec.status)) rec.status = workingStatus(rec);
      return 'order_cancel_rejected';
    case 'replace_rejected':
      if (isOpenStatus(rec.status)) rec.status = workingStatus(rec);
      return 'order_replace_rejected';
    case 'restated':
      // only an OCO group restates an order, and Alpaca's order API has none to pass on (no trade event says it)
      throw new Error(`unreachable: the local Alpaca venue restated ${r.clientOrderId}`);
  }
}

/** One `trade_updates` message as it goes on the wire. */
export interface TradeUpdateMessage {
  readonly stream: 'trade_updates';
  readonly data: AlpacaTradeUpdate;
}

/** The execution details of a fill event. */
export interface FillDetails {
  readonly executionId: string;
  /** Signed position after the fill, lots. */
  readonly positionQty: number;
}

/**
 * One trade update: `{"stream":"trade_updates","data":{"event",…,"order"}}`. A fill adds `execution_id`,
 * `position_qty`, `price` and `qty` (of this execution) and `timestamp`; every other event but `new` adds
 * `timestamp` (the report's `tsEvent`).
 */
export function encodeTradeUpdate(
  event: AlpacaTradeEvent,
  rec: AlpacaOrderRecord,
  r: ExecutionReport,
  fill?: FillDetails
): TradeUpdateMessage {
  const order = encodeOrder(rec);
  const { inst } = rec;
  const timestamp = isoFromNs(r.tsEvent);
  if (fill !== undefined) {
    const data = {
      event,
      execution_id: fill.executionId,
      order,
      position_qty: lotsToQty(inst, fill.positionQty),
      price: ticksToPrice(inst, r.lastPx),
      qty: lotsToQty(inst, r.lastQty),
      timestamp
    };
    return { stream: 'trade_updates', data };
  }
  return { stream: 'trade_updates', data: event === 'new' ? { event, order } : { event, order, timestamp } };
}

// ── positions, account, clock ───────────────────────────────────────────────────────────────────────────

/** Market value of a position at its mark (at cost while it has none). */
export function marketValueOf(inst: Instrument, p: Position): Money {
  return p.lastPx === undefined ? p.cost : notional(inst, p.lastPx, p.qty);
}

/** Average price of `lots` that cost `cost` Money: cost / (lots × tick-lot value) ticks. */
function averageFromCost(inst: Instrument, cost: Money, lots: number): string {
  return formatRatio(
    cost * inst.tick.mantissa,
    BigInt(lots) * inst.tickLotValue * pow10(inst.tick.scale),
    inst.priceDecimals,
    Math.max(RATIO_SCALE, inst.priceDecimals)
  );
}

/** The symbol Alpaca shows a position under: a crypto pair without its `/` (`BTCUSD`; its orders say `BTC/USD`). */
export function positionSymbol(inst: Instrument): string {
  return inst.symbol.replaceAll('/', '');
}

/**
 * A position as `GET /v2/positions` shows it (named by {@link positionSymbol}), from the venue's portfolio
 * position (signed lots, signed Money cost, marked at its last print or fill): short positions have negative
 * qty, market value and cost basis.
 * There is no previous close: `lastday_price` is the current price, `change_today` 0, and the intraday P&L
 * equals the unrealized P&L.
 */
export function encodePosition(inst: Instrument, p: Position, qtyAvailable: number): AlpacaPosition {
  const absQty = Math.abs(p.qty);
  const absCost = p.cost < 0n ? -p.cost : p.cost;
  const marketValue = marketValueOf(inst, p);
  const pl = marketValue - p.cost;
  const plpc = absCost === 0n ? '0' : formatRatio(pl, absCost, 0, RATIO_SCALE);
  const avg = averageFromCost(inst, absCost, absQty);
  const current = p.lastPx === undefined ? avg : ticksToPrice(inst, p.lastPx);
  return {
    asset_id: uuidFromName(inst.symbol),
    symbol: positionSymbol(inst),
    exchange: inst.venue,
    asset_class: assetClassOf(inst),
    asset_marginable: false,
    avg_entry_price: avg,
    qty: lotsToQty(inst, p.qty),
    qty_available: lotsToQty(inst, qtyAvailable),
    side: p.qty > 0 ? 'long' : 'short',
    market_value: moneyToFix(marketValue),
    cost_basis: moneyToFix(p.cost),
    unrealized_pl: moneyToFix(pl),
    unrealized_plpc: plpc,
    unrealized_intraday_pl: moneyToFix(pl),
    unrealized_intraday_plpc: plpc,
    current_price: current,
    lastday_price: current,
    change_today: '0'
  };
}

/** What the account endpoint shows. */
export interface AccountFigures {
  readonly id: string;
  readonly accountNumber: string;
  readonly createdAt: Nanos;
  readonly cash: Money;
  readonly longMarketValue: Money;
  /** Negative (or zero). */
  readonly shortMarketValue: Money;
  /** Equity at the start (Alpaca: at the previous close). */
  readonly lastEquity: Money;
  readonly buyingPower: Money;
  /** Whether the account may sell short (Alpaca: from $2,000 of equity). Default true. */
  readonly shortingEnabled?: boolean;
}

/**
 * A paper margin account with `max_margin_multiplier` 1 (1× buying power, no day-trading buying power) as
 * `GET /v2/account` shows it: equity = cash + long market value + short market value.
 */
export function encodeAccount(a: AccountFigures): AlpacaAccount {
  const equity = moneyToFix(a.cash + a.longMarketValue + a.shortMarketValue);
  const bp = moneyToFix(a.buyingPower);
  return {
    id: a.id,
    account_number: a.accountNumber,
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    cash: moneyToFix(a.cash),
    portfolio_value: equity,
    non_marginable_buying_power: bp,
    accrued_fees: '0',
    pending_transfer_in: '0',
    pending_transfer_out: '0',
    pattern_day_trader: false,
    trade_suspended_by_user: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    created_at: isoFromNs(a.createdAt),
    shorting_enabled: a.shortingEnabled ?? true,
    long_market_value: moneyToFix(a.longMarketValue),
    short_market_value: moneyToFix(a.shortMarketValue),
    equity,
    last_equity: moneyToFix(a.lastEquity),
    multiplier: '1',
    buying_power: bp,
    initial_margin: '0',
    maintenance_margin: '0',
    sma: '0',
    daytrade_count: 0,
    last_maintenance_margin: '0',
    daytrading_buying_power: '0',
    regt_buying_power: bp
  };
}

/** RFC 3339 in New York time with its UTC offset, as Alpaca's clock prints it (`…T09:30:00-04:00`). */
export function nyIso(ns: Nanos): string {
  const { y, m, d, minute } = nyLocal(ns);
  const off = usEasternOffsetMinutes(y, m, d, minute);
  const local = isoFromNs(ns + BigInt(off) * NS_PER_MIN).slice(0, -1);
  const a = Math.abs(off);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  return `${local}${off < 0 ? '-' : '+'}${hh}:${String(a % 60).padStart(2, '0')}`;
}

/** `GET /v2/clock` at `now`: the NYSE regular session, holidays and early closes included. */
export function encodeClock(now: Nanos): AlpacaClock {
  const open = nysePhase(now) === 'regular';
  const nextOpen = nextNyseOpen(now);
  const day = nyLocal(open ? now : nextOpen);
  const close = nyseSessionUtc(day.y, day.m, day.d).close;
  return { timestamp: nyIso(now), is_open: open, next_open: nyIso(nextOpen), next_close: nyIso(close) };
}
