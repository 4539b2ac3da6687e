import { createHash } from 'node:crypto';
import { z } from 'zod';
import { addTimes, type Decimal, parseDecimal, pow10 } from '../../core/decimal.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import {
  type Instrument,
  lotsToQty,
  priceToTicksRounded,
  qtyToLots,
  type TickRounded,
  ticksRounded,
  ticksToPrice
} from '../../core/instrument.ts';
import { type Nanos, nsFromIso } from '../../core/nanos.ts';
import type { ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import { type ExecType, type ExecutionReport, NO_EXECUTION } from '../../messages/execution-report.ts';
import { clipReason, type TimeInForce } from '../../messages/primitives.ts';
import { isObj, parseJson } from '../ws/codec-util.ts';

/** Nothing, as a decimal. */
const ZERO: Decimal = { mantissa: 0n, scale: 0 };

/*
 * Alpaca Trading API v2 (paper/live): the wire objects of the REST API and of the `trade_updates` stream,
 * and the pure mappings between them and tradestate's canonical commands and execution reports.
 * Wire truth: ../shared/data/alpaca/MESSAGE_SHAPES.md, entities/order-v2.yaml, position.yaml,
 * account-v2.yaml, clock.yaml, oas/trading-openapi.yaml, docs/api-references__trading-api__streaming.md and
 * the 2026 docs.alpaca.markets snapshot. Money, prices and quantities are JSON strings in plain decimal
 * notation; they are converted to ticks and lots exactly (never through a float).
 */

const V = 'alpaca';

// ── primitives ───────────────────────────────────────────────────────────────────────────────────────

/** A signed decimal number as the trading API writes it: a JSON string in plain notation (`"-23140.2"`). */
export const alpacaDecimalSchema = z.string().regex(/^-?\d+(\.\d+)?$/, 'a plain decimal string');

/** A strictly positive decimal string (quantities and prices of requests). */
export const alpacaPositiveDecimalSchema = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a plain unsigned decimal string')
  .refine((s) => /[1-9]/.test(s), 'must be greater than zero');

/** An RFC-3339 timestamp with up to nanosecond precision, `Z` or a numeric offset. */
export const alpacaTimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, 'an RFC-3339 timestamp');

/**
 * Order status: both the 2022 and the 2026 specs, and `held` (a bracket/OCO leg waiting for its parent to fill),
 * which Alpaca sends although its order-status list leaves it out (alpaca-py's `OrderStatus.HELD`,
 * alpaca/trading/enums.py).
 */
export const alpacaOrderStatusSchema = z.enum([
  'new',
  'partially_filled',
  'filled',
  'done_for_day',
  'canceled',
  'expired',
  'replaced',
  'pending_cancel',
  'pending_replace',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'stopped',
  'rejected',
  'suspended',
  'calculated',
  'held'
]);
/** An {@link alpacaOrderStatusSchema} value. */
export type AlpacaOrderStatus = z.infer<typeof alpacaOrderStatusSchema>;

const KNOWN_ORDER_STATUSES: ReadonlySet<string> = new Set(alpacaOrderStatusSchema.options);

/** True for a status this codec knows ({@link alpacaOrderStatusSchema}); any other is taken as working. */
export function isKnownOrderStatus(status: string): status is AlpacaOrderStatus {
  return KNOWN_ORDER_STATUSES.has(status);
}

/**
 * An order status or trade event name this codec does not know yet (Alpaca adds some without notice): a
 * lower-case word, accepted so that one such order does not make a whole listing or stream frame unreadable.
 * Unknown statuses are taken as working ({@link orderToReport}); unknown events as a snapshot of their order.
 */
const unknownNameSchema = z.string().regex(/^[a-z][a-z_]*$/, 'a lower-case status or event name');

/** Order types Alpaca takes. */
export const alpacaOrderTypeSchema = z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
/** An {@link alpacaOrderTypeSchema} value. */
export type AlpacaOrderType = z.infer<typeof alpacaOrderTypeSchema>;

/** Order sides. */
export const alpacaSideSchema = z.enum(['buy', 'sell']);
/** An {@link alpacaSideSchema} value. */
export type AlpacaSide = z.infer<typeof alpacaSideSchema>;

/** Time in force (crypto takes only gtc and ioc: see {@link cryptoOrderProblem}). */
export const alpacaTimeInForceSchema = z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']);
/** An {@link alpacaTimeInForceSchema} value. */
export type AlpacaTimeInForce = z.infer<typeof alpacaTimeInForceSchema>;

/** Order classes (`""` is what simple orders usually carry). */
export const alpacaOrderClassSchema = z.enum(['simple', 'bracket', 'oco', 'oto', 'mleg', '']);

/** Asset classes. */
export const alpacaAssetClassSchema = z.enum(['us_equity', 'us_option', 'crypto']);

/** Position intents (2026 spec). */
export const alpacaPositionIntentSchema = z.enum([
  'buy_to_open',
  'buy_to_close',
  'sell_to_open',
  'sell_to_close'
]);

// ── REST objects ───────────────────────────────────────────────────────────────────────────────────────

const ts = alpacaTimestampSchema;
const dec = alpacaDecimalSchema;

/**
 * The Order object: the answer of POST/GET/PATCH /v2/orders… and the `order` of every trade update.
 * Decimal fields are strings, timestamps RFC-3339 or null. Unknown fields pass through. The parent of a
 * multi-leg (`mleg`) order carries `""` as side, symbol and asset class, and its legs `""` as type, as
 * Alpaca's own examples show.
 */
