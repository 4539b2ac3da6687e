import { createServer, type Server, STATUS_CODES } from 'node:http';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { type Instrument, lotsToQty, ticksToPrice } from '../../core/instrument.ts';
import { isoFromNs, type Nanos, NS_PER_MIN } from '../../core/nanos.ts';
import { InstrumentMap } from '../../gateways/fix/app-messages.ts';
import type { Bar, Quote, Trade } from '../../messages/market-data.ts';
import { closeServers, listenOnLoopback } from '../loopback-server.ts';

/** Options of the {@link AlpacaDataServer}. */
export interface AlpacaDataServerOptions {
  /** What it publishes, by Alpaca symbol (`AAPL`); published messages name them by `instrumentId`. */
  readonly instruments: readonly Instrument[];
  /** The key pair clients must present in `auth`. Defaults `local-key` / `local-secret` (as the trading venue). */
  readonly keyId?: string;
  readonly secretKey?: string;
  /** Authenticated sessions allowed at once for the key; one more gets `406` and is closed. Default 1 (Alpaca's). */
  readonly connectionLimit?: number;
  /** A connection that has not authenticated within this time gets `404 auth timeout` and is closed. Default 10 s. */
  readonly authTimeoutMs?: number;
  /**
   * A client with more than this many bytes not yet written to its socket gets `407 slow client` and is closed
   * (nothing more is queued for it): a stalled reader never grows the server without bound. Default 16 MiB.
   */
  readonly maxBufferedBytes?: number;
}

/** Counters for diagnostics and tests. */
export interface AlpacaDataServerStats {
  /** WebSocket connections accepted. */
  connections: number;
  /** Client frames answered with `400 invalid syntax` (not JSON, not an object, unknown action, bad lists). */
  badFrames: number;
  /** Data points (bars, quotes, trades) sent, summed over clients. */
  sent: number;
  /** Clients closed with `407 slow client`. */
  slowClients: number;
  /** Bars published that are not one minute long (clients will date them `tsOpen` + 1 min). */
  nonMinuteBars: number;
}

/** The subscribable channels of Alpaca's stock stream (only trades, quotes and bars carry published data). */
export const ALPACA_DATA_CHANNELS = [
  'trades',
  'quotes',
  'bars',
  'updatedBars',
  'dailyBars',
  'statuses',
  'lulds'
] as const;
export type AlpacaDataChannel = (typeof ALPACA_DATA_CHANNELS)[number];

/** What the server can publish. */
export type AlpacaPublishable = Bar | Quote | Trade;

/** A session's subscriptions: symbols (or `*`) per channel. */
export type AlpacaDataSubs = Record<AlpacaDataChannel, string[]>;
type Subs = AlpacaDataSubs;

interface Client {
  readonly ws: WebSocket;
  authed: boolean;
  /** No more data for it: closing (auth failure, limit, slow client, dropped). */
  closing: boolean;
  subs: Subs;
  authTimer: ReturnType<typeof setTimeout> | undefined;
}

/** No subscriptions on any channel. */
export const emptySubs = (): Subs => ({
  trades: [],
  quotes: [],
  bars: [],
  updatedBars: [],
  dailyBars: [],
  statuses: [],
  lulds: []
});

const CHANNEL_OF: Record<AlpacaPublishable['type'], AlpacaDataChannel> = {
  'market.bar': 'bars',
  'market.quote': 'quotes',
  'market.trade': 'trades'
};

const control = (o: Record<string, unknown>): string => JSON.stringify([o]);
const errorFrame = (code: number, msg: string): string => control({ T: 'error', code, msg });

/** A decimal string as a JSON number literal, the way Alpaca prints it: no trailing fraction zeros. */
function jsonNumber(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;
}

/**
 * RFC 3339 UTC as Alpaca prints it: the fraction only as long as needed (`2021-02-22T19:15:00Z`,
 * `2021-02-22T15:51:44.208Z`, `2021-02-22T15:51:45.335689322Z`), exact to the nanosecond.
 */
export function alpacaTimestamp(ns: Nanos): string {
  const iso = isoFromNs(ns); // ...ss.nnnnnnnnnZ
  const dot = iso.lastIndexOf('.');
  const frac = iso.slice(dot + 1, -1).replace(/0+$/, '');
  return `${iso.slice(0, dot)}${frac ? `.${frac}` : ''}Z`;
}

