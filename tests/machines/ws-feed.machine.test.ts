import { describe, expect, it } from 'vitest';
import { createActor, fromCallback } from 'xstate';
import { NS_PER_MS } from '../../src/core/nanos.ts';
import {
  backoffCap,
  type WsFeedEmitted,
  type WsFeedMachineInput,
  type WsTransportCommand,
  wsFeedMachine
} from '../../src/machines/ws-feed.machine.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

const BINANCE_LIKE: WsFeedMachineInput = {
  needsAuth: false,
  books: true,
  resyncBy: 'snapshot',
  symbols: ['A'],
  pingMs: 100,
  staleMs: 300,
  backoff: { minMs: 10, maxMs: 1_000 },
  seed: 42
};

function start(input: WsFeedMachineInput) {
  const clock = new SimulatedClock(0n);
  const emitted: WsFeedEmitted[] = [];
  const commands: WsTransportCommand[] = [];
  const machine = wsFeedMachine.provide({
    actors: { transport: fromCallback<WsTransportCommand>(({ receive }) => receive((c) => commands.push(c))) }
  });
  const actor = createActor(machine, { input, clock });
  actor.on('*', (e) => void emitted.push(e as WsFeedEmitted));
  actor.start();
  const advance = (ms: number): void => clock.advanceTo(clock.now() + BigInt(ms) * NS_PER_MS);
  return { actor, emitted, commands, advance, clock };
}

const item = (seq: number): MarketData => ({ type: 'market.book_delta', seq }) as unknown as MarketData; // only identity matters here

