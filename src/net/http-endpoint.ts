import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { listenOn } from '../venue/loopback-server.ts';

/** Answers one request; a throw or rejection is answered 500 (or the connection dropped mid-body). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Options of {@link HttpEndpoint}. */
export interface HttpEndpointOptions {
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** Port to bind (default 0: any free port; see {@link HttpEndpoint.port}). */
  readonly port?: number;
  /** Runs once listening (e.g. subscribe to what is served). */
  readonly onStart?: () => void;
  /** Runs first on stop, before connections are dropped (e.g. end long-lived streams). */
  readonly onStop?: () => void;
}

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/**
 * The node:http lifecycle the metrics and dashboard servers share: bind `host:port`, answer malformed requests
 * 400 and failing handlers 500 without ever going down, start once, stop once (dropping every connection),
 * and never start again after a stop.
 */
export class HttpEndpoint {
  readonly host: string;
  readonly #name: string;
  readonly #wantPort: number;
  readonly #server: Server;
  readonly #o: HttpEndpointOptions;
  #port: number | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  /** @param name names the server in errors (`metrics server`, `dashboard server`). */
  constructor(name: string, o: HttpEndpointOptions, handler: HttpHandler) {
    this.#name = name;
    this.#o = o;
    this.host = o.host ?? '127.0.0.1';
    this.#wantPort = o.port ?? 0;
    this.#server = createServer((req, res) => {
      const failed = (): void => {
        if (!res.headersSent) sendText(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      };
      try {
        const p = handler(req, res);
        if (p) p.catch(failed);
      } catch {
        failed();
      }
    });
    this.#server.on('clientError', (_err: Error, socket: Socket) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /**
   * Start listening (idempotent while running; a stopped endpoint does not start again: make a new one).
   *
   * @throws TradestateError `TRD_ERR_PORT_UNAVAILABLE` naming the server, host and port when it cannot listen
   *   there (the port is in use, not permitted, or the host is not this machine's); `TRD_ERR_MODE_UNAVAILABLE`
   *   once stopped.
   */
  start(): Promise<void> {
    if (this.#stopping)
      return Promise.reject(new TradestateError(ErrorCode.MODE_UNAVAILABLE, `${this.#name} was stopped`));
    this.#starting ??= listenOn(this.#server, this.host, this.#wantPort).then(
      (port) => {
        this.#port = port;
        this.#o.onStart?.();
      },
      (e: unknown) => {
        throw listenError(this.#name, this.host, this.#wantPort, e);
      }
    );
    return this.#starting;
  }

  /** Stop listening and drop every open connection (idempotent; resolves when closed). */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const starting = this.#starting;
    this.#stopping = (async () => {
      if (!starting) return;
      await starting.catch(() => undefined);
      this.#o.onStop?.();
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
      throw new TradestateError(ErrorCode.MODE_UNAVAILABLE, `${this.#name} is not listening`);
    return this.#port;
  }

  /** `http://host:port<path>` (a wildcard host is shown as 127.0.0.1, an IPv6 one in brackets). */
  urlOf(path: string): string {
    const h = WILDCARD_HOSTS.has(this.host) ? '127.0.0.1' : this.host;
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.port}${path}`;
  }
}

/** Why `name` could not listen on `host:port`, as a typed error (the system error kept as its cause). */
function listenError(name: string, host: string, port: number, e: unknown): TradestateError {
  const errno = (e as { code?: unknown } | undefined)?.code;
  const why =
    errno === 'EADDRINUSE'
      ? "the port is in use (another process, or the session's other server, listens there)"
      : errno === 'EACCES'
        ? 'not permitted to listen there'
        : errno === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine`
          : String((e as Error | undefined)?.message ?? e);
  return new TradestateError(
    ErrorCode.PORT_UNAVAILABLE,
    `${name} cannot listen on ${host}:${port}: ${why}`,
    { server: name, host, port, ...(typeof errno === 'string' ? { errno } : {}) },
    { cause: e }
  );
}

/** Answer with a whole body (node:http sends only the headers for a HEAD request). */
export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** The request's path without its query string, and its method. */
export function routeOf(req: IncomingMessage): { readonly path: string; readonly method: string } {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  return { path: q >= 0 ? raw.slice(0, q) : raw, method: req.method ?? 'GET' };
}