export const alpacaOrderSchema = z.looseObject({
  id: z.string().min(1),
  client_order_id: z.string().max(128),
  created_at: ts,
  updated_at: ts.nullable(),
  submitted_at: ts.nullable(),
  filled_at: ts.nullable(),
  expired_at: ts.nullable(),
  canceled_at: ts.nullable(),
  failed_at: ts.nullable(),
  replaced_at: ts.nullable(),
  /** The order id that replaced this one. */
  replaced_by: z.string().nullable(),
  /** The order id this one replaces. */
  replaces: z.string().nullable(),
  asset_id: z.string(),
  symbol: z.string(),
  asset_class: z.union([alpacaAssetClassSchema, z.literal('')]),
  notional: dec.nullable(),
  qty: dec.nullable(),
  filled_qty: dec,
  filled_avg_price: dec.nullable(),
  order_class: alpacaOrderClassSchema,
  /** Deprecated duplicate of `type`. */
  order_type: z.string(),
  type: z.union([alpacaOrderTypeSchema, z.literal('')]),
  side: z.union([alpacaSideSchema, z.literal('')]),
  time_in_force: alpacaTimeInForceSchema,
  limit_price: dec.nullable(),
  stop_price: dec.nullable(),
  /** A known status, or an unknown one (taken as working, see {@link isKnownOrderStatus}). */
  status: z.union([alpacaOrderStatusSchema, unknownNameSchema]),
  extended_hours: z.boolean(),
  get legs(): z.ZodNullable<z.ZodArray<typeof alpacaOrderSchema>> {
    return z.array(alpacaOrderSchema).nullable();
  },
  trail_percent: dec.nullable(),
  trail_price: dec.nullable(),
  hwm: dec.nullable(),
  // fields of the 2026 spec, the stream example and the SDK fixtures; not always present
  position_intent: alpacaPositionIntentSchema.optional(),
  cancel_requested_at: ts.nullable().optional(),
  expires_at: ts.nullable().optional(),
  ratio_qty: dec.nullable().optional(),
  commission: dec.nullable().optional(),
  subtag: z.string().nullable().optional(),
  source: z.string().nullable().optional()
});
/** A decoded {@link alpacaOrderSchema}. */
export type AlpacaOrder = z.infer<typeof alpacaOrderSchema>;

const legRequestSchema = z.looseObject({
  symbol: z.string().min(1),
  ratio_qty: alpacaPositiveDecimalSchema,
  side: alpacaSideSchema.optional(),
  position_intent: alpacaPositionIntentSchema.optional()
});

/** True for an Alpaca crypto symbol: a pair such as `BTC/USD` (equities have no `/`). */
export function isCryptoSymbol(symbol: string): boolean {
  return symbol.includes('/');
}

/** What is wrong with a request, and the request field it is about. */
export interface RequestProblem {
  readonly field: 'time_in_force' | 'type';
  readonly message: string;
}

/**
 * Why Alpaca refuses an order of `type` and `tif` for `symbol` because it is crypto, or `undefined`: crypto
 * orders take only the times in force `gtc` and `ioc` and only the types `market`, `limit` and `stop_limit`
 * (https://alpaca.markets/docs/crypto/orders/: "Market, Limit and Stop Limit orders are supported while the
 * supported time_in_force values are gtc, and ioc"; alpaca-py's `TimeInForce` and `OrderType` docs agree).
 */
export function cryptoOrderProblem(symbol: string, type: string, tif: string): RequestProblem | undefined {
  if (!isCryptoSymbol(symbol)) return undefined;
  if (tif !== 'gtc' && tif !== 'ioc')
    return { field: 'time_in_force', message: `crypto orders take time_in_force gtc or ioc, not ${tif}` };
  if (type !== 'market' && type !== 'limit' && type !== 'stop_limit')
    return { field: 'type', message: `crypto orders take type market, limit or stop_limit, not ${type}` };
  return undefined;
}

/**
 * The body of POST /v2/orders, with the cross-field rules Alpaca enforces (a 422 otherwise): exactly one of
 * qty and notional; notional only for market day orders; limit (and stop_limit) need `limit_price`, stop
 * (and stop_limit) need `stop_price`, trailing_stop exactly one of `trail_price` / `trail_percent`, and no
 * order type takes a price it does not use; extended hours only for limit day orders; symbol and side
 * except for multi-leg orders, which need legs; bracket and oco need take_profit and stop_loss, oto one of
 * them; a crypto symbol only with gtc/ioc and market/limit/stop_limit ({@link cryptoOrderProblem}). Unknown
 * fields are refused.
 */
export const alpacaOrderRequestSchema = z
  .strictObject({
    symbol: z.string().min(1).optional(),
    qty: alpacaPositiveDecimalSchema.optional(),
    notional: alpacaPositiveDecimalSchema.optional(),
    side: alpacaSideSchema.optional(),
    type: alpacaOrderTypeSchema,
    time_in_force: alpacaTimeInForceSchema,
    limit_price: alpacaPositiveDecimalSchema.optional(),
    stop_price: alpacaPositiveDecimalSchema.optional(),
    trail_price: alpacaPositiveDecimalSchema.optional(),
    trail_percent: alpacaPositiveDecimalSchema.optional(),
    extended_hours: z.boolean().optional(),
    client_order_id: z.string().min(1).max(128).optional(),
    order_class: alpacaOrderClassSchema.optional(),
    legs: z.array(legRequestSchema).min(1).max(4).optional(),
    take_profit: z.looseObject({ limit_price: alpacaPositiveDecimalSchema }).optional(),
    stop_loss: z
      .looseObject({
        stop_price: alpacaPositiveDecimalSchema,
        limit_price: alpacaPositiveDecimalSchema.optional()
      })
      .optional(),
    position_intent: alpacaPositionIntentSchema.optional(),
    advanced_instructions: z.record(z.string(), z.unknown()).optional()
  })
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if ((r.qty === undefined) === (r.notional === undefined)) issue('qty', 'exactly one of qty and notional');
    // crypto takes notional orders too, with its own times in force (gtc, ioc)
    const dayOnly = r.symbol === undefined || !isCryptoSymbol(r.symbol);
    if (r.notional !== undefined && (r.type !== 'market' || (dayOnly && r.time_in_force !== 'day')))
      issue('notional', 'notional only for market day orders');
    const usesLimit = r.type === 'limit' || r.type === 'stop_limit';
    const usesStop = r.type === 'stop' || r.type === 'stop_limit';
    if (usesLimit !== (r.limit_price !== undefined))
      issue(
        'limit_price',
        usesLimit ? `${r.type} order needs limit_price` : `${r.type} order takes no limit_price`
      );
    if (usesStop !== (r.stop_price !== undefined))
      issue(
        'stop_price',
        usesStop ? `${r.type} order needs stop_price` : `${r.type} order takes no stop_price`
      );
    const trails = (r.trail_price !== undefined ? 1 : 0) + (r.trail_percent !== undefined ? 1 : 0);
    if (r.type === 'trailing_stop' ? trails !== 1 : trails !== 0)
      issue(
        'trail_price',
        r.type === 'trailing_stop'
          ? 'trailing_stop needs exactly one of trail_price and trail_percent'
          : `${r.type} order takes no trail`
      );
    if (r.extended_hours === true && (r.type !== 'limit' || r.time_in_force !== 'day'))
      issue('extended_hours', 'extended hours only for limit day orders');
    if (r.order_class === 'mleg') {
      if (r.legs === undefined) issue('legs', 'mleg order needs legs');
    } else {
      if (r.symbol === undefined) issue('symbol', 'symbol is required');
      if (r.side === undefined) issue('side', 'side is required');
      if (r.legs !== undefined) issue('legs', 'legs only for mleg orders');
    }
    if (
      (r.order_class === 'bracket' || r.order_class === 'oco') &&
      (r.take_profit === undefined || r.stop_loss === undefined)
    )
      issue('take_profit', `${r.order_class} order needs take_profit and stop_loss`);
    if (r.order_class === 'oto' && r.take_profit === undefined && r.stop_loss === undefined)
      issue('take_profit', 'oto order needs take_profit or stop_loss');
    const crypto = r.symbol === undefined ? undefined : cryptoOrderProblem(r.symbol, r.type, r.time_in_force);
    if (crypto !== undefined) issue(crypto.field, crypto.message);
  });
