import { connect as netConnect, type Socket } from 'node:net';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { encodeCommand, isRespError, RespDecoder, type RespReply, type RespValue } from './resp.codec.ts';

/** Options of {@link RedisClient.connect}. */
export interface RedisConnectOptions {
  /**
   * Most milliseconds to wait for the TCP connection and the `AUTH`/`SELECT` handshake (default 5 000).
   * Commands themselves have no timeout, so blocking commands (`BLPOP`, `BLMOVE`) wait as long as they ask.
   */
  readonly timeoutMs?: number;
}

/** Where and how to connect, as read from a `redis://` URL. */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

const DEFAULT_PORT = 6379;
const DEFAULT_TIMEOUT_MS = 5000;
/** How long {@link RedisClient.close} waits for the server to close the connection before destroying it. */
const CLOSE_GRACE_MS = 1000;

function badUrl(reason: string): TradestateError {
  // the URL itself is left out: it may hold a password
  return new TradestateError(ErrorCode.CONFIG_INVALID, `invalid Redis URL: ${reason}`, { reason });
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badUrl(`the ${what} is not valid percent-encoding`);
  }
}

/**
 * Read `redis://[user[:password]@]host[:port][/db]` (user and password percent-encoded; default port 6379,
 * db 0). A user needs a password (`AUTH user password`); a password alone (`redis://:pw@host`) authenticates
 * as the default user.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` for anything else (another scheme, no host, a bad port or
 * db, a query or fragment).
 */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl('not a URL');
  }
  if (u.protocol !== 'redis:') throw badUrl(`scheme ${u.protocol} is not redis:`);
  let host = u.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') throw badUrl('no host');
  if (u.search !== '' || u.hash !== '') throw badUrl('a query or fragment is not supported');
  let port = DEFAULT_PORT;
  if (u.port !== '') {
    port = Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw badUrl(`port ${u.port} out of range`);
  }
  let db = 0;
  const path = u.pathname;
  if (path !== '' && path !== '/') {
    if (!/^\/\d{1,9}$/.test(path)) throw badUrl('the path must be a database number');
    db = Number(path.slice(1));
  }
  const user = u.username === '' ? undefined : decode(u.username, 'user');
  const password = u.password === '' ? undefined : decode(u.password, 'password');
  if (user !== undefined && password === undefined) throw badUrl('a user needs a password');
  return { host, port, db, user, password };
}

interface Pending {
  readonly command: string | number;
  readonly resolve: (v: RespValue) => void;
  readonly reject: (e: TradestateError) => void;
}

/** FIFO of outstanding commands: an array with a moving head, compacted now and then. */
class Queue {
  #items: (Pending | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(p: Pending): void {
    this.#items.push(p);
  }

  shift(): Pending | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const p = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return p;
  }

  /** Remove and return everything, in order. */
  drain(): Pending[] {
    const all = this.#items.slice(this.#head) as Pending[];
    this.#items = [];
    this.#head = 0;
    return all;
  }
}

const ignore = (): void => {};

/**
 * A minimal Redis client speaking RESP2 over one TCP connection (node:net, no dependencies).
 *
 * Commands are pipelined: any number may be in flight and replies are matched to them in FIFO order. An
 * error reply rejects only its own command (`TRD_ERR_REDIS_ERROR`, the server's message) and the connection
 * stays usable. When the connection closes or fails, every outstanding command rejects with
 * `TRD_ERR_REDIS_UNAVAILABLE`, as does every later one; bytes that are not RESP (or a reply nobody asked
 * for) reject everything outstanding with `TRD_ERR_REDIS_PROTOCOL` and drop the connection. Nothing is ever
 * retried and there is no per-command timeout.
 */
export class RedisClient {
  /** Host connected to. */
  readonly host: string;
  /** Port connected to. */
  readonly port: number;
  /** Database selected. */
  readonly db: number;
  readonly #socket: Socket;
  readonly #decoder = new RespDecoder();
  readonly #queue = new Queue();
  /** Why the client is unusable (closed, dropped, failed), or undefined while open. */
  #down: TradestateError | undefined;
  #closing: Promise<void> | undefined;
  #corked = false;

  private constructor(socket: Socket, target: RedisTarget) {
    this.#socket = socket;
    this.host = target.host;
    this.port = target.port;
    this.db = target.db;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e: Error) => this.#fail(this.#unavailable('Redis connection failed', e)));
    socket.on('close', () => this.#fail(this.#unavailable('Redis connection closed')));
  }

