import type { IncomingMessage } from 'node:http';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import {
  ALPACA_DATA_CHANNELS,
  type AlpacaDataSubs,
  emptySubs
} from '../../../src/venue/alpaca-local/alpaca-data.server.ts';

/**
 * A local Alpaca market-data stream v2 (stocks), speaking only what Alpaca documents
 * (../shared/data/alpaca/docs/api-references__market-data-api__stock-pricing-data__realtime.md and the
 * 2026 snapshot streaming-market-data.md / real-time-stock-pricing-data.md):
 *
 * - on connect: `[{"T":"success","msg":"connected"}]`;
 * - `{"action":"auth","key","secret"}` → `[{"T":"success","msg":"authenticated"}]`, or
 *   `[{"T":"error","code":402,"msg":"auth failed"}]` (then the connection is closed unless
 *   `closeOnAuthFailure: false`; the docs do not say whether Alpaca closes, both are tested);
 *   auth twice → 403; no auth within `authTimeoutMs` → 404 and close; a second authenticated session of the
 *   same key → 406 and close (one connection per account);
 * - `subscribe` adds to, `unsubscribe` subtracts from the session's channels (trades, quotes, bars,
 *   updatedBars, dailyBars, statuses, lulds; `*` is every symbol); both are answered with the full
 *   `subscription` frame (2026 shape: corrections and cancelErrors follow trades); before auth → 401;
 *   a frame that is not JSON or not a known action → 400; beyond `symbolLimit` (trades ∪ quotes) → 405
 *   and the subscriptions stay as they were;
 * - control messages go alone in arrays of size one; data points are batched (`batch` per frame).
 *
 * The market is a `script` of data points (the venue's truth) consumed by one cursor shared by all
 * connections (the market moves on; Alpaca replays nothing after a reconnect). A point is sent only if its
 * channel (t → trades, q → quotes, b → bars, u → updatedBars, d → dailyBars, s → statuses, l → lulds,
 * c → corrections, x → cancelErrors) is subscribed for its symbol on that connection; others are skipped.
 * Streaming starts with a connection's first subscription. Faults per connection (`plan(conn)`, 1-based),
 * keyed by script index, happen when the cursor reaches that point.
 */

/** One documented data point (`T` = t, q, b, d, u, s, c, x, l). */
export type AlpacaPoint = { readonly T: string; readonly S: string } & Readonly<Record<string, unknown>>;

export interface AlpacaFaults {
  /** Points per data frame, and the pause between frames (ms). */
  readonly batch?: number;
  readonly pauseMs?: number;
  /** Frames sent per step (a burst) before pausing. */
  readonly burst?: number;
  /** Terminate the connection just before this point (it is sent on the next connection). */
  readonly dropAt?: ReadonlySet<number>;
  /**
   * After a `dropAt`, the dropped session still counts against the key's one-session limit for this long (ms),
   * as at Alpaca until it notices a dead peer: a reconnect within it is refused with `406`.
   */
  readonly lingerMs?: number;
  /** A truncated, malformed frame goes out just before this point's frame. */
  readonly malformedAt?: ReadonlySet<number>;
  /** The frame holding this point is sent twice. */
  readonly duplicateAt?: ReadonlySet<number>;
  /** Nothing is sent for this long (ms) before this point. */
  readonly delayAt?: ReadonlyMap<number, number>;
  /** An element of an undocumented type (`{"T":"zz","S":…}`) is batched just before this point. */
  readonly unknownAt?: ReadonlySet<number>;
}

export type AlpacaSubs = AlpacaDataSubs;

const CHANNELS = ALPACA_DATA_CHANNELS;
const CHANNEL_OF: Record<string, keyof AlpacaSubs> = {
  t: 'trades',
  q: 'quotes',
  b: 'bars',
  u: 'updatedBars',
  d: 'dailyBars',
  s: 'statuses',
  l: 'lulds',
  c: 'trades', // corrections follow trades
  x: 'trades' // cancelErrors follow trades
};