/** A decoded {@link alpacaOrderRequestSchema}. */
export type AlpacaOrderRequest = z.infer<typeof alpacaOrderRequestSchema>;

/**
 * The body of PATCH /v2/orders/{order_id}: each field given overrides the order's; at least one of qty,
 * time_in_force, limit_price, stop_price, trail (Alpaca answers "order parameters are not changed"
 * otherwise). `client_order_id` names the replacing order.
 */
export const alpacaReplaceRequestSchema = z
  .strictObject({
    qty: alpacaPositiveDecimalSchema.optional(),
    time_in_force: alpacaTimeInForceSchema.optional(),
    limit_price: alpacaPositiveDecimalSchema.optional(),
    stop_price: alpacaPositiveDecimalSchema.optional(),
    trail: alpacaPositiveDecimalSchema.optional(),
    client_order_id: z.string().min(1).max(128).optional(),
    advanced_instructions: z.record(z.string(), z.unknown()).optional()
  })
  .refine(
    (r) =>
      r.qty !== undefined ||
      r.time_in_force !== undefined ||
      r.limit_price !== undefined ||
      r.stop_price !== undefined ||
      r.trail !== undefined,
    { message: 'a replace must change qty, time_in_force, limit_price, stop_price or trail' }
  );
/** A decoded {@link alpacaReplaceRequestSchema}. */
export type AlpacaReplaceRequest = z.infer<typeof alpacaReplaceRequestSchema>;

/** Query of GET /v2/orders (all optional; Alpaca defaults: status=open, limit=50, direction=desc). */
export interface AlpacaListOrdersQuery {
  readonly status?: 'open' | 'closed' | 'all';
  /** 1..500. */
  readonly limit?: number;
  /** RFC-3339; submitted strictly after. */
  readonly after?: string;
  /** RFC-3339; submitted strictly before. */
  readonly until?: string;
  readonly direction?: 'asc' | 'desc';
  readonly nested?: boolean;
  readonly symbols?: readonly string[];
  readonly side?: AlpacaSide;
}

/** A Position (GET /v2/positions). Decimal fields are strings; unknown fields pass through. */
export const alpacaPositionSchema = z.looseObject({
  asset_id: z.string(),
  symbol: z.string(),
  exchange: z.string().nullable(),
  asset_class: z.string(),
  avg_entry_price: dec,
  qty: dec,
  qty_available: dec.optional(),
  side: z.enum(['long', 'short']),
  market_value: dec.nullable(),
  cost_basis: dec,
  unrealized_pl: dec.nullable(),
  unrealized_plpc: dec.nullable(),
  unrealized_intraday_pl: dec.nullable(),
  unrealized_intraday_plpc: dec.nullable(),
  current_price: dec.nullable(),
  lastday_price: dec.nullable(),
  change_today: dec.nullable(),
  /** 2026 spec. */
  asset_marginable: z.boolean().optional()
});
/** A decoded {@link alpacaPositionSchema}. */
export type AlpacaPosition = z.infer<typeof alpacaPositionSchema>;

/**
 * The Account (GET /v2/account). Only `id` and `status` are required by the spec; the rest is optional.
 * `daytrade_count` is a string in the 2022 docs and an integer in the 2026 ones: both are taken.
 */
export const alpacaAccountSchema = z.looseObject({
  id: z.string().min(1),
  account_number: z.string().optional(),
  status: z.enum([
    'ONBOARDING',
    'SUBMISSION_FAILED',
    'SUBMITTED',
    'ACCOUNT_UPDATED',
    'APPROVAL_PENDING',
    'ACTIVE',
    'REJECTED'
  ]),
  crypto_status: z.string().optional(),
  currency: z.string().optional(),
  cash: dec.optional(),
  portfolio_value: dec.optional(),
  non_marginable_buying_power: dec.optional(),
  accrued_fees: dec.optional(),
  pending_transfer_in: dec.optional(),
  pending_transfer_out: dec.optional(),
  pattern_day_trader: z.boolean().optional(),
  trade_suspended_by_user: z.boolean().optional(),
  trading_blocked: z.boolean().optional(),
  transfers_blocked: z.boolean().optional(),
  account_blocked: z.boolean().optional(),
  created_at: ts.optional(),
  shorting_enabled: z.boolean().optional(),
  long_market_value: dec.optional(),
  short_market_value: dec.optional(),
  equity: dec.optional(),
  last_equity: dec.optional(),
  multiplier: dec.optional(),
  buying_power: dec.optional(),
  initial_margin: dec.optional(),
  maintenance_margin: dec.optional(),
  sma: dec.optional(),
  daytrade_count: z.union([dec, z.number().int()]).optional(),
  balance_asof: z.string().optional(),
  last_maintenance_margin: dec.optional(),
  daytrading_buying_power: dec.optional(),
  regt_buying_power: dec.optional(),
  options_buying_power: dec.optional(),
  options_approved_level: z.number().int().optional(),
  options_trading_level: z.number().int().optional(),
  intraday_adjustments: dec.optional(),
  pending_reg_taf_fees: dec.optional()
});
/** A decoded {@link alpacaAccountSchema}. */
export type AlpacaAccount = z.infer<typeof alpacaAccountSchema>;