describe('wsFeedMachine', () => {
  it('connect → subscribe → live.syncing → snapshot → live.synced, data delivered in order', () => {
    const f = start(BINANCE_LIKE);
    f.actor.send({ type: 'feed.start' });
    expect(f.commands).toEqual([{ type: 'transport.connect' }]);
    f.actor.send({ type: 'socket.opened' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['A'] });
    expect(f.actor.getSnapshot().matches({ connected: { session: 'subscribing' } })).toBe(true);
    f.actor.send({ type: 'frame.subscribed' });
    expect(f.actor.getSnapshot().matches({ connected: { session: { live: 'syncing' } } })).toBe(true);
    f.actor.send({ type: 'frame.snapshot', symbol: 'A', seq: 100, items: [item(100)] });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', first: 99, last: 101, items: [item(101)] }); // brackets 101
    f.actor.send({ type: 'frame.incremental', symbol: 'A', first: 102, last: 103, items: [item(103)] });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', first: 102, last: 103, items: [item(999)] }); // duplicate
    expect(f.actor.getSnapshot().matches({ connected: { session: { live: 'synced' } } })).toBe(true);
    const data = f.emitted.flatMap((e) =>
      e.type === 'feed.data' ? e.items.map((i) => (i as { seq: number }).seq) : []
    );
    expect(data).toEqual([100, 101, 103]);
    expect(f.emitted.filter((e) => e.type === 'feed.duplicate')).toHaveLength(1);
    expect(f.actor.getSnapshot().context.books['A']).toEqual({ synced: true, seq: 103, retries: 0 });
  });

  it('a gap unsyncs the book, re-requests the snapshot and holds data back until it arrives', () => {
    const f = start(BINANCE_LIKE);
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.snapshot', symbol: 'A', seq: 10, items: [item(10)] });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', first: 12, last: 12, items: [item(12)] }); // 11 lost
    expect(f.actor.getSnapshot().context.books['A']?.synced).toBe(false);
    expect(f.actor.getSnapshot().matches({ connected: { session: { live: 'syncing' } } })).toBe(true);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.requestSnapshot', symbol: 'A' });
    expect(f.emitted.find((e) => e.type === 'feed.resync')).toMatchObject({
      reason: 'gap',
      expected: 11,
      got: 12
    });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', first: 13, last: 13, items: [item(13)] }); // held back
    f.actor.send({ type: 'frame.snapshot', symbol: 'A', seq: 13, items: [item(1013)] });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', first: 14, last: 14, items: [item(14)] });
    const data = f.emitted.flatMap((e) =>
      e.type === 'feed.data' ? e.items.map((i) => (i as { seq: number }).seq) : []
    );
    expect(data).toEqual([10, 1013, 14]);
    // still connected: a snapshot resync does not reconnect
    expect(f.commands.filter((c) => c.type === 'transport.connect')).toHaveLength(1);
  });

  it('no frame for pingInterval → ping; no answer for staleAfter → stale, close, backoff, reconnect, resubscribe', () => {
    const f = start({ ...BINANCE_LIKE, needsAuth: true });
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.authenticate' });
    f.actor.send({ type: 'frame.authenticated' });
    f.actor.send({ type: 'frame.subscribed' });
    f.actor.send({ type: 'feed.subscribe', symbols: ['B'] }); // while live: sent at once
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['B'] });
    f.advance(99);
    expect(f.commands.some((c) => c.type === 'transport.ping')).toBe(false);
    f.advance(1);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.ping' });
    f.actor.send({ type: 'frame.heartbeat' }); // the pong: alive again
    f.advance(100); // next ping
    f.advance(299);
    expect(f.actor.getSnapshot().value).not.toBe('stale');
    f.advance(1);
    expect(f.actor.getSnapshot().value).toBe('stale');
    expect(f.emitted.some((e) => e.type === 'feed.stale')).toBe(true);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.close' });
    expect(f.actor.getSnapshot().context.authed).toBe(false);
    f.actor.send({ type: 'socket.closed', reason: 'terminated' });
    expect(f.actor.getSnapshot().value).toBe('backoff');
    const delay = f.actor.getSnapshot().context.backoffMs;
    f.advance(delay);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.connect' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.authenticated' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['A', 'B'] }); // everything again
  });

  it('a subscription change while the subscribe request is in flight goes out at once, not only once live', () => {
    const f = start({ ...BINANCE_LIKE, needsAuth: true });
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    // authenticating: nothing sent yet, so the change is folded into the coming subscribe request
    f.actor.send({ type: 'feed.subscribe', symbols: ['B'] });
    expect(f.commands.some((c) => c.type === 'transport.subscribe')).toBe(false);
    f.actor.send({ type: 'frame.authenticated' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['A', 'B'] });
    // subscribing: the request is out, the venue has not acked it yet
    f.actor.send({ type: 'feed.subscribe', symbols: ['C'] });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['C'] });
    f.actor.send({ type: 'feed.unsubscribe', symbols: ['A'] });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.unsubscribe', symbols: ['A'] });
    f.actor.send({ type: 'frame.subscribed' });
    for (const s of ['B', 'C']) f.actor.send({ type: 'frame.snapshot', symbol: s, seq: 1, items: [item(1)] });
    expect(f.actor.getSnapshot().matches({ connected: { session: { live: 'synced' } } })).toBe(true);
    // the same after a reconnect: a change before the ack of the resubscription is sent at once
    f.actor.send({ type: 'socket.closed', reason: 'dropped' });
    f.advance(f.actor.getSnapshot().context.backoffMs);
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.authenticated' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['B', 'C'] });
    f.actor.send({ type: 'feed.unsubscribe', symbols: ['B'] });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.unsubscribe', symbols: ['B'] });
    f.actor.send({ type: 'feed.subscribe', symbols: ['D'] });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.subscribe', symbols: ['D'] });
  });

  it('backpressure suspends the stale watchdog (no ping, never stale while paused); it restarts on buffer.low', () => {
    const f = start(BINANCE_LIKE);
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.subscribed' });
    f.advance(100);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.ping' }); // probing: the pong is not read yet
    f.actor.send({ type: 'buffer.high' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.pause' });
    expect(f.actor.getSnapshot().matches({ connected: { watchdog: 'suspended' } })).toBe(true);
    f.advance(10_000); // the socket is not read: no pong can arrive, and that is not staleness
    expect(f.actor.getSnapshot().matches({ connected: { session: 'live' } })).toBe(true);
    expect(f.commands.filter((c) => c.type === 'transport.ping')).toHaveLength(1);
    expect(f.emitted.some((e) => e.type === 'feed.stale')).toBe(false);
    f.actor.send({ type: 'buffer.low' });
    expect(f.commands.at(-1)).toEqual({ type: 'transport.resume' });
    // a fresh watchdog from now on
    f.advance(99);
    expect(f.commands.filter((c) => c.type === 'transport.ping')).toHaveLength(1);
    f.advance(1);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.ping' });
    f.advance(300);
    expect(f.actor.getSnapshot().value).toBe('stale');
  });

  it('a connection opened while the consumer still holds the transport paused starts with the watchdog suspended', () => {
    const f = start(BINANCE_LIKE);
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.subscribed' });
    f.actor.send({ type: 'buffer.high' });
    f.actor.send({ type: 'socket.closed', reason: 'dropped' });
    f.advance(f.actor.getSnapshot().context.backoffMs);
    f.actor.send({ type: 'socket.opened' }); // the transport pauses the new socket at once
    expect(f.actor.getSnapshot().matches({ connected: { watchdog: 'suspended' } })).toBe(true);
    f.advance(10_000);
    expect(f.actor.getSnapshot().matches('connected')).toBe(true);
    expect(f.emitted.some((e) => e.type === 'feed.stale')).toBe(false);
    f.actor.send({ type: 'buffer.low' });
    f.advance(400);
    expect(f.actor.getSnapshot().value).toBe('stale');
  });

  it('backoff: equal jitter within [cap/2, cap] of an exponential cap, seeded; stops after maxReconnects', () => {
    const delays = (seed: number): number[] => {
      const f = start({ ...BINANCE_LIKE, seed, maxReconnects: 8 });
      f.actor.send({ type: 'feed.start' });
      const out: number[] = [];
      for (let i = 0; i < 20 && f.actor.getSnapshot().value !== 'stopped'; i++) {
        f.actor.send({ type: 'socket.closed', reason: 'refused' });
        if (f.actor.getSnapshot().value !== 'backoff') break;
        out.push(f.actor.getSnapshot().context.backoffMs);
        f.advance(out.at(-1)!);
        expect(f.actor.getSnapshot().value).toBe('connecting');
      }
      expect(f.actor.getSnapshot().value).toBe('stopped');
      return out;
    };
    const a = delays(7);
    expect(a).toHaveLength(8);
    expect(delays(7)).toEqual(a);
    expect(delays(8)).not.toEqual(a);
    a.forEach((d, i) => {
      const cap = backoffCap({ minMs: 10, maxMs: 1_000 }, i);
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    });
    expect(
      [10, 20, 40, 80, 160, 320, 640, 1000].map((_, i) => backoffCap({ minMs: 10, maxMs: 1_000 }, i))
    ).toEqual([10, 20, 40, 80, 160, 320, 640, 1000]);
  });

  it('the attempt counter resets once live; bad credentials stop the feed for good', () => {
    const f = start({ ...BINANCE_LIKE, needsAuth: true, maxReconnects: 100 });
    f.actor.send({ type: 'feed.start' });
    for (let i = 0; i < 3; i++) {
      f.actor.send({ type: 'socket.closed', reason: 'refused' });
      f.advance(f.actor.getSnapshot().context.backoffMs);
    }
    expect(f.actor.getSnapshot().context.attempt).toBe(3);
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.authenticated' });
    f.actor.send({ type: 'frame.subscribed' });
    expect(f.actor.getSnapshot().context.attempt).toBe(0);
    f.actor.send({ type: 'socket.closed', reason: 'dropped' });
    f.advance(f.actor.getSnapshot().context.backoffMs);
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.authFailed', code: 402, msg: 'auth failed' });
    expect(f.actor.getSnapshot().value).toBe('stopped');
    expect(f.actor.getSnapshot().status).toBe('done');
    expect(f.emitted.at(-1)).toEqual({ type: 'feed.rejected', code: 402, msg: 'auth failed' });
  });

  it('a venue error that refuses the session for now (retry) reports it, closes and reconnects; a fatal one stops', () => {
    const f = start({ ...BINANCE_LIKE, needsAuth: true, maxReconnects: 5 });
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    const busy = { code: 406, msg: 'connection limit exceeded', fatal: false, resync: false, retry: true };
    f.actor.send({ type: 'frame.venueError', ...busy });
    expect(f.actor.getSnapshot().value).toBe('closing');
    expect(f.commands.at(-1)).toEqual({ type: 'transport.close' });
    expect(f.emitted.at(-1)).toEqual({
      type: 'feed.venueError',
      code: 406,
      msg: 'connection limit exceeded'
    });
    f.actor.send({ type: 'socket.closed', reason: 'closed by venue' });
    expect(f.actor.getSnapshot().value).toBe('backoff');
    expect(f.actor.getSnapshot().context.reconnects).toBe(1);
    f.advance(f.actor.getSnapshot().context.backoffMs);
    expect(f.commands.at(-1)).toEqual({ type: 'transport.connect' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.venueError', ...busy, retry: false, fatal: true });
    expect(f.actor.getSnapshot().value).toBe('stopped');
    expect(f.emitted.at(-1)).toEqual({ type: 'feed.rejected', code: 406, msg: 'connection limit exceeded' });
  });

  it('Coinbase-like (no sequence numbers, resync by reconnect): an update before its snapshot drops the connection', () => {
    const f = start({ ...BINANCE_LIKE, resyncBy: 'reconnect' });
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', items: [item(1)] });
    expect(f.actor.getSnapshot().value).toBe('closing');
    expect(f.emitted.find((e) => e.type === 'feed.resync')).toMatchObject({ reason: 'orphan' });
    expect(f.emitted.some((e) => e.type === 'feed.data')).toBe(false);
  });

  it('Coinbase-like: unsubscribe then subscribe again: updates still in flight from the old subscription are ignored until the new snapshot, not orphans', () => {
    const f = start({ ...BINANCE_LIKE, resyncBy: 'reconnect', symbols: ['A', 'B'] });
    f.actor.send({ type: 'feed.start' });
    f.actor.send({ type: 'socket.opened' });
    f.actor.send({ type: 'frame.subscribed' });
    f.actor.send({ type: 'frame.snapshot', symbol: 'A', items: [item(1)] });
    f.actor.send({ type: 'frame.snapshot', symbol: 'B', items: [item(2)] });
    f.actor.send({ type: 'feed.unsubscribe', symbols: ['A'] });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', items: [item(3)] }); // sent before the venue saw it
    f.actor.send({ type: 'feed.subscribe', symbols: ['A'] });
    f.actor.send({ type: 'frame.incremental', symbol: 'A', items: [item(4)] }); // still the old subscription's
    f.actor.send({ type: 'frame.incremental', symbol: 'B', items: [item(5)] });
    expect(f.actor.getSnapshot().matches({ connected: { session: { live: 'syncing' } } })).toBe(true);
    expect(f.commands.filter((c) => c.type === 'transport.close')).toEqual([]);
    expect(f.emitted.filter((e) => e.type === 'feed.resync')).toEqual([]);
    f.actor.send({ type: 'frame.snapshot', symbol: 'A', items: [item(6)] }); // the resubscription's snapshot
    f.actor.send({ type: 'frame.incremental', symbol: 'A', items: [item(7)] });
    expect(f.actor.getSnapshot().matches({ connected: { session: { live: 'synced' } } })).toBe(true);
    const data = f.emitted.flatMap((e) =>
      e.type === 'feed.data' ? e.items.map((i) => (i as { seq: number }).seq) : []
    );
    expect(data).toEqual([1, 2, 5, 6, 7]);
    // a product subscribed for the first time on this connection still gets its snapshot first
    f.actor.send({ type: 'feed.subscribe', symbols: ['C'] });
    f.actor.send({ type: 'frame.incremental', symbol: 'C', items: [item(8)] });
    expect(f.actor.getSnapshot().value).toBe('closing');
    expect(f.emitted.at(-1)).toMatchObject({ type: 'feed.resync', reason: 'orphan' });
  });
});
