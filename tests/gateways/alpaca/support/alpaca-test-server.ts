import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { divRoundHalfEven, formatDecimal, parseDecimal, pow10 } from '../../../../src/core/decimal.ts';
import {
  type AlpacaOrder,
  type AlpacaTradeEvent,
  type AlpacaTradeUpdate,
  alpacaOrderRequestSchema,
  alpacaOrderSchema,
  alpacaReplaceRequestSchema,
  alpacaTradeUpdateSchema
} from '../../../../src/gateways/alpaca/alpaca-trading.codec.ts';

/** A request as the server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/**
 * What an intercept answers: a status and JSON body; `hang` (never answer); `destroy` (drop the connection);
 * `apply-and-hang` / `apply-and-destroy` (do what the request asks, then never answer or drop the connection:
 * a request whose outcome the client cannot know).
 */
export type Reply =
  | { readonly status: number; readonly body?: unknown }
  | 'hang'
  | 'destroy'
  | 'apply-and-hang'
  | 'apply-and-destroy';

type Answer = Extract<Reply, { status: number }>;

export interface AlpacaTestServerOptions {
  readonly keyId: string;
  readonly secretKey: string;
  /** Trade updates as binary frames (as paper trading sends them). Default true. */
  readonly binary?: boolean;
  /** Answer pings (default true); false makes the connection look dead to the client's watchdog. */
  readonly autoPong?: boolean;
  /** Close the socket after an unauthorized answer. Default true. */
  readonly closeOnUnauthorized?: boolean;
  /** Order of the events of a replace: the old order's `replaced` first (default) or the new order's `new`. */
  readonly replaceEvents?: 'replaced-first' | 'new-first';
}

const OPEN: ReadonlySet<string> = new Set([
  'new',
  'accepted',
  'partially_filled',
  'pending_new',
  'pending_cancel',
  'pending_replace'
]);

/**
 * A loopback Alpaca for tests, speaking only what ../shared/data/alpaca documents: the Trading REST API
 * (orders by id and by client order id, replace, cancel, cancel all) on node:http, and the `trade_updates`
 * WebSocket at `/stream` (authenticate → authorization, listen → listening, then update frames) on the
 * same port. It keeps real order state (every order object it serves is validated with the codec's schema),
 * so a client that reconnects can reconcile against it. Updates go only to connections listening right
 * now (Alpaca replays nothing). `intercept` answers a request first when it returns a {@link Reply}.
 */
export class AlpacaTestServer {
  readonly requests: SeenRequest[] = [];
  readonly orders = new Map<string, AlpacaOrder>();
  /** Streams frames received, by connection (1-based). */
  readonly streamFrames: { conn: number; text: string }[] = [];
  intercept: ((req: SeenRequest) => Reply | undefined) | undefined;
  /** Connections that authenticated, in total. */
  authorized = 0;
  connections = 0;
  readonly #o: Required<AlpacaTestServerOptions>;
  readonly #http = createServer((req, res) => void this.#onRequest(req, res));
  readonly #wss: WebSocketServer;
  readonly #listening = new Set<ServerSocket>();
  readonly #sockets = new Set<Socket>();
  #seq = 0;
  #clock = Date.UTC(2026, 0, 5, 15, 0, 0);

