import { Pool } from 'undici';
import { z } from 'zod';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import { isoFromNs, nsFromIso } from '../../core/nanos.ts';
import {
  type AlpacaAccount,
  type AlpacaCancelAllResult,
  type AlpacaClock,
  type AlpacaListOrdersQuery,
  type AlpacaOrder,
  type AlpacaOrderRequest,
  type AlpacaPosition,
  type AlpacaReplaceRequest,
  alpacaAccountSchema,
  alpacaCancelAllResultSchema,
  alpacaClockSchema,
  alpacaErrorBodySchema,
  alpacaOrderRequestSchema,
  alpacaOrderSchema,
  alpacaPositionSchema,
  alpacaReplaceRequestSchema,
  alpacaTimestampSchema,
  parseAlpaca
} from './alpaca-trading.codec.ts';

/** Options of {@link AlpacaRestClient}. */
export interface AlpacaRestClientOptions {
  /** e.g. `https://paper-api.alpaca.markets` (a path prefix is kept). */
  readonly baseUrl: string;
  /** Sent as `APCA-API-KEY-ID`. */
  readonly keyId: string;
  /** Sent as `APCA-API-SECRET-KEY`. */
  readonly secretKey: string;
  /** Deadline of one attempt, connect to last body byte (ms). Default 10 000. */
  readonly timeoutMs?: number;
  /** Extra attempts of a GET after a timeout, a connection error, a 429 or a 5xx. Default 3. */
  readonly getRetries?: number;
  /** Wait before GET retry `attempt` (1-based), in ms. Default `min(2000, 100·2^(attempt−1))`. */
  readonly retryDelayMs?: (attempt: number) => number;
  /** How to wait (injected so tests need not sleep). Default: a timer. */
  readonly delay?: (ms: number) => Promise<void>;
  /** Sockets kept to the host. Default 8. */
  readonly connections?: number;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Call<S extends z.ZodType | undefined> {
  readonly method: Method;
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  /** Schema of a 2xx body; `undefined`: no body expected (204). */
  readonly schema: S;
  readonly context?: Record<string, unknown>;
  /** Overrides of the client's GET retries and attempt deadline ({@link ReadLimits}). */
  readonly limits?: ReadLimits;
}

/**
 * Limits of one read, tighter than the client's: for a read that is only worth making quickly (the gateway's
 * read before a PATCH). A read that fails within them fails as any GET does (`TRD_ERR_VENUE_UNAVAILABLE`).
 */
export interface ReadLimits {
  /** Extra attempts after a timeout, a connection error, a 429 or a 5xx. Default: the client's `getRetries`. */
  readonly retries?: number;
  /** Deadline of each attempt (ms). Default: the client's `timeoutMs`. */
  readonly timeoutMs?: number;
}

type Answer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** How one attempt ended without a usable answer. */
type Failure =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'connection'; readonly error: unknown }
  | { readonly kind: 'http'; readonly status: number; readonly text: string };

/** Wait `ms` of real time: the default `delay` of the client and the gateway (tests inject their own). */
export const defaultDelay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Alpaca Trading API v2 over undici (one keep-alive {@link Pool} per client). Every answer is validated
 * with the codec's zod schemas (`TRD_ERR_MESSAGE_INVALID` otherwise) and every request body before it is
 * sent. Errors are {@link TradestateError}s whose context names `method`, `path`, the HTTP `status` and
 * Alpaca's `alpacaCode` / `alpacaMessage` when there are some, and the `outcome`:
 *
 * - `TRD_ERR_VENUE_REJECTED` (outcome `rejected`): a 4xx; nothing happened;
 * - `TRD_ERR_VENUE_OUTCOME_UNKNOWN` (outcome `unknown`): a POST/PATCH/DELETE that timed out, lost its
 *   connection or got a 5xx. It is NEVER retried here: it may have taken effect, so the caller must find
 *   out (GET by client_order_id) rather than resend;
 * - `TRD_ERR_VENUE_UNAVAILABLE` (outcome `failed`): a GET that still failed after its bounded retries
 *   (timeouts, connection errors, 429 and 5xx are retried with backoff; other 4xx are not).
 */
