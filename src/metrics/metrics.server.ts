import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpEndpoint, routeOf, sendText as send } from '../net/http-endpoint.ts';

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

/**
 * A Prometheus scrape endpoint on node:http: `GET /metrics` → 200 with the text exposition, `GET /healthz`
 * → 200 `ok`, HEAD on either (same headers, no body), 405 for another method on them, 404 for any other
 * path. A failing scrape answers 500; malformed requests answer 400 and never take the server down.
 */
export class MetricsServer {
  readonly #source: MetricsSource;
  readonly #http: HttpEndpoint;

  constructor(o: MetricsServerOptions) {
    this.#source = o.metrics;
    this.#http = new HttpEndpoint('metrics server', o, (req, res) => this.#handle(req, res));
  }

  /** Interface bound. */
  get host(): string {
    return this.#http.host;
  }

  /** Start listening (idempotent while running; a stopped server does not start again: make a new one). */
  start(): Promise<void> {
    return this.#http.start();
  }

  /** Stop listening and drop every open connection (idempotent; resolves when closed). */
  stop(): Promise<void> {
    return this.#http.stop();
  }

  /** The port bound (throws `TRD_ERR_MODE_UNAVAILABLE` before {@link start} has resolved). */
  get port(): number {
    return this.#http.port;
  }

  /** The scrape URL, e.g. `http://127.0.0.1:9464/metrics` (a wildcard host is shown as 127.0.0.1). */
  get url(): string {
    return this.#http.urlOf('/metrics');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, method } = routeOf(req);
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
