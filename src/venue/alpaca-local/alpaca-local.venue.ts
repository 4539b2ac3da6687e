import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES
} from 'node:http';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { ErrorCode } from '../../core/errors.ts';
import {
  type Instrument,
  lotsToQty,
  type Money,
  notional,
  priceToTicks,
  qtyToLots
} from '../../core/instrument.ts';
import { type Nanos, nsFromIso } from '../../core/nanos.ts';
import { Rng } from '../../core/rng.ts';
import { alpacaStreamActionSchema } from '../../gateways/alpaca/alpaca-trading.codec.ts';
import { InstrumentMap, moneyFromFix } from '../../gateways/fix/app-messages.ts';
import type { CancelOrder } from '../../messages/commands.ts';
import type { ExecutionReport } from '../../messages/execution-report.ts';
import { Portfolio, type Position } from '../../portfolio/portfolio.ts';
import type { Clock } from '../../time/clock.ts';
import { type EmulatorConfigInput, parseEmulatorConfig } from '../emulator/emulator-config.ts';
import { ExecutionEmulator } from '../emulator/execution-emulator.venue.ts';
import { ReportPump } from '../emulator/report-pump.ts';
import { closeServers, listenOnLoopback } from '../loopback-server.ts';
import {
  ALPACA_ERROR_CODE,
  AlpacaApiError,
  type AlpacaOrderRecord,
  alpacaCodeOfStatus,
  applyReport,
  assetClassOf,
  decodeOrderRequest,
  decodeReplaceRequest,
  encodeAccount,
  encodeClock,
  encodeOrder,
  encodePosition,
  encodeTradeUpdate,
  invalidInput,
  isOpenStatus,
  isUuid,
  malformedBody,
  marketValueOf,
  newOrderRecord,
  notFound,
  positionSymbol,
  type TradeUpdateMessage,
  unprocessable,
  uuidFromName,
  uuidFromRng
} from './alpaca-venue.codec.ts';

/** Options of the {@link AlpacaLocalVenue}. */
export interface AlpacaLocalVenueOptions {
  /** What it trades, by Alpaca symbol (`AAPL`, `BTC/USD`). */
  readonly instruments: readonly Instrument[];
  /** The one source of time: order timestamps, fills, the market clock (never `Date.now`). */
  readonly clock: Clock;
  /** Seed of order ids, execution ids and latency jitter: the same seed gives the same ids. Default 1. */
  readonly seed?: number;
  /** The API key pair clients must present (headers and stream `authenticate`). */
  readonly keyId?: string;
  readonly secretKey?: string;
  /**
   * Emulator configuration; defaults to Alpaca-paper-like fills: `fillModel: 'quote'` (market orders take the
   * quote, limits fill when the market reaches them), DAY orders expire at the NYSE close, no commission, zero
   * latency. Fields given here override.
   */
  readonly emulator?: EmulatorConfigInput;
  /** Starting cash in USD, an exact decimal. Default `"100000"`. */
  readonly initialCash?: string;
}

/** A price or size given to the market-data hooks: an exact decimal string (or a number printed plainly). */
export type DecimalInput = string | number;

/** Options of a fault drill. */
export interface FaultOptions {
  /**
   * Whether the venue acts on the request before the fault: `failNext` defaults to `false` (refused before
   * anything happens), `hangNext` to `true` (the order goes in, the answer is lost). `'later'`: the fault
   * answers (or hangs) now, and the venue acts on the request only when {@link AlpacaLocalVenue.releaseHeld}
   * is called (a request applied late, e.g. after the client gave up looking for it).
   */
  readonly process?: boolean | 'later';
  /** Message of a `failNext` error body (default: the status text). */
  readonly message?: string;
}

