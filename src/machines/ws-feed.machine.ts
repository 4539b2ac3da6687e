import { assign, emit, enqueueActions, fromCallback, not, raise, setup } from 'xstate';
import type { TradestateError } from '../core/errors.ts';
import type { MarketData } from '../messages/market-data.ts';

/**
 * The lifecycle of a market-data WebSocket feed as a pure statechart.
 *
 * disconnected → connecting → connected → (stale | closing) → backoff → connecting … → stopped.
 * `connected` is parallel:
 * - `session`: authenticating → subscribing → live (syncing | synced). `live` is entered only once the
 *   venue acknowledged authentication (when the venue needs it) and the subscription (an ack, or the first
 *   data frame, counts);
 * - `watchdog`: alive —(`pingInterval`, frames or not: they do not restart it)→ probing (a ping goes out) —
 *   (`staleAfter` without a frame or pong)→ the feed is stale and the connection is dropped. While the
 *   consumer's buffer holds the transport paused (`buffer.high` until `buffer.low`) the socket is not read,
 *   so no pong can arrive: the watchdog is `suspended` (no ping, no stale timer) and starts afresh in `alive`
 *   once reading resumes.
 *
 * Subscriptions: the first subscribe request of a connection carries every wanted symbol; from then on
 * (before the venue acked it, too) `feed.subscribe`/`feed.unsubscribe` go out at once, so the venue's set
 * follows every change. Earlier changes (before the connection, or while authenticating) only edit `symbols`.
 *
 * Books: every subscribed symbol of a venue with order books has a {@link WsBook}. A snapshot marks it
 * synced at the snapshot's sequence; an incremental update is checked by Binance's rule (generic for any
 * `[first, last]` sequence range): `last ≤ seq` is a duplicate and ignored, `first > seq + 1` is a gap,
 * anything else applies and sets `seq = last`. A gap (or an update for a book with no snapshot on a venue
 * that cannot re-request one) unsyncs the book and resyncs: `resyncBy: 'snapshot'` asks the transport for a
 * fresh snapshot of that symbol, `'reconnect'` drops the connection (a resubscription brings snapshots).
 * Not a lost sync: an update for a symbol unsubscribed and subscribed again on this connection that comes
 * before its new snapshot (the venue sent it before it handled the unsubscribe) is ignored.
 *
 * Reconnects wait `backoff`: equal jitter over an exponential cap, `min(maxMs, minMs·2^attempt)·(0.5 + 0.5·r)`
 * with `r` from a pure seeded generator kept in the context (same seed, same delays). The attempt counter
 * resets when the feed gets `live`. After every reconnect everything in `symbols` is resubscribed.
 *
 * I/O: the invoked `transport` actor (inert by default; `src/actors/ws-feed.actor.ts` provides the
 * WebSocket one) receives {@link WsTransportCommand}s and sends back socket and decoded frame events.
 * Output is emitted ({@link WsFeedEmitted}): canonical data, resyncs, staleness, rejections.
 */

/** A book's sync state. `seq` is the last applied sequence (undefined: the venue has none). */
export interface WsBook {
  readonly synced: boolean;
  readonly seq: number | undefined;
  /** Snapshot requests that failed in a row. */
  readonly retries: number;
}

export interface WsFeedConfig {
  /** The venue wants `frame.authenticated` before subscriptions. */
  readonly needsAuth: boolean;
  /** Subscribed symbols have order books that need a snapshot. */
  readonly books: boolean;
  /** How a book that lost sync is recovered. */
  readonly resyncBy: 'snapshot' | 'reconnect';
  readonly pingMs: number;
  readonly staleMs: number;
  /** How long to wait for the socket to close after we asked. */
  readonly closeMs: number;
  readonly backoff: { readonly minMs: number; readonly maxMs: number };
  readonly maxReconnects: number;
  /** Failed snapshot requests for one book before the connection is dropped instead. */
  readonly maxSnapshotRetries: number;
}

export interface WsFeedMachineInput extends Partial<WsFeedConfig> {
  readonly needsAuth: boolean;
  readonly books: boolean;
  readonly symbols?: readonly string[];
  /** Seed of the jitter generator. */
  readonly seed?: number;
}

