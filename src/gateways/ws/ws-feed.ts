import { type Observable, Subject } from 'rxjs';
import WebSocket from 'ws';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { Rng } from '../../core/rng.ts';
import type { MarketData } from '../../messages/market-data.ts';
import type { Clock } from '../../time/clock.ts';

/** What a venue adapter makes of one frame. */
export interface AdapterResult {
  readonly data: readonly MarketData[];
  /** Authentication acknowledged: subscriptions may go out. */
  readonly authed?: boolean;
  /** The book lost sync (gap, bad sequence): reconnect and resubscribe for a fresh snapshot. */
  readonly resync?: boolean;
  /** The venue refused us (bad credentials, limits): stop reconnecting. */
  readonly fatal?: string;
}

/** Venue specifics of a market-data WebSocket: frames to send and how to read what comes back. */
export interface WsFeedAdapter {
  readonly venue: string;
  /** Wait for `authed` before subscribing. */
  readonly needsAuth: boolean;
  /** Frames sent right after the connection opens (authentication). */
  hello(): string[];
  subscribe(symbols: readonly string[]): string[];
  unsubscribe(symbols: readonly string[]): string[];
  /** Decode one frame; throws typed errors for malformed input. */
  decode(text: string, tsInit: Nanos): AdapterResult;
  /** A new connection: forget per-connection state. `push` delivers data produced asynchronously (REST snapshots). */
  reset(push: (r: AdapterResult) => void): void;
}

export interface WsFeedOptions {
  readonly url: string;
  readonly adapter: WsFeedAdapter;
  readonly clock: Clock;
  /** Seeded randomness for reconnect jitter. */
  readonly rng: Rng;
  /** Ping interval; a pong or any frame counts as life. */
  readonly pingMs?: number;
  /** No frame for this long: the feed is stale, reconnect. */
  readonly staleMs?: number;
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  readonly maxReconnects?: number;
  /** Pause reading from the socket above this many undelivered items, resume below `lowWater`. */
  readonly highWater?: number;
  readonly lowWater?: number;
  /** Hard bound of the buffer: beyond it the oldest items are dropped (and reported). */
  readonly maxBuffer?: number;
}

export type WsFeedStatus = 'idle' | 'connecting' | 'open' | 'ready' | 'backoff' | 'stopped';

/**
 * A resilient market-data WebSocket: authenticates, subscribes (and resubscribes after every reconnect),
 * pings and detects a stale feed, reconnects with exponential backoff and seeded jitter, resyncs on a
 * sequence gap, and hands canonical market data to `data$` through a bounded buffer that pauses the TCP
 * socket when the consumer falls behind. Malformed frames go to `errors$` (typed) and are skipped.
 */
export class WsFeed {
  readonly #o: Required<Omit<WsFeedOptions, 'maxReconnects'>> & { maxReconnects: number };
  readonly #data = new Subject<MarketData>();
  readonly #errors = new Subject<TradestateError>();
  readonly #status = new Subject<WsFeedStatus>();
  readonly data$: Observable<MarketData> = this.#data.asObservable();
  readonly errors$: Observable<TradestateError> = this.#errors.asObservable();
  readonly status$: Observable<WsFeedStatus> = this.#status.asObservable();
  readonly stats = { connects: 0, reconnects: 0, stale: 0, resyncs: 0, malformed: 0, dropped: 0, pauses: 0 };
  #ws: WebSocket | undefined;
  #symbols = new Set<string>();
  #state: WsFeedStatus = 'idle';
  #attempt = 0;
  #lastHeard = 0n;
  #timers: unknown[] = [];
  #buffer: MarketData[] = [];
  #draining = false;
  #paused = false;

