/**
 * Typed errors with stable codes. Tests assert on `code`, never on `message`.
 * Every bad input in tradestate surfaces as a {@link TradestateError} whose code starts with `TRD_ERR_`.
 */
export const ErrorCode = {
  CONFIG_INVALID: 'TRD_ERR_CONFIG_INVALID',
  CONFIG_NOT_FOUND: 'TRD_ERR_CONFIG_NOT_FOUND',
  CLI_USAGE: 'TRD_ERR_CLI_USAGE',
  MODE_UNAVAILABLE: 'TRD_ERR_MODE_UNAVAILABLE',
  MESSAGE_INVALID: 'TRD_ERR_MESSAGE_INVALID',
  PRICE_NOT_ON_TICK: 'TRD_ERR_PRICE_NOT_ON_TICK',
  QTY_NOT_ON_LOT: 'TRD_ERR_QTY_NOT_ON_LOT',
  NUMBER_INVALID: 'TRD_ERR_NUMBER_INVALID',
  INVALID_TRANSITION: 'TRD_ERR_INVALID_TRANSITION',
  DUPLICATE_FILL: 'TRD_ERR_DUPLICATE_FILL',
  OVERFILL: 'TRD_ERR_OVERFILL',
  UNKNOWN_ORDER: 'TRD_ERR_UNKNOWN_ORDER',
  DUPLICATE_ORDER_ID: 'TRD_ERR_DUPLICATE_ORDER_ID',
  UNKNOWN_INSTRUMENT: 'TRD_ERR_UNKNOWN_INSTRUMENT',
  DATA_INVALID: 'TRD_ERR_DATA_INVALID',
  DATA_NOT_FOUND: 'TRD_ERR_DATA_NOT_FOUND',
  DATA_FETCH_FAILED: 'TRD_ERR_DATA_FETCH_FAILED',
  RISK_REJECTED: 'TRD_ERR_RISK_REJECTED',
  RISK_MAX_ORDER_QTY: 'TRD_ERR_RISK_MAX_ORDER_QTY',
  RISK_MAX_NOTIONAL: 'TRD_ERR_RISK_MAX_NOTIONAL',
  RISK_MAX_POSITION: 'TRD_ERR_RISK_MAX_POSITION',
  RISK_MAX_LEVERAGE: 'TRD_ERR_RISK_MAX_LEVERAGE',
  RISK_PRICE_BAND: 'TRD_ERR_RISK_PRICE_BAND',
  RISK_NO_REFERENCE_PRICE: 'TRD_ERR_RISK_NO_REFERENCE_PRICE',
  RISK_SELF_TRADE: 'TRD_ERR_RISK_SELF_TRADE',
  RISK_THROTTLED: 'TRD_ERR_RISK_THROTTLED',
  RISK_TRADING_HALTED: 'TRD_ERR_RISK_TRADING_HALTED',
  RISK_TRADING_REDUCING: 'TRD_ERR_RISK_TRADING_REDUCING',
  RISK_UNKNOWN_INSTRUMENT: 'TRD_ERR_RISK_UNKNOWN_INSTRUMENT',
  SUPERVISOR_ESCALATED: 'TRD_ERR_SUPERVISOR_ESCALATED',
  BOOK_SEQUENCE_GAP: 'TRD_ERR_BOOK_SEQUENCE_GAP',
  BOOK_CROSSED: 'TRD_ERR_BOOK_CROSSED',
  BOOK_UNKNOWN_ORDER: 'TRD_ERR_BOOK_UNKNOWN_ORDER',
  BOOK_NOT_SYNCED: 'TRD_ERR_BOOK_NOT_SYNCED',
  BOOK_INVALID_UPDATE: 'TRD_ERR_BOOK_INVALID_UPDATE',
  ORDER_INVALID: 'TRD_ERR_ORDER_INVALID',
  /** A bracket whose exits are on the wrong side of each other or of its entry, or that has no exit. */
  BRACKET_INVALID: 'TRD_ERR_BRACKET_INVALID',
  PRICE_BAND: 'TRD_ERR_PRICE_BAND',
  MARKET_CLOSED: 'TRD_ERR_MARKET_CLOSED',
  FIX_PARSE: 'TRD_ERR_FIX_PARSE',
  FIX_CHECKSUM: 'TRD_ERR_FIX_CHECKSUM',
  FIX_BODY_LENGTH: 'TRD_ERR_FIX_BODY_LENGTH',
  FIX_VALIDATION: 'TRD_ERR_FIX_VALIDATION',
  WS_FRAME_INVALID: 'TRD_ERR_WS_FRAME_INVALID',
  WS_BUFFER_OVERFLOW: 'TRD_ERR_WS_BUFFER_OVERFLOW',
  WS_STALE: 'TRD_ERR_WS_STALE',
  WS_REJECTED: 'TRD_ERR_WS_REJECTED',
  /** The venue answered a request with a definitive refusal (an HTTP 4xx with its error body). */
  VENUE_REJECTED: 'TRD_ERR_VENUE_REJECTED',
  /** A request that changes state (POST/PATCH/DELETE) got no usable answer: whether it took effect is unknown. */
  VENUE_OUTCOME_UNKNOWN: 'TRD_ERR_VENUE_OUTCOME_UNKNOWN',
  /** A read-only request failed (timeout, connection, 5xx) after its retries; nothing was changed. */
  VENUE_UNAVAILABLE: 'TRD_ERR_VENUE_UNAVAILABLE',
  /** Credentials missing or wrong (an HTTP 401/403, a stream `unauthorized`). */
  AUTH_FAILED: 'TRD_ERR_AUTH_FAILED',
  /** A venue's credentials are not in the environment variables the config names. */
  CREDENTIALS_MISSING: 'TRD_ERR_CREDENTIALS_MISSING',
  /** The venue's position moved by something other than the fills we were told of. */
  POSITION_MISMATCH: 'TRD_ERR_POSITION_MISMATCH',
  /** The venue's cash moved by more than our fills and commissions explain (beyond `live.cashTolerance`). */
  CASH_MISMATCH: 'TRD_ERR_CASH_MISMATCH',
  /** A request named something that does not exist (an endpoint, a position). */
  NOT_FOUND: 'TRD_ERR_NOT_FOUND',
  /**
   * An open venue order the OMS does not hold as working: one we reported rejected after an unknown outcome
   * that turned up at the venue after all (canceled there), or one never sent through the gateway (left alone).
   */
  ORPHAN_ORDER: 'TRD_ERR_ORPHAN_ORDER',
  /**
   * A shared-memory ring was given a bad layout (capacity, record size, buffer) or used against its protocol
   * (publishing with no free record, releasing with nothing peeked, publishing after close).
   */
  THREAD_RING_INVALID: 'TRD_ERR_THREAD_RING_INVALID',
  /**
   * A worker thread of ours could not be started (Node refused its options), died or exited before it reported,
   * or gave up without a typed error of its own (a ring it waited on stalled).
   */
  THREAD_WORKER_FAILED: 'TRD_ERR_THREAD_WORKER_FAILED',
  /** A parameter sweep that cannot run as asked (too many points, a bad worker count). */
  SWEEP_INVALID: 'TRD_ERR_SWEEP_INVALID',
  /** A sweep point's worker thread died, or its backtest threw something other than a typed error. */
  SWEEP_WORKER_FAILED: 'TRD_ERR_SWEEP_WORKER_FAILED',
  /** A remote sweep worker's data files differ from the coordinator's (same path, other bytes, or missing). */
  SWEEP_DATA_MISMATCH: 'TRD_ERR_SWEEP_DATA_MISMATCH',
  /** A Redis server could not be reached, or the connection dropped with commands outstanding. */
  REDIS_UNAVAILABLE: 'TRD_ERR_REDIS_UNAVAILABLE',
  /** A Redis server answered a command with an error reply (`-ERR …`). */
  REDIS_ERROR: 'TRD_ERR_REDIS_ERROR',
  /** Bytes from a Redis server that are not valid RESP. */
  REDIS_PROTOCOL: 'TRD_ERR_REDIS_PROTOCOL',
  /**
   * A walk-forward analysis that cannot run as asked: a train, test or step length that is not positive, a
   * range that is empty or too short for one fold, or more folds than one analysis may have.
   */
  WALK_FORWARD_INVALID: 'TRD_ERR_WALK_FORWARD_INVALID',
  /**
   * The event log could not take a record: it was appended after the log was closed, or its file could not be
   * opened, written (a full disk, a write that made no progress) or synced.
   */
  LOG_WRITE_FAILED: 'TRD_ERR_LOG_WRITE_FAILED',
  /**
   * A server of ours (the metrics or the dashboard server) could not listen on its host and port: the port is
   * taken (by another process, or by the session's other server), not ours to bind, or the host is not an
   * address of this machine.
   */
  PORT_UNAVAILABLE: 'TRD_ERR_PORT_UNAVAILABLE'
} as const;

/** One of the stable `TRD_ERR_*` codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error class of tradestate: a stable code, a human message and structured context. */
export class TradestateError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions
  ) {
    super(message, options);
    this.name = 'TradestateError';
    this.code = code;
    this.context = context;
  }

  /** A JSON-safe view (bigints become decimal strings) for logs and audit records. */
  toJSON(): { code: ErrorCode; message: string; context: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      context: jsonSafe(this.context) as Record<string, unknown>
    };
  }
}

/** True when `e` is a {@link TradestateError}, optionally with the given code. */
export function isTradestateError(e: unknown, code?: ErrorCode): e is TradestateError {
  return e instanceof TradestateError && (code === undefined || e.code === code);
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}