/**
 * One canonical message as the text of an Alpaca stock-stream data point (an element of a frame's array).
 * Prices and sizes are printed exactly from ticks and lots (JSON number literals, never through a float):
 *
 * - Bar → `{"T":"b","S","o","h","l","c","v","t"}` with `t` = `tsOpen` (a bar is stamped with its open; `n` and
 *   `vw` are not known and left out, as in Alpaca's v2 docs). Alpaca's `b` bars are minute bars and clients
 *   date them `t` + 1 min (tradestate's decoder does), so a bar of another length reaches them with that
 *   `tsEvent`, not its own ({@link AlpacaDataServerStats.nonMinuteBars} counts them).
 * - Quote → `{"T":"q","S","bp","bs","ap","as","t"}`.
 * - Trade → `{"T":"t","S","i","p","s","t"}` (`i` a JSON integer when the trade id is a plain one, else a string),
 *   plus `"tks":"B"|"S"` (the taker side, as on Alpaca's crypto stream) when the aggressor is known.
 *
 * Exchange, conditions and tape are not known and left out.
 */
export function alpacaDataPoint(inst: Instrument, m: AlpacaPublishable): string {
  const S = JSON.stringify(inst.symbol);
  const px = (ticks: number): string => jsonNumber(ticksToPrice(inst, ticks));
  const qty = (lots: number): string => jsonNumber(lotsToQty(inst, lots));
  switch (m.type) {
    case 'market.bar':
      return `{"T":"b","S":${S},"o":${px(m.open)},"h":${px(m.high)},"l":${px(m.low)},"c":${px(m.close)},"v":${qty(m.volume)},"t":"${alpacaTimestamp(m.tsOpen)}"}`;
    case 'market.quote':
      return `{"T":"q","S":${S},"bp":${px(m.bidPx)},"bs":${qty(m.bidSz)},"ap":${px(m.askPx)},"as":${qty(m.askSz)},"t":"${alpacaTimestamp(m.tsEvent)}"}`;
    case 'market.trade': {
      const id = /^(0|[1-9]\d{0,14})$/.test(m.tradeId) ? m.tradeId : JSON.stringify(m.tradeId);
      const tks = m.aggressor === 'buy' ? ',"tks":"B"' : m.aggressor === 'sell' ? ',"tks":"S"' : '';
      return `{"T":"t","S":${S},"i":${id},"p":${px(m.px)},"s":${qty(m.sz)},"t":"${alpacaTimestamp(m.tsEvent)}"${tks}}`;
    }
  }
}

/**
 * A push-based loopback server speaking Alpaca's market-data stream v2 for stocks
 * (`wss://stream.data.alpaca.markets/v2/{iex|sip|test}`; any path is accepted), for local paper-trading demos
 * and tests. The application publishes canonical bars, quotes and trades ({@link publish}); each goes, as Alpaca
 * JSON ({@link alpacaDataPoint}), to every authenticated client subscribed to its channel for its symbol (or `*`).
 * Live semantics: nothing is buffered for a late subscriber or replayed after a reconnect.
 *
 * Protocol (../shared/data/alpaca/docs/api-references__market-data-api__stock-pricing-data__realtime.md):
 * - on connect `[{"T":"success","msg":"connected"}]`;
 * - `{"action":"auth","key","secret"}` → `[{"T":"success","msg":"authenticated"}]`, or `402 auth failed` and
 *   the connection is closed; auth twice → `403`; no auth within `authTimeoutMs` → `404` and close; beyond
 *   `connectionLimit` authenticated sessions → `406` and close;
 * - `subscribe` adds to, `unsubscribe` subtracts from the session's lists (trades, quotes, bars, updatedBars,
 *   dailyBars, statuses, lulds; at least one, each an array of strings); both are answered with the full
 *   `subscription` frame (corrections and cancelErrors follow trades); before auth → `401`;
 * - a frame that is not a JSON object, an unknown action or malformed lists → `400 invalid syntax`. Nothing a
 *   client sends can crash the server.
 *
 * Control messages go alone in arrays of one; the data points of one {@link publish} call go to each client in
 * one frame. Drills: {@link dropClients}.
 */
