import { type Observable, Subject } from 'rxjs';
import { type Actor, createActor } from 'xstate';
import { wsFeedTransport } from '../../actors/ws-feed.actor.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { type WsFrameEvent, wsFeedMachine } from '../../machines/ws-feed.machine.ts';
import type { Clock } from '../../time/clock.ts';
import type { WsFeedAdapter } from '../ws/ws-feed.ts';
import {
  type AlpacaTradeUpdate,
  alpacaStreamAuth,
  alpacaStreamListen,
  decodeTradeStreamFrame
} from './alpaca-trading.codec.ts';

const V = 'alpaca';

/** Options of {@link TradeUpdatesStream}. */
export interface TradeUpdatesStreamOptions {
  /** e.g. `wss://paper-api.alpaca.markets/stream`. */
  readonly url: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly clock: Clock;
  /** Seeds the reconnect jitter (same seed, same delays). Default: seed 1. */
  readonly rng?: Rng;
  /** Streams to listen to. Default `['trade_updates']`. */
  readonly streams?: readonly string[];
  /** Without a frame for this long, a ping goes out (ms). */
  readonly pingMs?: number;
  /** No frame nor pong this long after the ping: the connection is stale and replaced (ms). */
  readonly staleMs?: number;
  /** Reconnect backoff: equal jitter over `min(maxMs, minMs·2^attempt)`. */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** Reconnects in total before giving up. Default: unbounded. */
  readonly maxReconnects?: number;
  /** WebSocket opening handshake timeout (ms). */
  readonly handshakeTimeoutMs?: number;
}

/** Where the stream is: `live` means authorized and listening. */
export type TradeUpdatesStatus = 'idle' | 'connecting' | 'authenticating' | 'live' | 'backoff' | 'stopped';

/**
 * The adapter that lets {@link wsFeedMachine} drive Alpaca's trading stream: authenticate, then listen.
 * Trade updates are not market data, so they leave through `onUpdate` as they are decoded; the machine sees
 * such a frame as a heartbeat. An `unauthorized` answer is a refused login (the feed stops: no reconnect
 * storm); an acknowledgement that leaves out a wanted stream is a fatal venue error.
 */
export function tradeUpdatesAdapter(
  keyId: string,
  secretKey: string,
  wanted: readonly string[],
  onUpdate: (u: AlpacaTradeUpdate) => void
): WsFeedAdapter {
  return {
    venue: V,
    needsAuth: true,
    books: false,
    resyncBy: 'reconnect',
    hello: () => [alpacaStreamAuth(keyId, secretKey)],
    subscribe: (streams) => [alpacaStreamListen(streams)],
    unsubscribe: () => [alpacaStreamListen([])],
    reset: () => {},
    decode: (text): WsFrameEvent[] => {
      const m = decodeTradeStreamFrame(text);
      if (m === null) return [];
      switch (m.stream) {
        case 'authorization':
          return m.data.status === 'authorized'
            ? [{ type: 'frame.authenticated' }]
            : [{ type: 'frame.authFailed', code: 401, msg: `unauthorized (${m.data.action})` }];
        case 'listening': {
          const missing = wanted.filter((s) => !m.data.streams.includes(s));
          if (missing.length > 0 || m.data.error !== undefined)
            return [
              {
                type: 'frame.venueError',
                code: 0,
                msg: m.data.error ?? `not listening to ${missing.join(', ')}`,
                fatal: true,
                resync: false
              }
            ];
          return [{ type: 'frame.subscribed', symbols: m.data.streams }];
        }
        case 'trade_updates':
          onUpdate(m.data);
          return [];
      }
    }
  };
}

function statusOf(value: unknown, subscribed: boolean): TradeUpdatesStatus {
  if (typeof value === 'string') {
    if (value === 'disconnected') return 'idle';
    if (value === 'connecting' || value === 'stopped') return value;
    return 'backoff'; // stale, closing, backoff
  }
  return subscribed ? 'live' : 'authenticating';
}

/**
 * Client of Alpaca's trading WebSocket (`wss://…/stream`, text or binary JSON frames): connects,
 * authenticates, waits to be authorized, listens to `trade_updates` and emits every decoded update on
 * `updates$`. The connection lifecycle is {@link wsFeedMachine}'s, over {@link wsFeedTransport}: ping and
 * stale detection, reconnects with seeded-jitter backoff, and a stop (no retry) when Alpaca refuses the
 * keys. Each time the stream is live again after a reconnect, `reconnected$` fires (updates sent while it
 * was down are lost: Alpaca replays nothing, so the consumer reconciles then). Malformed frames, staleness
 * and refusals go to `errors$` as typed errors; nothing is thrown out of the socket handlers.
 */
