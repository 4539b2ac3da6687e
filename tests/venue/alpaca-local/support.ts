import { request } from 'undici';
import { WebSocket } from 'ws';
import { makeInstrument } from '../../../src/core/instrument.ts';
import type { Nanos } from '../../../src/core/nanos.ts';
import {
  type AlpacaStreamMessage,
  type AlpacaTradeUpdate,
  alpacaStreamAuth,
  alpacaStreamListen,
  decodeTradeStreamFrame
} from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import { SimulatedClock } from '../../../src/time/clock.ts';
import {
  AlpacaLocalVenue,
  type AlpacaLocalVenueOptions
} from '../../../src/venue/alpaca-local/alpaca-local.venue.ts';
import { until } from '../../support/until.ts';

/** A US equity: whole shares, cent ticks. */
export const AAPL = makeInstrument({
  symbol: 'AAPL',
  venue: 'ALPACA',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
/** A crypto pair: fractional lots of 0.0001. */
export const BTC = makeInstrument({
  symbol: 'BTC/USD',
  venue: 'ALPACA',
  tickSize: '0.01',
  lotSize: '0.0001',
  currency: 'USD'
});

/** One millisecond in nanoseconds. */
export const MS = 1_000_000n;
/** 2024-03-05T15:00:00Z, a Tuesday: 10:00 in New York, the regular session is open. */
export const T0: Nanos = 1_709_650_800_000_000_000n;

/** The test venue's key pair, and its REST headers. */
export const KEY = 'test-key';
export const SECRET = 'test-secret';
export const AUTH = { 'apca-api-key-id': KEY, 'apca-api-secret-key': SECRET } as const;

/** A started venue on a simulated clock at {@link T0}; stop it with `v.stop()`. */
export async function startVenue(
  over: Partial<AlpacaLocalVenueOptions> = {}
): Promise<{ v: AlpacaLocalVenue; clock: SimulatedClock }> {
  const clock = new SimulatedClock(T0);
  const v = new AlpacaLocalVenue({
    instruments: [AAPL, BTC],
    clock,
    seed: 7,
    keyId: KEY,
    secretKey: SECRET,
    ...over
  });
  await v.start();
  return { v, clock };
}

/** An HTTP answer: status and parsed JSON body (undefined when empty). */
export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field
  readonly json: any;
}

/** One REST call over loopback (undici); `body` is sent as JSON unless it is a string. */
export async function call(
  v: AlpacaLocalVenue,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
  opts: { signal?: AbortSignal } = {}
): Promise<Answer> {
  const r = await request(`${v.url}${path}`, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...opts
  });
  const text = await r.body.text();
  return { status: r.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

/** A trade_updates client: every frame kept raw (text and whether it was binary) and decoded. */
export interface StreamClient {
  readonly ws: WebSocket;
  readonly frames: { readonly binary: boolean; readonly text: string }[];
  /** Every frame decoded with the gateway's decoder (throws on a malformed one). */
  messages(): AlpacaStreamMessage[];
  /** The `data` of every trade update, in order. */
  updates(): AlpacaTradeUpdate[];
  /** Wait until `n` trade updates have arrived. */
  waitUpdates(n: number): Promise<AlpacaTradeUpdate[]>;
  /** Wait until `n` frames have arrived. */
  waitFrames(n: number): Promise<void>;
}

/** Connect to the stream; by default authenticate and listen to trade_updates. */
export async function connectStream(
  v: AlpacaLocalVenue,
  opts: { auth?: boolean; listen?: boolean } = {}
): Promise<StreamClient> {
  const ws = new WebSocket(v.streamUrl);
  const frames: { binary: boolean; text: string }[] = [];
  ws.on('message', (d, isBinary) => frames.push({ binary: isBinary, text: d.toString() }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const messages = (): AlpacaStreamMessage[] => frames.map((f) => decodeTradeStreamFrame(f.text)!);
  const updates = (): AlpacaTradeUpdate[] =>
    messages().flatMap((m) => (m.stream === 'trade_updates' ? [m.data] : []));
  const c: StreamClient = {
    ws,
    frames,
    messages,
    updates,
    async waitUpdates(n) {
      await until(() => updates().length >= n, 3000, `${n} trade updates`);
      return updates();
    },
    async waitFrames(n) {
      await until(() => frames.length >= n, 3000, `${n} frames`);
    }
  };
  if (opts.auth ?? true) {
    ws.send(alpacaStreamAuth(KEY, SECRET));
    await c.waitFrames(frames.length + 1);
  }
  if (opts.listen ?? true) {
    ws.send(alpacaStreamListen(['trade_updates']));
    await c.waitFrames(frames.length + 1);
  }
  return c;
}

/** An order request body. */
export function orderBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { symbol: 'AAPL', qty: '10', side: 'buy', type: 'market', time_in_force: 'day', ...over };
}
