import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, type TradestateError } from '../../../src/core/errors.ts';
import { makeInstrument } from '../../../src/core/instrument.ts';
import { type Nanos, NS_PER_MIN, nsFromIso } from '../../../src/core/nanos.ts';
import { Rng } from '../../../src/core/rng.ts';
import { alpacaAdapter } from '../../../src/gateways/ws/adapters.ts';
import { WsFeed } from '../../../src/gateways/ws/ws-feed.ts';
import type { Bar, MarketData, Quote, Trade } from '../../../src/messages/market-data.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import {
  AlpacaDataServer,
  type AlpacaDataServerOptions,
  alpacaTimestamp
} from '../../../src/venue/alpaca-local/alpaca-data.server.ts';
import { until } from '../../support/until.ts';
import { AAPL, BTC } from './support.ts';

/** Prices of 0.0001: SPY prints like 388.985 on Alpaca. */
const SPY = makeInstrument({
  symbol: 'SPY',
  venue: 'ALPACA',
  tickSize: '0.0001',
  lotSize: '1',
  currency: 'USD'
});
const KEY = 'PKLOCAL';
const SECRET = 'local-data-secret';
/** 2021-02-22T19:15:00Z, the bar of Alpaca's docs. */
const T0: Nanos = nsFromIso('2021-02-22T19:15:00Z');

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function server(over: Partial<AlpacaDataServerOptions> = {}): Promise<AlpacaDataServer> {
  const s = new AlpacaDataServer({ instruments: [AAPL, SPY, BTC], keyId: KEY, secretKey: SECRET, ...over });
  await s.start();
  cleanup.push(() => s.stop());
  return s;
}

interface FeedOptions {
  readonly secret?: string;
  readonly symbols?: readonly string[];
  readonly channels?: { trades?: boolean; quotes?: boolean; bars?: boolean };
}

/** A real WsFeed with the Alpaca adapter against `s`, started; what it delivers and reports is collected. */
function feed(s: AlpacaDataServer, o: FeedOptions = {}) {
  const f = new WsFeed({
    url: s.url,
    adapter: alpacaAdapter(
      s.instruments,
      { key: KEY, secret: o.secret ?? SECRET },
      o.channels ?? { bars: true, trades: true, quotes: true }
    ),
    clock: new LiveClock(),
    rng: new Rng(3),
    pingMs: 1000,
    staleMs: 2000,
    backoff: { minMs: 10, maxMs: 20 },
    symbols: o.symbols ?? ['AAPL', 'SPY', 'BTC/USD']
  });
  const got: MarketData[] = [];
  const errors: TradestateError[] = [];
  f.data$.subscribe((d) => got.push(d));
  f.errors$.subscribe((e) => errors.push(e));
  f.start();
  cleanup.push(() => f.stop());
  return { f, got, errors };
}

/** A message without `tsInit` (the receiver's clock). */
const noInit = (m: MarketData): Omit<MarketData, 'tsInit'> => {
  const { tsInit: _, ...rest } = m;
  return rest;
};

const bar = (inst: string, tsOpen: Nanos, o: number, h: number, l: number, c: number, v: number): Bar => ({
  type: 'market.bar',
  instrumentId: inst,
  tsOpen,
  tsEvent: tsOpen + NS_PER_MIN,
  tsInit: 1n,
  open: o,
  high: h,
  low: l,
  close: c,
  volume: v
});
const quote = (
  inst: string,
  ts: Nanos,
  bidPx: number,
  bidSz: number,
  askPx: number,
  askSz: number
): Quote => ({
  type: 'market.quote',
  instrumentId: inst,
  tsEvent: ts,
  tsInit: 1n,
  bidPx,
  bidSz,
  askPx,
  askSz
});
const trade = (
  inst: string,
  ts: Nanos,
  px: number,
  sz: number,
  tradeId: string,
  aggressor: Trade['aggressor'] = 'none'
): Trade => ({
  type: 'market.trade',
  instrumentId: inst,
  tsEvent: ts,
  tsInit: 1n,
  px,
  sz,
  aggressor,
  tradeId
});

