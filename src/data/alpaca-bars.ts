import { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, qtyToLots, ticksFromFloat } from '../core/instrument.ts';
import { NS_PER_MS, nsFromIso } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import { nyLocal, nyseSessionUtc } from './nyse-calendar.ts';
import { alpacaTimeframe, parseTimeframe } from './timeframe.ts';

/** Alpaca's market-data host; inject another (a local server) for tests. */
export const ALPACA_DATA_URL = 'https://data.alpaca.markets';

const barItemSchema = z.object({
  t: z.string().min(1),
  o: z.number().finite(),
  h: z.number().finite(),
  l: z.number().finite(),
  c: z.number().finite(),
  v: z.number().int().nonnegative(),
  n: z.number().int().nonnegative().optional(),
  vw: z.number().optional()
});

/** `GET /v2/stocks/bars` (multi-symbol): bars keyed by symbol, sorted by symbol then time, paginated. */
const multiBarsSchema = z.object({
  bars: z.record(z.string(), z.array(barItemSchema)).nullable(),
  next_page_token: z.string().nullable().optional()
});

export interface AlpacaBarsRequest {
  readonly symbols: readonly string[];
  /** RFC-3339, no fractional seconds (Alpaca rejects them). */
  readonly start: string;
  readonly end: string;
  /**
   * `1m`, `5m`, `1h`, `1d` (sent as 1Min, 5Min, 1Hour, 1Day). Wider bars (`1w`, `2d`) are refused: Alpaca stamps
   * them at their first day, so stamped by their open they would be known before their last close.
   */
  readonly timeframe: string;
  readonly adjustment?: 'raw' | 'split' | 'dividend' | 'all';
  readonly feed?: 'iex' | 'sip' | 'otc';
  /** Page size, 1–10000 (default 10000). */
  readonly limit?: number;
}

export interface AlpacaClientOptions {
  readonly baseUrl?: string;
  /** Credentials; default from env APCA_API_KEY_ID / APCA_API_SECRET_KEY. */
  readonly keyId?: string;
  readonly secretKey?: string;
  /** Retries of a 429/5xx before giving up (default 5). */
  readonly maxRetries?: number;
  /** Injected for tests: wait `ms`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: wall clock in ms. */
  readonly now?: () => number;
  /** Called before each wait with its reason. */
  readonly onBackoff?: (info: { status: number; waitMs: number; attempt: number }) => void;
}

/**
 * Milliseconds to wait after a 429 (or 5xx): `Retry-After` (seconds or an HTTP date) wins, then Alpaca's
 * `X-RateLimit-Reset` (UNIX epoch seconds when the quota refills), else exponential backoff from 1 s,
 * capped at 60 s.
 */
