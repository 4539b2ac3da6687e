import { createServer, type Server } from 'node:http';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { readRecording } from '../recordings.ts';

/** Faults to inject into one connection's replay, by index into the subscribed depth frames. */
export interface BinanceFaults {
  /** Never sent (lost on the wire). */
  readonly drop?: ReadonlySet<number>;
  /** Sent twice. */
  readonly duplicate?: ReadonlySet<number>;
  /** Preceded by a truncated, malformed frame. */
  readonly malformed?: ReadonlySet<number>;
  /** Frames per burst and the pause between bursts (ms). */
  readonly burst?: number;
  readonly pauseMs?: number;
  /** Terminate the connection after sending this many frames. */
  readonly terminateAfter?: number;
  /**
   * Depth frames of a stream still sent after its UNSUBSCRIBE: the ones already on the wire when the venue
   * handled the request.
   */
  readonly inFlightAfterUnsubscribe?: number;
}

interface Depth {
  readonly s: string;
  readonly U: number;
  readonly u: number;
  readonly b: [string, string][];
  readonly a: [string, string][];
}

/** A venue book as Binance keeps it: price string → quantity string, with its update id. */
class VenueBook {
  id: number;
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  constructor(snap: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }) {
    this.id = snap.lastUpdateId;
    for (const [p, q] of snap.bids) this.bids.set(p, q);
    for (const [p, q] of snap.asks) this.asks.set(p, q);
  }
  apply(d: Depth): void {
    if (d.u <= this.id) return;
    for (const [side, rows] of [
      [this.bids, d.b],
      [this.asks, d.a]
    ] as const) {
      for (const [p, q] of rows) {
        if (Number(q) === 0) side.delete(p);
        else side.set(p, q);
      }
    }
    this.id = d.u;
  }
  json(): string {
    const sorted = (m: Map<string, string>, desc: boolean): [string, string][] =>
      [...m.entries()].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
    return JSON.stringify({
      lastUpdateId: this.id,
      bids: sorted(this.bids, true),
      asks: sorted(this.asks, false)
    });
  }
}

export interface BinanceReplay {
  readonly wsUrl: string;
  readonly restUrl: string;
  /** REST snapshot requests served, by symbol. */
  readonly restHits: Map<string, number>;
  /** SUBSCRIBE requests, by connection number. */
  readonly subscribes: number[];
  /** UNSUBSCRIBE requests, by connection number. */
  readonly unsubscribes: number[];
  /** Frames of unsubscribed streams still to be sent (in flight) on the live connections. */
  inFlight(): number;
  /** The venue's books (the truth the client must converge to). */
  readonly books: Map<string, VenueBook>;
  /** Highest u per symbol the venue produced on the subscribed streams (sent, dropped or unsubscribed). */
  readonly lastSent: Map<string, number>;
  /** All depth frames of the recording have been sent. */
  done(): boolean;
  close(): Promise<void>;
}

/**
 * A local Binance: a `ws` server replaying a recorded combined diff-depth stream (only the streams a
 * client SUBSCRIBEs to, acked with `{"result":null,"id":n}`), and a `node:http` server answering
 * `GET /api/v3/depth?symbol=` with the venue book at the current stream position: the recorded REST
 * snapshot, advanced by every recorded event sent since (dropped ones included — a drop is a network
 * fault, the venue's book moved on). The stream position carries over reconnects. `plan(conn)` gives the
 * faults of connection `conn` (1-based); `restDelayMs` delays snapshot answers (events buffer meanwhile).
 * UNSUBSCRIBE (acked) stops a stream's frames on that connection (after `inFlightAfterUnsubscribe` more)
 * while the venue's books move on; a later SUBSCRIBE on the connection resumes streams of the first one.
 */
