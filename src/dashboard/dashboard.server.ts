import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import { HttpEndpoint, routeOf, sendText as send } from '../net/http-endpoint.ts';
import { dashboardPage } from './dashboard.page.ts';
import type { DashboardListener } from './dashboard-state.ts';

/** What the server shows: a snapshot now, and snapshots as they change (a `DashboardState` is one). */
export interface DashboardSource {
  snapshot(): unknown;
  subscribe(listener: DashboardListener): () => void;
}

/** Options of {@link DashboardServer}. */
export interface DashboardServerOptions {
  readonly state: DashboardSource;
  /**
   * Interface to bind (default `127.0.0.1`). Requests must name it in their `Host` header (a loopback one also
   * as `localhost`, `127.0.0.1` or `[::1]`), with the port; a wildcard (`0.0.0.0`, `::`: remote access) takes
   * any `Host`. Either way a request from another origin (an `Origin` header not this server's) is refused.
   */
  readonly host?: string;
  /** Port to bind (default 0: any free port; see {@link DashboardServer.port}). */
  readonly port?: number;
  /** SSE heartbeat comment interval (ms, default 15 000). */
  readonly heartbeatMs?: number;
  /** The page's title. */
  readonly title?: string;
  /**
   * How long an event stream may stay unable to take more (its socket not draining) before it is disconnected
   * (ms, default 60 000). A browser that is still there reconnects (`retry: 2000`) and starts from a fresh
   * snapshot.
   */
  readonly stalledStreamMs?: number;
}

/**
 * One event stream: while its socket cannot take more (`write()` returned false, until `'drain'`), updates are
 * not queued behind it: only the latest is kept, and sent at the drain, so a slow or stalled client costs at
 * most one snapshot in flight and one waiting.
 */
interface Stream {
  readonly res: ServerResponse;
  /** Waiting for `'drain'` since this time (`performance.now()` ms); undefined while writable. */
  blockedSince: number | undefined;
  /** The newest `data:` event that arrived while blocked, to send at the drain. */
  pending: string | undefined;
}

const ROUTES: ReadonlySet<string> = new Set(['/', '/api/state', '/api/events', '/healthz']);

/** Hosts that mean "every interface": any `Host` header names this server then. */
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/** The names a loopback-bound server also answers to. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;

const isLoopback = (host: string): boolean => {
  const h = host.toLowerCase();
  return (
    h === 'localhost' ||
    h === '::1' ||
    h === '0:0:0:0:0:0:0:1' ||
    (isIPv4(h) && h.startsWith('127.')) ||
    (h.startsWith('::ffff:') && isIPv4(h.slice(7)) && h.slice(7).startsWith('127.'))
  );
};

/**
 * The `Host` header values (lowercase) that name a server bound to `host:port`, or undefined for a wildcard
 * bind (any). A browser omits port 80, so there the bare name counts too.
 */
export function acceptedHosts(host: string, port: number): ReadonlySet<string> | undefined {
  if (WILDCARD_HOSTS.has(host)) return undefined;
  const h = host.toLowerCase();
  const names = new Set<string>([h.includes(':') ? `[${h}]` : h]);
  if (isLoopback(h)) for (const n of LOOPBACK_NAMES) names.add(n);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n);
  }
  return out;
}

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/**
 * The live dashboard on node:http: `GET /` → the page, `GET /api/state` → the snapshot as JSON,
 * `GET /api/events` → Server-Sent Events (the snapshot at connect, then one per coalesced update, a `:` comment
 * heartbeat every 15 s), `GET /healthz` → `ok`. HEAD works on all but the stream; another method answers 405,
 * another path 404, a malformed request 400; nothing a client sends takes the server down.
 *
 * Against DNS rebinding (a web page whose name has been pointed at this machine reading the positions and P&L)
 * and cross-site reads, a request whose `Host` does not name the bound address (unless bound to a wildcard),
 * or whose `Origin` is not `http(s)://` + its `Host`, is answered 403 before anything else.
 */
export class DashboardServer {
  readonly #source: DashboardSource;
  readonly #heartbeatMs: number;
  readonly #page: string;
  readonly #http: HttpEndpoint;
  readonly #stalledStreamMs: number;
  readonly #streams = new Set<Stream>();
  #unsubscribe: (() => void) | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #stopping = false;
  /** `Host` values accepted (known once listening; undefined: any, a wildcard bind). */
  #hosts: ReadonlySet<string> | undefined;