export class AlpacaRestClient {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #getRetries: number;
  readonly #retryDelayMs: (attempt: number) => number;
  readonly #delay: (ms: number) => Promise<void>;
  /** Attempts made and GET retries, in total (for tests and metrics). */
  readonly stats = { attempts: 0, retries: 0 };

  constructor(o: AlpacaRestClientOptions) {
    const url = new URL(o.baseUrl);
    this.#pool = new Pool(url.origin, { connections: o.connections ?? 8 });
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#headers = {
      'APCA-API-KEY-ID': o.keyId,
      'APCA-API-SECRET-KEY': o.secretKey,
      accept: 'application/json'
    };
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#getRetries = o.getRetries ?? 3;
    this.#retryDelayMs = o.retryDelayMs ?? ((n) => Math.min(2000, 100 * 2 ** (n - 1)));
    this.#delay = o.delay ?? defaultDelay;
  }

  /** POST /v2/orders. The request is validated first (`TRD_ERR_ORDER_INVALID`, nothing sent). */
  async submitOrder(req: AlpacaOrderRequest): Promise<AlpacaOrder> {
    const body = parseAlpaca(alpacaOrderRequestSchema, req, 'order request', ErrorCode.ORDER_INVALID, {
      clientOrderId: req.client_order_id
    });
    return this.#call({
      method: 'POST',
      path: '/v2/orders',
      body,
      schema: alpacaOrderSchema,
      context: { clientOrderId: req.client_order_id }
    });
  }

  /** GET /v2/orders/{order_id}. */
  getOrder(orderId: string, opts: { readonly nested?: boolean } = {}): Promise<AlpacaOrder> {
    const query = new URLSearchParams();
    if (opts.nested !== undefined) query.set('nested', String(opts.nested));
    return this.#call({
      method: 'GET',
      path: `/v2/orders/${encodeURIComponent(orderId)}`,
      query,
      schema: alpacaOrderSchema,
      context: { orderId }
    });
  }

  /**
   * GET /v2/orders:by_client_order_id; `null` when Alpaca has no order with that client order id (404).
   * `limits` tighten the client's retries and deadline for this one read.
   */
  async getOrderByClientOrderId(clientOrderId: string, limits?: ReadLimits): Promise<AlpacaOrder | null> {
    try {
      return await this.#call({
        method: 'GET',
        path: '/v2/orders:by_client_order_id',
        query: new URLSearchParams({ client_order_id: clientOrderId }),
        schema: alpacaOrderSchema,
        context: { clientOrderId },
        ...(limits ? { limits } : {})
      });
    } catch (e) {
      if (isTradestateError(e, ErrorCode.VENUE_REJECTED) && e.context['status'] === 404) return null;
      throw e;
    }
  }

  /**
   * GET /v2/orders with its filters. Without `onInvalid`, one order of the answer that is not what Alpaca
   * documents fails the whole call (`TRD_ERR_MESSAGE_INVALID`); with it, each order is validated on its own:
   * a bad one is left out and given to `onInvalid` (a `TRD_ERR_MESSAGE_INVALID` naming its index, and its id
   * and client order id when readable, with the raw value), the others are returned.
   */
  async listOrders(q: AlpacaListOrdersQuery = {}, onInvalid?: OnInvalidOrder): Promise<AlpacaOrder[]> {
    return (await this.#listRaw(q, onInvalid)).orders;
  }

  /** GET /v2/orders: the orders read, and the answer's raw list (invalid orders included). */
  async #listRaw(
    q: AlpacaListOrdersQuery,
    onInvalid: OnInvalidOrder | undefined
  ): Promise<{ orders: AlpacaOrder[]; raw: readonly unknown[] }> {
    const query = new URLSearchParams();
    for (const k of ['status', 'limit', 'after', 'until', 'direction', 'nested', 'side'] as const) {
      const v = q[k];
      if (v !== undefined) query.set(k, String(v));
    }
    if (q.symbols !== undefined) query.set('symbols', q.symbols.join(','));
    if (onInvalid === undefined) {
      const all = await this.#call({
        method: 'GET',
        path: '/v2/orders',
        query,
        schema: alpacaOrderSchema.array()
      });
      return { orders: all, raw: all };
    }
    // the page as a list of anything; each order validated on its own
    const raw = await this.#call({ method: 'GET', path: '/v2/orders', query, schema: z.array(z.unknown()) });
    const orders: AlpacaOrder[] = [];
    raw.forEach((v, i) => {
      const r = alpacaOrderSchema.safeParse(v);
      if (r.success) {
        orders.push(r.data);
        return;
      }
      const ids = rawOrderIds(v);
      try {
        parseAlpaca(alpacaOrderSchema, v, `GET /v2/orders answer, order ${i}`, ErrorCode.MESSAGE_INVALID, {
          method: 'GET',
          path: '/v2/orders',
          index: i,
          ...ids
        });
      } catch (e) {
        if (isTradestateError(e)) onInvalid(e, v, ids);
        else throw e;
      }
    });
    return { orders, raw };
  }

  /**
   * Every open order (GET /v2/orders?status=open), oldest first, `pageSize` (1–500) at a time: `onPage` gets
   * each page's orders that no earlier page held, and is awaited before the next request. The next page
   * starts 1 ns before the last order's `submitted_at`, so orders sharing it are not skipped (Alpaca's `after`
   * is exclusive). Returns how many orders were seen, and `stuckAt` (that `submitted_at`) when more than
   * `pageSize` open orders share one timestamp and the paging cannot get past them.
   *
   * Each order is validated on its own: one that is not what Alpaca documents does not fail its page (nor
   * stop the paging); it is left out of `onPage`, given to `onInvalid` (a `TRD_ERR_MESSAGE_INVALID`, the raw
   * value and the ids readable in it) once per listing, and counted in `invalid`. Its timestamps still move the paging on when they
   * are readable, and it counts as new on the page that first brings it: a full page of unreadable orders is
   * paged past, not taken for a page stuck on one timestamp.
   */
  async forEachOpenOrderPage(
    pageSize: number,
    onPage: (orders: AlpacaOrder[]) => Promise<void> | void,
    onInvalid?: OnInvalidOrder
  ): Promise<{ seen: number; invalid: number; stuckAt?: string }> {
    const seen = new Set<string>();
    /** Every order listed so far, read or not, by {@link rawOrderKey}: what tells a page that moved on. */
    const listed = new Set<string>();
    let invalid = 0;
    let after: string | undefined;
    for (;;) {
      // an order straddling two pages comes twice: an unreadable one is said once
      const bad = new Map<unknown, [TradestateError, RawOrderIds]>();
      const { orders: page, raw } = await this.#listRaw(
        { status: 'open', direction: 'asc', limit: pageSize, ...(after === undefined ? {} : { after }) },
        (e, v, ids) => void bad.set(v, [e, ids])
      );
      let news = 0;
      for (const v of raw) {
        const key = rawOrderKey(v);
        if (listed.has(key)) continue;
        listed.add(key);
        news++;
        const b = bad.get(v);
        if (b) {
          invalid++;
          onInvalid?.(b[0], v, b[1]);
        }
      }
      const fresh = page.filter((o) => !seen.has(o.id));
      for (const o of fresh) seen.add(o.id);
      if (fresh.length > 0) await onPage(fresh);
      if (raw.length < pageSize) return { seen: seen.size, invalid };
      const at = lastTimestamp(raw);
      if (at === undefined || news === 0)
        return { seen: seen.size, invalid, stuckAt: at ?? '(no readable submitted_at)' };
      after = isoFromNs(nsFromIso(at) - 1n);
    }
  }

  /** PATCH /v2/orders/{order_id}: the answer is the NEW (replacing) order. Never retried. */
  async replaceOrder(orderId: string, req: AlpacaReplaceRequest): Promise<AlpacaOrder> {
    const body = parseAlpaca(alpacaReplaceRequestSchema, req, 'replace request', ErrorCode.ORDER_INVALID, {
      orderId
    });
    return this.#call({
      method: 'PATCH',
      path: `/v2/orders/${encodeURIComponent(orderId)}`,
      body,
      schema: alpacaOrderSchema,
      context: { orderId, clientOrderId: req.client_order_id }
    });
  }

  /** DELETE /v2/orders/{order_id} (204: the cancel is on its way; the stream says when it is done). */
  async cancelOrder(orderId: string): Promise<void> {
    await this.#call({
      method: 'DELETE',
      path: `/v2/orders/${encodeURIComponent(orderId)}`,
      schema: undefined,
      context: { orderId }
    });
  }

  /** DELETE /v2/orders: 207 multi-status, one entry (id, HTTP status, error body) per order. */
  cancelAll(): Promise<AlpacaCancelAllResult> {
    return this.#call({ method: 'DELETE', path: '/v2/orders', schema: alpacaCancelAllResultSchema });
  }

  /** GET /v2/positions. */
  listPositions(): Promise<AlpacaPosition[]> {
    return this.#call({ method: 'GET', path: '/v2/positions', schema: alpacaPositionSchema.array() });
  }

  /** GET /v2/account. */
  getAccount(): Promise<AlpacaAccount> {
    return this.#call({ method: 'GET', path: '/v2/account', schema: alpacaAccountSchema });
  }

  /** GET /v2/clock. */
  getClock(): Promise<AlpacaClock> {
    return this.#call({ method: 'GET', path: '/v2/clock', schema: alpacaClockSchema });
  }

  /** Close the connections (requests in flight fail). */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  async #call<S extends z.ZodType | undefined>(c: Call<S>): Promise<Answer<S>> {
    const idempotent = c.method === 'GET';
    const ctx = { method: c.method, path: c.path, ...c.context };
    for (let attempt = 0; ; attempt++) {
      const r = await this.#attempt(c);
      if (r.kind === 'ok') return this.#decode(c, r.status, r.text, ctx);
      const f = r.failure;
      const retryable =
        idempotent &&
        (f.kind !== 'http' || f.status === 429 || f.status >= 500) &&
        attempt < (c.limits?.retries ?? this.#getRetries);
      if (retryable) {
        this.stats.retries++;
        await this.#delay(this.#retryDelayMs(attempt + 1));
        continue;
      }
      throw this.#error(f, idempotent, { ...ctx, attempts: attempt + 1 });
    }
  }

  /** One request under the deadline; a 2xx is `ok`, anything else a failure. */
  async #attempt<S extends z.ZodType | undefined>(
    c: Call<S>
  ): Promise<{ kind: 'ok'; status: number; text: string } | { kind: 'failed'; failure: Failure }> {
    this.stats.attempts++;
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, c.limits?.timeoutMs ?? this.#timeoutMs);
    try {
      const qs = c.query && c.query.size > 0 ? `?${c.query.toString()}` : '';
      const res = await this.#pool.request({
        method: c.method,
        path: `${this.#prefix}${c.path}${qs}`,
        headers:
          c.body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' },
        ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
        signal: ac.signal
      });
      const text = await res.body.text();
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { kind: 'ok', status, text };
      return { kind: 'failed', failure: { kind: 'http', status, text } };
    } catch (error) {
      return { kind: 'failed', failure: timedOut ? { kind: 'timeout' } : { kind: 'connection', error } };
    } finally {
      clearTimeout(timer);
    }
  }

  #decode<S extends z.ZodType | undefined>(
    c: Call<S>,
    status: number,
    text: string,
    ctx: Record<string, unknown>
  ): Answer<S> {
    if (c.schema === undefined) return undefined as Answer<S>;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new TradestateError(
        ErrorCode.MESSAGE_INVALID,
        `alpaca: ${c.method} ${c.path}: answer ${status} is not JSON`,
        { ...ctx, status, body: text.slice(0, 200) },
        { cause: e }
      );
    }
    return parseAlpaca(c.schema, json, `${c.method} ${c.path} answer`, ErrorCode.MESSAGE_INVALID, {
      ...ctx,
      status
    }) as Answer<S>;
  }

  #error(f: Failure, idempotent: boolean, ctx: Record<string, unknown>): TradestateError {
    const where = `alpaca: ${String(ctx['method'])} ${String(ctx['path'])}`;
    // a GET still rate limited after its retries failed to read, as a 5xx does (a POST's 429 is a refusal)
    const rateLimited = idempotent && f.kind === 'http' && f.status === 429;
    if (f.kind === 'http' && f.status < 500 && !rateLimited) {
      const body = alpacaErrorBodySchema.safeParse(safeJson(f.text));
      const alpaca = body.success
        ? { alpacaCode: body.data.code, alpacaMessage: body.data.message }
        : { body: f.text.slice(0, 200) };
      // 401: wrong keys; 403 on a read: no keys (on an order, 403 is Alpaca's "insufficient buying power")
      const auth = f.status === 401 || (f.status === 403 && ctx['method'] === 'GET');
      return new TradestateError(
        auth ? ErrorCode.AUTH_FAILED : ErrorCode.VENUE_REJECTED,
        `${where}: ${f.status}${body.success ? ` ${body.data.code ?? '-'} ${body.data.message}` : ''}`,
        { ...ctx, status: f.status, outcome: 'rejected', ...alpaca }
      );
    }
    const why =
      f.kind === 'timeout'
        ? 'timeout'
        : f.kind === 'connection'
          ? `connection error (${errorText(f.error)})`
          : rateLimited
            ? 'rate limited (429)'
            : `server error ${f.status}`;
    const extra = f.kind === 'http' ? { status: f.status, body: f.text.slice(0, 200) } : {};
    const cause = f.kind === 'connection' ? { cause: f.error } : undefined;
    if (idempotent)
      return new TradestateError(
        ErrorCode.VENUE_UNAVAILABLE,
        `${where}: ${why} after ${String(ctx['attempts'])} attempts`,
        { ...ctx, ...extra, reason: f.kind, outcome: 'failed' },
        cause
      );
    return new TradestateError(
      ErrorCode.VENUE_OUTCOME_UNKNOWN,
      `${where}: ${why}: the outcome is unknown (not retried; reconcile, do not resend)`,
      { ...ctx, ...extra, reason: f.kind, outcome: 'unknown' },
      cause
    );
  }
}