/** What the server saw and did on one connection. */
export interface AlpacaConn {
  readonly n: number;
  readonly openedAt: number;
  closedAt: number | undefined;
  /** Until when (performance.now()) the session still counts as open after it closed (`lingerMs`). */
  lingersUntil: number;
  /** Client port: find the client's socket by it. */
  readonly remotePort: number | undefined;
  /** Every client frame, parsed (or the raw text when not JSON). */
  readonly received: unknown[];
  /** Every server frame, as sent. */
  readonly sent: string[];
  /** The script indices of each data frame sent (a duplicate appears twice). */
  readonly dataFrames: number[][];
  /** The cursor when each subscribe/unsubscribe was handled. */
  readonly actions: { action: string; cursor: number }[];
  authed: boolean;
  subs: AlpacaSubs;
  pings: number;
}

export interface AlpacaServer {
  readonly url: string;
  readonly conns: AlpacaConn[];
  /** Next script index. */
  cursor(): number;
  /** The whole script has been sent (or skipped). */
  done(): boolean;
  close(): Promise<void>;
}

export interface AlpacaServerOptions {
  readonly script: readonly AlpacaPoint[];
  readonly key: string;
  readonly secret: string;
  readonly plan?: (conn: number) => AlpacaFaults;
  readonly closeOnAuthFailure?: boolean;
  readonly authTimeoutMs?: number;
  readonly symbolLimit?: number;
}

const ctl = (o: Record<string, unknown>): string => JSON.stringify([o]);
const error = (code: number, msg: string): string => ctl({ T: 'error', code, msg });