export async function binanceReplay(
  wsRec: string,
  httpRec: string,
  plan: (conn: number) => BinanceFaults = () => ({}),
  restDelayMs = 0
): Promise<BinanceReplay> {
  const frames = readRecording(wsRec).flatMap((l) => (l.kind === 'recv' ? [l.json] : []));
  const books = new Map<string, VenueBook>();
  for (const h of readRecording(httpRec)) {
    if (h.kind !== 'http') continue;
    books.set(/symbol=(\w+)/.exec(h.url)![1]!, new VenueBook(JSON.parse(h.json)));
  }
  const restHits = new Map<string, number>();
  const subscribes: number[] = [];
  const unsubscribes: number[] = [];
  const lingering = new Set<Map<string, number>>();
  const lastSent = new Map<string, number>();
  let cursor = 0;
  let total = 0;

  const http: Server = createServer((req, res) => {
    const sym = new URL(req.url ?? '/', 'http://x').searchParams.get('symbol') ?? '';
    const book = books.get(sym);
    restHits.set(sym, (restHits.get(sym) ?? 0) + 1);
    const answer = (): void => {
      if (!book) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"code":-1121,"msg":"Invalid symbol."}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(book.json());
    };
    if (restDelayMs > 0) setTimeout(answer, restDelayMs);
    else answer();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let conn = 0;
  wss.on('connection', (ws: ServerSocket) => {
    const n = ++conn;
    const faults = plan(n);
    const wanted = new Set<string>();
    /** Unsubscribed streams → frames of theirs still in flight. */
    const unwanted = new Map<string, number>();
    lingering.add(unwanted);
    ws.on('close', () => lingering.delete(unwanted));
    let streaming = false;
    ws.on('message', (m) => {
      const req = JSON.parse(String(m)) as { method: string; params: string[]; id: number };
      if (req.method === 'UNSUBSCRIBE') {
        unsubscribes.push(n);
        for (const p of req.params)
          if (wanted.delete(p)) unwanted.set(p, faults.inFlightAfterUnsubscribe ?? 0);
        ws.send(JSON.stringify({ result: null, id: req.id }));
        return;
      }
      if (req.method !== 'SUBSCRIBE') return;
      subscribes.push(n);
      ws.send(JSON.stringify({ result: null, id: req.id }));
      for (const p of req.params) {
        wanted.add(p);
        unwanted.delete(p);
      }
      if (streaming) return; // streams of the first SUBSCRIBE again: the replay below resumes sending them
      streaming = true;
      const depth = frames.filter((f) => wanted.has((JSON.parse(f) as { stream: string }).stream));
      total = depth.length;
      let sentHere = 0;
      const step = (): void => {
        for (let k = 0; k < (faults.burst ?? 10) && cursor < depth.length; k++) {
          if (ws.readyState !== ws.OPEN) return;
          if (faults.terminateAfter !== undefined && sentHere >= faults.terminateAfter) {
            ws.terminate();
            return;
          }
          const i = cursor++;
          const f = depth[i]!;
          const { stream, data: d } = JSON.parse(f) as { stream: string; data: Depth };
          books.get(d.s)?.apply(d);
          lastSent.set(d.s, d.u);
          if (!wanted.has(stream)) {
            const left = unwanted.get(stream) ?? 0;
            if (left === 0) continue; // unsubscribed: the venue's book moves on, nothing is sent
            unwanted.set(stream, left - 1);
          }
          sentHere++;
          if (faults.malformed?.has(i)) ws.send(f.slice(0, f.length >> 1));
          if (faults.drop?.has(i)) continue;
          ws.send(f);
          if (faults.duplicate?.has(i)) ws.send(f);
        }
        if (cursor < depth.length && ws.readyState === ws.OPEN) setTimeout(step, faults.pauseMs ?? 1);
      };
      step();
    });
  });
  const a = wss.address();
  const wsPort = typeof a === 'object' && a ? a.port : 0;
  const h = http.address();
  const httpPort = typeof h === 'object' && h ? h.port : 0;
  return {
    wsUrl: `ws://127.0.0.1:${wsPort}/stream`,
    restUrl: `http://127.0.0.1:${httpPort}`,
    restHits,
    subscribes,
    unsubscribes,
    inFlight: () => [...lingering].reduce((n, m) => n + [...m.values()].reduce((a, b) => a + b, 0), 0),
    books,
    lastSent,
    done: () => total > 0 && cursor >= total,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  };
}

export type { VenueBook };