/** The market clock (GET /v2/clock). */
export const alpacaClockSchema = z.looseObject({
  timestamp: ts,
  is_open: z.boolean(),
  next_open: ts,
  next_close: ts
});
/** A decoded {@link alpacaClockSchema}. */
export type AlpacaClock = z.infer<typeof alpacaClockSchema>;

/** An error body, e.g. `{"code":40310000,"message":"insufficient buying power"}`. */
export const alpacaErrorBodySchema = z.looseObject({ code: z.number().optional(), message: z.string() });
/** A decoded {@link alpacaErrorBodySchema}. */
export type AlpacaErrorBody = z.infer<typeof alpacaErrorBodySchema>;

/** The 207 answer of DELETE /v2/orders: one entry per order it tried to cancel. */
export const alpacaCancelAllResultSchema = z.array(
  z.looseObject({ id: z.string(), status: z.number().int(), body: alpacaErrorBodySchema.optional() })
);
/** A decoded {@link alpacaCancelAllResultSchema}. */
export type AlpacaCancelAllResult = z.infer<typeof alpacaCancelAllResultSchema>;

// ── trade_updates stream ─────────────────────────────────────────────────────────────────────────────

/**
 * Events of the `trade_updates` stream: the documented common and less common ones, plus `accepted` and
 * `restated` (alpaca-py's `TradeEvent`, alpaca/trading/enums.py).
 */
export const alpacaTradeEventSchema = z.enum([
  'new',
  'accepted',
  'fill',
  'partial_fill',
  'canceled',
  'expired',
  'done_for_day',
  'replaced',
  'rejected',
  'pending_new',
  'stopped',
  'pending_cancel',
  'pending_replace',
  'calculated',
  'suspended',
  'order_replace_rejected',
  'order_cancel_rejected',
  'restated'
]);
/** An {@link alpacaTradeEventSchema} value. */
export type AlpacaTradeEvent = z.infer<typeof alpacaTradeEventSchema>;

const KNOWN_TRADE_EVENTS: ReadonlySet<string> = new Set(alpacaTradeEventSchema.options);

/** True for a trade event this codec knows ({@link alpacaTradeEventSchema}). */
export function isKnownTradeEvent(event: string): event is AlpacaTradeEvent {
  return KNOWN_TRADE_EVENTS.has(event);
}

/**
 * The `data` of a `trade_updates` message: the event, the order as it is after the event, and per event
 * extras. `fill` / `partial_fill` carry this execution's `qty` and `price` (both required here),
 * `position_qty`, `timestamp` and (newer servers) `execution_id`. An event name this codec does not know is
 * accepted (its order is still news, see {@link isKnownTradeEvent}).
 */
export const alpacaTradeUpdateSchema = z
  .looseObject({
    event: z.union([alpacaTradeEventSchema, unknownNameSchema]),
    order: alpacaOrderSchema,
    timestamp: ts.optional(),
    price: dec.optional(),
    qty: dec.optional(),
    position_qty: dec.optional(),
    execution_id: z.string().min(1).optional()
  })
  .superRefine((u, ctx) => {
    if (u.event !== 'fill' && u.event !== 'partial_fill') return;
    if (u.price === undefined)
      ctx.addIssue({ code: 'custom', path: ['price'], message: `${u.event} needs price` });
    if (u.qty === undefined) ctx.addIssue({ code: 'custom', path: ['qty'], message: `${u.event} needs qty` });
  });
/** A decoded {@link alpacaTradeUpdateSchema}. */
export type AlpacaTradeUpdate = z.infer<typeof alpacaTradeUpdateSchema>;

/** Server frames of wss://…/stream: authorization, listening and trade_updates messages. */
export const alpacaStreamMessageSchema = z.discriminatedUnion('stream', [
  z.looseObject({
    stream: z.literal('authorization'),
    data: z.looseObject({ status: z.enum(['authorized', 'unauthorized']), action: z.string() })
  }),
  z.looseObject({
    stream: z.literal('listening'),
    data: z.looseObject({ streams: z.array(z.string()), error: z.string().optional() })
  }),
  z.looseObject({ stream: z.literal('trade_updates'), data: alpacaTradeUpdateSchema })
]);
/** A decoded {@link alpacaStreamMessageSchema}. */
export type AlpacaStreamMessage = z.infer<typeof alpacaStreamMessageSchema>;

/** Client frames of wss://…/stream: authenticate and listen. */
export const alpacaStreamActionSchema = z.discriminatedUnion('action', [
  z.looseObject({
    action: z.literal('authenticate'),
    data: z.looseObject({ key_id: z.string(), secret_key: z.string() })
  }),
  z.looseObject({ action: z.literal('listen'), data: z.looseObject({ streams: z.array(z.string()) }) })
]);
/** A decoded {@link alpacaStreamActionSchema}. */
export type AlpacaStreamAction = z.infer<typeof alpacaStreamActionSchema>;

/** The authenticate frame of the trading stream. */
export function alpacaStreamAuth(keyId: string, secretKey: string): string {
  return JSON.stringify({ action: 'authenticate', data: { key_id: keyId, secret_key: secretKey } });
}

/** The listen frame: the full set of streams wanted (an empty list stops them all). */
export function alpacaStreamListen(streams: readonly string[]): string {
  return JSON.stringify({ action: 'listen', data: { streams } });
}

const STREAMS = new Set(['authorization', 'listening', 'trade_updates']);

/**
 * Decode one server frame of the trading stream (text of a text or binary frame). Frames of streams this
 * codec does not know are `null`; anything malformed throws `TRD_ERR_WS_FRAME_INVALID`.
 */
export function decodeTradeStreamFrame(text: string): AlpacaStreamMessage | null {
  const j = parseJson(V, text);
  if (!isObj(j) || typeof j['stream'] !== 'string') {
    throw new TradestateError(ErrorCode.WS_FRAME_INVALID, `${V}: frame has no stream`, { venue: V });
  }
  if (!STREAMS.has(j['stream'])) return null;
  return parseAlpaca(alpacaStreamMessageSchema, j, `${j['stream']} frame`, ErrorCode.WS_FRAME_INVALID);
}