export class AlpacaDataServer {
  /** Symbols ↔ instruments. */
  readonly instruments: InstrumentMap;
  /** Counters (connections, bad frames, points sent, slow clients). */
  readonly stats: AlpacaDataServerStats = {
    connections: 0,
    badFrames: 0,
    sent: 0,
    slowClients: 0,
    nonMinuteBars: 0
  };
  readonly #keyId: string;
  readonly #secretKey: string;
  readonly #connectionLimit: number;
  readonly #authTimeoutMs: number;
  readonly #maxBuffered: number;
  readonly #clients = new Set<Client>();
  #server: Server | undefined;
  #wss: WebSocketServer | undefined;
  #port = 0;

  constructor(opts: AlpacaDataServerOptions) {
    this.instruments = new InstrumentMap('ALPACA', opts.instruments);
    this.#keyId = opts.keyId ?? 'local-key';
    this.#secretKey = opts.secretKey ?? 'local-secret';
    this.#connectionLimit = opts.connectionLimit ?? 1;
    this.#authTimeoutMs = opts.authTimeoutMs ?? 10_000;
    this.#maxBuffered = opts.maxBufferedBytes ?? 16 << 20;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  /** Listen on 127.0.0.1:`port` (0 = any free port). A second call while started does nothing. */
  async start(port = 0): Promise<void> {
    if (this.#server) return;
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end(STATUS_CODES[426]);
    });
    const wss = new WebSocketServer({ server, maxPayload: 1 << 20 });
    wss.on('connection', (ws) => this.#onConnection(ws));
    wss.on('error', () => {});
    const bound = await listenOnLoopback(server, port);
    server.on('error', () => {});
    this.#server = server;
    this.#wss = wss;
    this.#port = bound;
  }

  /** Close every connection and stop listening. Idempotent. */
  async stop(): Promise<void> {
    const server = this.#server;
    const wss = this.#wss;
    this.#server = undefined;
    this.#wss = undefined;
    this.dropClients();
    if (!server || !wss) return;
    await closeServers(server, wss);
  }

  /** `ws://127.0.0.1:<port>/v2/iex` (after {@link start}; any path is served alike). */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}/v2/iex`;
  }

  /** The port listened on (0 before {@link start}). */
  get port(): number {
    return this.#port;
  }

  /** The key pair clients must present. */
  get credentials(): { readonly keyId: string; readonly secretKey: string } {
    return { keyId: this.#keyId, secretKey: this.#secretKey };
  }

  /** Connections currently open (authenticated or not). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Some authenticated client is subscribed to trades, quotes or bars of some symbol. */
  get hasSubscribers(): boolean {
    for (const c of this.#clients) {
      if (
        c.authed &&
        !c.closing &&
        (c.subs.trades.length > 0 || c.subs.quotes.length > 0 || c.subs.bars.length > 0)
      )
        return true;
    }
    return false;
  }

  /** Authenticated clients that would receive a point of `channel` for `symbol` now. */
  subscriberCount(channel: AlpacaDataChannel, symbol: string): number {
    let n = 0;
    for (const c of this.#clients) if (c.authed && !c.closing && wants(c.subs[channel], symbol)) n++;
    return n;
  }

  // ---- publishing ---------------------------------------------------------------------------------------

  /**
   * Send canonical messages to the clients subscribed to them: each client gets one frame with the points it
   * wants, in the given order (none if it wants none). Throws `TRD_ERR_UNKNOWN_INSTRUMENT` for an instrument
   * the server was not given; then nothing is sent.
   */
  publish(items: readonly AlpacaPublishable[]): void {
    const points = items.map((m) => {
      const inst = this.instruments.byId(m.instrumentId);
      return { channel: CHANNEL_OF[m.type], symbol: inst.symbol, text: alpacaDataPoint(inst, m) };
    });
    for (const m of items)
      if (m.type === 'market.bar' && m.tsEvent - m.tsOpen !== NS_PER_MIN) this.stats.nonMinuteBars++;
    for (const c of this.#clients) {
      if (!c.authed || c.closing || c.ws.readyState !== c.ws.OPEN) continue;
      const wanted = points.filter((p) => wants(c.subs[p.channel], p.symbol));
      if (wanted.length === 0) continue;
      if (c.ws.bufferedAmount > this.#maxBuffered) {
        this.stats.slowClients++;
        this.#refuse(c, 407, 'slow client');
        continue;
      }
      c.ws.send(`[${wanted.map((p) => p.text).join(',')}]`);
      this.stats.sent += wanted.length;
    }
  }

  /** A minute bar to the clients subscribed to bars of its symbol (see {@link publish}). */
  publishBar(bar: Bar): void {
    this.publish([bar]);
  }

  /** A quote to the clients subscribed to quotes of its symbol (see {@link publish}). */
  publishQuote(quote: Quote): void {
    this.publish([quote]);
  }

  /** A trade to the clients subscribed to trades of its symbol (see {@link publish}). */
  publishTrade(trade: Trade): void {
    this.publish([trade]);
  }

  // ---- drills -------------------------------------------------------------------------------------------

  /** Close every connection abruptly (clients see an abnormal closure, 1006); they are forgotten at once. */
  dropClients(): void {
    for (const c of this.#clients) this.#forget(c, true);
  }

  // ---- protocol -----------------------------------------------------------------------------------------

  #onConnection(ws: WebSocket): void {
    this.stats.connections++;
    const c: Client = { ws, authed: false, closing: false, subs: emptySubs(), authTimer: undefined };
    this.#clients.add(c);
    ws.on('message', (data) => this.#onMessage(c, data));
    ws.on('close', () => this.#forget(c, false));
    ws.on('error', () => {});
    c.authTimer = setTimeout(() => {
      if (!c.authed) this.#refuse(c, 404, 'auth timeout');
    }, this.#authTimeoutMs);
    c.authTimer.unref();
    this.#send(c, control({ T: 'success', msg: 'connected' }));
  }

  #onMessage(c: Client, data: RawData): void {
    if (c.closing) return;
    const m = parseObject(rawText(data));
    const action = m?.['action'];
    if (!m || (action !== 'auth' && action !== 'subscribe' && action !== 'unsubscribe')) {
      this.#bad(c);
      return;
    }
    if (action === 'auth') {
      this.#onAuth(c, m);
      return;
    }
    if (!c.authed) {
      this.#send(c, errorFrame(401, 'not authenticated'));
      return;
    }
    const lists = ALPACA_DATA_CHANNELS.map((k) => [k, m[k]] as const);
    if (
      lists.every(([, v]) => v === undefined) ||
      lists.some(([, v]) => v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string')))
    ) {
      this.#bad(c);
      return;
    }
    for (const [k, v] of lists) {
      const asked = (v ?? []) as string[];
      c.subs[k] =
        action === 'subscribe'
          ? [...new Set([...c.subs[k], ...asked])]
          : c.subs[k].filter((s) => !asked.includes(s));
    }
    this.#send(
      c,
      control({
        T: 'subscription',
        ...c.subs,
        corrections: [...c.subs.trades],
        cancelErrors: [...c.subs.trades]
      })
    );
  }

  #onAuth(c: Client, m: Record<string, unknown>): void {
    if (c.authed) {
      this.#send(c, errorFrame(403, 'already authenticated'));
      return;
    }
    if (m['key'] !== this.#keyId || m['secret'] !== this.#secretKey) {
      this.#refuse(c, 402, 'auth failed');
      return;
    }
    let sessions = 0;
    for (const x of this.#clients) if (x.authed && !x.closing) sessions++;
    if (sessions >= this.#connectionLimit) {
      this.#refuse(c, 406, 'connection limit exceeded');
      return;
    }
    c.authed = true;
    clearTimeout(c.authTimer);
    this.#send(c, control({ T: 'success', msg: 'authenticated' }));
  }

  #bad(c: Client): void {
    this.stats.badFrames++;
    this.#send(c, errorFrame(400, 'invalid syntax'));
  }

  /** An error frame, then a normal close; the client gets nothing more. */
  #refuse(c: Client, code: number, msg: string): void {
    this.#send(c, errorFrame(code, msg));
    c.closing = true;
    clearTimeout(c.authTimer);
    c.ws.close();
  }

  #forget(c: Client, terminate: boolean): void {
    c.closing = true;
    clearTimeout(c.authTimer);
    this.#clients.delete(c);
    if (terminate) c.ws.terminate();
  }

  #send(c: Client, text: string): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(text);
  }
}

/** `symbol` is in the list, or the list holds `*`. */
function wants(list: readonly string[], symbol: string): boolean {
  return list.includes(symbol) || list.includes('*');
}

/** A client frame as a JSON object, or undefined (not JSON, or not an object). */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const j: unknown = JSON.parse(text);
    return typeof j === 'object' && j !== null && !Array.isArray(j)
      ? (j as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The text of a WebSocket message (one buffer, fragments or an ArrayBuffer). */
function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
