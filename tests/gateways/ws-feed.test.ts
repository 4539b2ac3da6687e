import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { ErrorCode } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { coinbaseAdapter } from '../../src/gateways/ws/adapters.ts';
import { WsFeed } from '../../src/gateways/ws/ws-feed.ts';
import type { MarketData } from '../../src/messages/index.ts';
import { wsMarketData$ } from '../../src/streams/ws-market-data.stream.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { COINBASE, readRecording } from './recordings.ts';

const FRAMES = readRecording('COINBASE.ws.28.0')
  .filter((l) => l.kind === 'recv')
  .map((l) => (l.kind === 'recv' ? l.json : ''));
const BAND = FRAMES.filter(
  (f) => f.includes('"product_id":"BAND-GBP"') && /"type":"(snapshot|l2update)"/.test(f)
);
const SKL_UPDATE = FRAMES.find((f) => f.includes('"product_id":"SKL-USD"') && f.includes('"l2update"'))!;

type Plan = (ws: ServerSocket, conn: number) => void;

/**
 * A loopback ws server replaying the recording; `plan` decides, per connection, which faults to inject (it
 * runs on every `subscribe`); `onUnsubscribe` runs on every `unsubscribe`.
 */
async function replayServer(
  plan: Plan,
  onUnsubscribe: Plan = () => {}
): Promise<{ url: string; subscribes: number[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const subscribes: number[] = [];
  let conn = 0;
  wss.on('connection', (ws) => {
    const n = ++conn;
    ws.on('message', (m) => {
      const j = JSON.parse(String(m)) as { type?: string };
      if (j.type === 'subscribe') {
        subscribes.push(n);
        plan(ws, n);
      } else if (j.type === 'unsubscribe') onUnsubscribe(ws, n);
    });
  });
  const a = wss.address();
  return {
    url: `ws://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    subscribes,
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      })
  };
}

function until(pred: () => boolean, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - t0 > ms) reject(new Error('timed out waiting'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** Book check on the canonical stream: never crossed, updates only after a snapshot. */
function checker() {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  const st = { snapshots: 0, updates: 0, crossed: 0, orphan: 0, inSnapshot: false };
  return {
    st,
    on(d: MarketData): void {
      if (d.type !== 'market.book_delta' || d.instrumentId !== 'BAND-GBP@COINBASE') return;
      if (d.flags & 1) {
        if (!st.inSnapshot) {
          bids.clear();
          asks.clear();
          st.snapshots++;
          st.inSnapshot = true;
        }
        if (d.flags & 2) st.inSnapshot = false;
      } else {
        st.updates++;
        if (st.snapshots === 0) st.orphan++;
      }
      const side = d.side === 'buy' ? bids : asks;
      if (d.sz === 0) side.delete(d.px);
      else side.set(d.px, d.sz);
      if (
        !st.inSnapshot &&
        bids.size > 0 &&
        asks.size > 0 &&
        Math.max(...bids.keys()) >= Math.min(...asks.keys())
      )
        st.crossed++;
    }
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('WsFeed against a local replay server with faults', () => {
  it('drops, malformed frames, duplicates, a gap and a stale feed: reconnects, resubscribes, resyncs, never crosses', async () => {
    const server = await replayServer((ws, n) => {
      const send = (frames: string[], then?: () => void): void => {
        let i = 0;
        const step = (): void => {
          if (ws.readyState !== ws.OPEN) return;
          for (let k = 0; k < 20 && i < frames.length; k++) ws.send(frames[i++]!);
          if (i < frames.length)
            setTimeout(step, 1); // small delays between bursts
          else then?.();
        };
        step();
      };
      if (n === 1) {
        // snapshot, 100 updates with one duplicated and one malformed frame, then the connection drops
        send(
          [
            ...BAND.slice(0, 50),
            BAND[50]!,
            BAND[50]!,
            '{"type":"l2update","product_id":',
            ...BAND.slice(51, 101)
          ],
          // dropped abruptly (no close frame), but only once every frame has left this process: terminate()
          // discards what is still queued, which under load could be the malformed frame itself
          function drop(): void {
            if (ws.bufferedAmount > 0) setTimeout(drop, 1);
            else ws.terminate();
          }
        );
      } else if (n === 2) {
        // an update for a product whose snapshot never came on this connection: lost sync → resync
        send([...BAND.slice(0, 30), SKL_UPDATE, ...BAND.slice(30, 60)]);
      } else if (n === 3) {
        // goes silent and stops answering pings
        send(BAND.slice(0, 10), () => (ws as unknown as { _socket: { pause(): void } })._socket.pause());
      } else {
        send(BAND.slice(0, 400));
      }
    });
    cleanup.push(server.close);
    const feed = new WsFeed({
      url: server.url,
      adapter: coinbaseAdapter(COINBASE),
      clock: new LiveClock(),
      rng: new Rng(7),
      pingMs: 40,
      staleMs: 600, // well past a stalled event loop: the client must not judge conn 1 stale before it reads its frames
      backoff: { minMs: 20, maxMs: 80 }
    });
    cleanup.push(async () => feed.stop());
    const errors: string[] = [];
    feed.errors$.subscribe((e) => errors.push(e.code));
    const check = checker();
    let received = 0;
    const sub = wsMarketData$(feed, ['BAND-GBP', 'SKL-USD']).subscribe((d) => {
      received++;
      check.on(d);
    });
    cleanup.push(async () => sub.unsubscribe());
    await until(() => server.subscribes.length >= 4 && check.st.updates >= 399 + 99 + 29 + 9, 8000);
    expect(server.subscribes).toEqual([1, 2, 3, 4]); // resubscribed after every reconnect
    expect(feed.stats.malformed).toBe(1);
    expect(errors).toContain(ErrorCode.WS_FRAME_INVALID);
    expect(errors).toContain(ErrorCode.WS_STALE);
    expect(feed.stats.resyncs).toBe(1);
    expect(feed.stats.stale).toBe(1);
    expect(feed.stats.reconnects).toBe(3);
    expect(check.st.snapshots).toBe(4);
    expect(check.st.crossed).toBe(0);
    expect(check.st.orphan).toBe(0);
    expect(received).toBeGreaterThan(500);
  }, 15_000);

  it('a slow consumer pauses the socket (backpressure) and still gets every item in order', async () => {
    const updates = BAND.slice(1, 1001);
    const server = await replayServer((ws) => {
      ws.send(BAND[0]!);
      for (const f of updates) ws.send(f);
    });
    cleanup.push(server.close);
    const feed = new WsFeed({
      url: server.url,
      adapter: coinbaseAdapter(COINBASE),
      clock: new LiveClock(),
      rng: new Rng(1),
      pingMs: 1000,
      staleMs: 5000,
      highWater: 100,
      lowWater: 10,
      maxBuffer: 1_000_000
    });
    cleanup.push(async () => feed.stop());
    let maxBuffered = 0;
    const seqs: number[] = [];
    const sub = wsMarketData$(feed, ['BAND-GBP']).subscribe((d) => {
      if (d.type === 'market.book_delta' && !(d.flags & 1) && d.flags & 2) seqs.push(d.seq);
      maxBuffered = Math.max(maxBuffered, feed.buffered);
      const t = performance.now();
      while (performance.now() - t < 0.02) {
        // a slow consumer
      }
    });
    cleanup.push(async () => sub.unsubscribe());
    await until(() => seqs.length === updates.length, 10_000);
    expect(feed.stats.pauses).toBeGreaterThan(0);
    expect(feed.stats.dropped).toBe(0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(updates.length);
  }, 15_000);

  it('a socket paused for a slow consumer longer than staleMs is not declared stale: no reconnect, no resync', async () => {
    // 20 updates of 500 changes each: thousands of items per TCP read, far beyond highWater
    const big = JSON.stringify({
      ...(JSON.parse(BAND[1]!) as object),
      changes: Array.from({ length: 500 }, (_, k) => ['buy', (14.7 - (k % 9) / 10_000).toFixed(4), '1.00'])
    });
    const server = await replayServer((ws) => {
      ws.send(BAND[0]!);
      for (let i = 0; i < 20; i++) ws.send(big);
    });
    cleanup.push(server.close);
    const pingMs = 50;
    const staleMs = 100;
    const feed = new WsFeed({
      url: server.url,
      adapter: coinbaseAdapter(COINBASE),
      clock: new LiveClock(),
      rng: new Rng(1),
      pingMs,
      staleMs,
      highWater: 100,
      lowWater: 10,
      backoff: { minMs: 10, maxMs: 20 }
    });
    cleanup.push(async () => feed.stop());
    const errors: string[] = [];
    feed.errors$.subscribe((e) => errors.push(e.code));
    let updates = 0;
    let pausedSince: number | undefined;
    let longestPause = 0;
    const sub = wsMarketData$(feed, ['BAND-GBP']).subscribe((d) => {
      if (d.type === 'market.book_delta' && !(d.flags & 1)) updates++;
      const now = performance.now();
      if (!feed.snapshot.context.paused) pausedSince = undefined;
      else longestPause = Math.max(longestPause, now - (pausedSince ??= now));
      while (performance.now() - now < 0.1) {
        // a slow consumer: 0.1 ms an item, a delivery batch of 512 takes ~50 ms
      }
    });
    cleanup.push(async () => sub.unsubscribe());
    await until(() => updates === 20 * 500 || feed.stats.stale > 0, 10_000);
    // the socket was held paused past ping + stale timeouts (unread, a pong cannot arrive), yet:
    expect(longestPause).toBeGreaterThan(pingMs + staleMs);
    expect(errors).toEqual([]);
    expect(feed.stats.stale).toBe(0);
    expect(feed.stats.reconnects).toBe(0);
    expect(server.subscribes).toEqual([1]);
    expect(updates).toBe(20 * 500);
  }, 15_000);

  it('unsubscribe then subscribe a product again: updates still in flight from the old subscription are dropped, the connection stays', async () => {
    let timer: NodeJS.Timeout | undefined;
    let i = 1;
    const server = await replayServer(
      (ws) => {
        // every subscription: the snapshot, then the updates in small bursts
        clearTimeout(timer);
        ws.send(BAND[0]!);
        i = 1;
        const step = (): void => {
          for (let k = 0; k < 5 && i < BAND.length && ws.readyState === ws.OPEN; k++) ws.send(BAND[i++]!);
          if (i < BAND.length) timer = setTimeout(step, 1);
        };
        step();
      },
      (ws) => {
        // the venue stops the product, but three more updates were already on the wire
        clearTimeout(timer);
        for (let k = 0; k < 3; k++) ws.send(BAND[i++]!);
      }
    );
    cleanup.push(async () => {
      clearTimeout(timer);
      await server.close();
    });
    const feed = new WsFeed({
      url: server.url,
      adapter: coinbaseAdapter(COINBASE),
      clock: new LiveClock(),
      rng: new Rng(3),
      pingMs: 1000,
      staleMs: 5000,
      backoff: { minMs: 10, maxMs: 20 }
    });
    cleanup.push(async () => feed.stop());
    const check = checker();
    const sub = wsMarketData$(feed, ['BAND-GBP']).subscribe((d) => check.on(d));
    cleanup.push(async () => sub.unsubscribe());
    await until(() => check.st.updates >= 50);
    feed.unsubscribe(['BAND-GBP']);
    feed.subscribe(['BAND-GBP']);
    await until(() => check.st.snapshots === 2 && check.st.updates >= 50 + 100);
    expect(server.subscribes).toEqual([1, 1]); // the same connection, subscribed again
    expect(feed.stats.resyncs).toBe(0);
    expect(feed.stats.reconnects).toBe(0);
    expect(feed.snapshot.matches({ connected: { session: { live: 'synced' } } })).toBe(true);
    expect(check.st.crossed).toBe(0);
    expect(check.st.orphan).toBe(0);
  });

  it('reconnect delays follow exponential backoff with seeded jitter (same seed, same delays)', async () => {
    const delaysFor = async (seed: number): Promise<number[]> => {
      const times: number[] = [];
      const server = await replayServer(() => {});
      const port = new URL(server.url).port;
      await server.close(); // nothing listens: every attempt fails
      const clock = new LiveClock();
      const recorded: number[] = [];
      const spy = {
        now: () => clock.now(),
        setTimeout: (fn: () => void, ms: number) => {
          recorded.push(ms);
          return clock.setTimeout(fn, ms);
        },
        clearTimeout: (id: unknown) => clock.clearTimeout(id)
      };
      const feed = new WsFeed({
        url: `ws://127.0.0.1:${port}`,
        adapter: coinbaseAdapter(COINBASE),
        clock: spy,
        rng: new Rng(seed),
        backoff: { minMs: 10, maxMs: 40 },
        maxReconnects: 5
      });
      feed.start();
      await until(() => feed.status === 'stopped', 5000);
      // the connection never opens, so the only timers are the reconnect delays
      times.push(...recorded);
      return times;
    };
    const a = await delaysFor(42);
    const b = await delaysFor(42);
    expect(a).toHaveLength(5);
    expect(a).toEqual(b);
    const caps = [10, 20, 40, 40, 40];
    a.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(d).toBeLessThanOrEqual(caps[i]!);
    });
  });
});