export async function alpacaServer(o: AlpacaServerOptions): Promise<AlpacaServer> {
  const script = o.script;
  const conns: AlpacaConn[] = [];
  let cursor = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));

  wss.on('connection', (ws: ServerSocket, req: IncomingMessage) => {
    const faults = o.plan?.(conns.length + 1) ?? {};
    const c: AlpacaConn = {
      n: conns.length + 1,
      openedAt: performance.now(),
      closedAt: undefined,
      lingersUntil: 0,
      remotePort: req.socket.remotePort,
      received: [],
      sent: [],
      dataFrames: [],
      actions: [],
      authed: false,
      subs: emptySubs(),
      pings: 0
    };
    conns.push(c);
    const send = (text: string): void => {
      if (ws.readyState !== ws.OPEN) return;
      c.sent.push(text);
      ws.send(text);
    };
    let streaming = false;
    const delayed = new Set<number>();
    const authTimer = setTimeout(() => {
      if (c.authed) return;
      send(error(404, 'auth timeout'));
      ws.close();
    }, o.authTimeoutMs ?? 10_000);
    let stepTimer: ReturnType<typeof setTimeout> | undefined;
    ws.on('close', () => {
      c.closedAt = performance.now();
      clearTimeout(authTimer);
      clearTimeout(stepTimer);
    });
    ws.on('ping', () => void c.pings++);
    send(ctl({ T: 'success', msg: 'connected' }));

    const wanted = (p: AlpacaPoint): boolean => {
      const ch = CHANNEL_OF[p.T];
      if (!ch) return true; // undocumented types are the fault injector's; send them
      const list = c.subs[ch];
      return list.includes('*') || list.includes(p.S);
    };

    /** One step: up to `burst` frames of up to `batch` subscribed points, with the faults. */
    const step = (): void => {
      stepTimer = undefined;
      for (let f = 0; f < (faults.burst ?? 1) && cursor < script.length; f++) {
        if (ws.readyState !== ws.OPEN) return;
        const items: string[] = [];
        const indices: number[] = [];
        let dup = false;
        let wait = 0;
        const flush = (): void => {
          if (items.length === 0) return;
          const text = `[${items.join(',')}]`;
          send(text);
          c.dataFrames.push([...indices]);
          if (dup) {
            send(text);
            c.dataFrames.push([...indices]);
          }
          items.length = 0;
          indices.length = 0;
          dup = false;
        };
        while (indices.length < (faults.batch ?? 10) && cursor < script.length) {
          const i = cursor;
          if (faults.dropAt?.has(i)) {
            flush();
            c.lingersUntil = performance.now() + (faults.lingerMs ?? 0);
            ws.terminate();
            return;
          }
          const delay = faults.delayAt?.get(i);
          if (delay !== undefined && !delayed.has(i)) {
            delayed.add(i);
            wait = delay;
            break;
          }
          if (faults.malformedAt?.has(i)) {
            flush();
            const whole = JSON.stringify([script[i]]);
            send(whole.slice(0, whole.length >> 1));
          }
          cursor++;
          const p = script[i]!;
          if (!wanted(p)) continue;
          if (faults.unknownAt?.has(i)) items.push(JSON.stringify({ T: 'zz', S: p.S }));
          if (faults.duplicateAt?.has(i)) dup = true;
          items.push(JSON.stringify(p));
          indices.push(i);
        }
        flush();
        if (wait > 0) {
          stepTimer = setTimeout(step, wait);
          return;
        }
      }
      if (cursor < script.length && ws.readyState === ws.OPEN)
        stepTimer = setTimeout(step, faults.pauseMs ?? 1);
    };

    ws.on('message', (raw) => {
      const text = String(raw);
      let m: Record<string, unknown>;
      try {
        const j: unknown = JSON.parse(text);
        if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error('not an object');
        m = j as Record<string, unknown>;
      } catch {
        c.received.push(text);
        send(error(400, 'invalid syntax'));
        return;
      }
      c.received.push(m);
      switch (m['action']) {
        case 'auth': {
          if (c.authed) {
            send(error(403, 'already authenticated'));
            return;
          }
          if (m['key'] !== o.key || m['secret'] !== o.secret) {
            send(error(402, 'auth failed'));
            if (o.closeOnAuthFailure ?? true) ws.close();
            return;
          }
          const now = performance.now();
          if (conns.some((x) => x !== c && x.authed && (x.closedAt === undefined || x.lingersUntil > now))) {
            send(error(406, 'connection limit exceeded'));
            ws.close();
            return;
          }
          c.authed = true;
          send(ctl({ T: 'success', msg: 'authenticated' }));
          return;
        }
        case 'subscribe':
        case 'unsubscribe': {
          if (!c.authed) {
            send(error(401, 'not authenticated'));
            return;
          }
          const lists = CHANNELS.map((k) => [k, m[k]] as const);
          if (
            lists.every(([, v]) => v === undefined) ||
            lists.some(
              ([, v]) => v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
            )
          ) {
            send(error(400, 'invalid syntax'));
            return;
          }
          const next = emptySubs();
          for (const [k, v] of lists) {
            const asked = (v ?? []) as string[];
            next[k] =
              m['action'] === 'subscribe'
                ? [...c.subs[k], ...asked.filter((s, i) => !c.subs[k].includes(s) && asked.indexOf(s) === i)]
                : c.subs[k].filter((s) => !asked.includes(s));
          }
          if (o.symbolLimit !== undefined && new Set([...next.trades, ...next.quotes]).size > o.symbolLimit) {
            send(error(405, 'symbol limit exceeded'));
            return;
          }
          c.subs = next;
          c.actions.push({ action: m['action'], cursor });
          send(
            ctl({
              T: 'subscription',
              ...c.subs,
              corrections: [...c.subs.trades],
              cancelErrors: [...c.subs.trades]
            })
          );
          if (!streaming && m['action'] === 'subscribe') {
            streaming = true;
            stepTimer = setTimeout(step, faults.pauseMs ?? 1);
          }
          return;
        }
        default:
          send(error(400, 'invalid syntax'));
      }
    });
  });

  const a = wss.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/v2/iex`,
    conns,
    cursor: () => cursor,
    done: () => cursor >= script.length,
    close: async () => {
      for (const x of wss.clients) x.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  };
}
