import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { afterEach, expect } from 'vitest';
import { WebSocket } from 'ws';
import type { TradestateError } from '../../../../src/core/errors.ts';
import { type Nanos, NS_PER_MS } from '../../../../src/core/nanos.ts';
import { Rng } from '../../../../src/core/rng.ts';
import {
  AlpacaExecutionGateway,
  type AlpacaExecutionGatewayOptions,
  type AlpacaOrderApi
} from '../../../../src/gateways/alpaca/alpaca-execution.gateway.ts';
import { AlpacaRestClient } from '../../../../src/gateways/alpaca/alpaca-rest.client.ts';
import {
  type AlpacaTradeUpdate,
  alpacaStreamAuth,
  alpacaStreamListen,
  decodeTradeStreamFrame
} from '../../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import { TradeUpdatesStream } from '../../../../src/gateways/alpaca/trade-updates.stream.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../../../src/messages/commands.ts';
import type { ExecType, ExecutionReport } from '../../../../src/messages/execution-report.ts';
import { SimulatedClock } from '../../../../src/time/clock.ts';
import {
  AlpacaLocalVenue,
  type AlpacaLocalVenueOptions
} from '../../../../src/venue/alpaca-local/alpaca-local.venue.ts';
import { until } from '../../../support/until.ts';
import { AAPL } from '../../../venue/alpaca-local/support.ts';

/*
 * The real client (AlpacaExecutionGateway over AlpacaRestClient + TradeUpdatesStream) wired to the real
 * server (AlpacaLocalVenue) over loopback, on ONE simulated clock: the venue's order timestamps, the
 * stream's reconnect timers and the gateway's tsInit all come from it, so a run has no wall-clock field.
 * Only the REST client's request deadline and the gateway's lookup pause are real (short) timers.
 */

/** The venue tests' US equity (cent ticks, whole shares), shared so both suites trade the same instrument. */
export { AAPL };

/** 2024-03-05T15:00:00Z, a Tuesday: 10:00 in New York, the regular session is open. */
export const T0: Nanos = 1_709_650_800_000_000_000n;

const KEY = 'interop-key';
const SECRET = 'interop-secret';
/** Reconnect backoff of the stream (ms of the simulated clock). */
const BACKOFF = { minMs: 10, maxMs: 20 } as const;

/** An HTTP request as the venue's server received it. */
export interface VenueRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly path: string;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  /** Venue seed (order ids, execution ids). Default 7. */
  readonly seed?: number;
  readonly initialCash?: string;
  readonly emulator?: AlpacaLocalVenueOptions['emulator'];
  /** Deadline of one REST attempt (real ms). Default 250. */
  readonly timeoutMs?: number;
  /** Gateway options beyond the harness's own. */
  readonly gateway?: Pick<
    AlpacaExecutionGatewayOptions,
    'orphanMemory' | 'openOrdersPageSize' | 'finishedMemory' | 'reconcileConcurrency'
  >;
  /** What the gateway calls instead of the REST client itself (to watch its calls). Default: the client. */
  readonly wrapRest?: (rest: AlpacaRestClient) => AlpacaOrderApi;
}

