import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Rng } from '../../src/core/rng.ts';
import { coinbaseAdapter } from '../../src/gateways/ws/adapters.ts';
import { WsFeed } from '../../src/gateways/ws/ws-feed.ts';
import { wsMarketData$ } from '../../src/streams/ws-market-data.stream.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { COINBASE, readRecording } from '../gateways/recordings.ts';

const BAND = readRecording('COINBASE.ws.28.0')
  .flatMap((l) => (l.kind === 'recv' ? [l.json] : []))
  .filter((f) => f.includes('"product_id":"BAND-GBP"') && /"type":"(snapshot|l2update)"/.test(f));

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A loopback Coinbase server: the BAND-GBP snapshot on subscribe, then one recorded update per `send()`. */
async function server(): Promise<{ url: string; send(): void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      })
  );
  let next = 1;
  wss.on('connection', (ws) =>
    ws.on('message', (m) => {
      if ((JSON.parse(String(m)) as { type?: string }).type === 'subscribe') ws.send(BAND[0]!);
    })
  );
  const a = wss.address();
  return {
    url: `ws://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    send: () => {
      for (const c of wss.clients) c.send(BAND[next++]!);
    }
  };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function feedOn(url: string): WsFeed {
  const feed = new WsFeed({
    url,
    adapter: coinbaseAdapter(COINBASE),
    clock: new LiveClock(),
    rng: new Rng(1)
  });
  cleanup.push(() => feed.stop());
  return feed;
}

const active = (feed: WsFeed): boolean => feed.snapshot.status === 'active';

describe('wsMarketData$', () => {
  it('a feed shared by several subscribers runs until the last one leaves', async () => {
    const s = await server();
    const feed = feedOn(s.url);
    const data$ = wsMarketData$(feed, ['BAND-GBP']);
    const got = [0, 0, 0];
    const a = data$.subscribe(() => got[0]!++);
    const b = data$.subscribe(() => got[1]!++); // the same stream twice
    const c = wsMarketData$(feed, ['BAND-GBP']).subscribe(() => got[2]!++); // another stream of the same feed
    await until(() => got.every((n) => n > 0));
    a.unsubscribe();
    expect(active(feed)).toBe(true);
    const before = [...got];
    s.send();
    await until(() => got[1]! > before[1]! && got[2]! > before[2]!);
    expect(got[0]).toBe(before[0]);
    b.unsubscribe();
    expect(active(feed)).toBe(true);
    c.unsubscribe();
    expect(active(feed)).toBe(false); // the last one stopped it
  });

  it('a stream of a stopped feed completes at once', async () => {
    const s = await server();
    const feed = feedOn(s.url);
    wsMarketData$(feed, ['BAND-GBP']).subscribe().unsubscribe();
    let completed = false;
    wsMarketData$(feed, ['BAND-GBP']).subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });

  it('a subscription whose feed.subscribe throws gets the error and is not counted: the feed still stops with the last one', async () => {
    const s = await server();
    const feed = feedOn(s.url);
    const real = feed.subscribe.bind(feed);
    feed.subscribe = () => {
      throw new Error('refused');
    };
    let failed: unknown;
    wsMarketData$(feed, ['BAND-GBP']).subscribe({ error: (e) => (failed = e) });
    expect(failed).toEqual(new Error('refused'));
    feed.subscribe = real;
    let got = 0;
    const ok = wsMarketData$(feed, ['BAND-GBP']).subscribe(() => got++);
    await until(() => got > 0);
    ok.unsubscribe();
    expect(active(feed)).toBe(false); // the failed subscription holds no count
  });
});