export interface WsFeedContext {
  readonly cfg: WsFeedConfig;
  /** The symbols wanted. */
  readonly symbols: readonly string[];
  /** The symbols the venue last confirmed (its own list when it sends one). */
  readonly confirmed: readonly string[];
  readonly books: Readonly<Record<string, WsBook>>;
  readonly authed: boolean;
  /** The subscribe request of this connection went out: subscription changes are sent at once. */
  readonly requested: boolean;
  /** The venue acknowledged the subscription of this connection (or data proved it): the session is live. */
  readonly subscribed: boolean;
  /**
   * Symbols unsubscribed on this connection. Updates the venue sent before it handled the unsubscribe may
   * still arrive after a new subscribe: until the new snapshot, an unsynced book of one of these ignores its
   * updates instead of treating them as a lost sync.
   */
  readonly retired: readonly string[];
  /** The consumer's buffer holds the transport paused (`buffer.high` until `buffer.low`); across reconnects. */
  readonly paused: boolean;
  /** Consecutive reconnects since the feed was last live (the backoff exponent). */
  readonly attempt: number;
  /** Reconnects in total. */
  readonly reconnects: number;
  /** The current backoff delay. */
  readonly backoffMs: number;
  /** State of the jitter generator. */
  readonly seed: number;
  /** The book of the last frame whose data went out (undefined: the last data was not a book's). */
  readonly lastBook: string | undefined;
  /** Books dropped for a buffer overflow: their snapshots are re-requested once the buffer has drained. */
  readonly resyncPending: readonly string[];
}

/** Frames as decoded by a venue adapter. */
export type WsFrameEvent =
  | { readonly type: 'frame.authenticated' }
  | { readonly type: 'frame.authFailed'; readonly code: number; readonly msg: string }
  /** The venue acknowledged subscriptions; `symbols`, when the venue says, is its full current set. */
  | { readonly type: 'frame.subscribed'; readonly symbols?: readonly string[] }
  | {
      readonly type: 'frame.snapshot';
      readonly symbol: string;
      readonly seq?: number;
      readonly items: readonly MarketData[];
    }
  | {
      readonly type: 'frame.incremental';
      readonly symbol: string;
      readonly first?: number;
      readonly last?: number;
      readonly items: readonly MarketData[];
    }
  /** Data that needs no book sync (trades, quotes, bars). */
  | { readonly type: 'frame.data'; readonly items: readonly MarketData[] }
  /** A frame (or pong) with nothing else to say: the feed is alive. */
  | { readonly type: 'frame.heartbeat' }
  | {
      readonly type: 'frame.venueError';
      readonly code: number;
      readonly msg: string;
      /** The venue refused us: stop. */
      readonly fatal: boolean;
      /** Data was lost (e.g. a slow-client warning): reconnect. */
      readonly resync: boolean;
      /** The venue refused a subscription request (e.g. a symbol limit): keep only what it confirmed. */
      readonly refused?: boolean;
      /**
       * The venue refused this session for now (e.g. Alpaca's `406` while it still counts a session we lost):
       * report it, close, and reconnect after the backoff; it counts against `maxReconnects`.
       */
      readonly retry?: boolean;
    }
  | { readonly type: 'frame.snapshotFailed'; readonly symbol: string; readonly reason: string }
  | { readonly type: 'frame.invalid'; readonly error: TradestateError };

export type WsSocketEvent =
  | { readonly type: 'socket.opened' }
  | { readonly type: 'socket.closed'; readonly reason: string }
  | { readonly type: 'socket.errored'; readonly message: string };

export type WsFeedCommand =
  | { readonly type: 'feed.start' }
  | { readonly type: 'feed.stop' }
  | { readonly type: 'feed.subscribe'; readonly symbols: readonly string[] }
  | { readonly type: 'feed.unsubscribe'; readonly symbols: readonly string[] };