export function backoffMs(
  headers: Record<string, string | string[] | undefined>,
  attempt: number,
  nowMs: number
): number {
  const h = (k: string) => {
    const v = headers[k] ?? headers[k.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const ra = h('retry-after');
  if (ra !== undefined) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.min(60_000, Math.ceil(Number(ra) * 1000));
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.min(60_000, Math.max(0, at - nowMs));
  }
  const reset = h('x-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    return Math.min(60_000, Math.max(0, Number(reset) * 1000 - nowMs));
  }
  return Math.min(60_000, 1000 * 2 ** attempt);
}

/**
 * Download historical bars from Alpaca's market-data REST API (`GET /v2/stocks/bars`), following
 * `next_page_token` until it is null, backing off on 429 as the headers say. Returns bars per symbol,
 * each sorted by time, converted to ticks/lots of `instruments(symbol)`. Alpaca stamps a bar with its
 * OPEN: tsEvent = t + timeframe; daily bars (t = New York midnight) become the NYSE session of that date.
 * A timeframe wider than intraday other than `1d` throws `TRD_ERR_DATA_INVALID` before any request (download
 * `1d` and let the strategy's timeframe resample it).
 */
export async function downloadAlpacaBars(
  req: AlpacaBarsRequest,
  instruments: (symbol: string) => Instrument,
  opts: AlpacaClientOptions = {}
): Promise<Map<string, Bar[]>> {
  const tf = parseTimeframe(req.timeframe);
  if (!tf.intraday && tf.label !== '1d') {
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `Alpaca ${tf.label} bars are not downloaded: stamped at their first day they would be known before their last close; download 1d bars and let the strategy's timeframe resample them`,
      { timeframe: req.timeframe }
    );
  }
  const keyId = opts.keyId ?? process.env.APCA_API_KEY_ID;
  const secret = opts.secretKey ?? process.env.APCA_API_SECRET_KEY;
  if (!keyId || !secret) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      'Alpaca credentials missing: set APCA_API_KEY_ID and APCA_API_SECRET_KEY',
      {}
    );
  }
  const base = (opts.baseUrl ?? ALPACA_DATA_URL).replace(/\/+$/, '');
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const maxRetries = opts.maxRetries ?? 5;
  // undici loads with the first download, not with every backtest that imports the data layer
  const { request } = await import('undici');
  const out = new Map<string, Bar[]>();
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const q = new URLSearchParams({
      symbols: req.symbols.join(','),
      timeframe: alpacaTimeframe(tf),
      start: req.start,
      end: req.end,
      limit: String(req.limit ?? 10_000),
      adjustment: req.adjustment ?? 'raw',
      sort: 'asc'
    });
    if (req.feed) q.set('feed', req.feed);
    if (pageToken) q.set('page_token', pageToken);
    const url = `${base}/v2/stocks/bars?${q.toString()}`;
    let body: unknown;
    for (let attempt = 0; ; attempt++) {
      const res = await request(url, {
        method: 'GET',
        headers: { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secret, accept: 'application/json' }
      });
      if (res.statusCode === 200) {
        body = await res.body.json();
        break;
      }
      const text = await res.body.text();
      if ((res.statusCode === 429 || res.statusCode >= 500) && attempt < maxRetries) {
        const waitMs = backoffMs(res.headers, attempt, now());
        opts.onBackoff?.({ status: res.statusCode, waitMs, attempt });
        await sleep(waitMs);
        continue;
      }
      throw new TradestateError(
        ErrorCode.DATA_FETCH_FAILED,
        `Alpaca ${res.statusCode} for ${url}: ${text.slice(0, 200)}`,
        {
          status: res.statusCode,
          url
        }
      );
    }
    const parsed = multiBarsSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new TradestateError(
        ErrorCode.DATA_INVALID,
        `Alpaca bars response invalid at ${issue.path.join('.')}: ${issue.message}`,
        {
          path: issue.path.join('.'),
          page: pages
        }
      );
    }
    for (const [symbol, items] of Object.entries(parsed.data.bars ?? {})) {
      const inst = instruments(symbol);
      const list = out.get(symbol) ?? [];
      for (const it of items) {
        const t = nsFromIso(it.t);
        let tsOpen = t;
        let tsEvent = t + tf.ns;
        if (!tf.intraday) {
          const { y, m, d } = nyLocal(t + 12n * 3600n * 1000n * NS_PER_MS);
          const s = nyseSessionUtc(y, m, d);
          tsOpen = s.open;
          tsEvent = s.close;
        }
        const prev = list[list.length - 1];
        if (prev && tsEvent <= prev.tsEvent) {
          throw new TradestateError(
            ErrorCode.DATA_INVALID,
            `Alpaca bars for ${symbol} out of order at ${it.t}`,
            {
              symbol,
              t: it.t
            }
          );
        }
        list.push({
          type: 'market.bar',
          instrumentId: inst.id,
          tsOpen,
          tsEvent,
          tsInit: tsEvent,
          open: ticksFromFloat(inst, it.o),
          high: ticksFromFloat(inst, it.h),
          low: ticksFromFloat(inst, it.l),
          close: ticksFromFloat(inst, it.c),
          volume: qtyToLots(inst, String(it.v))
        });
      }
      out.set(symbol, list);
    }
    pageToken = parsed.data.next_page_token ?? undefined;
    pages++;
  } while (pageToken);
  return out;
}