/**
 * What {@link AlpacaRestClient.listOrders} gives an order it could not read: the typed error, the raw value and
 * the ids readable in it.
 */
export type OnInvalidOrder = (error: TradestateError, raw: unknown, ids: RawOrderIds) => void;

/** The fields of an unreadable order that are still strings (enough to find it, and to cancel it). */
export interface RawOrderIds {
  readonly orderId?: string;
  readonly clientOrderId?: string;
  readonly symbol?: string;
  readonly status?: string;
}

const RAW_ID_FIELDS = [
  ['orderId', 'id'],
  ['clientOrderId', 'client_order_id'],
  ['symbol', 'symbol'],
  ['status', 'status']
] as const;

function rawOrderIds(v: unknown): RawOrderIds {
  const ids: { -readonly [K in keyof RawOrderIds]?: string } = {};
  if (!isRecord(v)) return ids;
  for (const [k, field] of RAW_ID_FIELDS) {
    const x = v[field];
    if (typeof x === 'string') ids[k] = x;
  }
  return ids;
}

/** One listed order's identity, read or not: its `id`, else the whole raw value. */
function rawOrderKey(v: unknown): string {
  return isRecord(v) && typeof v['id'] === 'string' ? v['id'] : JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `submitted_at` (else `created_at`) of the last order of a raw page that has a readable one. */
function lastTimestamp(raw: readonly unknown[]): string | undefined {
  for (let i = raw.length - 1; i >= 0; i--) {
    const v = raw[i];
    if (!isRecord(v)) continue;
    for (const k of ['submitted_at', 'created_at']) {
      const t = v[k];
      if (typeof t === 'string' && alpacaTimestampSchema.safeParse(t).success) return t;
    }
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorText(e: unknown): string {
  if (isTradestateError(e)) return e.code;
  if (e instanceof Error) return (e as Error & { code?: string }).code ?? e.message;
  return String(e);
}
