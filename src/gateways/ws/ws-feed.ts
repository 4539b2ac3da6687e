import { type Observable, Subject } from 'rxjs';
import { type Actor, createActor } from 'xstate';
import { wsFeedTransport } from '../../actors/ws-feed.actor.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { Rng } from '../../core/rng.ts';
import { type WsFrameEvent, wsFeedMachine } from '../../machines/ws-feed.machine.ts';
import type { MarketData } from '../../messages/market-data.ts';
import type { Clock } from '../../time/clock.ts';

/** Venue specifics of a market-data WebSocket: frames to send and how to read what comes back. */
export interface WsFeedAdapter {
  readonly venue: string;
  /** Wait for `frame.authenticated` before subscribing. */
  readonly needsAuth: boolean;
  /** Subscribed symbols have order books (snapshot + incremental updates). */
  readonly books: boolean;
  /** How a book that lost sync is recovered: a fresh snapshot of the symbol, or a new connection. */
  readonly resyncBy: 'snapshot' | 'reconnect';
  /** Frames sent right after the connection opens when `needsAuth` (authentication). */
  hello(): string[];
  subscribe(symbols: readonly string[]): string[];
  unsubscribe(symbols: readonly string[]): string[];
  /** Start fetching a fresh snapshot of one book (`resyncBy: 'snapshot'`); returns frames to send, if any. */
  requestSnapshot?(symbol: string): string[];
  /** Decode one frame into feed events; throws typed errors for malformed input. */
  decode(text: string, tsInit: Nanos): WsFrameEvent[];
  /** A new connection: forget per-connection state. `push` delivers events produced asynchronously (REST snapshots). */
  reset(push: (events: WsFrameEvent[]) => void): void;
  /** The feed stopped: abort what is still under way (REST snapshot fetches). */
  close?(): void;
}

export interface WsFeedOptions {
  readonly url: string;
  readonly adapter: WsFeedAdapter;
  readonly clock: Clock;
  /** Seeded randomness for reconnect jitter (seeds the machine's pure generator). */
  readonly rng: Rng;
  /**
   * A ping goes out this long after the watchdog last started (connected, or answered by a frame or pong),
   * busy feed or not: frames do not put it off (that would cost a timer per frame on the hot path).
   */
  readonly pingMs?: number;
  /**
   * No frame nor pong this long after the ping: the feed is stale, reconnect. Not judged while the socket is
   * paused for backpressure (nothing is read then); the watchdog starts afresh when reading resumes.
   */
  readonly staleMs?: number;
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  readonly maxReconnects?: number;
  /** Pause reading from the socket at this many undelivered items, resume at `lowWater`. */
  readonly highWater?: number;
  readonly lowWater?: number;
  /**
   * Hard bound of the buffer. A frame whose items would not fit is not delivered at all: a typed
   * `TRD_ERR_WS_BUFFER_OVERFLOW` goes to `errors$` and the feed resyncs (fresh snapshots or a new connection).
   */
  readonly maxBuffer?: number;
  /** Initial subscriptions. */
  readonly symbols?: readonly string[];
}

export type WsFeedStatus = 'idle' | 'connecting' | 'open' | 'ready' | 'backoff' | 'stopped';

/** Delivery batch between yields to I/O. */
const BATCH = 512;

function statusOf(value: unknown): WsFeedStatus {
  if (typeof value === 'string') {
    if (value === 'disconnected') return 'idle';
    if (value === 'connecting' || value === 'stopped') return value;
    return 'backoff'; // stale, closing, backoff
  }
  const session = (value as { connected?: { session?: unknown } }).connected?.session;
  return typeof session === 'object' ? 'ready' : 'open';
}

/**
 * A resilient market-data WebSocket. The decisions (authenticate, subscribe and resubscribe after every
 * reconnect, ping and stale detection, backoff with seeded jitter, sequence checks and resync) are taken by
 * {@link wsFeedMachine}; the socket and decoding are {@link wsFeedTransport}'s. This class runs the two and
 * hands canonical market data to `data$` through a bounded buffer that pauses the TCP socket when the
 * consumer falls behind. Malformed frames go to `errors$` (typed) and are skipped.
 */
export class WsFeed {
  readonly #o: WsFeedOptions & { highWater: number; lowWater: number; maxBuffer: number };
  readonly #actor: Actor<typeof wsFeedMachine>;
  readonly #data = new Subject<MarketData>();
  readonly #errors = new Subject<TradestateError>();
  readonly #status = new Subject<WsFeedStatus>();
  readonly data$: Observable<MarketData> = this.#data.asObservable();
  readonly errors$: Observable<TradestateError> = this.#errors.asObservable();
  readonly status$: Observable<WsFeedStatus> = this.#status.asObservable();
  readonly stats = {
    connects: 0,
    reconnects: 0,
    stale: 0,
    resyncs: 0,
    malformed: 0,
    duplicates: 0,
    dropped: 0,
    overflows: 0,
    pauses: 0
  };
  #state: WsFeedStatus = 'idle';
  #buffer: MarketData[] = [];
  #head = 0;
  #draining = false;
  #paused = false;
  #closed = false;

