import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type TradestateError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { alpacaAdapter } from '../../src/gateways/ws/adapters.ts';
import { WsFeed, type WsFeedOptions } from '../../src/gateways/ws/ws-feed.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { wsMarketData$ } from '../../src/streams/ws-market-data.stream.ts';
import { LiveClock } from '../../src/time/clock.ts';
import {
  ALPACA,
  type Canon,
  canon,
  DOC_POINTS,
  generated,
  type ScriptedPoint
} from './support/alpaca-script.ts';
import { type AlpacaFaults, type AlpacaServer, alpacaServer } from './support/alpaca-server.ts';
import { until } from './support/ws-harness.ts';

const KEY = 'PKTESTKEY0000000000';
const SECRET = 'test-secret-0000000000000000000000000000';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RunOptions {
  readonly script: readonly ScriptedPoint[];
  readonly plan?: (conn: number) => AlpacaFaults;
  readonly secret?: string;
  readonly closeOnAuthFailure?: boolean;
  readonly symbolLimit?: number;
  readonly symbols?: readonly string[];
  readonly bars?: boolean;
  readonly feed?: Partial<WsFeedOptions>;
  readonly consume?: (d: MarketData, feed: WsFeed) => void;
}

async function run(o: RunOptions) {
  const server = await alpacaServer({
    script: o.script.map((s) => s.point),
    key: KEY,
    secret: SECRET,
    ...(o.plan ? { plan: o.plan } : {}),
    ...(o.closeOnAuthFailure === undefined ? {} : { closeOnAuthFailure: o.closeOnAuthFailure }),
    ...(o.symbolLimit === undefined ? {} : { symbolLimit: o.symbolLimit })
  });
  cleanup.push(() => server.close());
  const clock = new LiveClock();
  const feed = new WsFeed({
    url: server.url,
    adapter: alpacaAdapter(
      ALPACA,
      { key: KEY, secret: o.secret ?? SECRET },
      { trades: true, quotes: true, bars: o.bars ?? false }
    ),
    clock,
    rng: new Rng(5),
    pingMs: 1000,
    staleMs: 2000,
    backoff: { minMs: 20, maxMs: 80 },
    ...o.feed
  });
  cleanup.push(() => feed.stop());
  const errors: TradestateError[] = [];
  feed.errors$.subscribe((e) => errors.push(e));
  const got: MarketData[] = [];
  const sub = wsMarketData$(feed, o.symbols ?? ['AAPL', 'AMD']).subscribe((d) => {
    got.push(d);
    o.consume?.(d, feed);
  });
  cleanup.push(() => sub.unsubscribe());
  return { server, feed, errors, got, script: o.script };
}

/** What the client must have delivered: the canonical items of every data frame the server sent, in order. */
function sentCanon(server: AlpacaServer, script: readonly ScriptedPoint[]): Canon[] {
  return server.conns.flatMap((c) =>
    c.dataFrames.flatMap((f) => f.flatMap((i) => (script[i]!.expected ? [script[i]!.expected!] : [])))
  );
}

/** The script index of a canonical item (timestamps are unique per point). */
function indexer(script: readonly ScriptedPoint[]): (d: MarketData) => number {
  const byKey = new Map<string, number>();
  script.forEach((s, i) => {
    if (s.expected) byKey.set(`${s.expected['type']}|${s.expected['tsEvent']}`, i);
  });
  return (d) => byKey.get(`${d.type}|${d.tsEvent}`) ?? -1;
}

const subscribeFrame = (symbols: string[], bars: boolean) => ({
  action: 'subscribe',
  trades: symbols,
  quotes: symbols,
  bars: bars ? symbols : []
});