/**
 * Validate a wire value with one of the schemas above; a failure is a {@link TradestateError} with `code`
 * (default `TRD_ERR_MESSAGE_INVALID`), the first issue in the message and the first few in the context.
 */
export function parseAlpaca<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  code: ErrorCode = ErrorCode.MESSAGE_INVALID,
  context: Record<string, unknown> = {}
): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new TradestateError(
    code,
    `${V}: ${what}: ${first?.message ?? 'invalid'} at ${first?.path.join('.') || '(root)'}`,
    {
      venue: V,
      ...context,
      issues: r.error.issues
        .slice(0, 5)
        .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
    }
  );
}

// ── commands → requests ──────────────────────────────────────────────────────────────────────────────

const TIF: Readonly<Record<TimeInForce, AlpacaTimeInForce | undefined>> = {
  day: 'day',
  gtc: 'gtc',
  ioc: 'ioc',
  fok: 'fok',
  gtd: undefined // Alpaca has no good-till-date
};

function refuse(why: string, context: Record<string, unknown>): TradestateError {
  return new TradestateError(ErrorCode.ORDER_INVALID, `${V} cannot take this order: ${why}`, {
    venue: V,
    ...context
  });
}

function wirePrice(inst: Instrument, ticks: number, field: string, clientOrderId: string): string {
  if (ticks <= 0) throw refuse(`${field} must be positive`, { field, ticks, clientOrderId });
  return ticksToPrice(inst, ticks);
}

function checkInstrument(inst: Instrument, instrumentId: string, clientOrderId: string): void {
  if (inst.id !== instrumentId)
    throw refuse(`instrument ${inst.id} given for ${instrumentId}`, { instrumentId, clientOrderId });
}

/**
 * A canonical {@link SubmitOrder} as the body of POST /v2/orders: ticks and lots become exact decimal
 * strings of the instrument's precision, `client_order_id` is the command's client order id. Refused with
 * `TRD_ERR_ORDER_INVALID`: good-till-date (Alpaca has none), a non-positive price, a price the order type
 * does not use (Alpaca would answer 422), a crypto order Alpaca would refuse ({@link cryptoOrderProblem}:
 * day/fok, stop), an instrument that is not the command's.
 */
export function encodeOrderRequest(cmd: SubmitOrder, inst: Instrument): AlpacaOrderRequest {
  const cid = cmd.clientOrderId;
  checkInstrument(inst, cmd.instrumentId, cid);
  const tif = TIF[cmd.tif];
  if (tif === undefined) throw refuse(`time in force ${cmd.tif}`, { tif: cmd.tif, clientOrderId: cid });
  const crypto = cryptoOrderProblem(inst.symbol, cmd.orderType, tif);
  if (crypto !== undefined)
    throw refuse(crypto.message, {
      symbol: inst.symbol,
      orderType: cmd.orderType,
      tif,
      clientOrderId: cid
    });
  const usesLimit = cmd.orderType === 'limit' || cmd.orderType === 'stop_limit';
  const usesStop = cmd.orderType === 'stop' || cmd.orderType === 'stop_limit';
  if (usesLimit !== (cmd.limitPx !== undefined))
    throw refuse(`${cmd.orderType} order ${usesLimit ? 'needs' : 'takes no'} limit price`, {
      clientOrderId: cid
    });
  if (usesStop !== (cmd.stopPx !== undefined))
    throw refuse(`${cmd.orderType} order ${usesStop ? 'needs' : 'takes no'} stop price`, {
      clientOrderId: cid
    });
  return {
    symbol: inst.symbol,
    qty: lotsToQty(inst, cmd.qty),
    side: cmd.side,
    type: cmd.orderType,
    time_in_force: tif,
    ...(cmd.limitPx !== undefined ? { limit_price: wirePrice(inst, cmd.limitPx, 'limitPx', cid) } : {}),
    ...(cmd.stopPx !== undefined ? { stop_price: wirePrice(inst, cmd.stopPx, 'stopPx', cid) } : {}),
    client_order_id: cid
  };
}

/** What the gateway knows of an order being replaced (canonical lots). */
export interface ReplacedOrderState {
  /** The order's canonical total quantity before the replace. */
  readonly qty: number;
  /** Lots filled so far over the whole cancel-replace chain. */
  readonly cumQty: number;
}

/**
 * A canonical {@link ReplaceOrder} as the body of PATCH /v2/orders/{order_id}; the replacing order's
 * `client_order_id` is the command's `newClientOrderId`. Canonical quantities are order totals (filled
 * included), while Alpaca's replacing order is a new order for what is still to trade (its `filled_qty`
 * starts at 0). Given `state` of a partially filled order, `qty` is sent as (new total − filled), and sent
 * even when the command keeps the quantity (else Alpaca would re-use the original quantity and overfill).
 * Refused with `TRD_ERR_ORDER_INVALID`: nothing to change, a new total not above what is filled, a
 * non-positive price.
 */
export function encodeReplaceRequest(
  cmd: ReplaceOrder,
  inst: Instrument,
  state?: ReplacedOrderState
): AlpacaReplaceRequest {
  const cid = cmd.clientOrderId;
  checkInstrument(inst, cmd.instrumentId, cid);
  if (cmd.qty === undefined && cmd.limitPx === undefined && cmd.stopPx === undefined)
    throw refuse('a replace must change qty, limit or stop price', { clientOrderId: cid });
  let qty: number | undefined = cmd.qty;
  if (state !== undefined && state.cumQty > 0) {
    const total = cmd.qty ?? state.qty;
    qty = total - state.cumQty;
    if (qty <= 0)
      throw refuse(`new quantity ${total} is not above the ${state.cumQty} filled`, {
        clientOrderId: cid,
        qty: total,
        cumQty: state.cumQty
      });
  }
  return {
    ...(qty !== undefined ? { qty: lotsToQty(inst, qty) } : {}),
    ...(cmd.limitPx !== undefined ? { limit_price: wirePrice(inst, cmd.limitPx, 'limitPx', cid) } : {}),
    ...(cmd.stopPx !== undefined ? { stop_price: wirePrice(inst, cmd.stopPx, 'stopPx', cid) } : {}),
    client_order_id: cmd.newClientOrderId
  };
}

// ── updates and orders → execution reports ───────────────────────────────────────────────────────────

