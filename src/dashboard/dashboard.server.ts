import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** Port to bind (default 0: any free port; see {@link DashboardServer.port}). */
  readonly port?: number;
  /** SSE heartbeat comment interval (ms, default 15 000). */
  readonly heartbeatMs?: number;
  /** The page's title. */
  readonly title?: string;
}

const ROUTES: ReadonlySet<string> = new Set(['/', '/api/state', '/api/events', '/healthz']);

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/**
 * The live dashboard on node:http: `GET /` → the page, `GET /api/state` → the snapshot as JSON,
 * `GET /api/events` → Server-Sent Events (the snapshot at connect, then one per coalesced update, a `:` comment
 * heartbeat every 15 s), `GET /healthz` → `ok`. HEAD works on all but the stream; another method answers 405,
 * another path 404, a malformed request 400; nothing a client sends takes the server down.
 */
export class DashboardServer {
  readonly #source: DashboardSource;
  readonly #heartbeatMs: number;
  readonly #page: string;
  readonly #http: HttpEndpoint;
  readonly #streams = new Set<ServerResponse>();
  #unsubscribe: (() => void) | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #stopping = false;

  constructor(o: DashboardServerOptions) {
    this.#source = o.state;
    this.#heartbeatMs = Math.max(1, o.heartbeatMs ?? 15_000);
    this.#page = dashboardPage(o.title);
    this.#http = new HttpEndpoint(
      'dashboard server',
      {
        ...o,
        onStart: () => {
          this.#unsubscribe = this.#source.subscribe((s) => this.#broadcast(`data: ${json(s)}\n\n`));
          this.#heartbeat = setInterval(() => this.#broadcast(': heartbeat\n\n'), this.#heartbeatMs);
          this.#heartbeat.unref();
        },
        onStop: () => {
          this.#unsubscribe?.();
          if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
          for (const res of this.#streams) res.end();
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

  #handle(req: IncomingMessage, res: ServerResponse): void {
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
    res.write(`retry: 2000\n\ndata: ${json(this.#source.snapshot())}\n\n`);
    this.#streams.add(res);
    const drop = (): void => {
      this.#streams.delete(res);
    };
    res.on('close', drop);
    res.on('error', drop);
  }

  #broadcast(chunk: string): void {
    for (const res of this.#streams) {
      if (res.writableEnded || res.destroyed) this.#streams.delete(res);
      else res.write(chunk);
    }
  }
}