describe('Alpaca market-data stream v2 through WsFeed against a local emulation', () => {
  it('auth → subscribe → batched trades, quotes and bars: canonical, prices exact in ticks, RFC-3339 ns timestamps exact', async () => {
    const script = [...DOC_POINTS, ...generated(300)];
    const r = await run({
      script,
      symbols: ['AAPL', 'AMD', 'SPY'],
      bars: true,
      plan: () => ({ batch: 7, burst: 3 })
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    const c = r.server.conns[0]!;
    // the documented handshake, in order
    expect(c.received).toEqual([
      { action: 'auth', key: KEY, secret: SECRET },
      subscribeFrame(['AAPL', 'AMD', 'SPY'], true)
    ]);
    expect(c.sent.slice(0, 3)).toEqual([
      '[{"T":"success","msg":"connected"}]',
      '[{"T":"success","msg":"authenticated"}]',
      '[{"T":"subscription","trades":["AAPL","AMD","SPY"],"quotes":["AAPL","AMD","SPY"],"bars":["AAPL","AMD","SPY"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["AAPL","AMD","SPY"],"cancelErrors":["AAPL","AMD","SPY"]}]'
    ]);
    expect(c.dataFrames.some((f) => f.length > 1)).toBe(true); // batched, as Alpaca does
    // every subscribed canonical point, exactly, in order; the unsubscribed IBM was never sent
    const want = script.flatMap((s) => (s.expected ? [s.expected] : []));
    expect(r.got.map(canon)).toEqual(want);
    expect(c.dataFrames.flat().some((i) => script[i]!.point.S === 'IBM')).toBe(false);
    // the documented examples (realtime.md) in ticks and ns
    expect(r.got[0]).toMatchObject({ px: 12655, tsEvent: 1_614_009_104_208_000_000n, tradeId: '96921' });
    expect(r.got[1]).toMatchObject({ bidPx: 8766, askPx: 8768, tsEvent: 1_614_009_105_335_689_322n });
    expect(r.got[2]).toMatchObject({ open: 3_889_850, tsOpen: 1_614_021_300_000_000_000n });
    // corrections ("c") and cancels ("x") came with the trades subscription and are not canonical data
    expect(c.dataFrames.flat()).toContain(3);
    expect(c.dataFrames.flat()).toContain(4);
    expect(r.errors).toEqual([]);
    expect(r.feed.status).toBe('ready');
    expect(r.feed.stats.reconnects).toBe(0);
  });

  it.each([
    ['closes', true],
    ['keeps the connection open', false]
  ])(
    'bad credentials (the server %s): the feed stops with WS_REJECTED carrying 402, no reconnect storm',
    async (_, closes) => {
      const r = await run({
        script: generated(20),
        secret: 'wrong-secret',
        closeOnAuthFailure: closes,
        feed: { backoff: { minMs: 5, maxMs: 10 } }
      });
      await until(() => r.feed.status === 'stopped');
      await sleep(150); // ≥ 15 backoffs of 5–10 ms: a retrying client would have come back by now
      expect(r.server.conns).toHaveLength(1);
      const c = r.server.conns[0]!;
      expect(c.received).toEqual([{ action: 'auth', key: KEY, secret: 'wrong-secret' }]); // never subscribed
      expect(c.sent).toEqual([
        '[{"T":"success","msg":"connected"}]',
        '[{"T":"error","code":402,"msg":"auth failed"}]'
      ]);
      expect(c.closedAt).toBeDefined(); // closed by the server, or by the stopped client
      expect(r.errors.map((e) => [e.code, e.context['code'], e.context['venue']])).toEqual([
        [ErrorCode.WS_REJECTED, 402, 'alpaca']
      ]);
      expect(r.feed.stats.connects).toBe(1);
      expect(r.feed.stats.reconnects).toBe(0);
      expect(r.got).toEqual([]);
    }
  );

  it('unsubscribe: the server drops the symbol from the subscription, and its data stops', async () => {
    const script = generated(400);
    const at = indexer(script);
    let unsubscribed = false;
    const r = await run({
      script,
      plan: () => ({ batch: 4, pauseMs: 1 }),
      consume: (_, feed) => {
        // `r` is assigned before any data arrives (I/O comes after the awaiting microtask)
        if (!unsubscribed && r.got.length >= 100) {
          unsubscribed = true;
          feed.unsubscribe(['AMD']);
        }
      }
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    const c = r.server.conns[0]!;
    expect(c.received).toEqual([
      { action: 'auth', key: KEY, secret: SECRET },
      subscribeFrame(['AAPL', 'AMD'], false),
      { action: 'unsubscribe', trades: ['AMD'], quotes: ['AMD'], bars: [] }
    ]);
    expect(c.sent.filter((f) => f.includes('"subscription"')).at(-1)).toBe(
      '[{"T":"subscription","trades":["AAPL"],"quotes":["AAPL"],"bars":[],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}]'
    );
    const cut = c.actions.find((a) => a.action === 'unsubscribe')!.cursor;
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThan(script.length - 50);
    const amd = r.got.filter((d) => d.instrumentId === 'AMD@ALPACA').map(at);
    const aapl = r.got.filter((d) => d.instrumentId === 'AAPL@ALPACA').map(at);
    // AMD: every point before the unsubscribe was handled, none after
    const amdBefore = script.flatMap((s, i) =>
      i < cut && s.expected?.['instrumentId'] === 'AMD@ALPACA' ? [i] : []
    );
    expect(amd).toEqual(amdBefore);
    // AAPL: every point, before and after
    const aaplAll = script.flatMap((s, i) => (s.expected?.['instrumentId'] === 'AAPL@ALPACA' ? [i] : []));
    expect(aapl).toEqual(aaplAll);
    expect(r.got.map(canon)).toEqual(sentCanon(r.server, script));
    expect(r.errors).toEqual([]);
  });

  it('405 symbol limit exceeded: a typed, non-fatal WS_REJECTED; the subscriptions stay and data goes on', async () => {
    const script = generated(300);
    let asked = false;
    const r = await run({
      script,
      symbolLimit: 2,
      plan: () => ({ batch: 4, pauseMs: 1 }),
      consume: (_, feed) => {
        if (!asked && r.got.length >= 50) {
          asked = true;
          feed.subscribe(['SPY']);
        }
      }
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    const c = r.server.conns[0]!;
    expect(c.received.at(-1)).toEqual({ action: 'subscribe', trades: ['SPY'], quotes: ['SPY'], bars: [] });
    expect(c.sent).toContain('[{"T":"error","code":405,"msg":"symbol limit exceeded"}]');
    expect(c.subs.trades).toEqual(['AAPL', 'AMD']);
    expect(r.errors.map((e) => [e.code, e.context['code'], e.context['fatal']])).toEqual([
      [ErrorCode.WS_REJECTED, 405, false]
    ]);
    expect(r.feed.status).toBe('ready');
    expect(r.got.map(canon)).toEqual(sentCanon(r.server, script));
    const last = script.findLastIndex((x) => x.point.S === 'AAPL' || x.point.S === 'AMD');
    expect(indexer(script)(r.got.at(-1)!)).toBe(last); // ran to the end
  });

  it('a symbol the venue refused (405) is not resent after a reconnect, so the rest of the subscription survives', async () => {
    const script = generated(300);
    let asked = false;
    const r = await run({
      script,
      symbolLimit: 2,
      plan: (n) => (n === 1 ? { batch: 4, pauseMs: 1, dropAt: new Set([150]) } : { batch: 4, pauseMs: 1 }),
      feed: { backoff: { minMs: 20, maxMs: 60 } },
      consume: (_, feed) => {
        if (!asked && r.got.length >= 50) {
          asked = true;
          feed.subscribe(['SPY']);
        }
      }
    });
    await until(() => r.server.conns.length === 2 && r.server.done() && r.feed.buffered === 0);
    const c2 = r.server.conns[1]!;
    // the reconnect resubscribes what the venue confirmed, not the refused SPY (which Alpaca would refuse whole)
    expect(c2.received.at(-1)).toEqual({
      action: 'subscribe',
      trades: ['AAPL', 'AMD'],
      quotes: ['AAPL', 'AMD'],
      bars: []
    });
    expect(c2.subs.trades).toEqual(['AAPL', 'AMD']);
    expect(r.feed.symbols).toEqual(['AAPL', 'AMD']);
    expect(r.feed.status).toBe('ready');
    // data resumed on the new connection
    expect(r.got.length).toBe(sentCanon(r.server, script).length);
  });

  it('a dropped connection: reconnect after a backoff, re-auth, the same subscription again, data resumes', async () => {
    const script = generated(300);
    const r = await run({
      script,
      symbols: ['AAPL', 'AMD', 'SPY'],
      bars: true,
      plan: (n) => (n === 1 ? { batch: 5, dropAt: new Set([120]) } : { batch: 5 }),
      feed: { backoff: { minMs: 60, maxMs: 200 } }
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    expect(r.server.conns).toHaveLength(2);
    const [c1, c2] = r.server.conns as [AlpacaServer['conns'][0], AlpacaServer['conns'][0]];
    // re-auth, then resubscribe the same set; the server holds the same subscriptions as before the drop
    expect(c2.received).toEqual(c1.received);
    expect(c2.received).toEqual([
      { action: 'auth', key: KEY, secret: SECRET },
      subscribeFrame(['AAPL', 'AMD', 'SPY'], true)
    ]);
    expect(c2.subs).toEqual(c1.subs);
    expect(c2.authed).toBe(true);
    // the reconnect waited the backoff: first attempt's cap is minMs, equal jitter → at least minMs / 2
    expect(c2.openedAt - c1.closedAt!).toBeGreaterThanOrEqual(30 - 2);
    expect(r.feed.stats.reconnects).toBe(1);
    // conn 1 stopped just before point 120, conn 2 resumed there: every point once, in order
    expect(Math.max(...c1.dataFrames.flat())).toBe(119);
    expect(Math.min(...c2.dataFrames.flat())).toBe(120);
    expect(r.got.map(canon)).toEqual(script.flatMap((s) => (s.expected ? [s.expected] : [])));
    expect(r.errors).toEqual([]);
    expect(r.feed.status).toBe('ready');
  });

  it('406 after a drop (the venue still counts the dead session): back off and retry, not stop; data resumes', async () => {
    const script = generated(200);
    const r = await run({
      script,
      symbols: ['AAPL', 'AMD', 'SPY'],
      bars: true,
      // conn 1 drops before point 80 and lingers 250 ms at the venue: conn 2 (after a 40–80 ms backoff) gets
      // 406; the feed backs off again until the venue lets it in
      plan: (n) => (n === 1 ? { batch: 5, dropAt: new Set([80]), lingerMs: 250 } : { batch: 5 }),
      feed: { backoff: { minMs: 80, maxMs: 160 } }
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    const refused = r.server.conns.filter((c) => c.sent.some((f) => f.includes('"code":406')));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const first = r.server.conns[0]!;
    const last = r.server.conns.at(-1)!;
    expect(last.authed).toBe(true);
    // the last connection resumed exactly where the first stopped
    expect(Math.max(...first.dataFrames.flat())).toBe(79);
    expect(Math.min(...last.dataFrames.flat())).toBe(80);
    expect(r.feed.status).toBe('ready');
    expect(r.got.map(canon)).toEqual(script.flatMap((s) => (s.expected ? [s.expected] : [])));
    // the refusal is reported (typed, non-fatal), never swallowed
    expect(r.errors.map((e) => e.code)).toContain(ErrorCode.WS_REJECTED);
  });

  it('406 that never clears: bounded retries, then the feed stops with the venue rejection', async () => {
    const r = await run({
      script: generated(50),
      plan: (n) => (n === 1 ? { batch: 5, dropAt: new Set([10]), lingerMs: 60_000 } : { batch: 5 }),
      feed: { backoff: { minMs: 10, maxMs: 20 }, maxReconnects: 3 }
    });
    await until(() => r.feed.status === 'stopped');
    // conn 1, then maxReconnects (3) attempts, each refused
    expect(r.server.conns).toHaveLength(4);
    expect(r.server.conns.slice(1).every((c) => c.sent.some((f) => f.includes('"code":406')))).toBe(true);
    expect(r.errors.at(-1)?.code).toBe(ErrorCode.WS_REJECTED);
  });

  it('faults: a malformed frame is a typed error and the feed goes on; unknown types are ignored; a duplicate passes; a delay is bridged by pings', async () => {
    const script = [...DOC_POINTS, ...generated(250)];
    const r = await run({
      script,
      symbols: ['AAPL', 'AMD', 'SPY'],
      bars: true,
      plan: () => ({
        batch: 6,
        malformedAt: new Set([50]),
        unknownAt: new Set([81]),
        duplicateAt: new Set([100]),
        delayAt: new Map([[150, 200]])
      }),
      feed: { pingMs: 40, staleMs: 400 }
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    const c = r.server.conns[0]!;
    // a malformed frame: one typed error, nothing else lost
    expect(r.errors.map((e) => [e.code, e.context['venue']])).toEqual([
      [ErrorCode.WS_FRAME_INVALID, 'alpaca']
    ]);
    expect(r.feed.stats.malformed).toBe(1);
    // what the client delivered is exactly the canonical content of what the server sent, in order
    expect(r.got.map(canon)).toEqual(sentCanon(r.server, script));
    // the unknown element was batched with real points, which all came through
    const withUnknown = c.sent.find((f) => f.includes('"T":"zz"'))!;
    expect((JSON.parse(withUnknown) as unknown[]).length).toBeGreaterThan(1);
    // Alpaca frames carry no sequence numbers: a duplicated frame is delivered twice (not a gap, no resync)
    const dupFrame = c.dataFrames.find((f) => f.includes(100))!;
    expect(c.dataFrames.filter((f) => JSON.stringify(f) === JSON.stringify(dupFrame))).toHaveLength(2);
    const dupItems = dupFrame.flatMap((i) => (script[i]!.expected ? [script[i]!.expected!] : []));
    const got = r.got.map(canon);
    const k = got.findIndex(
      (d) =>
        JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? `${v}` : v)) ===
        JSON.stringify(dupItems[0], (_, v) => (typeof v === 'bigint' ? `${v}` : v))
    );
    expect(got.slice(k, k + 2 * dupItems.length)).toEqual([...dupItems, ...dupItems]);
    expect(r.feed.stats.resyncs).toBe(0);
    // the 200 ms silence (5 ping intervals, half the stale limit): pinged, ponged, not stale, no reconnect
    expect(c.pings).toBeGreaterThanOrEqual(1);
    expect(r.feed.stats.stale).toBe(0);
    expect(r.feed.stats.reconnects).toBe(0);
    expect(r.server.conns).toHaveLength(1);
  });
});

describe('Alpaca: sub-penny prices and a refused message inside a batch', () => {
  it('sub-penny prints and quotes arrive on the tick; a bad message costs only itself and is reported once', async () => {
    const subPenny: ScriptedPoint[] = [
      {
        point: { T: 't', S: 'AAPL', i: 7, x: 'D', p: 126.555, s: 3, t: '2021-02-22T15:51:44.5Z', z: 'C' },
        expected: {
          type: 'market.trade',
          instrumentId: 'AAPL@ALPACA',
          tsEvent: 1_614_009_104_500_000_000n,
          px: 12_656, // nearest cent, a tie to the even one
          sz: 3,
          aggressor: 'none',
          tradeId: '7'
        }
      },
      {
        point: { T: 'q', S: 'AMD', bp: 87.6649, bs: 1, ap: 87.6751, as: 4, t: '2021-02-22T15:51:45.5Z' },
        expected: {
          type: 'market.quote',
          instrumentId: 'AMD@ALPACA',
          tsEvent: 1_614_009_105_500_000_000n,
          bidPx: 8_766, // bid down
          bidSz: 1,
          askPx: 8_768, // ask up
          askSz: 4
        }
      },
      // refused (a negative price): not canonical, and its frame-mates still arrive
      { point: { T: 't', S: 'AAPL', i: 8, p: -1, s: 1, t: '2021-02-22T15:51:46Z' }, expected: undefined }
    ];
    const script = [...DOC_POINTS, ...subPenny, ...generated(40)];
    const r = await run({ script, symbols: ['AAPL', 'AMD', 'SPY'], bars: true, plan: () => ({ batch: 6 }) });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length
    );
    expect(r.got.map(canon)).toEqual(sentCanon(r.server, script));
    const bad = DOC_POINTS.length + 2;
    const frame = r.server.conns[0]!.dataFrames.find((f) => f.includes(bad))!;
    expect(frame.length).toBeGreaterThan(1);
    expect(r.got.map(canon)).toEqual(expect.arrayContaining(subPenny.slice(0, 2).map((p) => p.expected)));
    expect(r.errors.map((e) => [e.code, e.context['venue'], e.context['type'], e.context['symbol']])).toEqual(
      [[ErrorCode.WS_FRAME_INVALID, 'alpaca', 't', 'AAPL']]
    );
    expect(r.feed.stats.malformed).toBe(1);
  });
});

describe('Alpaca: bounded buffering with backpressure', () => {
  it('a slow consumer pauses the TCP socket itself (isPaused, no bytes read); nothing lost or reordered', async () => {
    const script = generated(3000);
    // the client's TCP socket, found by the port the server saw
    const sockets: Socket[] = [];
    const onSocket = (m: unknown): void => void sockets.push((m as { socket: Socket }).socket);
    dc.subscribe('net.client.socket', onSocket);
    cleanup.push(() => void dc.unsubscribe('net.client.socket', onSocket));
    const highWater = 200;
    let tcp: Socket | undefined;
    const probe = { samples: 0, notPaused: 0, compared: 0, bytesMoved: 0, last: -1, lastBytes: 0 };
    const r = await run({
      script,
      symbols: ['AAPL', 'AMD', 'SPY'],
      bars: true,
      plan: () => ({ batch: 50, burst: 8, pauseMs: 0 }),
      feed: { highWater, lowWater: 20, maxBuffer: 1_000_000 },
      consume: (_, feed) => {
        tcp ??= sockets.find((s) => s.localPort === r.server.conns[0]?.remotePort);
        const b = feed.buffered;
        // buffered ≥ highWater means the feed is paused (it resumes only at lowWater)
        if (tcp && b >= highWater) {
          probe.samples++;
          if (!tcp.isPaused()) probe.notPaused++;
          if (probe.last >= highWater && b < probe.last) {
            probe.compared++;
            if (tcp.bytesRead !== probe.lastBytes) probe.bytesMoved++;
          }
          probe.lastBytes = tcp.bytesRead;
        }
        probe.last = b;
        const t = performance.now();
        while (performance.now() - t < 0.02) {
          // a slow consumer
        }
      }
    });
    await until(
      () => r.server.done() && r.feed.buffered === 0 && r.got.length === sentCanon(r.server, script).length,
      4500
    );
    expect(r.feed.stats.pauses).toBeGreaterThan(0);
    expect(tcp).toBeDefined();
    expect(probe.samples).toBeGreaterThan(0);
    expect(probe.notPaused).toBe(0);
    expect(probe.compared).toBeGreaterThan(0);
    expect(probe.bytesMoved).toBe(0);
    expect(r.feed.stats.dropped).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.got.map(canon)).toEqual(script.flatMap((s) => (s.expected ? [s.expected] : [])));
  });

  it('past the hard bound: TRD_ERR_WS_BUFFER_OVERFLOW, a new connection (reconnect venue), never silent or reordered loss', async () => {
    const script = generated(4000);
    const at = indexer(script);
    let block = true;
    const r = await run({
      script,
      symbols: ['AAPL', 'AMD', 'SPY'],
      bars: true,
      // a burst while the consumer is stalled; later connections stream gently
      plan: (n) => (n === 1 ? { batch: 150, burst: 3, pauseMs: 30 } : { batch: 10, burst: 10, pauseMs: 1 }),
      feed: { highWater: 200, lowWater: 20, maxBuffer: 300, backoff: { minMs: 10, maxMs: 40 } },
      consume: () => {
        if (!block) return;
        const t = performance.now();
        while (performance.now() - t < 0.05) {
          // stalled at first
        }
      }
    });
    await until(() => r.feed.stats.overflows > 0);
    block = false;
    await until(() => r.server.done() && r.feed.buffered === 0 && r.server.conns.length >= 2);
    const last = script.findLastIndex((s) => s.expected !== undefined);
    await until(() => at(r.got.at(-1)!) === last);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(new Set(r.errors.map((e) => e.code))).toEqual(new Set([ErrorCode.WS_BUFFER_OVERFLOW]));
    expect(r.errors[0]!.context).toMatchObject({ venue: 'alpaca' });
    expect(r.feed.stats.dropped).toBeGreaterThan(0);
    expect(r.feed.stats.resyncs).toBeGreaterThanOrEqual(1);
    // resync by reconnecting: re-auth and the same subscription on the new connection
    const [c1, c2] = r.server.conns;
    expect(c2!.received).toEqual(c1!.received);
    // data resumed on the new connection
    const fromC2 = new Set(c2!.dataFrames.flat());
    expect(r.got.map(at).filter((i) => fromC2.has(i)).length).toBeGreaterThan(1000);
    // delivered items keep the venue's order, never twice; every gap is covered by an overflow error
    const idx = r.got.map(at);
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect(idx.every((i, k) => k === 0 || i > idx[k - 1]!)).toBe(true);
    const delivered = new Set(idx);
    const sent = [...new Set(r.server.conns.flatMap((c) => c.dataFrames.flat()))].filter(
      (i) => script[i]!.expected
    );
    expect(idx.every((i) => sent.includes(i))).toBe(true);
    // runs of sent points the client did not deliver
    let gaps = 0;
    let missing = false;
    for (const i of [...sent].sort((a, b) => a - b)) {
      if (!delivered.has(i) && !missing) gaps++;
      missing = !delivered.has(i);
    }
    expect(gaps).toBeGreaterThan(0);
    expect(gaps).toBeLessThanOrEqual(r.feed.stats.overflows);
  });
});