/**
 * How replace events find the client order ids Alpaca does not carry: a `replaced` event holds the OLD
 * order (`replaced_by` = the new order's venue id), the replacing order holds `replaces` = the old id.
 */
export interface ReplaceLinks {
  /** The client order id of the order with this venue order id, when known. */
  clientOrderIdOf?(venueOrderId: string): string | undefined;
  /** The new client order id a pending replace of `clientOrderId` asked for, when there is one. */
  pendingReplacementOf?(clientOrderId: string): string | undefined;
}

/** Exact lots of a decimal string field; never negative. Errors carry the field and the order. */
function lotsOf(inst: Instrument, s: string, field: string, orderId: string): number {
  const n = withContext(() => qtyToLots(inst, s), { field, value: s, orderId, instrumentId: inst.id });
  if (n < 0)
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `${V}: ${field} is negative: ${s}`, {
      field,
      value: s,
      orderId
    });
  return n;
}

/**
 * A price the venue executed at, on the tick: rounded half-even to the nearest tick when finer (price
 * improvement, sub-penny fills), the same rounding as a fill derived by {@link missedFillReport}.
 * Errors (not a plain decimal) carry the field and the order.
 */
function executedTicksOf(inst: Instrument, s: string, field: string, orderId: string): TickRounded {
  return withContext(() => priceToTicksRounded(inst, s), { field, value: s, orderId, instrumentId: inst.id });
}

function withContext<T>(f: () => T, context: Record<string, unknown>): T {
  try {
    return f();
  } catch (e) {
    if (!isTradestateError(e)) throw e;
    throw new TradestateError(
      e.code,
      `${V}: ${String(context['field'])}: ${e.message}`,
      { ...e.context, ...context },
      { cause: e }
    );
  }
}

/**
 * A deterministic execution id from its parts, at most 128 characters (longer ones are hashed), so the
 * same event seen twice (a replay after a reconnect) gets the same id.
 */
export function alpacaExecId(parts: readonly string[]): string {
  const id = parts.join(':');
  if (id.length <= 128) return id;
  return `${parts[0]!.slice(0, 64)}:${createHash('sha256').update(id).digest('hex').slice(0, 48)}`;
}

function sideOf(o: AlpacaOrder): 'buy' | 'sell' {
  if (o.side === '')
    throw new TradestateError(ErrorCode.MESSAGE_INVALID, `${V}: order ${o.id} has no side (multi-leg?)`, {
      orderId: o.id,
      orderClass: o.order_class
    });
  return o.side;
}

/**
 * A symbol as Alpaca's answers are matched to instruments: without the `/` of a crypto pair (positions name
 * `BTCUSD` where orders and instruments name `BTC/USD`), trimmed, in upper case.
 */
export function alpacaSymbolKey(symbol: string): string {
  return symbol.trim().replaceAll('/', '').toUpperCase();
}

function checkSymbol(o: AlpacaOrder, inst: Instrument): void {
  if (alpacaSymbolKey(o.symbol) !== alpacaSymbolKey(inst.symbol))
    throw new TradestateError(
      ErrorCode.MESSAGE_INVALID,
      `${V}: order ${o.id} is for ${o.symbol}, not ${inst.symbol}`,
      { orderId: o.id, symbol: o.symbol, instrumentId: inst.id }
    );
}

function tsOf(iso: string | null | undefined, fallback: Nanos, field: string, orderId: string): Nanos {
  if (iso === null || iso === undefined) return fallback;
  return withContext(() => nsFromIso(iso), { field, value: iso, orderId });
}

/** The order's last-changed time: `updated_at`, else `submitted_at`, else `created_at`. */
function orderTime(o: AlpacaOrder): Nanos {
  return tsOf(o.updated_at ?? o.submitted_at ?? o.created_at, 0n, 'updated_at', o.id);
}

interface Shape {
  readonly execType: ExecType;
  readonly execId: string;
  readonly tsEvent: Nanos;
  readonly final: boolean;
  readonly reason?: string;
}

/** A report of `o` with no execution in it (lastQty 0). */
function statusReport(
  o: AlpacaOrder,
  inst: Instrument,
  venue: string,
  tsInit: Nanos,
  s: Shape,
  ids?: { clientOrderId: string; origClientOrderId: string; venueOrderId: string }
): ExecutionReport {
  checkSymbol(o, inst);
  const cumQty = lotsOf(inst, o.filled_qty, 'filled_qty', o.id);
  const qty = o.qty === null ? cumQty : lotsOf(inst, o.qty, 'qty', o.id);
  return {
    type: 'exec.report',
    execType: s.execType,
    venue,
    instrumentId: inst.id,
    clientOrderId: ids?.clientOrderId ?? o.client_order_id,
    ...(ids ? { origClientOrderId: ids.origClientOrderId } : {}),
    venueOrderId: ids?.venueOrderId ?? o.id,
    execId: s.execId,
    side: sideOf(o),
    ...NO_EXECUTION,
    cumQty,
    leavesQty: s.final ? 0 : Math.max(0, qty - cumQty),
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    tsEvent: s.tsEvent,
    tsInit
  };
}

/**
 * The canonical `replaced` report of an order of a cancel-replace pair, from either side of it: given the
 * OLD order (`replaced_by` set, as in a `replaced` event or snapshot), the new client order id is resolved
 * by `links` (by the new venue id, else by the pending replace); given the NEW order (`replaces` set), the
 * old client order id is resolved by its venue id. The report is for the new client order id, with the old
 * one as `origClientOrderId` and the new venue id; its quantities are those of `o` (a gateway restates them
 * for the replacing order). Unresolvable ids throw `TRD_ERR_UNKNOWN_ORDER`. The exec id defaults to
 * `order id:replaced:other order id`, tsEvent to the order's `replaced_at` / `updated_at`.
 */