  constructor(o: WsFeedOptions) {
    this.#o = {
      pingMs: 10_000,
      staleMs: 30_000,
      backoff: { minMs: 500, maxMs: 30_000 },
      highWater: 10_000,
      lowWater: 1_000,
      maxBuffer: 100_000,
      ...o,
      maxReconnects: o.maxReconnects ?? Number.POSITIVE_INFINITY
    };
  }

  get status(): WsFeedStatus {
    return this.#state;
  }

  /** Undelivered items. */
  get buffered(): number {
    return this.#buffer.length;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  stop(): void {
    this.#setState('stopped');
    this.#clearTimers();
    this.#ws?.terminate();
    this.#ws = undefined;
    this.#data.complete();
    this.#errors.complete();
    this.#status.complete();
  }

  subscribe(symbols: readonly string[]): void {
    const fresh = symbols.filter((s) => !this.#symbols.has(s));
    for (const s of fresh) this.#symbols.add(s);
    if (this.#state === 'ready' && fresh.length > 0)
      for (const f of this.#o.adapter.subscribe(fresh)) this.#ws?.send(f);
  }

  unsubscribe(symbols: readonly string[]): void {
    const gone = symbols.filter((s) => this.#symbols.delete(s));
    if (this.#state === 'ready' && gone.length > 0)
      for (const f of this.#o.adapter.unsubscribe(gone)) this.#ws?.send(f);
  }

  #setState(s: WsFeedStatus): void {
    if (this.#state === 'stopped') return;
    this.#state = s;
    this.#status.next(s);
  }

  #after(ms: number, fn: () => void): void {
    this.#timers.push(this.#o.clock.setTimeout(fn, ms));
  }

  #clearTimers(): void {
    for (const t of this.#timers) this.#o.clock.clearTimeout(t);
    this.#timers = [];
  }

  #connect(): void {
    if (this.#state === 'stopped') return;
    this.#setState('connecting');
    this.stats.connects++;
    const ws = new WebSocket(this.#o.url);
    this.#ws = ws;
    this.#paused = false;
    const adapter = this.#o.adapter;
    adapter.reset((r) => {
      if (this.#ws === ws) this.#onResult(r);
    });
    ws.on('open', () => {
      if (this.#ws !== ws) return;
      this.#setState('open');
      this.#lastHeard = this.#o.clock.now();
      for (const f of adapter.hello()) ws.send(f);
      if (!adapter.needsAuth) this.#ready();
      this.#heartbeat(ws);
    });
    ws.on('message', (raw: WebSocket.RawData) => {
      if (this.#ws !== ws) return;
      this.#lastHeard = this.#o.clock.now();
      const text = Array.isArray(raw)
        ? Buffer.concat(raw).toString('utf8')
        : Buffer.from(raw as ArrayBuffer).toString('utf8');
      let r: AdapterResult;
      try {
        r = adapter.decode(text, this.#o.clock.now());
      } catch (e) {
        this.stats.malformed++;
        this.#errors.next(
          isTradestateError(e)
            ? e
            : new TradestateError(ErrorCode.WS_FRAME_INVALID, String(e), { venue: adapter.venue })
        );
        return;
      }
      this.#onResult(r);
    });
    ws.on('pong', () => {
      if (this.#ws === ws) this.#lastHeard = this.#o.clock.now();
    });
    ws.on('error', () => {
      // 'close' follows
    });
    ws.on('close', () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#reconnect();
    });
  }

  #onResult(r: AdapterResult): void {
    if (r.fatal) {
      this.#errors.next(
        new TradestateError(ErrorCode.WS_REJECTED, r.fatal, { venue: this.#o.adapter.venue })
      );
      this.stop();
      return;
    }
    if (r.authed && this.#state === 'open') this.#ready();
    if (r.data.length > 0) {
      this.#attempt = 0;
      this.#enqueue(r.data);
    }
    if (r.resync) {
      this.stats.resyncs++;
      this.#drop();
    }
  }

  #ready(): void {
    this.#setState('ready');
    if (this.#symbols.size > 0)
      for (const f of this.#o.adapter.subscribe([...this.#symbols])) this.#ws?.send(f);
  }

  #heartbeat(ws: WebSocket): void {
    const tick = (): void => {
      if (this.#ws !== ws) return;
      const silent = Number(this.#o.clock.now() - this.#lastHeard) / 1e6;
      if (silent >= this.#o.staleMs) {
        this.stats.stale++;
        this.#errors.next(
          new TradestateError(ErrorCode.WS_STALE, `no frame for ${Math.round(silent)} ms`, {
            venue: this.#o.adapter.venue
          })
        );
        this.#drop();
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.ping();
      this.#after(Math.min(this.#o.pingMs, this.#o.staleMs / 2), tick);
    };
    this.#after(Math.min(this.#o.pingMs, this.#o.staleMs / 2), tick);
  }

  /** Abandon the current connection and reconnect. */
  #drop(): void {
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.terminate();
    this.#reconnect();
  }

  #reconnect(): void {
    this.#clearTimers();
    if (this.#state === 'stopped') return;
    if (this.stats.reconnects >= this.#o.maxReconnects) {
      this.stop();
      return;
    }
    this.stats.reconnects++;
    this.#setState('backoff');
    const { minMs, maxMs } = this.#o.backoff;
    const base = Math.min(maxMs, minMs * 2 ** this.#attempt);
    this.#attempt++;
    const delay = Math.round(base * (0.5 + 0.5 * this.#o.rng.next())); // "equal jitter"
    this.#after(delay, () => this.#connect());
  }

  #enqueue(items: readonly MarketData[]): void {
    for (const it of items) this.#buffer.push(it);
    const over = this.#buffer.length - this.#o.maxBuffer;
    if (over > 0) {
      this.#buffer.splice(0, over);
      this.stats.dropped += over;
      this.#errors.next(
        new TradestateError(ErrorCode.WS_BUFFER_OVERFLOW, `dropped ${over} oldest items`, {
          venue: this.#o.adapter.venue
        })
      );
    }
    if (!this.#paused && this.#buffer.length >= this.#o.highWater) this.#pause(true);
    if (!this.#draining) {
      this.#draining = true;
      setImmediate(() => this.#drain());
    }
  }

  #pause(on: boolean): void {
    const sock = (this.#ws as unknown as { _socket?: { pause(): void; resume(): void } } | undefined)
      ?._socket;
    if (on) {
      this.stats.pauses++;
      sock?.pause();
    } else sock?.resume();
    this.#paused = on;
  }

  /** Deliver in batches, yielding to I/O between them so a slow consumer pushes back on the socket. */
  #drain(): void {
    const batch = this.#buffer.splice(0, 512);
    for (const it of batch) {
      if (this.#state === 'stopped') return;
      this.#data.next(it);
    }
    if (this.#paused && this.#buffer.length <= this.#o.lowWater) this.#pause(false);
    if (this.#buffer.length > 0) setImmediate(() => this.#drain());
    else this.#draining = false;
  }
}
