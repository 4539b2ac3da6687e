import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { nsFromIso } from '../../src/core/nanos.ts';
import { getBars } from '../../src/data/access.ts';
import { backoffMs, downloadAlpacaBars } from '../../src/data/alpaca-bars.ts';
import { BarFlag } from '../../src/data/columns.ts';
import { importAlpaca } from '../../src/data/import/index.ts';
import { ParquetStore } from '../../src/data/store.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import type { Bar } from '../../src/messages/market-data.ts';

const inst = (symbol: string) =>
  makeInstrument({ symbol, venue: 'NASDAQ', tickSize: '0.01', lotSize: '1', currency: 'USD' });
const b = (t: string, o: number, v: number) => ({ t, o, h: o + 1, l: o - 1, c: o + 0.5, v, n: 10, vw: o });

let server: Server;
let base: string;
const seen: { url: URL; headers: IncomingMessage['headers'] }[] = [];
let mode: 'normal' | 'always429' | 'forbidden' | 'session' = 'normal';
let throttled = new Set<string>();
const FAKE_NOW_MS = 1_700_000_000_000;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ url, headers: req.headers });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers['apca-api-key-id'] !== 'key' || req.headers['apca-api-secret-key'] !== 'secret') {
      return send(401, { message: 'unauthorized.' });
    }
    if (mode === 'forbidden') return send(403, { message: 'forbidden' });
    if (mode === 'always429') return send(429, { message: 'too many requests.' }, { 'retry-after': '1' });
    if (url.pathname !== '/v2/stocks/bars') return send(404, { message: 'not found' });
    if (mode === 'session') {
      // 2024-01-02 (EST): pre-market, regular and after-hours bars, as Alpaca's intraday bars come
      const stamps =
        url.searchParams.get('timeframe') === '1Hour'
          ? ['2024-01-02T13:00:00Z', '2024-01-02T14:00:00Z', '2024-01-02T21:00:00Z'] // 08:00, 09:00 (holds the open), 16:00
          : ['2024-01-02T13:00:00Z', '2024-01-02T14:30:00Z', '2024-01-02T21:00:00Z']; // 08:00, 09:30, 16:00
      return send(200, { bars: { AAPL: stamps.map((t) => b(t, 100, 10)) }, next_page_token: null });
    }
    const token = url.searchParams.get('page_token') ?? '';
    // the first call of page '' and of page 'p2' is throttled once: Retry-After, then X-RateLimit-Reset
    if (!throttled.has(token) && (token === '' || token === 'p2')) {
      throttled.add(token);
      return token === ''
        ? send(429, { message: 'too many requests.' }, { 'retry-after': '2', 'x-ratelimit-remaining': '0' })
        : send(
            429,
            { message: 'too many requests.' },
            {
              'x-ratelimit-limit': '200',
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(FAKE_NOW_MS / 1000 + 3)
            }
          );
    }
    // Alpaca sorts by symbol then time and pages across symbols
    if (token === '') {
      return send(200, {
        bars: { AAPL: [b('2024-01-02T14:30:00Z', 185.1, 100), b('2024-01-02T14:31:00Z', 185.2, 200)] },
        next_page_token: 'p2'
      });
    }
    if (token === 'p2') {
      return send(200, {
        bars: { AAPL: [b('2024-01-02T14:32:00Z', 185.3, 300)], TSLA: [b('2024-01-02T14:30:00Z', 248.4, 50)] },
        next_page_token: 'p3'
      });
    }
    return send(200, { bars: { TSLA: [b('2024-01-02T14:31:00Z', 248.5, 60)] }, next_page_token: null });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const req = {
  symbols: ['AAPL', 'TSLA'],
  start: '2024-01-02T00:00:00Z',
  end: '2024-01-03T00:00:00Z',
  timeframe: '1m'
};