/** Counters for diagnostics and tests. */
export interface AlpacaLocalStats {
  /** HTTP requests received. */
  requests: number;
  /** Trade updates produced (whether delivered, held or dropped). */
  events: number;
  /** Stream frames that were not a known action (ignored). */
  badStreamFrames: number;
  /** Unexpected exceptions answered with a 500 (never a crash). */
  internalErrors: number;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

interface Fault {
  readonly kind: 'fail' | 'hang';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly process: boolean | 'later';
  readonly message: string | undefined;
}

interface StreamClient {
  readonly ws: WebSocket;
  authorized: boolean;
  streams: string[];
}

const STRATEGY_ID = 'alpaca';
/**
 * Equity below which an account may not sell short (docs.alpaca.markets "Margin and Short Selling": "In order
 * to trade on margin or sell short, you must have $2,000 or more account equity").
 */
const SHORTING_MIN_EQUITY = moneyFromFix('2000');
const MAX_BODY = 1 << 20;
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** A date (`2024-01-02`) or RFC 3339 timestamp query parameter. */
function timeParam(name: string, v: string): Nanos {
  try {
    return nsFromIso(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  } catch {
    throw invalidInput(`${name} must be an RFC 3339 timestamp or a date, got ${v}`);
  }
}

/**
 * A loopback server speaking Alpaca's paper-trading REST API and `trade_updates` WebSocket stream, over the
 * {@link ExecutionEmulator}: Alpaca JSON in, canonical commands to the emulator, canonical reports back out as
 * Alpaca order objects and trade updates (see ../shared/data/alpaca/MESSAGE_SHAPES.md). For testing and demoing
 * Alpaca clients with no network.
 *
 * - REST (headers `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY`; missing → 403, wrong → 401):
 *   `POST|GET|DELETE /v2/orders`, `GET /v2/orders:by_client_order_id`, `GET|PATCH|DELETE /v2/orders/{id}`,
 *   `GET /v2/positions`, `GET /v2/positions/{symbol}`, `GET /v2/account`, `GET /v2/clock`. Errors are Alpaca's
 *   `{code, message}` bodies; a malformed request never crashes the server.
 * - Stream at `/stream`: `authenticate` → `authorization`, `listen` → `listening` (a listen replaces the set;
 *   before auth it is answered `unauthorized`); every server message is a binary frame, as on paper.
 * - An order is answered as received (`accepted`); what the emulator then does arrives as trade updates (`new`,
 *   `partial_fill`, `fill`, …) and in the REST state. A replace (PATCH) answers the NEW order (new id, `replaces`
 *   the old one, nothing filled, `qty` = what it is to trade, default the old order's `qty`); the old order gets
 *   `replaced` (with `replaced_by`), the new one `new`. As at Alpaca, the replacing order trades its own `qty`
 *   in full whatever the old order filled before the PATCH (PATCH /v2/orders/{order_id}: "Each parameter
 *   overrides the corresponding attribute of the existing order"; a price-only replace of a partially filled
 *   order keeps the original qty, Alpaca-API issue #165). Fills of the old order that land after the PATCH,
 *   before the replace takes effect (emulator latency), are taken off the replacing order's `qty` (the
 *   emulator keeps the chain's total); Alpaca does not document that window. A replace refused by the emulator
 *   (the order filled first) gives `order_replace_rejected` on the old order and `rejected` on the new one
 *   (as Alpaca documents); a late cancel gives `order_cancel_rejected`. A DELETE of an order in
 *   `pending_replace` is refused (422), as Alpaca refuses it. A PATCH cannot change `time_in_force`. Crypto
 *   orders take only gtc/ioc and market/limit/stop_limit (422 otherwise). Alpaca's `{code, message}` errors:
 *   400 malformed JSON, 422 invalid or unsupported input, duplicate `client_order_id`, order not cancelable or
 *   not replaceable, 404 unknown order, 403 insufficient buying power or a short sale not allowed.
 * - Market data comes from {@link quote} and {@link trade}; reports due later (emulator latency) are delivered
 *   on a timer of the injected clock.
 * - Drills: {@link dropStreamClients}, {@link pauseStream}/{@link resumeStream}, {@link failNext}, {@link hangNext}
 *   (with `process: 'later'`, the request is acted on only at {@link releaseHeld}).
 *
 * Accounting: an Alpaca margin account set to `max_margin_multiplier` 1 (shorting enabled from $2,000 of
 * equity), from the emulator's fills, marked at the last print or own fill. Buying power is 1× with 100 %
 * initial margin on longs and shorts: equity − long market value − |short market value| (just cash for a
 * long-only account; short-sale proceeds add nothing), less what open orders reserve. As Alpaca does
 * (https://docs.alpaca.markets/docs/orders-at-alpaca, "Buying Power"), only the part of an order that opens
 * or adds to a position is checked and reserves buying power ("sell long and buy to cover orders do not
 * replenish your available buying power until they have executed"): a buy at its limit, stop or the last
 * ask × qty, a short sale at max(limit, 3 % above the last ask) × qty. One beyond the buying power is refused
 * with 403 `insufficient buying power`; a short sale below $2,000 of equity with 403 `account is not allowed to
 * short`, and any short sale of crypto (Alpaca has no crypto margin) with 403 `insufficient balance`. A PATCH
 * is checked the same way: while a replace is pending the larger of the two orders' reservations counts
 * (Alpaca's PATCH /v2/orders/{order_id} docs), so a replacement is refused when it needs more than the old
 * order's reservation plus the buying power left.
 */
export class AlpacaLocalVenue {
  /** The emulator underneath (fills, latency, queue position). */
  readonly emulator: ExecutionEmulator;
  /** Symbols ↔ instruments. */
  readonly instruments: InstrumentMap;
  /** Counters (requests, updates, ignored stream frames, internal errors). */
  readonly stats: AlpacaLocalStats = { requests: 0, events: 0, badStreamFrames: 0, internalErrors: 0 };
  /** The last unexpected exception answered with a 500 (diagnostics; {@link AlpacaLocalStats.internalErrors}). */
  lastInternalError: unknown;
  readonly #clock: Clock;
  readonly #ids: Rng;
  readonly #keyId: string;
  readonly #secretKey: string;
  readonly #portfolio: Portfolio;
  readonly #accountId: string;
  readonly #accountNumber: string;
  readonly #createdAt: Nanos;
  readonly #orders = new Map<string, AlpacaOrderRecord>();
  readonly #byClientId = new Map<string, AlpacaOrderRecord>();
  /** Orders in creation order (ties of `submitted_at` keep it). */
  readonly #orderList: AlpacaOrderRecord[] = [];
  readonly #lastAsk = new Map<string, number>();
  /** Lots of each order that opened or added to a position when it was accepted (what is checked and reserved). */
  readonly #opening = new WeakMap<AlpacaOrderRecord, number>();
  readonly #clients = new Set<StreamClient>();
  readonly #hung = new Set<ServerResponse>();
  /** Requests of faults with `process: 'later'`, not acted on yet ({@link releaseHeld}). */
  #later: (() => void)[] = [];
  #faults: Fault[] = [];
  #paused = false;
  #held: Buffer[] = [];
  readonly #reports: ReportPump;
  #cancelSeq = 0;
  #server: Server | undefined;
  #wss: WebSocketServer | undefined;
  #port = 0;

  constructor(opts: AlpacaLocalVenueOptions) {
    this.#clock = opts.clock;
    this.#keyId = opts.keyId ?? 'local-key';
    this.#secretKey = opts.secretKey ?? 'local-secret';
    this.instruments = new InstrumentMap('ALPACA', opts.instruments);
    const byId = new Map(opts.instruments.map((i) => [i.id, i] as const));
    const root = new Rng(opts.seed ?? 1);
    this.#ids = root.fork('alpaca-ids');
    const config = parseEmulatorConfig({
      name: 'ALPACA',
      fillModel: 'quote',
      commission: { bps: 0 },
      dayOrders: 'nyse',
      ...opts.emulator
    });
    this.emulator = new ExecutionEmulator(config, byId, root.fork('alpaca-emulator'));
    this.#reports = new ReportPump(this.emulator, this.#clock, (r) => this.#onReport(r));
    this.#portfolio = new Portfolio(moneyFromFix(opts.initialCash ?? '100000'), byId);
    this.#accountId = uuidFromRng(this.#ids);
    this.#accountNumber = `PA${String(this.#ids.nextU32()).padStart(10, '0')}`;
    this.#createdAt = this.#clock.now();
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  /** Listen on 127.0.0.1:`port` (0 = any free port). */
  async start(port = 0): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => this.#onRequest(req, res));
    const wss = new WebSocketServer({ server, path: '/stream' });
    wss.on('connection', (ws) => this.#onStreamConnection(ws));
    wss.on('error', () => {});
    const bound = await listenOnLoopback(server, port);
    this.#server = server;
    this.#wss = wss;
    this.#port = bound;
  }

  /** Close every stream and HTTP connection (hung requests included) and stop listening. */
  async stop(): Promise<void> {
    this.#reports.stop();
    const server = this.#server;
    const wss = this.#wss;
    this.#server = undefined;
    this.#wss = undefined;
    if (!server || !wss) return;
    for (const c of this.#clients) c.ws.terminate();
    this.#clients.clear();
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
    this.#later = [];
    await closeServers(server, wss);
  }

  /** `http://127.0.0.1:<port>` (after {@link start}). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** `ws://127.0.0.1:<port>/stream` (after {@link start}). */
  get streamUrl(): string {
    return `ws://127.0.0.1:${this.#port}/stream`;
  }

  /** The key pair clients must present. */
  get credentials(): { readonly keyId: string; readonly secretKey: string } {
    return { keyId: this.#keyId, secretKey: this.#secretKey };
  }

  /** Stream connections currently open. */
  get streamClientCount(): number {
    return this.#clients.size;
  }

  // ---- market data ---------------------------------------------------------------------------------------

  /** A top-of-book quote for `symbol` (prices and sizes in Alpaca units), at `ts` (default: the clock's now). */
  quote(
    symbol: string,
    bidPx: DecimalInput,
    askPx: DecimalInput,
    bidSize: DecimalInput,
    askSize: DecimalInput,
    ts?: Nanos
  ): void {
    const inst = this.instruments.bySymbol(symbol);
    const t = ts ?? this.#clock.now();
    const askTicks = priceToTicks(inst, String(askPx));
    this.emulator.onQuote({
      type: 'market.quote',
      instrumentId: inst.id,
      tsEvent: t,
      tsInit: t,
      bidPx: priceToTicks(inst, String(bidPx)),
      bidSz: qtyToLots(inst, String(bidSize)),
      askPx: askTicks,
      askSz: qtyToLots(inst, String(askSize))
    });
    this.#lastAsk.set(inst.id, askTicks);
    this.#reports.pump();
  }

  /** A print for `symbol` at `ts` (default: the clock's now); it also marks positions. */
  trade(
    symbol: string,
    px: DecimalInput,
    size: DecimalInput,
    ts?: Nanos,
    aggressor: 'buy' | 'sell' | 'none' = 'none'
  ): void {
    const inst = this.instruments.bySymbol(symbol);
    const t = ts ?? this.#clock.now();
    const ticks = priceToTicks(inst, String(px));
    this.emulator.onTrade({
      type: 'market.trade',
      instrumentId: inst.id,
      tsEvent: t,
      tsInit: t,
      px: ticks,
      sz: qtyToLots(inst, String(size)),
      aggressor,
      tradeId: `local-${t}`
    });
    this.#portfolio.mark(inst.id, ticks);
    this.#reports.pump();
  }

  /** Deliver every report due by the clock's now (the timer does this by itself; for simulated clocks). */
  flush(): void {
    this.#reports.pump();
  }

  // ---- drills ---------------------------------------------------------------------------------------------

  /** The server closes every stream socket abruptly (clients see an abnormal closure, 1006). */
  dropStreamClients(): void {
    for (const c of this.#clients) c.ws.terminate();
  }

  /** Hold trade updates (as if the stream were down): clients must reconcile over REST. */
  pauseStream(): void {
    this.#paused = true;
  }

  /**
   * Deliver trade updates again. Held updates are sent now, in order (a late stream: clients de-duplicate by
   * execution id), or discarded with `{ drop: true }` (as after a reconnect: Alpaca replays nothing).
   */
  resumeStream(opts: { readonly drop?: boolean } = {}): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    if (!opts.drop) for (const b of held) this.#broadcast(b);
  }

  /**
   * The next request `method path` (path exact, or a prefix ending in `*`) is answered `status` with an Alpaca
   * error body; by default the venue does not act on it (see {@link FaultOptions.process}).
   */
  failNext(method: string, path: string, status: number, opts: FaultOptions = {}): void {
    this.#faults.push({
      kind: 'fail',
      method: method.toUpperCase(),
      path,
      status,
      process: opts.process ?? false,
      message: opts.message
    });
  }

  /** The next request `method path` is never answered; by default the venue does act on it. */
  hangNext(method: string, path: string, opts: FaultOptions = {}): void {
    this.#faults.push({
      kind: 'hang',
      method: method.toUpperCase(),
      path,
      status: 0,
      process: opts.process ?? true,
      message: undefined
    });
  }

  /**
   * Act now, in arrival order, on the requests held by faults with `process: 'later'` (their answer, if any,
   * went out already or never will: a POST applied after the client gave up). What they do is as if they had
   * just arrived (a duplicate `client_order_id` is refused, and so on; that refusal reaches nobody).
   * Returns how many were released.
   */
  releaseHeld(): number {
    const later = this.#later;
    this.#later = [];
    for (const act of later) act();
    return later.length;
  }

  // ---- HTTP -----------------------------------------------------------------------------------------------

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      try {
        this.#handle(req, res, tooBig ? undefined : Buffer.concat(chunks));
      } catch (e) {
        this.#send(res, this.#internal(e));
      }
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://local');
    const fault = this.#takeFault(method, url.pathname);
    if (fault && fault.process !== true) {
      if (fault.process === 'later') this.#later.push(() => void this.#answer(req, method, url, body));
      this.#faultReply(res, fault);
      return;
    }
    const reply = this.#answer(req, method, url, body);
    if (fault) this.#faultReply(res, fault);
    else this.#send(res, reply);
  }