  constructor(o: WsFeedOptions) {
    this.#o = { highWater: 10_000, lowWater: 1_000, maxBuffer: 100_000, ...o };
    const a = o.adapter;
    const machine = wsFeedMachine.provide({
      actors: { transport: wsFeedTransport({ url: o.url, adapter: a, clock: o.clock }) }
    });
    this.#actor = createActor(machine, {
      clock: o.clock,
      input: {
        needsAuth: a.needsAuth,
        books: a.books,
        resyncBy: a.resyncBy,
        symbols: o.symbols ?? [],
        seed: o.rng.nextU32(),
        ...(o.pingMs === undefined ? {} : { pingMs: o.pingMs }),
        ...(o.staleMs === undefined ? {} : { staleMs: o.staleMs }),
        ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
        ...(o.maxReconnects === undefined ? {} : { maxReconnects: o.maxReconnects })
      }
    });
    const venue = a.venue;
    this.#actor.on('feed.data', (e) => this.#enqueue(e.items));
    this.#actor.on('feed.frameInvalid', (e) => {
      this.stats.malformed++;
      this.#errors.next(e.error);
    });
    this.#actor.on('feed.stale', () => {
      this.stats.stale++;
      this.#errors.next(new TradestateError(ErrorCode.WS_STALE, 'no frame nor pong: stale feed', { venue }));
    });
    this.#actor.on('feed.resync', () => void this.stats.resyncs++);
    this.#actor.on('feed.duplicate', () => void this.stats.duplicates++);
    this.#actor.on('feed.reconnecting', () => void this.stats.reconnects++);
    this.#actor.on('feed.rejected', (e) =>
      this.#errors.next(
        new TradestateError(ErrorCode.WS_REJECTED, `${venue} refused: ${e.code} ${e.msg}`, {
          venue,
          code: e.code
        })
      )
    );
    this.#actor.on('feed.venueError', (e) =>
      this.#errors.next(
        new TradestateError(ErrorCode.WS_REJECTED, `${venue} error: ${e.code} ${e.msg}`, {
          venue,
          code: e.code,
          fatal: false
        })
      )
    );
    this.#actor.subscribe((snap) => {
      const s = statusOf(snap.value);
      if (s === this.#state) return;
      this.#state = s;
      if (s === 'connecting') this.stats.connects++;
      this.#status.next(s);
      if (s === 'stopped') this.#close();
    });
    this.#actor.start();
  }

  get status(): WsFeedStatus {
    return this.#state;
  }

  /** The symbols this feed keeps subscribed (a symbol the venue refused is dropped from it). */
  get symbols(): readonly string[] {
    return this.#actor.getSnapshot().context.symbols;
  }

  /** Undelivered items. */
  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  /** The machine's snapshot (state and context), for inspection. */
  get snapshot(): ReturnType<Actor<typeof wsFeedMachine>['getSnapshot']> {
    return this.#actor.getSnapshot();
  }

  start(): void {
    if (this.#closed) return;
    this.#actor.send({ type: 'feed.start' });
  }

  stop(): void {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'feed.stop' });
    this.#close();
  }

  subscribe(symbols: readonly string[]): void {
    if (this.#closed) return;
    this.#actor.send({ type: 'feed.subscribe', symbols });
  }

  unsubscribe(symbols: readonly string[]): void {
    if (this.#closed) return;
    this.#actor.send({ type: 'feed.unsubscribe', symbols });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#actor.stop();
    this.#o.adapter.close?.();
    this.#buffer = [];
    this.#head = 0;
    this.#data.complete();
    this.#errors.complete();
    this.#status.complete();
  }

  /** All of a frame's items, or none: beyond `maxBuffer` the frame is refused and the feed resyncs. */
  #enqueue(items: readonly MarketData[]): void {
    if (this.#closed || items.length === 0) return;
    if (this.buffered + items.length > this.#o.maxBuffer) {
      this.stats.dropped += items.length;
      this.stats.overflows++;
      this.#errors.next(
        new TradestateError(
          ErrorCode.WS_BUFFER_OVERFLOW,
          `buffer full (${this.buffered} of ${this.#o.maxBuffer}): ${items.length} items refused, resyncing`,
          { venue: this.#o.adapter.venue, buffered: this.buffered, refused: items.length }
        )
      );
      // stop reading and resync once drained (the machine decides how: snapshots or a new connection)
      if (!this.#paused) {
        this.#paused = true;
        this.stats.pauses++;
        this.#actor.send({ type: 'buffer.high' });
      }
      this.#actor.send({ type: 'buffer.overflowed', dropped: items.length });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => this.#drain());
      }
      return;
    }
    for (const it of items) this.#buffer.push(it);
    if (!this.#paused && this.buffered >= this.#o.highWater) {
      this.#paused = true;
      this.stats.pauses++;
      this.#actor.send({ type: 'buffer.high' });
    }
    if (!this.#draining) {
      this.#draining = true;
      setImmediate(() => this.#drain());
    }
  }

  /** Deliver in batches, yielding to I/O between them so a slow consumer pushes back on the socket. */
  #drain(): void {
    if (this.#closed) return;
    const end = Math.min(this.#buffer.length, this.#head + BATCH);
    while (this.#head < end) {
      if (this.#closed) return;
      const it = this.#buffer[this.#head++]!;
      this.#data.next(it);
    }
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    } else if (this.#head > 4 * BATCH && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.buffered <= this.#o.lowWater) {
      this.#paused = false;
      this.#actor.send({ type: 'buffer.low' });
    }
    if (this.buffered > 0) setImmediate(() => this.#drain());
    else this.#draining = false;
  }
}