/** Everything of one interop run; {@link Harness.close} tears all of it down. */
export interface Harness {
  readonly venue: AlpacaLocalVenue;
  readonly clock: SimulatedClock;
  readonly rest: AlpacaRestClient;
  readonly stream: TradeUpdatesStream;
  readonly gw: AlpacaExecutionGateway;
  /** Every report of the gateway, in order. */
  readonly reports: ExecutionReport[];
  /** Everything on the gateway's errors$. */
  readonly errors: TradestateError[];
  /** Every HTTP request the venue's server received, in arrival order. */
  readonly requests: VenueRequest[];
  /**
   * Every trade update that went over the wire, seen by a second, raw listener of the venue's stream (until
   * the venue drops its stream clients).
   */
  readonly wire: AlpacaTradeUpdate[];
  /** Every trade update the gateway's own stream client decoded, in order. */
  readonly delivered: AlpacaTradeUpdate[];
  /** Reports of one client order id. */
  of(clientOrderId: string): ExecutionReport[];
  /** Their exec types. */
  types(clientOrderId: string): ExecType[];
  /** Requests the venue received with this method and path. */
  seen(method: string, path: string): VenueRequest[];
  /** Wait until `pred` holds (real time, polling). */
  until(pred: () => boolean, what: string): Promise<void>;
  /** Let the sockets settle: nothing more may arrive after this (used before "nothing else came" checks). */
  settle(): Promise<void>;
  /**
   * After the venue dropped the stream: wait for the client's backoff, move the simulated clock past it
   * and wait until the stream is live again.
   */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

/** One venue, one client, one simulated clock at {@link T0}; the stream is live when this resolves. */
export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const clock = new SimulatedClock(T0);
  const venue = new AlpacaLocalVenue({
    instruments: [AAPL],
    clock,
    seed: o.seed ?? 7,
    keyId: KEY,
    secretKey: SECRET,
    ...(o.initialCash === undefined ? {} : { initialCash: o.initialCash }),
    ...(o.emulator === undefined ? {} : { emulator: o.emulator })
  });
  const closers: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
    closers.length = 0;
  };
  try {
    await venue.start();
    closers.push(() => venue.stop());
    const port = Number(new URL(venue.url).port);
    const requests: VenueRequest[] = [];
    const onRequest = (m: unknown): void => {
      const req = (m as { request: IncomingMessage }).request;
      if (req.socket.localPort !== port) return; // another test's server
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? '', url, path: new URL(url, 'http://x').pathname });
    };
    diagnostics.subscribe('http.server.request.start', onRequest);
    closers.push(() => void diagnostics.unsubscribe('http.server.request.start', onRequest));

    const wire: AlpacaTradeUpdate[] = [];
    const tap = await listen(venue.streamUrl, wire);
    closers.push(() => tap.terminate());

    const rest = new AlpacaRestClient({
      baseUrl: venue.url,
      keyId: KEY,
      secretKey: SECRET,
      timeoutMs: o.timeoutMs ?? 250,
      getRetries: 1,
      delay: () => Promise.resolve()
    });
    closers.push(() => rest.close());
    const stream = new TradeUpdatesStream({
      url: venue.streamUrl,
      keyId: KEY,
      secretKey: SECRET,
      clock,
      rng: new Rng(3),
      backoff: BACKOFF,
      handshakeTimeoutMs: 1000
    });
    closers.push(() => stream.stop());
    const gw = new AlpacaExecutionGateway({
      rest: o.wrapRest ? o.wrapRest(rest) : rest,
      stream,
      instruments: venue.instruments,
      clock,
      lookupAttempts: 3,
      lookupDelayMs: 10,
      delay: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...o.gateway
    });
    closers.push(() => gw.close());
    const delivered: AlpacaTradeUpdate[] = [];
    stream.updates$.subscribe((u) => delivered.push(u));
    const reports: ExecutionReport[] = [];
    const errors: TradestateError[] = [];
    gw.reports$.subscribe((r) => reports.push(r));
    gw.errors$.subscribe((e) => errors.push(e));
    stream.start();
    await until(() => stream.status === 'live', 3000, 'the trade_updates stream');

    const of = (cid: string): ExecutionReport[] => reports.filter((r) => r.clientOrderId === cid);
    return {
      venue,
      clock,
      rest,
      stream,
      gw,
      reports,
      errors,
      requests,
      wire,
      delivered,
      of,
      types: (cid) => of(cid).map((r) => r.execType),
      seen: (method, path) => requests.filter((r) => r.method === method && r.path === path),
      until: (pred, what) => until(pred, 3000, what),
      settle: () => new Promise((r) => setTimeout(r, 40)),
      async reconnect() {
        await until(() => stream.status === 'backoff', 3000, 'the stream to notice the drop');
        clock.advanceTo(clock.now() + BigInt(BACKOFF.maxMs) * NS_PER_MS);
        await until(() => stream.status === 'live', 3000, 'the stream to be live again');
      },
      close
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A raw trade_updates listener: authenticate, listen, then every update decoded into `into`. */
async function listen(url: string, into: AlpacaTradeUpdate[]): Promise<WebSocket> {
  const ws = new WebSocket(url);
  let listening = false;
  ws.on('message', (data: Buffer) => {
    const m = decodeTradeStreamFrame(data.toString('utf8'));
    if (m?.stream === 'trade_updates') into.push(m.data);
    else if (m?.stream === 'listening') listening = true;
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(alpacaStreamAuth(KEY, SECRET));
  ws.send(alpacaStreamListen(['trade_updates']));
  await until(() => listening, 3000, 'the raw listener');
  return ws;
}

const TS = T0;

/** A canonical submit for AAPL (default: limit buy 10 @ 100.00 day). */
export function submitCmd(cid: string, c: Partial<SubmitOrder> = {}): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: `sub-${cid}`,
    tsInit: TS,
    strategyId: 'interop',
    instrumentId: AAPL.id,
    clientOrderId: cid,
    side: 'buy',
    orderType: 'limit',
    qty: 10,
    limitPx: 10_000,
    tif: 'day',
    ...c
  };
}

/** A canonical cancel. */
export function cancelCmd(cid: string, n = 1): CancelOrder {
  return {
    type: 'order.cancel',
    commandId: `cxl-${cid}-${n}`,
    tsInit: TS,
    strategyId: 'interop',
    instrumentId: AAPL.id,
    clientOrderId: cid
  };
}

/** A canonical cancel-replace of `cid` into `newCid`. */
export function replaceCmd(cid: string, newCid: string, c: Partial<ReplaceOrder> = {}): ReplaceOrder {
  return {
    type: 'order.replace',
    commandId: `rpl-${newCid}`,
    tsInit: TS,
    strategyId: 'interop',
    instrumentId: AAPL.id,
    clientOrderId: cid,
    newClientOrderId: newCid,
    ...c
  };
}

/** The execution fields of the fills among `rs`: [lastQty, lastPx, cumQty, leavesQty]. */
export function fillsOf(rs: readonly ExecutionReport[]): [number, number, number, number][] {
  return rs.filter((r) => r.execType === 'fill').map((r) => [r.lastQty, r.lastPx, r.cumQty, r.leavesQty]);
}

/**
 * A starter for harnesses that are checked — no request hit an unexpected exception in the venue, no stream
 * frame was unreadable — and closed after each test of the calling file. Call it once at module level.
 */
export function harnessesClosedAfterEach(
  defaults: HarnessOptions = {}
): (o?: HarnessOptions) => Promise<Harness> {
  let open: Harness[] = [];
  afterEach(async () => {
    const hs = open;
    open = [];
    for (const h of hs) {
      try {
        expect(h.venue.stats.internalErrors, String(h.venue.lastInternalError)).toBe(0);
        expect(h.venue.stats.badStreamFrames).toBe(0);
      } finally {
        await h.close();
      }
    }
  });
  return async (o: HarnessOptions = {}) => {
    const h = await startHarness({ ...defaults, ...o });
    open.push(h);
    return h;
  };
}
