import { describe, expect, it } from 'vitest';
import { createActor, fromCallback } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  backoffCap,
  type WsFeedEmitted,
  type WsFeedEvent,
  type WsFeedMachineInput,
  type WsTransportCommand,
  wsFeedMachine
} from '../../src/machines/ws-feed.machine.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

type Snap = ReturnType<typeof wsFeedMachine.transition>;

const CONFIGS: Record<string, WsFeedMachineInput> = {
  // Alpaca-like: authentication, no books, resync = reconnect
  alpaca: { needsAuth: true, books: false, resyncBy: 'reconnect', symbols: ['A'], maxReconnects: 3, seed: 9 },
  // Binance-like: books with sequence numbers, resync = fetch the snapshot again
  binance: { needsAuth: false, books: true, resyncBy: 'snapshot', symbols: ['A'], maxReconnects: 3, seed: 9 },
  // Coinbase-like: books, resync = reconnect
  coinbase: { needsAuth: true, books: true, resyncBy: 'reconnect', symbols: ['A'], maxReconnects: 3, seed: 9 }
};

const items = [] as const;
const EVENTS: WsFeedEvent[] = [
  { type: 'feed.start' },
  { type: 'feed.stop' },
  { type: 'feed.subscribe', symbols: ['A'] },
  { type: 'feed.unsubscribe', symbols: ['A'] },
  { type: 'socket.opened' },
  { type: 'socket.closed', reason: 'test' },
  { type: 'socket.errored', message: 'test' },
  { type: 'frame.authenticated' },
  { type: 'frame.authFailed', code: 402, msg: 'auth failed' },
  { type: 'frame.subscribed' },
  { type: 'frame.subscribed', symbols: [] }, // the venue lists what it holds: nothing
  { type: 'frame.snapshot', symbol: 'A', seq: 10, items },
  { type: 'frame.incremental', symbol: 'A', first: 11, last: 12, items }, // contiguous after the snapshot
  { type: 'frame.incremental', symbol: 'A', first: 9, last: 10, items }, // duplicate after the snapshot
  { type: 'frame.incremental', symbol: 'A', first: 20, last: 21, items }, // a gap
  { type: 'frame.incremental', symbol: 'A', items }, // no sequence numbers (Coinbase)
  { type: 'frame.data', items },
  { type: 'frame.heartbeat' },
  { type: 'frame.venueError', code: 409, msg: 'insufficient subscription', fatal: true, resync: false },
  {
    type: 'frame.venueError',
    code: 406,
    msg: 'connection limit exceeded',
    fatal: false,
    resync: false,
    retry: true
  },
  { type: 'frame.venueError', code: 407, msg: 'slow client', fatal: false, resync: true },
  { type: 'frame.venueError', code: 405, msg: 'symbol limit exceeded', fatal: false, resync: false },
  {
    type: 'frame.venueError',
    code: 405,
    msg: 'symbol limit exceeded',
    fatal: false,
    resync: false,
    refused: true
  },
  { type: 'frame.snapshotFailed', symbol: 'A', reason: 'test' },
  { type: 'buffer.high' },
  { type: 'buffer.low' },
  { type: 'buffer.overflowed', dropped: 5 }
];
const TIMERS = [
  'xstate.after.pingInterval.wsFeed.connected.watchdog.alive',
  'xstate.after.staleAfter.wsFeed.connected.watchdog.probing',
  'xstate.after.closeTimeout.wsFeed.stale',
  'xstate.after.closeTimeout.wsFeed.closing',
  'xstate.after.backoff.wsFeed.backoff'
].map((type) => ({ type }) as unknown as WsFeedEvent);
const ALL = [...EVENTS, ...TIMERS];

const serializeState = (s: Snap): string =>
  JSON.stringify([
    s.value,
    s.status,
    s.context.authed,
    s.context.subscribed,
    s.context.symbols,
    s.context.books,
    s.context.lastBook,
    s.context.resyncPending,
    s.context.retired,
    s.context.paused
  ]);