  /**
   * Connect to the server a `redis://[user[:password]@]host[:port][/db]` URL names, then send `AUTH` (when
   * the URL has a password) and `SELECT db` (when it names a database other than 0).
   *
   * @throws TradestateError `TRD_ERR_CONFIG_INVALID` for a bad URL; `TRD_ERR_REDIS_UNAVAILABLE` (with
   * `host` and `port` in its context) when the server cannot be reached or the handshake does not finish
   * within `timeoutMs`; `TRD_ERR_REDIS_ERROR` when the server refuses `AUTH` or `SELECT`.
   */
  static async connect(url: string, opts: RedisConnectOptions = {}): Promise<RedisClient> {
    const target = parseRedisUrl(url);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const where = { host: target.host, port: target.port };
    let timer: NodeJS.Timeout | undefined;
    let client: RedisClient | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TradestateError(
              ErrorCode.REDIS_UNAVAILABLE,
              `no connection to Redis at ${target.host}:${target.port} within ${timeoutMs} ms`,
              { ...where, timeoutMs }
            )
          ),
        timeoutMs
      );
    });
    const socket = netConnect({ host: target.host, port: target.port });
    try {
      await Promise.race([
        timedOut,
        new Promise<void>((resolve, reject) => {
          const onError = (e: Error): void =>
            reject(
              new TradestateError(
                ErrorCode.REDIS_UNAVAILABLE,
                `cannot connect to Redis at ${target.host}:${target.port}: ${e.message}`,
                where,
                { cause: e }
              )
            );
          socket.once('error', onError);
          socket.once('connect', () => {
            socket.off('error', onError);
            resolve();
          });
        })
      ]);
      client = new RedisClient(socket, target);
      const c = client;
      const handshake: Promise<RespValue>[] = [];
      if (target.password !== undefined) {
        handshake.push(
          target.user === undefined
            ? c.command('AUTH', target.password)
            : c.command('AUTH', target.user, target.password)
        );
      }
      if (target.db !== 0) handshake.push(c.command('SELECT', target.db));
      // settle every handshake command before judging, so none rejects unobserved
      await Promise.race([timedOut, Promise.allSettled(handshake)]);
      for (const h of handshake) await h;
      return c;
    } catch (e) {
      if (client) client.#fail(client.#unavailable('Redis handshake failed'));
      socket.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
      timedOut.catch(ignore);
    }
  }

  /** True once the client can no longer send commands (closed, dropped, or failed). */
  get closed(): boolean {
    return this.#down !== undefined;
  }

  /** Commands sent and not yet answered. */
  get outstanding(): number {
    return this.#queue.length;
  }

  /**
   * Send one command (`command('SET', 'k', 'v')`); resolves with its reply. Pipelined: it does not wait for
   * earlier commands.
   *
   * @throws TradestateError (as a rejection) `TRD_ERR_REDIS_ERROR` with the server's message and
   * `{ command }` in context when the server answers with an error; `TRD_ERR_REDIS_UNAVAILABLE` when the
   * client is closed or the connection drops before the reply; `TRD_ERR_REDIS_PROTOCOL` when the server's
   * bytes are not RESP, or for an empty command or a non-finite number argument.
   */
  command(...args: (string | number)[]): Promise<RespValue> {
    if (this.#down !== undefined) {
      return Promise.reject(
        new TradestateError(
          ErrorCode.REDIS_UNAVAILABLE,
          `Redis client is closed: ${this.#down.message}`,
          { host: this.host, port: this.port, command: args[0] },
          { cause: this.#down }
        )
      );
    }
    let bytes: Buffer;
    try {
      bytes = encodeCommand(args);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<RespValue>((resolve, reject) => {
      this.#queue.push({ command: args[0]!, resolve, reject });
      this.#write(bytes);
    });
  }

  /**
   * Send `QUIT` (best effort) and close the connection, waiting at most a second for the server to close it.
   * Commands still outstanding when the connection closes reject with `TRD_ERR_REDIS_UNAVAILABLE`.
   * Idempotent: every call returns the same promise, and it never rejects.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const socket = this.#socket;
    this.#closing = new Promise<void>((resolve) => {
      if (socket.closed) {
        resolve();
        return;
      }
      const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(grace);
        resolve();
      });
      if (this.#down === undefined) {
        this.#queue.push({ command: 'QUIT', resolve: ignore, reject: ignore });
        this.#write(encodeCommand(['QUIT']));
        this.#down = this.#unavailable('Redis client closed');
        socket.end();
      } else socket.destroy();
    });
    return this.#closing;
  }

  #write(bytes: Buffer): void {
    // commands issued in the same tick go out in one write
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(bytes);
  }

  #onData(chunk: Buffer): void {
    let replies: RespReply[];
    try {
      replies = this.#decoder.push(chunk);
    } catch (e) {
      this.#fail(
        e instanceof TradestateError
          ? e
          : new TradestateError(ErrorCode.REDIS_PROTOCOL, 'undecodable Redis reply', {}, { cause: e })
      );
      return;
    }
    for (const r of replies) {
      const p = this.#queue.shift();
      if (p === undefined) {
        this.#fail(
          new TradestateError(ErrorCode.REDIS_PROTOCOL, 'Redis sent a reply to no outstanding command', {
            host: this.host,
            port: this.port
          })
        );
        return;
      }
      if (isRespError(r))
        p.reject(new TradestateError(ErrorCode.REDIS_ERROR, r.error, { command: p.command }));
      else p.resolve(r);
    }
    // the chunk went bad after the replies above: they are delivered, now the rest fails
    const failure = this.#decoder.failure;
    if (failure !== undefined) this.#fail(failure);
  }

  #unavailable(message: string, cause?: unknown): TradestateError {
    return new TradestateError(
      ErrorCode.REDIS_UNAVAILABLE,
      cause instanceof Error ? `${message}: ${cause.message}` : message,
      { host: this.host, port: this.port },
      cause === undefined ? undefined : { cause }
    );
  }

  /** Reject everything outstanding with `err` (one error per command) and drop the connection. */
  #fail(err: TradestateError): void {
    this.#down ??= err;
    const pending = this.#queue.drain();
    for (const p of pending) {
      p.reject(
        new TradestateError(err.code, err.message, { ...err.context, command: p.command }, { cause: err })
      );
    }
    if (!this.#socket.destroyed) this.#socket.destroy();
  }
}