export class TradeUpdatesStream {
  readonly #actor: Actor<typeof wsFeedMachine>;
  readonly #updates = new Subject<AlpacaTradeUpdate>();
  readonly #errors = new Subject<TradestateError>();
  readonly #reconnected = new Subject<number>();
  readonly #status = new Subject<TradeUpdatesStatus>();
  /** Decoded trade updates, in arrival order. */
  readonly updates$: Observable<AlpacaTradeUpdate> = this.#updates.asObservable();
  /** Malformed frames (`TRD_ERR_WS_FRAME_INVALID`), staleness (`TRD_ERR_WS_STALE`), refusals (`TRD_ERR_WS_REJECTED`). */
  readonly errors$: Observable<TradestateError> = this.#errors.asObservable();
  /** Fires with the reconnect count each time the stream is live again after the first time. */
  readonly reconnected$: Observable<number> = this.#reconnected.asObservable();
  /** Status changes. */
  readonly status$: Observable<TradeUpdatesStatus> = this.#status.asObservable();
  /** Counters for tests and metrics. */
  readonly stats = { lives: 0, reconnects: 0, malformed: 0, stale: 0 };
  #state: TradeUpdatesStatus = 'idle';
  #live = false;
  #closed = false;

  constructor(o: TradeUpdatesStreamOptions) {
    const streams = o.streams ?? ['trade_updates'];
    const adapter = tradeUpdatesAdapter(o.keyId, o.secretKey, streams, (u) => {
      if (!this.#closed) this.#updates.next(u);
    });
    const machine = wsFeedMachine.provide({
      actors: {
        transport: wsFeedTransport({
          url: o.url,
          adapter,
          clock: o.clock,
          ...(o.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: o.handshakeTimeoutMs })
        })
      }
    });
    this.#actor = createActor(machine, {
      clock: o.clock,
      input: {
        needsAuth: true,
        books: false,
        resyncBy: 'reconnect',
        symbols: streams,
        seed: o.rng?.nextU32() ?? 1,
        ...(o.pingMs === undefined ? {} : { pingMs: o.pingMs }),
        ...(o.staleMs === undefined ? {} : { staleMs: o.staleMs }),
        ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
        ...(o.maxReconnects === undefined ? {} : { maxReconnects: o.maxReconnects })
      }
    });
    this.#actor.on('feed.frameInvalid', (e) => {
      this.stats.malformed++;
      this.#errors.next(e.error);
    });
    this.#actor.on('feed.stale', () => {
      this.stats.stale++;
      this.#errors.next(
        new TradestateError(ErrorCode.WS_STALE, `${V}: trading stream is stale`, { venue: V })
      );
    });
    this.#actor.on('feed.rejected', (e) =>
      this.#errors.next(
        new TradestateError(ErrorCode.WS_REJECTED, `${V} trading stream refused: ${e.code} ${e.msg}`, {
          venue: V,
          code: e.code,
          fatal: true
        })
      )
    );
    this.#actor.on('feed.venueError', (e) =>
      this.#errors.next(
        new TradestateError(ErrorCode.WS_REJECTED, `${V} trading stream error: ${e.code} ${e.msg}`, {
          venue: V,
          code: e.code,
          fatal: false
        })
      )
    );
    this.#actor.subscribe((snap) => {
      const live = snap.context.subscribed;
      if (live && !this.#live) {
        this.stats.lives++;
        if (this.stats.lives > 1) {
          this.stats.reconnects++;
          this.#reconnected.next(this.stats.reconnects);
        }
      }
      this.#live = live;
      const s = statusOf(snap.value, live);
      if (s === this.#state) return;
      this.#state = s;
      this.#status.next(s);
      if (s === 'stopped') this.#close();
    });
    this.#actor.start();
  }

  /** Current status. */
  get status(): TradeUpdatesStatus {
    return this.#state;
  }

  /** Connect (and keep reconnecting until {@link stop}). */
  start(): void {
    if (!this.#closed) this.#actor.send({ type: 'feed.start' });
  }

  /** Close for good; the observables complete. */
  stop(): void {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'feed.stop' });
    this.#close();
  }

  /** Call `fn` each time the stream is live again after a reconnect; returns the unsubscribe. */
  onReconnected(fn: (reconnects: number) => void): () => void {
    const sub = this.reconnected$.subscribe(fn);
    return () => sub.unsubscribe();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#actor.stop();
    this.#updates.complete();
    this.#errors.complete();
    this.#reconnected.complete();
    this.#status.complete();
  }
}