  private constructor(o: AlpacaTestServerOptions) {
    this.#o = {
      binary: true,
      autoPong: true,
      closeOnUnauthorized: true,
      replaceEvents: 'replaced-first',
      ...o
    };
    this.#wss = new WebSocketServer({ server: this.#http, path: '/stream', autoPong: this.#o.autoPong });
    this.#wss.on('connection', (ws) => this.#onConnection(ws));
    this.#http.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  /** Start on 127.0.0.1, a free port. */
  static async start(o: AlpacaTestServerOptions): Promise<AlpacaTestServer> {
    const s = new AlpacaTestServer(o);
    await new Promise<void>((r) => s.#http.listen(0, '127.0.0.1', () => r()));
    return s;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/stream`;
  }
  /** Connections authorized and listening to trade_updates right now. */
  get listeners(): number {
    return this.#listening.size;
  }

  byClientId(clientOrderId: string): AlpacaOrder | undefined {
    return [...this.orders.values()].find((o) => o.client_order_id === clientOrderId);
  }

  /** Send a trade update (or raw text) to every listening connection; returns how many got it. */
  push(data: AlpacaTradeUpdate | string, binary = this.#o.binary): number {
    const text = typeof data === 'string' ? data : JSON.stringify({ stream: 'trade_updates', data });
    for (const ws of this.#listening) ws.send(binary ? Buffer.from(text) : text, { binary });
    return this.#listening.size;
  }

  /** Drop every stream connection (the HTTP API stays up). */
  dropStreams(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#listening.clear();
  }

  /**
   * Execute `qty` at `price` on the order with this client id: filled_qty, filled_avg_price and status move
   * on; a `partial_fill` / `fill` update (with an execution_id) goes to the listeners. Returns the update.
   */
  fill(clientOrderId: string, qty: string, price: string): AlpacaTradeUpdate {
    const o = this.#mustByCid(clientOrderId);
    const q = parseDecimal(qty);
    const p = parseDecimal(price);
    const prevQty = parseDecimal(o.filled_qty);
    const prevAvg = parseDecimal(o.filled_avg_price ?? '0');
    const S = 12;
    const scaled = (d: { mantissa: bigint; scale: number }): bigint => d.mantissa * pow10(S - d.scale);
    const cum = scaled(prevQty) + scaled(q);
    const notional = scaled(prevQty) * scaled(prevAvg) + scaled(q) * scaled(p); // scale 2S
    const avg = divRoundHalfEven(notional, cum); // scale S
    const filledQty = trim(formatDecimal(cum, S));
    const full = o.qty !== null && cum >= scaled(parseDecimal(o.qty));
    const t = this.#now();
    const next = this.#put({
      ...o,
      filled_qty: filledQty,
      filled_avg_price: trim(formatDecimal(avg, S)),
      status: full ? 'filled' : 'partially_filled',
      filled_at: full ? t : o.filled_at,
      updated_at: t
    });
    const u: AlpacaTradeUpdate = {
      event: full ? 'fill' : 'partial_fill',
      execution_id: this.#uuid(),
      order: next,
      price,
      qty,
      position_qty: filledQty,
      timestamp: t
    };
    this.push(alpacaTradeUpdateSchema.parse(u));
    return u;
  }

  /** Set an order's status (e.g. canceled by the venue) and push `event` for it. */
  venueEvent(
    clientOrderId: string,
    event: AlpacaTradeEvent,
    status: AlpacaOrder['status']
  ): AlpacaTradeUpdate {
    const o = this.#mustByCid(clientOrderId);
    const t = this.#now();
    const next = this.#put({
      ...o,
      status,
      updated_at: t,
      ...(status === 'canceled' ? { canceled_at: t } : {})
    });
    const u: AlpacaTradeUpdate = { event, order: next, timestamp: t };
    this.push(u);
    return u;
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((r) => this.#wss.close(() => r()));
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#http.close(() => r()));
  }

  // ── WebSocket ─────────────────────────────────────────────────────────────────────────────────────────

  #onConnection(ws: ServerSocket): void {
    const conn = ++this.connections;
    let authed = false;
    const send = (j: unknown): void => {
      const text = JSON.stringify(j);
      ws.send(this.#o.binary ? Buffer.from(text) : text, { binary: this.#o.binary });
    };
    ws.on('close', () => this.#listening.delete(ws));
    ws.on('message', (raw) => {
      const text = String(raw);
      this.streamFrames.push({ conn, text });
      let j: { action?: string; data?: { key_id?: string; secret_key?: string; streams?: string[] } };
      try {
        j = JSON.parse(text) as typeof j;
      } catch {
        ws.close(1003);
        return;
      }
      if (j.action === 'authenticate') {
        authed = j.data?.key_id === this.#o.keyId && j.data?.secret_key === this.#o.secretKey;
        send({
          stream: 'authorization',
          data: { status: authed ? 'authorized' : 'unauthorized', action: 'authenticate' }
        });
        if (authed) this.authorized++;
        else if (this.#o.closeOnUnauthorized) ws.close(1008);
      } else if (j.action === 'listen') {
        if (!authed) {
          send({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
          return;
        }
        const streams = (j.data?.streams ?? []).filter((s) => s === 'trade_updates');
        if (streams.length > 0) this.#listening.add(ws);
        else this.#listening.delete(ws);
        send({ stream: 'listening', data: { streams } });
      }
    });
  }

  // ── REST ──────────────────────────────────────────────────────────────────────────────────────────────

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body
    };
    this.requests.push(seen);
    let reply =
      this.intercept?.(seen) ??
      (req.headers['apca-api-key-id'] !== this.#o.keyId ||
      req.headers['apca-api-secret-key'] !== this.#o.secretKey
        ? { status: 401, body: { code: 40110000, message: 'request is not authorized' } }
        : this.#route(seen));
    if (reply === 'apply-and-hang' || reply === 'apply-and-destroy') {
      this.#route(seen);
      reply = reply === 'apply-and-hang' ? 'hang' : 'destroy';
    }
    if (reply === 'hang') return;
    if (reply === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (reply.body === undefined) res.writeHead(reply.status).end();
    else res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  }

  #route(r: SeenRequest): Answer {
    const notFound = { status: 404, body: { code: 40410000, message: 'order not found' } };
    const m = /^\/v2\/orders\/([^/]+)$/.exec(r.path);
    if (r.method === 'POST' && r.path === '/v2/orders') return this.#submit(r.body);
    if (r.method === 'GET' && r.path === '/v2/orders:by_client_order_id') {
      const o = this.byClientId(r.query.get('client_order_id') ?? '');
      return o ? { status: 200, body: o } : notFound;
    }
    if (r.method === 'GET' && r.path === '/v2/orders') {
      const status = r.query.get('status') ?? 'open';
      const all = [...this.orders.values()];
      const pick = status === 'all' ? all : all.filter((o) => OPEN.has(o.status) === (status === 'open'));
      return { status: 200, body: pick };
    }
    if (r.method === 'DELETE' && r.path === '/v2/orders') {
      const out = [...this.orders.values()]
        .filter((o) => OPEN.has(o.status))
        .map((o) => {
          this.#cancel(o);
          return { id: o.id, status: 200 };
        });
      return { status: 207, body: out };
    }
    if (m) {
      const o = this.orders.get(decodeURIComponent(m[1]!));
      if (!o) return notFound;
      if (r.method === 'GET') return { status: 200, body: o };
      if (r.method === 'DELETE') {
        if (!OPEN.has(o.status))
          return { status: 422, body: { code: 42210000, message: 'order is not cancelable' } };
        this.#cancel(o);
        return { status: 204 };
      }
      if (r.method === 'PATCH') return this.#replace(o, r.body);
    }
    return { status: 404, body: { code: 40400000, message: 'endpoint not found' } };
  }

  #submit(body: unknown): Answer {
    const p = alpacaOrderRequestSchema.safeParse(body);
    if (!p.success) return { status: 422, body: { code: 40010001, message: p.error.issues[0]!.message } };
    const q = p.data;
    if (q.client_order_id !== undefined && this.byClientId(q.client_order_id))
      return { status: 422, body: { code: 40010001, message: 'client_order_id must be unique' } };
    const t = this.#now();
    const o = this.#put({
      id: this.#uuid(),
      client_order_id: q.client_order_id ?? this.#uuid(),
      created_at: t,
      updated_at: t,
      submitted_at: t,
      filled_at: null,
      expired_at: null,
      canceled_at: null,
      failed_at: null,
      replaced_at: null,
      replaced_by: null,
      replaces: null,
      asset_id: '00000000-0000-4000-8000-00000000aaaa',
      symbol: q.symbol ?? '',
      asset_class: q.symbol?.includes('/') ? 'crypto' : 'us_equity',
      notional: q.notional ?? null,
      qty: q.qty ?? null,
      filled_qty: '0',
      filled_avg_price: null,
      order_class: '',
      order_type: q.type,
      type: q.type,
      side: q.side ?? '',
      time_in_force: q.time_in_force,
      limit_price: q.limit_price ?? null,
      stop_price: q.stop_price ?? null,
      status: 'new',
      extended_hours: q.extended_hours ?? false,
      legs: null,
      trail_percent: q.trail_percent ?? null,
      trail_price: q.trail_price ?? null,
      hwm: null
    });
    this.push({ event: 'new', order: o });
    return { status: 200, body: o };
  }

  #replace(old: AlpacaOrder, body: unknown): Answer {
    const p = alpacaReplaceRequestSchema.safeParse(body);
    if (!p.success) return { status: 422, body: { code: 40010001, message: p.error.issues[0]!.message } };
    if (!OPEN.has(old.status))
      return { status: 422, body: { code: 42210000, message: 'order is not replaceable' } };
    const q = p.data;
    const t = this.#now();
    const n = this.#put({
      ...old,
      id: this.#uuid(),
      client_order_id: q.client_order_id ?? this.#uuid(),
      created_at: t,
      updated_at: t,
      submitted_at: t,
      replaces: old.id,
      replaced_by: null,
      qty: q.qty ?? old.qty, // Alpaca re-uses the original qty when none is given
      filled_qty: '0',
      filled_avg_price: null,
      filled_at: null,
      limit_price: q.limit_price ?? old.limit_price,
      stop_price: q.stop_price ?? old.stop_price,
      time_in_force: q.time_in_force ?? old.time_in_force,
      status: 'new'
    });
    const replaced = this.#put({
      ...old,
      status: 'replaced',
      replaced_by: n.id,
      replaced_at: t,
      updated_at: t
    });
    const events: AlpacaTradeUpdate[] = [
      { event: 'replaced', order: replaced, timestamp: t },
      { event: 'new', order: n }
    ];
    if (this.#o.replaceEvents === 'new-first') events.reverse();
    for (const e of events) this.push(e);
    return { status: 200, body: n };
  }

  #cancel(o: AlpacaOrder): void {
    const t = this.#now();
    const c = this.#put({ ...o, status: 'canceled', canceled_at: t, updated_at: t });
    this.push({ event: 'canceled', order: c, timestamp: t });
  }

  #put(o: AlpacaOrder): AlpacaOrder {
    const v = alpacaOrderSchema.parse(o);
    this.orders.set(v.id, v);
    return v;
  }

  #mustByCid(cid: string): AlpacaOrder {
    const o = this.byClientId(cid);
    if (!o) throw new Error(`test server: no order ${cid}`);
    return o;
  }

  #uuid(): string {
    return `00000000-0000-4000-8000-${(++this.#seq).toString().padStart(12, '0')}`;
  }

  /** A strictly increasing venue time (1 ms per call), with a nanosecond fraction. */
  #now(): string {
    this.#clock += 1;
    return `${new Date(this.#clock).toISOString().slice(0, -1)}123456Z`;
  }
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** The API key pair the Alpaca client tests present to their test server. */
export const KEY = 'PKTEST0000000000';
export const SECRET = 'secret-0000000000000000000000000000000000';

/**
 * A list of close-downs run after each test of the calling file, newest first (servers, clients, streams).
 * Call it once at module level and push into the returned array.
 */
export function closedAfterEach(): (() => Promise<void> | void)[] {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  return cleanup;
}