  #answer(req: IncomingMessage, method: string, url: URL, body: Buffer | undefined): Reply {
    try {
      this.#authorize(req);
      if (body === undefined)
        throw new AlpacaApiError(
          413,
          alpacaCodeOfStatus(413),
          ErrorCode.MESSAGE_INVALID,
          'request body too large'
        );
      return this.#route(method, url, body);
    } catch (e) {
      if (e instanceof AlpacaApiError) return { status: e.status, body: e.reply };
      return this.#internal(e);
    }
  }

  /** An unexpected exception: counted, kept for inspection, answered 500 (the server carries on). */
  #internal(e: unknown): Reply {
    this.stats.internalErrors++;
    this.lastInternalError = e;
    return { status: 500, body: { code: ALPACA_ERROR_CODE.INTERNAL, message: 'internal server error' } };
  }

  #authorize(req: IncomingMessage): void {
    const key = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    if (typeof key !== 'string' || typeof secret !== 'string' || key === '' || secret === '') {
      throw new AlpacaApiError(403, ALPACA_ERROR_CODE.FORBIDDEN, ErrorCode.AUTH_FAILED, 'forbidden.');
    }
    if (key !== this.#keyId || secret !== this.#secretKey) {
      throw new AlpacaApiError(
        401,
        ALPACA_ERROR_CODE.UNAUTHORIZED,
        ErrorCode.AUTH_FAILED,
        'request is not authorized'
      );
    }
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const i = this.#faults.findIndex(
      (f) =>
        f.method === method && (f.path.endsWith('*') ? path.startsWith(f.path.slice(0, -1)) : f.path === path)
    );
    if (i < 0) return undefined;
    return this.#faults.splice(i, 1)[0];
  }

  #faultReply(res: ServerResponse, f: Fault): void {
    if (f.kind === 'hang') {
      this.#hung.add(res);
      res.on('close', () => this.#hung.delete(res));
      return;
    }
    const message = f.message ?? (STATUS_CODES[f.status] ?? 'error').toLowerCase();
    this.#send(res, { status: f.status, body: { code: alpacaCodeOfStatus(f.status), message } });
  }

  #send(res: ServerResponse, r: Reply): void {
    if (res.headersSent || res.destroyed) return;
    if (r.body === undefined) {
      res.writeHead(r.status);
      res.end();
      return;
    }
    res.writeHead(r.status, JSON_HEADERS);
    res.end(JSON.stringify(r.body));
  }

  #route(method: string, url: URL, body: Buffer): Reply {
    const p = url.pathname;
    const q = url.searchParams;
    const allow = (...ok: string[]): void => {
      if (!ok.includes(method)) {
        throw new AlpacaApiError(
          405,
          ALPACA_ERROR_CODE.METHOD_NOT_ALLOWED,
          ErrorCode.MESSAGE_INVALID,
          `method ${method} not allowed`
        );
      }
    };
    if (p === '/v2/orders') {
      allow('GET', 'POST', 'DELETE');
      if (method === 'POST') return this.#submit(parseJson(body));
      if (method === 'DELETE') return this.#cancelAll();
      return { status: 200, body: this.#list(q).map(encodeOrder) };
    }
    if (p === '/v2/orders:by_client_order_id') {
      allow('GET');
      const cid = q.get('client_order_id');
      if (!cid) throw invalidInput('client_order_id is missing');
      const rec = this.#byClientId.get(cid);
      if (!rec) throw notFound('order not found', ErrorCode.UNKNOWN_ORDER);
      return { status: 200, body: encodeOrder(rec) };
    }
    if (p.startsWith('/v2/orders/')) {
      allow('GET', 'PATCH', 'DELETE');
      const rec = this.#orderById(pathParam(p.slice('/v2/orders/'.length)));
      if (method === 'DELETE') return this.#cancel(rec);
      if (method === 'PATCH') return this.#replace(rec, parseJson(body));
      return { status: 200, body: encodeOrder(rec) };
    }
    if (p === '/v2/positions') {
      allow('GET');
      return { status: 200, body: this.#positions().map(([inst, pos]) => this.#position(inst, pos)) };
    }
    if (p.startsWith('/v2/positions/')) {
      allow('GET');
      const key = pathParam(p.slice('/v2/positions/'.length));
      const hit = this.#positions().find(
        ([i]) => i.symbol === key || positionSymbol(i) === key || uuidFromName(i.symbol) === key
      );
      if (!hit) throw notFound('position does not exist');
      return { status: 200, body: this.#position(hit[0], hit[1]) };
    }
    if (p === '/v2/account') {
      allow('GET');
      return { status: 200, body: this.#account() };
    }
    if (p === '/v2/clock') {
      allow('GET');
      return { status: 200, body: encodeClock(this.#clock.now()) };
    }
    throw notFound('endpoint not found');
  }

  // ---- orders ---------------------------------------------------------------------------------------------

  #orderById(id: string): AlpacaOrderRecord {
    if (!isUuid(id)) throw invalidInput(`order_id must be a UUID, got ${JSON.stringify(id)}`);
    const rec = this.#orders.get(id);
    if (!rec) throw notFound('order not found', ErrorCode.UNKNOWN_ORDER);
    return rec;
  }

  #uniqueClientId(cid: string): void {
    if (this.#byClientId.has(cid))
      throw invalidInput('client_order_id must be unique', ErrorCode.DUPLICATE_ORDER_ID);
  }

  #submit(body: unknown): Reply {
    const now = this.#clock.now();
    const { cmd, tif, extendedHours } = decodeOrderRequest(body, {
      instruments: this.instruments,
      now,
      strategyId: STRATEGY_ID,
      newClientOrderId: () => uuidFromRng(this.#ids)
    });
    this.#uniqueClientId(cmd.clientOrderId);
    const inst = this.instruments.byId(cmd.instrumentId);
    const opening = this.#openingLots(inst, cmd.side, cmd.qty, undefined);
    this.#checkOpening(inst, cmd.side, cmd.qty, opening, cmd.limitPx, cmd.stopPx, 0n);
    const rec = newOrderRecord(
      {
        id: uuidFromRng(this.#ids),
        clientOrderId: cmd.clientOrderId,
        inst,
        side: cmd.side,
        type: cmd.orderType,
        tif,
        extendedHours,
        qty: cmd.qty,
        limitPx: cmd.limitPx,
        stopPx: cmd.stopPx,
        priorFilled: 0,
        replaces: undefined
      },
      now
    );
    this.#register(rec);
    this.#opening.set(rec, opening);
    const answer = encodeOrder(rec);
    this.emulator.submit(cmd, now);
    this.#reports.pump();
    return { status: 200, body: answer };
  }

  #register(rec: AlpacaOrderRecord): void {
    this.#orders.set(rec.id, rec);
    this.#byClientId.set(rec.clientOrderId, rec);
    this.#orderList.push(rec);
  }

  #cancelCommand(rec: AlpacaOrderRecord, now: Nanos): CancelOrder {
    return {
      type: 'order.cancel',
      commandId: `${rec.clientOrderId}:cancel:${++this.#cancelSeq}`,
      tsInit: now,
      strategyId: STRATEGY_ID,
      instrumentId: rec.inst.id,
      clientOrderId: rec.clientOrderId,
      reason: 'canceled on request'
    };
  }

  /**
   * DELETE of one order: 204, the cancel is on its way. 422 when it is no longer open, already being canceled,
   * or being replaced: "pending_replace: The order is waiting to be replaced by another order. The order will
   * reject cancel request while in this state." (the `status` description of Alpaca's Order entity,
   * trading OpenAPI spec).
   */
  #cancel(rec: AlpacaOrderRecord): Reply {
    if (!isOpenStatus(rec.status) || rec.status === 'pending_cancel') {
      throw unprocessable(`order is already in "${rec.status}" state`, ErrorCode.INVALID_TRANSITION);
    }
    if (rec.status === 'pending_replace') {
      throw unprocessable(
        'order is in "pending_replace" state and cannot be canceled until the replace is done',
        ErrorCode.INVALID_TRANSITION
      );
    }
    const now = this.#clock.now();
    rec.status = 'pending_cancel';
    this.emulator.cancel(this.#cancelCommand(rec, now), now);
    this.#reports.pump();
    return { status: 204 };
  }

  #cancelAll(): Reply {
    const now = this.#clock.now();
    const out: { id: string; status: number; body?: unknown }[] = [];
    for (const rec of this.#orderList) {
      if (!isOpenStatus(rec.status) || rec.status === 'pending_cancel') continue;
      if (rec.status === 'pending_replace') {
        // refused as a DELETE of it is (see #cancel); its replacing order is canceled in its own right
        const message =
          'order is in "pending_replace" state and cannot be canceled until the replace is done';
        out.push({ id: rec.id, status: 422, body: { code: ALPACA_ERROR_CODE.UNPROCESSABLE, message } });
        continue;
      }
      rec.status = 'pending_cancel';
      this.emulator.cancel(this.#cancelCommand(rec, now), now);
      out.push({ id: rec.id, status: 200 });
    }
    this.#reports.pump();
    return { status: 207, body: out };
  }

  #replace(old: AlpacaOrderRecord, body: unknown): Reply {
    if (old.status !== 'new' && old.status !== 'partially_filled') {
      throw unprocessable(`order in "${old.status}" state cannot be replaced`, ErrorCode.INVALID_TRANSITION);
    }
    const now = this.#clock.now();
    const chainFilled = old.priorFilled + old.filled;
    const cmd = decodeReplaceRequest(
      body,
      { ...old, chainFilled },
      {
        now,
        strategyId: STRATEGY_ID,
        newClientOrderId: () => uuidFromRng(this.#ids)
      }
    );
    this.#uniqueClientId(cmd.newClientOrderId);
    const own = cmd.qty! - chainFilled;
    const limitPx = cmd.limitPx ?? old.limitPx;
    const stopPx = cmd.stopPx ?? old.stopPx;
    // checked as a new order would be, the old order's reservation given back (the larger of the two counts)
    const opening = this.#openingLots(old.inst, old.side, own, old);
    this.#checkOpening(old.inst, old.side, own, opening, limitPx, stopPx, this.#reservation(old));
    const next = newOrderRecord(
      {
        id: uuidFromRng(this.#ids),
        clientOrderId: cmd.newClientOrderId,
        inst: old.inst,
        side: old.side,
        type: old.type,
        tif: old.tif,
        extendedHours: old.extendedHours,
        qty: own,
        limitPx,
        stopPx,
        priorFilled: chainFilled,
        replaces: old.id
      },
      now
    );
    this.#register(next);
    this.#opening.set(next, opening);
    old.status = 'pending_replace';
    const answer = encodeOrder(next);
    this.emulator.replace(cmd, now);
    this.#reports.pump();
    return { status: 200, body: answer };
  }

  #list(q: URLSearchParams): AlpacaOrderRecord[] {
    const status = q.get('status') ?? 'open';
    if (status !== 'open' && status !== 'closed' && status !== 'all')
      throw invalidInput(`status must be open, closed or all, got ${status}`);
    const limitText = q.get('limit');
    const limit = limitText === null ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw invalidInput(`limit must be an integer from 1 to 500, got ${limitText}`);
    const direction = q.get('direction') ?? 'desc';
    if (direction !== 'asc' && direction !== 'desc')
      throw invalidInput(`direction must be asc or desc, got ${direction}`);
    const after = q.get('after');
    const until = q.get('until');
    const afterNs = after === null ? undefined : timeParam('after', after);
    const untilNs = until === null ? undefined : timeParam('until', until);
    const symbolsText = q.get('symbols');
    const symbols = symbolsText ? new Set(symbolsText.split(',').map((s) => s.trim())) : undefined;
    const side = q.get('side');
    if (side !== null && side !== 'buy' && side !== 'sell')
      throw invalidInput(`side must be buy or sell, got ${side}`);
    const hits = this.#orderList.filter(
      (r) =>
        (status === 'all' || (status === 'open') === isOpenStatus(r.status)) &&
        (afterNs === undefined || r.createdAt > afterNs) &&
        (untilNs === undefined || r.createdAt < untilNs) &&
        (symbols === undefined || symbols.has(r.inst.symbol)) &&
        (side === null || r.side === side)
    );
    // #orderList is in creation order, which is submitted_at order
    if (direction === 'desc') hits.reverse();
    return hits.slice(0, limit);
  }

  // ---- reports → records, portfolio, trade updates ---------------------------------------------------------

  #onReport(r: ExecutionReport): void {
    const rec = this.#byClientId.get(r.clientOrderId);
    if (!rec) return;
    switch (r.execType) {
      case 'replaced': {
        // lots the old order filled between the PATCH and the replace taking effect (emulator latency): the
        // emulator keeps the chain's total, so the replacing order trades that much less; its record says so
        const late = r.cumQty - rec.priorFilled;
        if (late > 0) {
          rec.priorFilled += late;
          rec.qty -= late;
        }
        const old = this.#byClientId.get(r.origClientOrderId ?? '');
        if (old) {
          old.replacedBy = rec.id;
          this.#emit(encodeTradeUpdate(applyReport(old, r), old, r));
        }
        const live: ExecutionReport = { ...r, execType: 'accepted' };
        this.#emit(encodeTradeUpdate(applyReport(rec, live), rec, live));
        return;
      }
      case 'replace_rejected': {
        const old = this.#byClientId.get(r.origClientOrderId ?? '');
        if (old) this.#emit(encodeTradeUpdate(applyReport(old, r), old, r));
        const rejected: ExecutionReport = { ...r, execType: 'rejected' };
        this.#emit(encodeTradeUpdate(applyReport(rec, rejected), rec, rejected));
        return;
      }
      case 'fill': {
        const event = applyReport(rec, r);
        this.#portfolio.applyFill(rec.inst.id, r.side, r.lastQty, r.lastPx, r.commission, r.tsEvent);
        const positionQty = this.#portfolio.position(rec.inst.id)?.qty ?? 0;
        this.#emit(encodeTradeUpdate(event, rec, r, { executionId: uuidFromRng(this.#ids), positionQty }));
        return;
      }
      default:
        this.#emit(encodeTradeUpdate(applyReport(rec, r), rec, r));
    }
  }

  // ---- accounting ---------------------------------------------------------------------------------------

  #positions(): [Instrument, Position][] {
    return this.#portfolio
      .positions()
      .filter((p) => p.qty !== 0)
      .map((p) => [this.instruments.byId(p.instrumentId), p] as [Instrument, typeof p])
      .sort((a, b) => (a[0].symbol < b[0].symbol ? -1 : a[0].symbol > b[0].symbol ? 1 : 0));
  }

  #position(inst: Instrument, p: Position): unknown {
    // shares not committed to open orders that would close the position
    const committed = this.#openLots(inst, p.qty > 0 ? 'sell' : 'buy', undefined);
    const available = p.qty > 0 ? Math.max(0, p.qty - committed) : Math.min(0, p.qty + committed);
    return encodePosition(inst, p, available);
  }

  /**
   * Lots that open orders of `side` on `inst` (not `except`) still have to trade. While a replace is pending
   * both the old order and its replacing order are open: the old one is not counted then (its replacing order
   * stands for it), so a close is not committed twice.
   */
  #openLots(inst: Instrument, side: 'buy' | 'sell', except: AlpacaOrderRecord | undefined): number {
    let lots = 0;
    const superseded = new Set<string>(); // old orders of open replacing orders (which come after them)
    for (let i = this.#orderList.length - 1; i >= 0; i--) {
      const r = this.#orderList[i]!;
      if (r.inst.id !== inst.id || r.side !== side || !isOpenStatus(r.status)) continue;
      if (r.replaces !== undefined) superseded.add(r.replaces);
      if (r !== except && !superseded.has(r.id)) lots += r.qty - r.filled;
    }
    return lots;
  }

  /** Price used to value `inst` in buying-power checks: the last ask, else the last mark. */
  #refPx(inst: Instrument): number | undefined {
    return this.#lastAsk.get(inst.id) ?? this.#portfolio.position(inst.id)?.lastPx;
  }

  /**
   * Lots of an order of `side` for `lots` that would open or add to a position: beyond what closes the current
   * position, less what other open orders (not `except`) already commit to closing it.
   */
  #openingLots(
    inst: Instrument,
    side: 'buy' | 'sell',
    lots: number,
    except: AlpacaOrderRecord | undefined
  ): number {
    const pos = this.#portfolio.position(inst.id)?.qty ?? 0;
    const closable = side === 'buy' ? -pos : pos;
    if (closable <= 0) return lots;
    return Math.max(0, lots - Math.max(0, closable - this.#openLots(inst, side, except)));
  }

  /**
   * What `lots` opening lots of an order are valued at (Alpaca's "Buying Power" rules): a buy at its limit,
   * else its stop, else the last ask; a short sale at max(limit, 3 % above the last ask) (a market or stop
   * short: 3 % above the ask). `undefined` when there is no price to value it with.
   */
  #orderValue(
    inst: Instrument,
    side: 'buy' | 'sell',
    lots: number,
    limitPx: number | undefined,
    stopPx: number | undefined
  ): Money | undefined {
    const ref = this.#refPx(inst);
    if (side === 'buy') {
      const px = limitPx ?? stopPx ?? ref;
      return px === undefined ? undefined : notional(inst, px, lots);
    }
    const padded = ref === undefined ? undefined : (notional(inst, ref, lots) * 103n + 99n) / 100n; // rounded up
    const limit = limitPx === undefined ? undefined : notional(inst, limitPx, lots);
    if (padded === undefined) return limit;
    return limit !== undefined && limit > padded ? limit : padded;
  }

  /** What an open order reserves: its opening lots still to trade (they trade after the closing ones). */
  #reservation(r: AlpacaOrderRecord): Money {
    const left = Math.min(this.#opening.get(r) ?? 0, r.qty - r.filled);
    if (left <= 0) return 0n;
    return this.#orderValue(r.inst, r.side, left, r.limitPx, r.stopPx) ?? 0n;
  }

  /**
   * The account's margin: long market value, |short market value|, the equity, and what is free of it (equity −
   * long − |short|: 1×, 100 % initial margin).
   */
  #marginFree(): { free: Money; equity: Money; long: Money; short: Money } {
    let long = 0n;
    let short = 0n;
    for (const [inst, p] of this.#positions()) {
      const mv = marketValueOf(inst, p);
      if (p.qty > 0) long += mv;
      else short -= mv;
    }
    const equity = this.#portfolio.cash + long - short;
    return { free: equity - long - short, equity, long, short };
  }

  /**
   * Buying power (see the class doc): the margin left less the open orders' reservations; while a replace is
   * pending only the larger of the two orders' reservations counts.
   */
  #buyingPower(): Money {
    let reserved = 0n;
    for (const r of this.#orderList) {
      if (!isOpenStatus(r.status)) continue;
      const mine = this.#reservation(r);
      reserved += mine;
      const old = r.replaces === undefined ? undefined : this.#orders.get(r.replaces);
      if (old !== undefined && isOpenStatus(old.status)) {
        const theirs = this.#reservation(old);
        reserved -= mine < theirs ? mine : theirs; // both counted above: keep the larger
      }
    }
    const bp = this.#marginFree().free - reserved;
    return bp > 0n ? bp : 0n;
  }

  /**
   * Refuse (403, as Alpaca does) an order whose `opening` lots need more than the buying power (plus `credit`,
   * the reservation of the order it replaces), or a short sale the account may not make.
   */
  #checkOpening(
    inst: Instrument,
    side: 'buy' | 'sell',
    lots: number,
    opening: number,
    limitPx: number | undefined,
    stopPx: number | undefined,
    credit: Money
  ): void {
    if (opening <= 0) return;
    const forbidden = (message: string, code: ErrorCode): never => {
      throw new AlpacaApiError(403, ALPACA_ERROR_CODE.FORBIDDEN, code, message);
    };
    if (side === 'sell') {
      if (assetClassOf(inst) === 'crypto') {
        // no crypto margin: a sale only of what is held and not already being sold
        const asset = inst.symbol.split('/')[0];
        const qty = (n: number): string => trimZeros(lotsToQty(inst, n));
        forbidden(
          `insufficient balance for ${asset} (requested: ${qty(lots)}, available: ${qty(lots - opening)})`,
          ErrorCode.RISK_REJECTED
        );
      }
      if (this.#marginFree().equity < SHORTING_MIN_EQUITY)
        forbidden('account is not allowed to short', ErrorCode.RISK_REJECTED);
    }
    const value = this.#orderValue(inst, side, opening, limitPx, stopPx);
    if (value === undefined) return;
    if (value > this.#buyingPower() + credit)
      forbidden('insufficient buying power', ErrorCode.RISK_MAX_NOTIONAL);
  }

  #account(): unknown {
    const { equity, long, short } = this.#marginFree();
    return encodeAccount({
      id: this.#accountId,
      accountNumber: this.#accountNumber,
      createdAt: this.#createdAt,
      cash: this.#portfolio.cash,
      longMarketValue: long,
      shortMarketValue: -short, // Alpaca's is negative
      lastEquity: this.#portfolio.startCash,
      buyingPower: this.#buyingPower(),
      shortingEnabled: equity >= SHORTING_MIN_EQUITY
    });
  }

  // ---- stream ---------------------------------------------------------------------------------------------

  #onStreamConnection(ws: WebSocket): void {
    const c: StreamClient = { ws, authorized: false, streams: [] };
    this.#clients.add(c);
    ws.on('message', (data) => this.#onStreamMessage(c, data));
    ws.on('close', () => this.#clients.delete(c));
    ws.on('error', () => {});
  }

  #onStreamMessage(c: StreamClient, data: RawData): void {
    let j: unknown;
    try {
      j = JSON.parse(rawText(data));
    } catch {
      j = undefined;
    }
    const m = alpacaStreamActionSchema.safeParse(j);
    if (!m.success) {
      this.stats.badStreamFrames++;
      return;
    }
    if (m.data.action === 'authenticate') {
      c.authorized = m.data.data.key_id === this.#keyId && m.data.data.secret_key === this.#secretKey;
      const status = c.authorized ? 'authorized' : 'unauthorized';
      this.#sendTo(c, { stream: 'authorization', data: { status, action: 'authenticate' } });
      return;
    }
    if (!c.authorized) {
      this.#sendTo(c, { stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
      return;
    }
    // the list is the whole wanted set (it replaces the previous one); unknown streams are left out
    c.streams = [...new Set(m.data.data.streams.filter((s) => s === 'trade_updates'))];
    this.#sendTo(c, { stream: 'listening', data: { streams: c.streams } });
  }

  #sendTo(c: StreamClient, msg: unknown): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(Buffer.from(JSON.stringify(msg)), { binary: true });
  }

  #emit(u: TradeUpdateMessage): void {
    this.stats.events++;
    const bytes = Buffer.from(JSON.stringify(u));
    if (this.#paused) this.#held.push(bytes);
    else this.#broadcast(bytes);
  }

  #broadcast(bytes: Buffer): void {
    for (const c of this.#clients) {
      if (c.authorized && c.streams.includes('trade_updates') && c.ws.readyState === c.ws.OPEN) {
        c.ws.send(bytes, { binary: true });
      }
    }
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw malformedBody();
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw malformedBody();
  }
}

/** A decimal without trailing fraction zeros (`0.0300` → `0.03`, `2.0` → `2`). */
function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A percent-decoded path segment; bad escapes are a 422, never a crash. */
function pathParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidInput(`malformed path parameter ${JSON.stringify(s)}`);
  }
}

/** The text of a WebSocket message (one buffer, fragments or an ArrayBuffer). */
function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