/** A raw `ws` client: every frame it receives, as text. */
async function raw(url: string) {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  let closeCode: number | undefined;
  ws.on('message', (d) => frames.push(String(d)));
  ws.on('close', (code) => {
    closeCode = code;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  cleanup.push(() => ws.terminate());
  return {
    ws,
    frames,
    closeCode: () => closeCode,
    send: (m: unknown) => ws.send(typeof m === 'string' || Buffer.isBuffer(m) ? m : JSON.stringify(m))
  };
}

const CONNECTED = '[{"T":"success","msg":"connected"}]';
const AUTHENTICATED = '[{"T":"success","msg":"authenticated"}]';
const err = (code: number, msg: string): string => `[{"T":"error","code":${code},"msg":"${msg}"}]`;

describe('AlpacaDataServer: Alpaca market-data stream v2 on loopback', () => {
  it('a real WsFeed receives published bars, quotes and trades decoded back into exactly the canonical messages', async () => {
    const s = await server();
    const r = feed(s);
    await until(() => s.subscriberCount('quotes', 'BTC/USD') === 1, 2000, 'the feed to subscribe');
    const published: MarketData[] = [
      bar(AAPL.id, T0, 12655, 12701, 12650, 12698, 49378),
      bar(SPY.id, T0 + NS_PER_MIN, 3889850, 3891300, 3889750, 3891200, 12),
      quote(SPY.id, T0 + 335_689_322n, 3889849, 3, 3889851, 400),
      trade(AAPL.id, T0 + 208_000_000n, 12655, 100, '96921', 'buy'),
      trade(BTC.id, T0 + 1n, 5123456, 12345, 'c0ffee-1', 'sell'),
      trade(AAPL.id, T0 + 2n, 12656, 1, '007')
    ];
    s.publish(published.slice(0, 2) as Bar[]);
    s.publishQuote(published[2] as Quote);
    for (const t of published.slice(3)) s.publishTrade(t as Trade);
    await until(() => r.got.length === published.length, 2000, 'every message');
    expect(r.got.map(noInit)).toEqual(published.map(noInit));
    // the bar is stamped with its open on the wire; the client dates it one minute later
    expect(r.got[0]).toMatchObject({ tsOpen: T0, tsEvent: T0 + NS_PER_MIN });
    expect(r.errors).toEqual([]);
    expect(r.f.status).toBe('ready');
    expect(s.stats).toMatchObject({
      connections: 1,
      badFrames: 0,
      sent: 6,
      slowClients: 0,
      nonMinuteBars: 0
    });
  });

  it('prints Alpaca JSON exactly: numbers from ticks and lots, RFC 3339 with only the needed fraction, one frame per publish', async () => {
    const s = await server();
    const c = await raw(s.url.replace('/v2/iex', '/v2/sip')); // any feed path
    c.send({ action: 'auth', key: KEY, secret: SECRET });
    c.send({ action: 'subscribe', trades: ['AAPL', 'BTC/USD'], quotes: ['AAPL'], bars: ['*'] });
    await until(() => c.frames.length === 3);
    expect(c.frames).toEqual([
      CONNECTED,
      AUTHENTICATED,
      '[{"T":"subscription","trades":["AAPL","BTC/USD"],"quotes":["AAPL"],"bars":["*"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["AAPL","BTC/USD"],"cancelErrors":["AAPL","BTC/USD"]}]'
    ]);
    s.publish([
      bar(SPY.id, T0, 3889850, 3891300, 3889750, 3891200, 49378),
      quote(SPY.id, T0, 1, 1, 2, 2), // quotes of SPY are not subscribed
      quote(AAPL.id, T0 + 335_689_322n, 12650, 1, 12700, 4),
      trade(AAPL.id, T0 + 208_000_000n, 12655, 1, '96921'),
      trade(BTC.id, T0 + 1_000n, 5123400, 5, 'x-1', 'buy')
    ]);
    await until(() => c.frames.length === 4);
    expect(c.frames[3]).toBe(
      '[{"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z"},' +
        '{"T":"q","S":"AAPL","bp":126.5,"bs":1,"ap":127,"as":4,"t":"2021-02-22T19:15:00.335689322Z"},' +
        '{"T":"t","S":"AAPL","i":96921,"p":126.55,"s":1,"t":"2021-02-22T19:15:00.208Z"},' +
        '{"T":"t","S":"BTC/USD","i":"x-1","p":51234,"s":0.0005,"t":"2021-02-22T19:15:00.000001Z","tks":"B"}]'
    );
    expect(s.stats.sent).toBe(4);
    expect(alpacaTimestamp(T0 - 1n)).toBe('2021-02-22T19:14:59.999999999Z');
  });

  it('wrong credentials: 402 auth failed, the connection is closed and the feed stops without retrying', async () => {
    const s = await server();
    const r = feed(s, { secret: 'wrong' });
    await until(() => r.f.status === 'stopped', 2000, 'the feed to stop');
    expect(r.errors.map((e) => [e.code, e.context['code'], e.context['venue']])).toEqual([
      [ErrorCode.WS_REJECTED, 402, 'alpaca']
    ]);
    await until(() => s.clientCount === 0, 2000, 'the connection to close');
    expect(r.f.stats.connects).toBe(1);
    expect(r.f.stats.reconnects).toBe(0);
    expect(s.stats.connections).toBe(1);
    expect(s.hasSubscribers).toBe(false);
    s.publishBar(bar(AAPL.id, T0, 1, 1, 1, 1, 1));
    expect(s.stats.sent).toBe(0);
    expect(r.got).toEqual([]);
  });

  it('only subscribed channels and symbols are delivered; unsubscribe stops delivery at once', async () => {
    const s = await server();
    const r = feed(s, { symbols: ['AAPL', 'SPY'], channels: { bars: true, trades: true } });
    await until(() => s.subscriberCount('bars', 'SPY') === 1, 2000, 'the feed to subscribe');
    expect(s.subscriberCount('quotes', 'AAPL')).toBe(0);
    expect(s.hasSubscribers).toBe(true);
    const aaplBar = bar(AAPL.id, T0, 100, 101, 99, 100, 10);
    const spyTrade = trade(SPY.id, T0 + 5n, 3889850, 7, '1');
    s.publish([
      quote(AAPL.id, T0, 100, 1, 101, 1), // quotes: not subscribed
      bar(BTC.id, T0, 100, 100, 100, 100, 1), // BTC/USD: not subscribed
      aaplBar,
      spyTrade
    ]);
    await until(() => r.got.length === 2, 2000, 'the subscribed messages');
    r.f.unsubscribe(['AAPL']);
    await until(() => s.subscriberCount('bars', 'AAPL') === 0, 2000, 'the unsubscribe');
    expect(s.subscriberCount('bars', 'SPY')).toBe(1);
    const spyBar = bar(SPY.id, T0 + NS_PER_MIN, 3889850, 3889850, 3889850, 3889850, 1);
    s.publishBar(bar(AAPL.id, T0 + NS_PER_MIN, 102, 102, 102, 102, 1));
    s.publishTrade(trade(AAPL.id, T0 + NS_PER_MIN, 102, 1, '2'));
    s.publishBar(spyBar); // sent after the AAPL ones on the same socket: its arrival proves they were not sent
    await until(() => r.got.length === 3, 2000, 'the SPY bar');
    expect(r.got.map(noInit)).toEqual([aaplBar, spyTrade, spyBar].map(noInit));
    expect(s.stats.sent).toBe(3);
    expect(r.errors).toEqual([]);
  });

  it('dropClients: the feed reconnects, re-authenticates and re-subscribes; nothing published meanwhile is replayed', async () => {
    const s = await server();
    const r = feed(s, { symbols: ['AAPL'] });
    await until(() => s.subscriberCount('bars', 'AAPL') === 1, 2000, 'the feed to subscribe');
    const b0 = bar(AAPL.id, T0, 100, 100, 100, 100, 1);
    s.publishBar(b0);
    await until(() => r.got.length === 1, 2000, 'the first bar');
    s.dropClients();
    expect(s.clientCount).toBe(0);
    s.publishBar(bar(AAPL.id, T0 + NS_PER_MIN, 101, 101, 101, 101, 1)); // nobody listens: lost
    await until(() => s.subscriberCount('bars', 'AAPL') === 1, 2000, 'the feed to come back');
    const b2 = bar(AAPL.id, T0 + 2n * NS_PER_MIN, 102, 102, 102, 102, 1);
    s.publishBar(b2);
    await until(() => r.got.length === 2, 2000, 'the bar after the reconnect');
    expect(r.got.map(noInit)).toEqual([b0, b2].map(noInit));
    expect(r.f.stats.reconnects).toBe(1);
    expect(s.stats.connections).toBe(2);
    expect(s.clientCount).toBe(1);
    expect(r.errors).toEqual([]);
  });

  it('malformed and out-of-order frames get their error frames; the server keeps serving', async () => {
    const s = await server();
    const c = await raw(s.url);
    c.send('not json');
    c.send('[{"action":"auth"}]');
    c.send({ action: 'dance' });
    c.send({ action: 'subscribe', bars: ['AAPL'] }); // before auth
    c.send({ action: 'auth', key: KEY, secret: SECRET });
    c.send({ action: 'auth', key: KEY, secret: SECRET });
    c.send({ action: 'subscribe', bars: 'AAPL' });
    c.send({ action: 'subscribe', bars: [1] });
    c.send({ action: 'subscribe' });
    c.send(Buffer.from([0xff, 0x00, 0x7b]));
    c.send({ action: 'subscribe', bars: ['AAPL'] });
    await until(() => c.frames.length === 12, 2000, 'every answer');
    expect(c.frames).toEqual([
      CONNECTED,
      err(400, 'invalid syntax'),
      err(400, 'invalid syntax'),
      err(400, 'invalid syntax'),
      err(401, 'not authenticated'),
      AUTHENTICATED,
      err(403, 'already authenticated'),
      err(400, 'invalid syntax'),
      err(400, 'invalid syntax'),
      err(400, 'invalid syntax'),
      err(400, 'invalid syntax'),
      '[{"T":"subscription","trades":[],"quotes":[],"bars":["AAPL"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":[],"cancelErrors":[]}]'
    ]);
    expect(s.stats.badFrames).toBe(7);
    s.publishBar(bar(AAPL.id, T0, 100, 100, 100, 100, 1));
    await until(() => c.frames.length === 13, 2000, 'the bar');
    expect(c.frames[12]).toBe(
      '[{"T":"b","S":"AAPL","o":1,"h":1,"l":1,"c":1,"v":1,"t":"2021-02-22T19:15:00Z"}]'
    );
    expect(c.closeCode()).toBeUndefined();
  });

  it('one session per key (406), auth timeout (404), and a slow reader is cut off with 407', async () => {
    const s = await server({ authTimeoutMs: 40, maxBufferedBytes: 64 << 10 });
    const a = await raw(s.url);
    a.send({ action: 'auth', key: KEY, secret: SECRET });
    a.send({ action: 'subscribe', bars: ['AAPL'] });
    await until(() => a.frames.length === 3);
    const b = await raw(s.url);
    b.send({ action: 'auth', key: KEY, secret: SECRET });
    await until(() => b.closeCode() !== undefined, 2000, 'the second session to be closed');
    expect(b.frames).toEqual([CONNECTED, err(406, 'connection limit exceeded')]);
    const idle = await raw(s.url);
    await until(() => idle.closeCode() !== undefined, 2000, 'the auth timeout');
    expect(idle.frames).toEqual([CONNECTED, err(404, 'auth timeout')]);
    expect(a.closeCode()).toBeUndefined(); // the authenticated session outlived both

    // a reader that stops reading: the server's queue for it grows past the bound, then it is cut off
    a.ws.pause();
    const bars = Array.from({ length: 2000 }, (_, i) =>
      bar(AAPL.id, T0 + BigInt(i) * NS_PER_MIN, 1, 2, 1, 2, i)
    );
    for (let i = 0; i < 1000 && s.stats.slowClients === 0; i++) {
      s.publish(bars);
      await new Promise((r) => setImmediate(r));
    }
    expect(s.stats.slowClients).toBe(1);
    expect(s.subscriberCount('bars', 'AAPL')).toBe(0);
    const sent = s.stats.sent;
    s.publish(bars.slice(0, 1));
    expect(s.stats.sent).toBe(sent); // nothing more is queued for it
    a.ws.resume();
    await until(() => a.closeCode() !== undefined, 2000, 'the slow client to be closed');
    expect(a.frames.at(-1)).toBe(err(407, 'slow client'));
    // the handshake, every data frame queued before the cut, then the 407
    expect(a.frames.length).toBe(3 + sent / bars.length + 1);
  });
});