/** From the consumer-side buffer: above high water, below low water, beyond the hard bound. */
export type WsBufferEvent =
  | { readonly type: 'buffer.high' }
  | { readonly type: 'buffer.low' }
  | { readonly type: 'buffer.overflowed'; readonly dropped: number };

export type WsFeedEvent = WsFeedCommand | WsSocketEvent | WsFrameEvent | WsBufferEvent;

export type WsTransportCommand =
  | { readonly type: 'transport.connect' }
  | { readonly type: 'transport.authenticate' }
  | { readonly type: 'transport.subscribe'; readonly symbols: readonly string[] }
  | { readonly type: 'transport.unsubscribe'; readonly symbols: readonly string[] }
  | { readonly type: 'transport.requestSnapshot'; readonly symbol: string }
  | { readonly type: 'transport.ping' }
  | { readonly type: 'transport.pause' }
  | { readonly type: 'transport.resume' }
  | { readonly type: 'transport.close' };

export type WsResyncReason = 'gap' | 'orphan' | 'overflow' | 'snapshotFailed' | 'venue';

export type WsFeedEmitted =
  | { readonly type: 'feed.data'; readonly items: readonly MarketData[] }
  | {
      readonly type: 'feed.resync';
      readonly reason: WsResyncReason;
      readonly symbol?: string;
      readonly expected?: number;
      readonly got?: number;
    }
  | { readonly type: 'feed.duplicate'; readonly symbol: string; readonly last: number }
  | { readonly type: 'feed.stale' }
  | { readonly type: 'feed.reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'feed.rejected'; readonly code: number; readonly msg: string }
  | { readonly type: 'feed.venueError'; readonly code: number; readonly msg: string }
  /** Symbols the venue refused; they are no longer wanted (a reconnect does not resend them). */
  | { readonly type: 'feed.subscriptionRefused'; readonly symbols: readonly string[]; readonly code: number }
  | { readonly type: 'feed.frameInvalid'; readonly error: TradestateError }
  | { readonly type: 'feed.socketError'; readonly message: string };

type Ctx = WsFeedContext;

const DEFAULTS: Omit<WsFeedConfig, 'needsAuth' | 'books'> = {
  resyncBy: 'reconnect',
  pingMs: 10_000,
  staleMs: 30_000,
  closeMs: 1_000,
  backoff: { minMs: 500, maxMs: 30_000 },
  maxReconnects: Number.POSITIVE_INFINITY,
  maxSnapshotRetries: 3
};

/** One step of mulberry32: a uniform `r` in [0, 1) and the next state. Pure. */
export function nextJitter(seed: number): [r: number, seed: number] {
  const s = (seed + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s];
}

/** The backoff cap of an attempt: `min(maxMs, minMs·2^attempt)`. */
export function backoffCap(b: WsFeedConfig['backoff'], attempt: number): number {
  return Math.min(b.maxMs, b.minMs * 2 ** Math.min(attempt, 40));
}

const UNSYNCED: WsBook = { synced: false, seq: undefined, retries: 0 };

function booksFor(ctx: Ctx, symbols: readonly string[]): Record<string, WsBook> {
  if (!ctx.cfg.books) return {};
  return Object.fromEntries(symbols.map((s) => [s, ctx.books[s] ?? UNSYNCED]));
}

function unsyncAll(ctx: Ctx): Record<string, WsBook> {
  return Object.fromEntries(Object.keys(ctx.books).map((s) => [s, UNSYNCED]));
}

type IncrementalEvent = Extract<WsFeedEvent, { type: 'frame.incremental' }>;

/** What the sequence check makes of an incremental update. */
function classify(ctx: Ctx, e: IncrementalEvent): 'ignore' | 'orphan' | 'duplicate' | 'gap' | 'apply' {
  const b = ctx.books[e.symbol];
  if (!b) return ctx.cfg.books ? 'ignore' : 'apply'; // not (or no longer) subscribed
  // a snapshot is on its way (or, after a resubscription, this is a leftover of the old subscription)
  if (!b.synced)
    return ctx.cfg.resyncBy === 'reconnect' && !ctx.retired.includes(e.symbol) ? 'orphan' : 'ignore';
  if (b.seq === undefined || e.first === undefined || e.last === undefined) return 'apply';
  if (e.last <= b.seq) return 'duplicate';
  if (e.first > b.seq + 1) return 'gap';
  return 'apply';
}

const retryOrStop = [
  { guard: 'canReconnect', target: '#wsFeed.backoff' },
  { target: '#wsFeed.stopped' }
] as const;

export const wsFeedMachine = setup({
  types: {
    context: {} as WsFeedContext,
    events: {} as WsFeedEvent,
    input: {} as WsFeedMachineInput,
    emitted: {} as WsFeedEmitted
  },
  actors: {
    /** Socket I/O and decoding; inert here, provided by `src/actors/ws-feed.actor.ts`. */
    transport: fromCallback<WsTransportCommand>(() => {})
  },
  delays: {
    pingInterval: ({ context }) => context.cfg.pingMs,
    staleAfter: ({ context }) => context.cfg.staleMs,
    closeTimeout: ({ context }) => context.cfg.closeMs,
    backoff: ({ context }) => context.backoffMs
  },
  guards: {
    needsAuth: ({ context }) => context.cfg.needsAuth,
    noSymbols: ({ context }) => context.symbols.length === 0,
    paused: ({ context }) => context.paused,
    canReconnect: ({ context }) => context.reconnects < context.cfg.maxReconnects,
    allSynced: ({ context }) => Object.values(context.books).every((b) => b.synced),
    snapshotResync: ({ context }) => context.cfg.books && context.cfg.resyncBy === 'snapshot',
    fatalError: ({ event }) => event.type === 'frame.venueError' && event.fatal,
    resyncError: ({ event }) => event.type === 'frame.venueError' && event.resync,
    retryError: ({ event }) => event.type === 'frame.venueError' && event.retry === true,
    isOrphan: ({ context, event }) =>
      event.type === 'frame.incremental' && classify(context, event) === 'orphan',
    canRetrySnapshot: ({ context, event }) =>
      event.type === 'frame.snapshotFailed' &&
      context.cfg.resyncBy === 'snapshot' &&
      (context.books[event.symbol]?.retries ?? 0) < context.cfg.maxSnapshotRetries
  },
  actions: {
    connect: enqueueActions(({ enqueue }) => enqueue.sendTo('transport', { type: 'transport.connect' })),
    closeSocket: enqueueActions(({ enqueue }) => enqueue.sendTo('transport', { type: 'transport.close' })),
    ping: enqueueActions(({ enqueue }) => enqueue.sendTo('transport', { type: 'transport.ping' })),
    authenticate: enqueueActions(({ context, enqueue }) => {
      if (context.cfg.needsAuth) enqueue.sendTo('transport', { type: 'transport.authenticate' });
    }),
    subscribeAll: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ books: booksFor(context, context.symbols), requested: true });
      if (context.symbols.length > 0)
        enqueue.sendTo('transport', { type: 'transport.subscribe', symbols: context.symbols });
    }),
    markAuthed: assign({ authed: true }),
    markLive: assign({ subscribed: true, attempt: 0 }),
    resetSession: assign(({ context }) => ({
      authed: false,
      requested: false,
      subscribed: false,
      retired: [],
      books: unsyncAll(context),
      lastBook: undefined,
      resyncPending: []
    })),
    addSymbols: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'feed.subscribe') return;
      const fresh = [...new Set(event.symbols)].filter((s) => !context.symbols.includes(s));
      if (fresh.length === 0) return;
      const symbols = [...context.symbols, ...fresh];
      enqueue.assign({ symbols, books: { ...context.books, ...booksFor({ ...context, books: {} }, fresh) } });
      if (context.requested) enqueue.sendTo('transport', { type: 'transport.subscribe', symbols: fresh });
    }),
    removeSymbols: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'feed.unsubscribe') return;
      const gone = context.symbols.filter((s) => event.symbols.includes(s));
      if (gone.length === 0) return;
      const books = { ...context.books };
      for (const s of gone) delete books[s];
      enqueue.assign({
        symbols: context.symbols.filter((s) => !gone.includes(s)),
        confirmed: context.confirmed.filter((s) => !gone.includes(s)),
        books,
        // the venue had them on this connection: their updates may still be in flight
        ...(context.requested
          ? { retired: [...context.retired.filter((s) => !gone.includes(s)), ...gone] }
          : {})
      });
      if (context.requested) enqueue.sendTo('transport', { type: 'transport.unsubscribe', symbols: gone });
    }),
    /** A snapshot: the book is synced at its sequence (what follows is the new subscription's); its items go out. */
    applySnapshot: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'frame.snapshot') return;
      if (context.cfg.books && !context.books[event.symbol]) return; // unsubscribed meanwhile
      if (context.cfg.books)
        enqueue.assign({
          books: { ...context.books, [event.symbol]: { synced: true, seq: event.seq, retries: 0 } },
          lastBook: event.symbol,
          ...(context.retired.includes(event.symbol)
            ? { retired: context.retired.filter((s) => s !== event.symbol) }
            : {})
        });
      enqueue.emit({ type: 'feed.data', items: event.items });
    }),
    /** The sequence check of an incremental update. */
    applyIncremental: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'frame.incremental') return;
      const verdict = classify(context, event);
      const b = context.books[event.symbol];
      if (verdict === 'apply') {
        if (b && (event.last !== undefined || context.lastBook !== event.symbol))
          enqueue.assign({
            books: { ...context.books, [event.symbol]: { ...b, seq: event.last ?? b.seq } },
            lastBook: event.symbol
          });
        enqueue.emit({ type: 'feed.data', items: event.items });
      } else if (verdict === 'duplicate') {
        enqueue.emit({ type: 'feed.duplicate', symbol: event.symbol, last: event.last ?? 0 });
      } else if (verdict === 'gap') {
        enqueue.assign({ books: { ...context.books, [event.symbol]: UNSYNCED } });
        enqueue.emit({
          type: 'feed.resync',
          reason: 'gap',
          symbol: event.symbol,
          expected: (b?.seq ?? 0) + 1,
          got: event.first ?? 0
        });
        enqueue.sendTo('transport', { type: 'transport.requestSnapshot', symbol: event.symbol });
      }
    }),
    emitData: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'frame.data') return;
      if (context.lastBook !== undefined) enqueue.assign({ lastBook: undefined });
      enqueue.emit({ type: 'feed.data', items: event.items });
    }),
    retrySnapshot: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'frame.snapshotFailed') return;
      const b = context.books[event.symbol];
      if (!b) return;
      enqueue.assign({
        books: { ...context.books, [event.symbol]: { ...UNSYNCED, retries: b.retries + 1 } }
      });
      enqueue.emit({ type: 'feed.resync', reason: 'snapshotFailed', symbol: event.symbol });
      enqueue.sendTo('transport', { type: 'transport.requestSnapshot', symbol: event.symbol });
    }),
    /**
     * Overflow with snapshot resync: the refused frame was the last one handled, so the book it belonged
     * to lost data: unsync it; its snapshot is re-requested once the buffer drained. (Refused trades or
     * quotes cannot be recovered; the overflow error reports them.)
     */
    dropLastBook: enqueueActions(({ context, enqueue }) => {
      const symbol = context.lastBook;
      if (symbol === undefined || !context.books[symbol]) return;
      enqueue.assign({
        books: { ...context.books, [symbol]: UNSYNCED },
        lastBook: undefined,
        resyncPending: [...context.resyncPending.filter((s) => s !== symbol), symbol]
      });
      enqueue.emit({ type: 'feed.resync', reason: 'overflow', symbol });
    }),
    requestPendingSnapshots: enqueueActions(({ context, enqueue }) => {
      if (context.resyncPending.length === 0) return;
      enqueue.assign({ resyncPending: [] });
      for (const symbol of context.resyncPending)
        if (context.books[symbol] && !context.books[symbol].synced)
          enqueue.sendTo('transport', { type: 'transport.requestSnapshot', symbol });
    }),
    emitResync: emit((_, params: { reason: WsResyncReason }) => ({
      type: 'feed.resync' as const,
      reason: params.reason
    })),
    emitStale: emit({ type: 'feed.stale' }),
    emitRejected: emit(({ event }) => ({
      type: 'feed.rejected' as const,
      code: event.type === 'frame.authFailed' || event.type === 'frame.venueError' ? event.code : 0,
      msg: event.type === 'frame.authFailed' || event.type === 'frame.venueError' ? event.msg : ''
    })),
    /** The venue's acknowledgement is the truth about what is subscribed. */
    confirm: assign(({ context, event }) =>
      event.type === 'frame.subscribed' ? { confirmed: event.symbols ?? context.symbols } : {}
    ),
    /** A refused request: stop wanting what the venue did not confirm, so no reconnect resends it. */
    dropRefused: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'frame.venueError' || !event.refused) return;
      const gone = context.symbols.filter((x) => !context.confirmed.includes(x));
      if (gone.length === 0) return;
      const books = { ...context.books };
      for (const x of gone) delete books[x];
      enqueue.assign({ symbols: context.symbols.filter((x) => context.confirmed.includes(x)), books });
      enqueue.emit({ type: 'feed.subscriptionRefused', symbols: gone, code: event.code });
    }),
    emitVenueError: emit(({ event }) => ({
      type: 'feed.venueError' as const,
      code: event.type === 'frame.venueError' ? event.code : 0,
      msg: event.type === 'frame.venueError' ? event.msg : ''
    })),
    emitFrameInvalid: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'frame.invalid') enqueue.emit({ type: 'feed.frameInvalid', error: event.error });
    }),
    emitSocketError: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'socket.errored') enqueue.emit({ type: 'feed.socketError', message: event.message });
    }),
    pause: enqueueActions(({ enqueue }) => {
      enqueue.assign({ paused: true });
      enqueue.sendTo('transport', { type: 'transport.pause' });
    }),
    resume: enqueueActions(({ enqueue }) => {
      enqueue.assign({ paused: false });
      enqueue.sendTo('transport', { type: 'transport.resume' });
    }),
    /** Entering backoff: the next delay, equal jitter over the exponential cap. */
    planBackoff: enqueueActions(({ context, enqueue }) => {
      const [r, seed] = nextJitter(context.seed);
      const cap = backoffCap(context.cfg.backoff, context.attempt);
      const delayMs = Math.round(cap * (0.5 + 0.5 * r));
      enqueue.assign({
        attempt: context.attempt + 1,
        reconnects: context.reconnects + 1,
        backoffMs: delayMs,
        seed
      });
      enqueue.emit({ type: 'feed.reconnecting', attempt: context.attempt + 1, delayMs });
    })
  }
}).createMachine({
  id: 'wsFeed',
  context: ({ input }) => {
    const { symbols = [], seed = 1, ...cfg } = input;
    const full: WsFeedConfig = { ...DEFAULTS, ...cfg };
    return {
      cfg: full,
      symbols: [...new Set(symbols)],
      confirmed: [],
      books: full.books ? Object.fromEntries([...new Set(symbols)].map((s) => [s, UNSYNCED])) : {},
      authed: false,
      requested: false,
      subscribed: false,
      retired: [],
      paused: false,
      attempt: 0,
      reconnects: 0,
      backoffMs: 0,
      seed: seed >>> 0,
      lastBook: undefined,
      resyncPending: []
    };
  },
  invoke: { id: 'transport', src: 'transport' },
  initial: 'disconnected',
  on: {
    'feed.stop': '.stopped',
    'feed.subscribe': { actions: 'addSymbols' },
    'feed.unsubscribe': { actions: 'removeSymbols' },
    'buffer.high': { actions: 'pause' },
    'buffer.low': { actions: 'resume' },
    'frame.invalid': { actions: 'emitFrameInvalid' },
    'socket.errored': { actions: 'emitSocketError' }
  },
  states: {
    disconnected: {
      on: { 'feed.start': 'connecting' }
    },
    connecting: {
      entry: 'connect',
      on: {
        'socket.opened': 'connected',
        'socket.closed': [...retryOrStop]
      }
    },
    connected: {
      type: 'parallel',
      exit: 'resetSession',
      on: {
        'socket.closed': [...retryOrStop]
      },
      states: {
        session: {
          initial: 'authenticating',
          // on the session region (before the watchdog in document order), so that these win over the
          // watchdog's `frame.*` in `probing`
          on: {
            'frame.authFailed': { target: '#wsFeed.stopped', actions: 'emitRejected' },
            'frame.venueError': [
              { guard: 'fatalError', target: '#wsFeed.stopped', actions: 'emitRejected' },
              {
                guard: 'resyncError',
                target: '#wsFeed.closing',
                actions: [{ type: 'emitResync', params: { reason: 'venue' } }]
              },
              { guard: 'retryError', target: '#wsFeed.closing', actions: 'emitVenueError' },
              { actions: ['dropRefused', 'emitVenueError'] }
            ],
            'frame.subscribed': { actions: 'confirm' }
          },
          states: {
            authenticating: {
              always: { guard: not('needsAuth'), target: 'subscribing' },
              entry: 'authenticate',
              on: { 'frame.authenticated': { target: 'subscribing', actions: 'markAuthed' } }
            },
            subscribing: {
              entry: 'subscribeAll',
              always: { guard: 'noSymbols', target: 'live', actions: 'markLive' },
              on: {
                'frame.subscribed': { target: 'live', actions: ['confirm', 'markLive'] },
                // data proves the subscription: go live and handle the frame there
                'frame.snapshot': { target: 'live', actions: ['markLive', raise(({ event }) => event)] },
                'frame.incremental': { target: 'live', actions: ['markLive', raise(({ event }) => event)] },
                'frame.data': { target: 'live', actions: ['markLive', raise(({ event }) => event)] }
              }
            },
            live: {
              initial: 'syncing',
              on: {
                'frame.snapshot': { actions: 'applySnapshot' },
                'frame.incremental': [
                  {
                    guard: 'isOrphan',
                    target: '#wsFeed.closing',
                    actions: [{ type: 'emitResync', params: { reason: 'orphan' } }]
                  },
                  { actions: 'applyIncremental' }
                ],
                'frame.data': { actions: 'emitData' },
                'buffer.low': { actions: ['resume', 'requestPendingSnapshots'] },
                'frame.snapshotFailed': [
                  { guard: 'canRetrySnapshot', actions: 'retrySnapshot' },
                  {
                    target: '#wsFeed.closing',
                    actions: [{ type: 'emitResync', params: { reason: 'snapshotFailed' } }]
                  }
                ],
                'buffer.overflowed': [
                  { guard: 'snapshotResync', actions: 'dropLastBook' },
                  {
                    target: '#wsFeed.closing',
                    actions: [{ type: 'emitResync', params: { reason: 'overflow' } }]
                  }
                ]
              },
              states: {
                syncing: { always: { guard: 'allSynced', target: 'synced' } },
                synced: { always: { guard: not('allSynced'), target: 'syncing' } }
              }
            }
          }
        },
        watchdog: {
          initial: 'alive',
          states: {
            alive: {
              always: { guard: 'paused', target: 'suspended' },
              after: { pingInterval: 'probing' }
            },
            probing: {
              always: { guard: 'paused', target: 'suspended' },
              entry: 'ping',
              on: { 'frame.*': 'alive' },
              after: { staleAfter: '#wsFeed.stale' }
            },
            // the transport is paused for backpressure: frames and pongs wait unread, which is not staleness
            suspended: {
              always: { guard: not('paused'), target: 'alive' }
            }
          }
        }
      }
    },
    stale: {
      entry: ['emitStale', 'closeSocket'],
      on: { 'socket.closed': [...retryOrStop] },
      after: { closeTimeout: [...retryOrStop] }
    },
    closing: {
      entry: 'closeSocket',
      on: { 'socket.closed': [...retryOrStop] },
      after: { closeTimeout: [...retryOrStop] }
    },
    backoff: {
      entry: 'planBackoff',
      after: { backoff: 'connecting' }
    },
    stopped: {
      type: 'final',
      entry: 'closeSocket'
    }
  }
});