describe('Alpaca historical bars downloader', () => {
  it('follows next_page_token, honours Retry-After and X-RateLimit-Reset, converts to bars', async () => {
    mode = 'normal';
    throttled = new Set();
    seen.length = 0;
    const waits: number[] = [];
    const out = await downloadAlpacaBars(req, inst, {
      baseUrl: base,
      keyId: 'key',
      secretKey: 'secret',
      now: () => FAKE_NOW_MS,
      sleep: async (ms) => {
        waits.push(ms);
      }
    });
    expect(waits).toEqual([2000, 3000]);
    expect(seen.map((s) => s.url.searchParams.get('page_token'))).toEqual([null, null, 'p2', 'p2', 'p3']);
    const q = seen[0]!.url.searchParams;
    expect([q.get('symbols'), q.get('timeframe'), q.get('start'), q.get('limit')]).toEqual([
      'AAPL,TSLA',
      '1Min',
      '2024-01-02T00:00:00Z',
      '10000'
    ]);
    const aapl = out.get('AAPL')!;
    expect(aapl).toHaveLength(3);
    expect(aapl[0]).toMatchObject({
      instrumentId: 'AAPL@NASDAQ',
      tsOpen: nsFromIso('2024-01-02T14:30:00Z'),
      tsEvent: nsFromIso('2024-01-02T14:31:00Z'),
      open: 18510,
      high: 18610,
      low: 18410,
      close: 18560,
      volume: 100
    });
    expect(out.get('TSLA')!.map((x) => x.volume)).toEqual([50, 60]);
  });

  it('reads credentials from APCA_API_KEY_ID / APCA_API_SECRET_KEY and fails clearly without them', async () => {
    mode = 'normal';
    throttled = new Set(['', 'p2']);
    const saved = [process.env.APCA_API_KEY_ID, process.env.APCA_API_SECRET_KEY];
    try {
      process.env.APCA_API_KEY_ID = 'key';
      process.env.APCA_API_SECRET_KEY = 'secret';
      const out = await downloadAlpacaBars(req, inst, { baseUrl: base });
      expect(out.get('AAPL')).toHaveLength(3);
      delete process.env.APCA_API_KEY_ID;
      await expect(downloadAlpacaBars(req, inst, { baseUrl: base })).rejects.toMatchObject({
        code: 'TRD_ERR_CONFIG_INVALID'
      });
    } finally {
      process.env.APCA_API_KEY_ID = saved[0];
      process.env.APCA_API_SECRET_KEY = saved[1];
      if (saved[0] === undefined) delete process.env.APCA_API_KEY_ID;
      if (saved[1] === undefined) delete process.env.APCA_API_SECRET_KEY;
    }
  });

  it('gives up after maxRetries of 429, and fails on 403 without retrying', async () => {
    mode = 'always429';
    const waits: number[] = [];
    const opts = {
      baseUrl: base,
      keyId: 'key',
      secretKey: 'secret',
      maxRetries: 2,
      sleep: async (ms: number) => void waits.push(ms)
    };
    await expect(downloadAlpacaBars(req, inst, opts)).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_FETCH_FAILED',
      context: { status: 429 }
    });
    expect(waits).toEqual([1000, 1000]);
    mode = 'forbidden';
    waits.length = 0;
    await expect(downloadAlpacaBars(req, inst, opts)).rejects.toMatchObject({ context: { status: 403 } });
    expect(waits).toEqual([]);
  });

  it('importAlpaca stores what it downloads, one dataset per symbol', async () => {
    mode = 'normal';
    throttled = new Set(['', 'p2']);
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-alpaca-'));
    const store = await ParquetStore.open(dir);
    try {
      const r = await importAlpaca(store, req, { baseUrl: base, keyId: 'key', secretKey: 'secret' });
      expect(r.map((x) => [x.symbol, x.dataset, x.rows])).toEqual([
        ['AAPL', 'bars_1m', 3],
        ['TSLA', 'bars_1m', 2]
      ]);
      const cols = await store.loadBars('TSLA', parseTimeframe('1m'));
      expect(Array.from(cols.close)).toEqual([24890, 24900]); // c = 248.9, 249.0 (JSON floats → nearest tick)
      expect(store.symbolMeta('AAPL').venue).toBe('ALPACA');
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('importAlpaca flags intraday bars outside the NYSE regular session EXTENDED_HOURS, so a regular read leaves them out', async () => {
    mode = 'session';
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-alpaca-'));
    const store = await ParquetStore.open(dir);
    const opts = { baseUrl: base, keyId: 'key', secretKey: 'secret' };
    try {
      for (const [timeframe, regular] of [
        ['1m', '2024-01-02T14:30:00Z'],
        ['1h', '2024-01-02T14:00:00Z'] // the 09:00 hour holds the open: regular trading, not flagged
      ] as const) {
        await importAlpaca(store, { ...req, symbols: ['AAPL'], timeframe }, opts);
        const cols = await store.loadBars('AAPL', parseTimeframe(timeframe));
        const extended = Array.from(cols.flags, (f) => f & BarFlag.EXTENDED_HOURS);
        expect(extended, timeframe).toEqual([BarFlag.EXTENDED_HOURS, 0, BarFlag.EXTENDED_HOURS]);
        const out: Bar[] = [];
        for await (const batch of getBars(store, ['AAPL'], undefined, undefined, timeframe))
          out.push(...batch);
        expect(
          out.map((x) => x.tsOpen),
          timeframe
        ).toEqual([nsFromIso(regular)]);
      }
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses weekly (and any multi-day) bars before asking Alpaca: stamped at the week start they would show Friday on Monday', async () => {
    mode = 'normal';
    seen.length = 0;
    for (const timeframe of ['1w', '1Week', '2d']) {
      await expect(
        downloadAlpacaBars({ ...req, timeframe }, inst, { baseUrl: base, keyId: 'key', secretKey: 'secret' }),
        timeframe
      ).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID', context: { timeframe } });
    }
    expect(seen).toEqual([]);
  });

  it('backoff: Retry-After seconds or date, then X-RateLimit-Reset, then exponential', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(backoffMs({ 'retry-after': '1.5' }, 0, now)).toBe(1500);
    expect(backoffMs({ 'retry-after': 'Mon, 01 Jan 2024 00:00:04 GMT' }, 0, now)).toBe(4000);
    expect(backoffMs({ 'x-ratelimit-reset': String(now / 1000 + 7) }, 0, now)).toBe(7000);
    expect([0, 1, 2, 10].map((a) => backoffMs({}, a, now))).toEqual([1000, 2000, 4000, 60_000]);
  });
});