export function replacedOrderReport(
  o: AlpacaOrder,
  inst: Instrument,
  venue: string,
  tsInit: Nanos,
  links?: ReplaceLinks,
  at: { readonly execId?: string; readonly tsEvent?: Nanos } = {}
): ExecutionReport {
  const s = {
    execId: at.execId ?? alpacaExecId([o.id, 'replaced', o.replaced_by ?? o.replaces ?? '']),
    tsEvent: at.tsEvent ?? tsOf(o.replaced_at, orderTime(o), 'replaced_at', o.id)
  };
  if (o.replaced_by !== null) {
    const newId = links?.clientOrderIdOf?.(o.replaced_by) ?? links?.pendingReplacementOf?.(o.client_order_id);
    if (newId === undefined)
      throw new TradestateError(
        ErrorCode.UNKNOWN_ORDER,
        `${V}: order ${o.id} was replaced by ${o.replaced_by}, whose client order id is unknown`,
        { orderId: o.id, replacedBy: o.replaced_by, clientOrderId: o.client_order_id }
      );
    return statusReport(
      o,
      inst,
      venue,
      tsInit,
      { ...s, execType: 'replaced', final: true },
      {
        clientOrderId: newId,
        origClientOrderId: o.client_order_id,
        venueOrderId: o.replaced_by
      }
    );
  }
  if (o.replaces !== null) {
    const oldId = links?.clientOrderIdOf?.(o.replaces);
    if (oldId === undefined)
      throw new TradestateError(
        ErrorCode.UNKNOWN_ORDER,
        `${V}: order ${o.id} replaces ${o.replaces}, whose client order id is unknown`,
        { orderId: o.id, replaces: o.replaces, clientOrderId: o.client_order_id }
      );
    return statusReport(
      o,
      inst,
      venue,
      tsInit,
      { ...s, execType: 'replaced', final: false },
      {
        clientOrderId: o.client_order_id,
        origClientOrderId: oldId,
        venueOrderId: o.id
      }
    );
  }
  throw new TradestateError(
    ErrorCode.MESSAGE_INVALID,
    `${V}: replaced order ${o.id} has neither replaced_by nor replaces`,
    { orderId: o.id }
  );
}

/**
 * A trade update as a canonical execution report, or `null` for events that change nothing canonical
 * (pending_new, pending_cancel, pending_replace, stopped, calculated, suspended) and for events this codec
 * does not know (the gateway reconciles their order as a snapshot).
 *
 * new / accepted → accepted; fill / partial_fill → fill with lastQty/lastPx from the event's qty/price and
 * cumQty/leavesQty from the order (a price finer than the tick, e.g. a sub-penny price improvement, is
 * rounded half-even to the nearest tick like a reconciled fill's, and the reason says so; the quantity must
 * be exact); canceled → canceled; done_for_day → nothing (the order works again the next trading day);
 * expired → expired; rejected → rejected; replaced → replaced (client ids resolved by `links`, see
 * {@link ReplaceLinks});
 * order_cancel_rejected → cancel_rejected; order_replace_rejected → replace_rejected (for the new client
 * order id when `links` knows it, with the old one as origClientOrderId); restated → restated (cumQty +
 * leavesQty = the order's qty as the venue now has it).
 *
 * The exec id is the event's `execution_id` when present, else `order id:event:filled_qty:time`
 * (deterministic, so a replayed event keeps its id). tsEvent is the event's timestamp, else the order's
 * updated_at. Throws typed errors (`TRD_ERR_QTY_NOT_ON_LOT`, `TRD_ERR_NUMBER_INVALID`,
 * `TRD_ERR_MESSAGE_INVALID`, `TRD_ERR_UNKNOWN_ORDER`) with the field and order in their context.
 */
export function tradeUpdateToReport(
  u: AlpacaTradeUpdate,
  inst: Instrument,
  venue: string,
  tsInit: Nanos,
  links?: ReplaceLinks
): ExecutionReport | null {
  const o = u.order;
  const tsEvent = tsOf(u.timestamp, orderTime(o), 'timestamp', o.id);
  const execId =
    u.execution_id ??
    alpacaExecId([o.id, u.event, o.filled_qty, u.timestamp ?? o.updated_at ?? o.created_at]);
  const shape = (execType: ExecType, final: boolean, reason?: string): Shape => ({
    execType,
    execId,
    tsEvent,
    final,
    ...(reason !== undefined ? { reason } : {})
  });
  switch (u.event) {
    case 'new':
    case 'accepted':
      return statusReport(o, inst, venue, tsInit, { ...shape('accepted', false), execId: acceptedExecId(o) });
    case 'fill':
    case 'partial_fill': {
      const lastQty = lotsOf(inst, u.qty ?? '', 'qty', o.id);
      const px = executedTicksOf(inst, u.price ?? '', 'price', o.id);
      if (lastQty <= 0)
        throw new TradestateError(ErrorCode.NUMBER_INVALID, `${V}: ${u.event} of nothing`, {
          orderId: o.id,
          qty: u.qty
        });
      const reason = px.exact ? undefined : clipReason(`price ${u.price} rounded to the tick`);
      const r = statusReport(o, inst, venue, tsInit, shape('fill', false, reason));
      return { ...r, lastQty, lastPx: px.ticks };
    }
    case 'canceled':
      return statusReport(o, inst, venue, tsInit, shape('canceled', true));
    case 'done_for_day':
      // done for the day, not for good: the order works again next trading day (a DAY order then expires)
      return null;
    case 'expired':
      return statusReport(o, inst, venue, tsInit, shape('expired', true));
    case 'rejected':
      return statusReport(o, inst, venue, tsInit, shape('rejected', true));
    case 'replaced':
      return replacedOrderReport(o, inst, venue, tsInit, links, { execId, tsEvent });
    case 'order_cancel_rejected':
      return statusReport(o, inst, venue, tsInit, shape('cancel_rejected', false, 'order_cancel_rejected'));
    case 'restated':
      // the venue changed the order (alpaca-py's TradeEvent.RESTATED): its size is now the order's qty
      return statusReport(o, inst, venue, tsInit, shape('restated', false));
    case 'order_replace_rejected': {
      const newId = links?.pendingReplacementOf?.(o.client_order_id);
      const r = statusReport(
        o,
        inst,
        venue,
        tsInit,
        shape('replace_rejected', false, 'order_replace_rejected')
      );
      return newId === undefined ? r : { ...r, clientOrderId: newId, origClientOrderId: o.client_order_id };
    }
    default:
      return null;
  }
}