const stateName = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : Object.entries(v as Record<string, unknown>)
        .map(([k, c]) => `${k}.${stateName(c)}`)
        .join('+');

function replay(input: WsFeedMachineInput, events: readonly WsFeedEvent[]) {
  const emitted: WsFeedEmitted[] = [];
  const commands: WsTransportCommand[] = [];
  const machine = wsFeedMachine.provide({
    actors: { transport: fromCallback<WsTransportCommand>(({ receive }) => receive((c) => commands.push(c))) }
  });
  const actor = createActor(machine, { input, clock: new SimulatedClock(0n) });
  actor.on('*', (e) => void emitted.push(e as WsFeedEmitted));
  actor.start();
  for (const e of events) actor.send(e);
  return { actor, emitted, commands };
}

const isLive = (s: Snap): boolean => stateName(s.value).includes('session.live');

for (const [name, input] of Object.entries(CONFIGS)) {
  describe(`wsFeedMachine (${name}): model-based paths (xstate/graph)`, () => {
    const paths = getShortestPaths(wsFeedMachine, {
      events: ALL,
      input,
      serializeState,
      serializeEvent: (e) => JSON.stringify(e)
    });
    const reached = new Set(paths.map((p) => stateName(p.state.value)));

    it('reaches every state by a shortest path', () => {
      const expected = [
        'disconnected',
        'connecting',
        'connected.session.subscribing+watchdog.alive',
        'connected.session.live.synced+watchdog.alive',
        'connected.session.live.synced+watchdog.probing',
        'connected.session.live.synced+watchdog.suspended',
        'connected.session.subscribing+watchdog.suspended',
        'stale',
        'closing',
        'backoff',
        'stopped'
      ];
      if (input.needsAuth) expected.push('connected.session.authenticating+watchdog.alive');
      if (input.books) expected.push('connected.session.live.syncing+watchdog.probing');
      for (const s of expected) expect(reached, s).toContain(s);
    });

    it.each(paths.map((p) => ({ name: `${serializeState(p.state)}`, p })))(
      'every event from $name keeps the invariants',
      ({ p }) => {
        const prefix = p.steps.map((s) => s.event);
        for (const e of ALL) {
          const r = replay(input, prefix);
          const before = r.actor.getSnapshot();
          if (before.status === 'done') {
            // stopped is final: the actor is done and takes no more events
            expect(before.value).toBe('stopped');
            break;
          }
          const nEmit = r.emitted.length;
          const nCmd = r.commands.length;
          r.actor.send(e);
          const after = r.actor.getSnapshot();
          const out = r.emitted.slice(nEmit);
          const cmds = r.commands.slice(nCmd);
          const ctx = after.context;
          const where = `${stateName(before.value)} --${e.type}--> ${stateName(after.value)}`;

          // never live without being authenticated (when the venue wants it) and subscribed
          if (isLive(after)) {
            expect(ctx.subscribed, where).toBe(true);
            if (input.needsAuth) expect(ctx.authed, where).toBe(true);
          }
          // live.synced means every book is synced; out of `connected` no book is
          if (stateName(after.value).includes('live.synced'))
            expect(
              Object.values(ctx.books).every((b) => b.synced),
              where
            ).toBe(true);
          if (!stateName(after.value).startsWith('connected'))
            expect(
              Object.values(ctx.books).some((b) => b.synced),
              where
            ).toBe(false);

          // a gap never leaves the book marked synced, and its data never goes out
          const bookBefore = before.context.books['A'];
          if (
            e.type === 'frame.incremental' &&
            e.first !== undefined &&
            bookBefore?.synced &&
            bookBefore.seq !== undefined &&
            e.first > bookBefore.seq + 1
          ) {
            expect(ctx.books['A']?.synced ?? false, where).toBe(false);
            expect(
              out.some((o) => o.type === 'feed.data'),
              where
            ).toBe(false);
            expect(
              out.some((o) => o.type === 'feed.resync'),
              where
            ).toBe(true);
            if (input.resyncBy === 'snapshot')
              expect(cmds, where).toContainEqual({ type: 'transport.requestSnapshot', symbol: 'A' });
          }
          // data goes out only while live; a book's update only while its book is synced
          if (out.some((o) => o.type === 'feed.data')) {
            expect(isLive(after), where).toBe(true);
            if (e.type === 'frame.incremental' && input.books)
              expect(ctx.books['A']?.synced, where).toBe(true);
          }
          // entering backoff plans a delay within [cap/2, cap] of the attempt; the cap never shrinks
          if (after.value === 'backoff' && before.value !== 'backoff') {
            const cap = backoffCap(ctx.cfg.backoff, before.context.attempt);
            expect(ctx.backoffMs, where).toBeGreaterThanOrEqual(cap / 2);
            expect(ctx.backoffMs, where).toBeLessThanOrEqual(cap);
            expect(cap).toBeGreaterThanOrEqual(
              backoffCap(ctx.cfg.backoff, Math.max(0, before.context.attempt - 1))
            );
            expect(ctx.reconnects, where).toBeLessThanOrEqual(ctx.cfg.maxReconnects);
          }
          // once the subscribe request of the connection went out (acked or not), every change goes out at once;
          // before it, a change only edits what that request will carry
          const requestedBefore = stateName(before.value).match(/session\.(subscribing|live)/) !== null;
          if (e.type === 'feed.subscribe' || e.type === 'feed.unsubscribe') {
            const changed =
              e.type === 'feed.subscribe'
                ? e.symbols.filter((x) => !before.context.symbols.includes(x))
                : e.symbols.filter((x) => before.context.symbols.includes(x));
            const cmd = e.type === 'feed.subscribe' ? 'transport.subscribe' : 'transport.unsubscribe';
            if (requestedBefore && changed.length > 0)
              expect(cmds, where).toContainEqual({ type: cmd, symbols: changed });
            else expect(cmds, where).toEqual([]);
          }
          // an update of a book resubscribed on this connection, before its new snapshot, is a leftover of the
          // old subscription: ignored, never a reason to drop the connection
          if (
            e.type === 'frame.incremental' &&
            before.context.retired.includes(e.symbol) &&
            requestedBefore
          ) {
            expect(
              out.some((o) => o.type === 'feed.resync'),
              where
            ).toBe(false);
            expect(stateName(after.value), where).toMatch(/^connected/);
          }
          // the watchdog is suspended exactly while the consumer holds the transport paused (the socket is
          // not read, so a missing pong says nothing): no ping, never stale
          if (stateName(after.value).startsWith('connected'))
            expect(stateName(after.value).includes('watchdog.suspended'), where).toBe(ctx.paused);
          if (before.context.paused && stateName(before.value).startsWith('connected')) {
            expect(after.value, where).not.toBe('stale');
            expect(cmds, where).not.toContainEqual({ type: 'transport.ping' });
          }
          if (e.type === 'buffer.high') expect(ctx.paused, where).toBe(true);
          if (e.type === 'buffer.low') expect(ctx.paused, where).toBe(false);

          // every reconnect resubscribes everything
          if (before.value === 'connecting' && e.type === 'socket.opened' && ctx.symbols.length > 0) {
            const expectSub = !input.needsAuth;
            if (expectSub)
              expect(cmds, where).toContainEqual({ type: 'transport.subscribe', symbols: ctx.symbols });
            else expect(cmds, where).toContainEqual({ type: 'transport.authenticate' });
          }
          // a refused subscription leaves only what the venue confirmed wanted (a reconnect resends nothing refused)
          const wasConnected = typeof before.value === 'object' && 'connected' in (before.value as object);
          if (e.type === 'frame.venueError' && e.refused && wasConnected && after.value !== 'stopped') {
            for (const x of ctx.symbols) expect(ctx.confirmed, where).toContain(x);
          }
          if (after.value === 'stopped') expect(after.status, where).toBe('done');
          // a rejection stops the feed
          if (e.type === 'frame.authFailed' && stateName(before.value).startsWith('connected'))
            expect(after.value, where).toBe('stopped');
        }
      }
    );
  });
}