  constructor(o: DashboardServerOptions) {
    this.#source = o.state;
    this.#heartbeatMs = Math.max(1, o.heartbeatMs ?? 15_000);
    this.#stalledStreamMs = Math.max(0, o.stalledStreamMs ?? 60_000);
    this.#page = dashboardPage(o.title);
    this.#http = new HttpEndpoint(
      'dashboard server',
      {
        ...o,
        onStart: () => {
          this.#hosts = acceptedHosts(this.#http.host, this.#http.port);
          this.#unsubscribe = this.#source.subscribe((s) => this.#broadcast(`data: ${json(s)}\n\n`, true));
          this.#heartbeat = setInterval(() => this.#broadcast(': heartbeat\n\n', false), this.#heartbeatMs);
          this.#heartbeat.unref();
        },
        onStop: () => {
          this.#unsubscribe?.();
          if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
          for (const { res } of this.#streams) res.end();
          this.#streams.clear();
        }
      },
      (req, res) => this.#handle(req, res)
    );
  }

  /** Interface bound. */
  get host(): string {
    return this.#http.host;
  }

  /** Start listening (idempotent while running; a stopped server does not start again: make a new one). */
  start(): Promise<void> {
    return this.#http.start();
  }

  /** Stop listening, end every event stream and drop every connection (idempotent; resolves when closed). */
  stop(): Promise<void> {
    this.#stopping = true;
    return this.#http.stop();
  }

  /** The port bound (throws `TRD_ERR_MODE_UNAVAILABLE` before {@link start} has resolved). */
  get port(): number {
    return this.#http.port;
  }

  /** The page's URL, e.g. `http://127.0.0.1:8088/` (a wildcard host is shown as 127.0.0.1). */
  get url(): string {
    return this.#http.urlOf('/');
  }

  /** Event streams open now. */
  get streams(): number {
    return this.#streams.size;
  }

  /**
   * Bytes of event-stream output queued in this process, not yet taken by the sockets (all streams). Bounded:
   * a stream whose socket does not drain gets no more than the one write that filled it.
   */
  get bufferedBytes(): number {
    let n = 0;
    for (const { res } of this.#streams) n += res.writableLength;
    return n;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const refused = this.#refusal(req);
    if (refused !== undefined) {
      send(res, 403, 'text/plain; charset=utf-8', `forbidden: ${refused}\n`);
      return;
    }
    const { path, method } = routeOf(req);
    if (!ROUTES.has(path)) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    const allowed = path === '/api/events' ? ['GET'] : ['GET', 'HEAD'];
    if (!allowed.includes(method)) {
      res.setHeader('Allow', allowed.join(', '));
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/':
        send(res, 200, 'text/html; charset=utf-8', this.#page);
        return;
      case '/healthz':
        send(res, 200, 'text/plain; charset=utf-8', 'ok');
        return;
      case '/api/state':
        send(res, 200, 'application/json; charset=utf-8', json(this.#source.snapshot()));
        return;
      default:
        this.#openStream(req, res);
    }
  }

  /** Why a request is refused (its `Host` names another server, or it comes from another origin), if it is. */
  #refusal(req: IncomingMessage): string | undefined {
    const host = (req.headers.host ?? '').toLowerCase();
    if (this.#hosts !== undefined && !this.#hosts.has(host)) return 'unexpected Host header';
    const origin = req.headers.origin?.toLowerCase();
    if (
      origin !== undefined &&
      (host === '' || (origin !== `http://${host}` && origin !== `https://${host}`))
    )
      return 'cross-origin request';
    return undefined;
  }

  #openStream(req: IncomingMessage, res: ServerResponse): void {
    if (this.#stopping) {
      send(res, 503, 'text/plain; charset=utf-8', 'stopping\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    });
    req.socket.setNoDelay(true);
    const stream: Stream = { res, blockedSince: undefined, pending: undefined };
    this.#streams.add(stream);
    const drop = (): void => {
      this.#streams.delete(stream);
    };
    res.on('close', drop);
    res.on('error', drop);
    res.on('drain', () => {
      stream.blockedSince = undefined;
      const latest = stream.pending;
      stream.pending = undefined;
      if (latest !== undefined && !res.writableEnded && !res.destroyed) this.#write(stream, latest);
    });
    this.#write(stream, `retry: 2000\n\ndata: ${json(this.#source.snapshot())}\n\n`);
  }

  /** Write to a stream that can take it; note when its socket is full (the `'drain'` handler resumes it). */
  #write(stream: Stream, chunk: string): void {
    if (!stream.res.write(chunk)) stream.blockedSince = performance.now();
  }

  /**
   * Send an update (`data`) or a heartbeat to every stream. A stream waiting for `'drain'` keeps only the
   * latest update (a heartbeat is pointless there) and is disconnected once it has waited `stalledStreamMs`.
   */
  #broadcast(chunk: string, data: boolean): void {
    const now = performance.now();
    for (const stream of this.#streams) {
      const { res } = stream;
      if (res.writableEnded || res.destroyed) this.#streams.delete(stream);
      else if (stream.blockedSince === undefined) this.#write(stream, chunk);
      else if (now - stream.blockedSince >= this.#stalledStreamMs) {
        this.#streams.delete(stream);
        res.destroy();
      } else if (data) stream.pending = chunk;
    }
  }
}