const SNAPSHOT_EXEC: Partial<Record<AlpacaOrderStatus, { execType: ExecType; reason?: string }>> = {
  accepted: { execType: 'accepted' },
  new: { execType: 'accepted' },
  partially_filled: { execType: 'accepted' },
  filled: { execType: 'accepted' },
  pending_cancel: { execType: 'accepted' },
  pending_replace: { execType: 'accepted' },
  accepted_for_bidding: { execType: 'accepted' },
  stopped: { execType: 'accepted' },
  calculated: { execType: 'accepted' },
  suspended: { execType: 'accepted' },
  canceled: { execType: 'canceled' },
  done_for_day: { execType: 'accepted' }, // still working: it trades again next trading day
  expired: { execType: 'expired' },
  rejected: { execType: 'rejected' },
  held: { execType: 'accepted' } // a bracket/OCO leg waiting for its parent: working, not yet routed
};

/** How a snapshot of `status` is reported; a status this codec does not know is taken as working. */
function snapshotExec(status: string): { execType: ExecType; reason?: string } | undefined {
  return isKnownOrderStatus(status) ? SNAPSHOT_EXEC[status] : { execType: 'accepted' };
}

/**
 * The exec id of an order's acceptance, the same whichever answer reports it first (the stream's `new`, the
 * POST answer, a snapshot): an order is accepted once.
 */
function acceptedExecId(o: AlpacaOrder): string {
  return alpacaExecId([o.id, 'accepted']);
}

/**
 * An order snapshot (a REST answer, for reconciliation) as the canonical report of its state, or `null`
 * while it is `pending_new`. Live orders (and filled ones) are `accepted` with the order's cumQty and
 * leavesQty: a snapshot carries no executions, see {@link missedFillReport} for fills it reveals.
 * done_for_day and held are working (it trades again the next trading day; a bracket leg waits for its
 * parent), and so is a status this codec does not know ({@link isKnownOrderStatus}; the gateway says so on
 * `errors$`); canceled → canceled, expired → expired,
 * rejected → rejected, replaced → replaced (as in
 * {@link tradeUpdateToReport}). The exec id is `order id:status:filled_qty:updated_at` (an acceptance's is
 * `order id:accepted`, whichever path reports it).
 */
export function orderToReport(
  o: AlpacaOrder,
  inst: Instrument,
  venue: string,
  tsInit: Nanos,
  links?: ReplaceLinks
): ExecutionReport | null {
  const tsEvent = orderTime(o);
  const execId = alpacaExecId([o.id, o.status, o.filled_qty, o.updated_at ?? o.created_at]);
  if (o.status === 'replaced') return replacedOrderReport(o, inst, venue, tsInit, links, { execId, tsEvent });
  const m = snapshotExec(o.status);
  if (m === undefined) return null;
  return statusReport(o, inst, venue, tsInit, {
    execType: m.execType,
    execId: m.execType === 'accepted' ? acceptedExecId(o) : execId,
    tsEvent,
    final: m.execType !== 'accepted',
    ...(m.reason !== undefined ? { reason: m.reason } : {})
  });
}

/** What was already reported of ONE venue order's executions. */
export interface ReportedFills {
  /** Lots reported filled on this venue order. */
  readonly cumQty: number;
  /**
   * Σ price × lots of those fills at the prices the venue gave, exactly (a streamed fill's report may have its
   * price rounded onto the tick): the missing lots' price is derived from it, so that rounding does not land on
   * them. {@link tickNotional} turns ticks × lots into it.
   */
  readonly notional: Decimal;
}

/** `ticksLots` (ticks × lots) of `inst` as an exact price × lots. */
export function tickNotional(inst: Instrument, ticksLots: bigint): Decimal {
  return { mantissa: ticksLots * inst.tick.mantissa, scale: inst.tick.scale };
}

/**
 * Σ price × lots of all of an order's fills, exactly: its `filled_qty` (in lots) × `filled_avg_price`; nothing
 * when it has filled nothing. Throws `TRD_ERR_MESSAGE_INVALID` for fills without an average price.
 */
export function filledNotional(o: AlpacaOrder, inst: Instrument): Decimal {
  const cum = lotsOf(inst, o.filled_qty, 'filled_qty', o.id);
  if (cum === 0) return ZERO;
  if (o.filled_avg_price === null)
    throw new TradestateError(
      ErrorCode.MESSAGE_INVALID,
      `${V}: order ${o.id} is filled with no average price`,
      {
        orderId: o.id,
        filledQty: o.filled_qty
      }
    );
  const avg = withContext(() => parseDecimal(o.filled_avg_price ?? ''), {
    field: 'filled_avg_price',
    value: o.filled_avg_price,
    orderId: o.id
  });
  return addTimes(ZERO, avg, BigInt(cum));
}

/**
 * The fill an order snapshot reveals beyond what was reported (e.g. fills missed while the stream was
 * down), or `null` when `filled_qty` adds nothing. Its quantity is `filled_qty − reported.cumQty`; its price
 * is what makes the reported fills and this one average to `filled_avg_price`, exactly when that is a whole
 * number of ticks, else rounded half-even to the nearest tick (`ticksRounded`, as a streamed fill's price;
 * the reason says so). The exec id is deterministic (`order id:reconciled:filled_qty`), and the report's
 * cumQty is the order's `filled_qty`.
 */
export function missedFillReport(
  o: AlpacaOrder,
  inst: Instrument,
  venue: string,
  tsInit: Nanos,
  reported: ReportedFills
): ExecutionReport | null {
  const cum = lotsOf(inst, o.filled_qty, 'filled_qty', o.id);
  const missing = cum - reported.cumQty;
  if (missing <= 0) return null;
  // price in ticks = (cum × avg − reported) / tick / missing, as one exact fraction
  const rest = addTimes(filledNotional(o, inst), reported.notional, -1n);
  const num = rest.mantissa * pow10(inst.tick.scale);
  const den = inst.tick.mantissa * pow10(rest.scale) * BigInt(missing);
  const { ticks, exact } = withContext(() => ticksRounded(num, den), {
    field: 'filled_avg_price',
    value: o.filled_avg_price,
    orderId: o.id
  });
  const r = statusReport(o, inst, venue, tsInit, {
    execType: 'fill',
    execId: alpacaExecId([o.id, 'reconciled', o.filled_qty]),
    tsEvent: tsOf(o.filled_at ?? o.updated_at, orderTime(o), 'filled_at', o.id),
    final: false,
    reason: exact
      ? 'reconciled: fill missed by the stream, price from filled_avg_price'
      : 'reconciled: fill missed by the stream, price from filled_avg_price rounded to the tick'
  });
  return { ...r, lastQty: missing, lastPx: ticks };
}
