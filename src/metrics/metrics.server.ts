import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { listenOn } from '../venue/loopback-server.ts';

/** What the server exposes: a text exposition and its content type (a `TradingMetrics` is one). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** Options of {@link MetricsServer}. */
export interface MetricsServerOptions {
  readonly metrics: MetricsSource;
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` to let a remote Prometheus scrape). */
  readonly host?: string;
  /** Port to bind (default 0: any free port; see {@link MetricsServer.port}). */
  readonly port?: number;
}

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/**
 * A Prometheus scrape endpoint on node:http: `GET /metrics` → 200 with the text exposition, `GET /healthz`
 * → 200 `ok`, HEAD on either (same headers, no body), 405 for another method on them, 404 for any other
 * path. A failing scrape answers 500; malformed requests answer 400 and never take the server down.
 */
export class MetricsServer {
  readonly host: string;
  readonly #source: MetricsSource;
  readonly #wantPort: number;
  readonly #server: Server;
  #port: number | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(o: MetricsServerOptions) {
    this.#source = o.metrics;
    this.host = o.host ?? '127.0.0.1';
    this.#wantPort = o.port ?? 0;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
    this.#server.on('clientError', (_err: Error, socket: Socket) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Start listening (idempotent while running; a stopped server does not start again: make a new one). */
  start(): Promise<void> {
    if (this.#stopping)
      return Promise.reject(new TradestateError(ErrorCode.MODE_UNAVAILABLE, 'metrics server was stopped'));
    this.#starting ??= listenOn(this.#server, this.host, this.#wantPort).then((port) => {
      this.#port = port;
    });
    return this.#starting;
  }

  /** Stop listening and drop every open connection (idempotent; resolves when closed). */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const starting = this.#starting;
    this.#stopping = (async () => {
      if (!starting) return;
      await starting.catch(() => undefined);
      if (!this.#server.listening) return;
      const closed = new Promise<void>((r) => this.#server.close(() => r()));
      this.#server.closeAllConnections();
      await closed;
    })();
    return this.#stopping;
  }

  /** The port bound (throws `TRD_ERR_MODE_UNAVAILABLE` before {@link start} has resolved). */
  get port(): number {
    if (this.#port === undefined)
      throw new TradestateError(ErrorCode.MODE_UNAVAILABLE, 'metrics server is not listening');
    return this.#port;
  }

  /** The scrape URL, e.g. `http://127.0.0.1:9464/metrics` (a wildcard host is shown as 127.0.0.1). */
  get url(): string {
    const h = WILDCARD_HOSTS.has(this.host) ? '127.0.0.1' : this.host;
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.port}/metrics`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const method = req.method ?? 'GET';
    if (path !== '/metrics' && path !== '/healthz') {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      send(res, 200, 'text/plain; charset=utf-8', 'ok');
      return;
    }
    const body = await this.#source.metrics();
    send(res, 200, this.#source.contentType, body);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  // node:http sends no body for a HEAD request, only the headers
  res.end(body);
}
