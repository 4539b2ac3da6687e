import { type Observable, Subject, type Subscription } from 'rxjs';
import { addTimes, type Decimal, parseDecimal } from '../../core/decimal.ts';
import { eachLimited } from '../../core/each-limited.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import { type Instrument, qtyToLots } from '../../core/instrument.ts';
import { LastN } from '../../core/last-n.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import { type ExecType, type ExecutionReport, NO_EXECUTION } from '../../messages/execution-report.ts';
import { clipReason, type Side } from '../../messages/primitives.ts';
import type { Clock } from '../../time/clock.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import type { ExecutionGateway } from '../gateway.ts';
import { type AlpacaRestClient, defaultDelay, type ReadLimits } from './alpaca-rest.client.ts';
import {
  type AlpacaOrder,
  type AlpacaTradeEvent,
  type AlpacaTradeUpdate,
  encodeOrderRequest,
  encodeReplaceRequest,
  filledNotional,
  isKnownOrderStatus,
  isKnownTradeEvent,
  missedFillReport,
  orderToReport,
  type ReplaceLinks,
  replacedOrderReport,
  tickNotional,
  tradeUpdateToReport
} from './alpaca-trading.codec.ts';
import type { TradeUpdatesStream } from './trade-updates.stream.ts';

/** The REST calls the gateway makes. */
export type AlpacaOrderApi = Pick<
  AlpacaRestClient,
  'submitOrder' | 'replaceOrder' | 'cancelOrder' | 'getOrderByClientOrderId' | 'forEachOpenOrderPage'
>;

/** What the gateway needs of the trading stream. */
export type AlpacaTradeFeed = Pick<TradeUpdatesStream, 'updates$' | 'errors$' | 'reconnected$'>;

/** Options of {@link AlpacaExecutionGateway}. */
export interface AlpacaExecutionGatewayOptions {
  readonly rest: AlpacaOrderApi;
  readonly stream: AlpacaTradeFeed;
  readonly instruments: InstrumentMap;
  /** tsInit of every report. */
  readonly clock: Clock;
  /** The `venue` of the reports. Default: the instrument map's venue. */
  readonly venue?: string;
  /** Lookups by client order id after a request with an unknown outcome. Default 3. */
  readonly lookupAttempts?: number;
  /** Wait before each of those lookups (ms), so a request still in flight can land. Default 500. */
  readonly lookupDelayMs?: number;
  /** How to wait (injected so tests need not sleep). Default: a timer. */
  readonly delay?: (ms: number) => Promise<void>;
  /**
   * Deadline (ms, integer ≥ 1) of the read of an order right before its PATCH (see "Replace and fills in flight"
   * in the class doc): one attempt, no retry, so a 429, a failure or a slow answer delays the PATCH by at most
   * this much (the read then changes nothing). Default 1 000.
   */
  readonly preReplaceReadMs?: number;
  /**
   * How many client order ids reported `rejected` after an unknown outcome the orphan sweep remembers (the
   * last ones; older ones are forgotten, and an order of theirs that turns up later is then no longer
   * recognised as an orphan). The same bound applies to the venue order ids the sweep remembers having
   * canceled or reported. Default 1 000.
   */
  readonly orphanMemory?: number;
  /** Page size (`limit`, 1..500) of the sweep's GET /v2/orders?status=open. Default 500. */
  readonly openOrdersPageSize?: number;
  /**
   * How many orders a {@link AlpacaExecutionGateway.reconcile} looks up by client order id at once (those the
   * open-orders listing did not settle), an integer ≥ 1. A bound on requests in flight, not a rate: with the
   * working orders reconciled from the listing, only the orders that finished meanwhile are looked up, which
   * keeps a reconnect far from Alpaca's 200 requests a minute (its 429s are retried with backoff). Default 4.
   */
  readonly reconcileConcurrency?: number;
  /**
   * How many finished orders (filled, canceled, expired, rejected, replaced) the gateway keeps, integer ≥ 1;
   * the oldest finished beyond that are forgotten (see "Memory" in the class doc). Default 10 000.
   */
  readonly finishedMemory?: number;
}

/** What the gateway holds, for diagnostics ({@link AlpacaExecutionGateway.memoryStats}). */
export interface AlpacaGatewayMemoryStats {
  /** Orders held: every working one, and the finished ones not evicted yet. */
  readonly trackedOrders: number;
  /** Of those, the finished ones (at most `finishedMemory`, plus any still answering a request). */
  readonly finishedOrders: number;
  /** Venue order ids mapped to client order ids. */
  readonly venueOrderIds: number;
  /** Exec ids remembered for de-duplication. */
  readonly execIds: number;
}

/** One order as the gateway knows it: one venue order of a cancel-replace chain. */
interface Tracked {
  readonly clientOrderId: string;
  readonly inst: Instrument;
  readonly side: Side;
  /**
   * Canonical total quantity (filled included over the whole chain): what was asked, or more once the venue
   * may fill more (see {@link AlpacaExecutionGateway} "Replace and fills in flight"; reported `restated`).
   */
  qty: number;
  /**
   * Canonical lots filled by the earlier orders of the chain (Alpaca's replacing order starts at 0); grows when
   * a fill of an earlier order turns up after the replace was confirmed.
   */
  base: number;
  /**
   * This venue order's own quantity (Alpaca's `qty`, lots): the command's for a submit; for a replacing order
   * the `qty` its PATCH sent (else the replaced order's, which Alpaca keeps), then what the venue shows.
   */
  venueQty: number;
  /** The `qty` (lots) the PATCH of the pending replace sent, `undefined` when it sent none. */
  pendingVenueQty: number | undefined;
  /** The order that replaced this one (confirmed), so its `base` follows late fills of this one. */
  successor: Tracked | undefined;
  /** Lots reported filled on this venue order, and Σ ticks × lots of those fills. */
  venueCum: number;
  /** Σ price × lots of those fills at the venue's own prices, exactly (reports may round them onto the tick). */
  venueNotional: Decimal;
  venueOrderId: string | undefined;
  acked: boolean;
  /** Nothing more is reported for it (filled, canceled, expired, rejected, replaced). */
  final: boolean;
  /** A replace asked for and not answered yet. */
  pending: ReplaceOrder | undefined;
  /** Settles when the POST that created it is answered (either way). */
  submitted: Promise<void>;
  /** Requests of its own being handled (POST, DELETE, PATCH, lookups): it is not evicted meanwhile. */
  busy: number;
  /** Exec ids reported for it (dropped from the de-duplication set with it). */
  readonly execIds: string[];
  /**
   * Its latest state report (accepted, fill, canceled, expired, rejected, replaced — not the answers
   * cancel_rejected / replace_rejected), for {@link AlpacaExecutionGateway.query} to deliver again.
   */
  last: ExecutionReport | undefined;
  /** Venue ids of its replacing orders, mapped to the replacements' client order ids on its behalf. */
  readonly replacementVenueIds: string[];
  /** New client order ids of its replaces answered `replace_rejected` (see `#refusedReplacements`). */
  readonly refused: string[];
  /**
   * A request whose outcome its lookups could not settle (they failed, or showed it under way): its submit, or
   * that replace itself (a later replace is not taken for it once something else has answered it).
   */
  unresolved?: 'submit' | ReplaceOrder;
}

/** A submit the venue has not answered in any way: not acknowledged, not final, no venue order id known. */
const unanswered = (t: Tracked): boolean => !t.acked && !t.final && t.venueOrderId === undefined;

/**
 * A new {@link Tracked} order: a submit (venue id unknown yet, not acked) or the replacing order of a
 * confirmed replace (acked, `base` = what the chain filled before it).
 */
function tracked(
  clientOrderId: string,
  inst: Instrument,
  side: Side,
  qty: number,
  base: number,
  venueOrderId: string | undefined,
  acked: boolean
): Tracked {
  return {
    clientOrderId,
    inst,
    side,
    qty,
    base,
    venueQty: qty - base,
    pendingVenueQty: undefined,
    successor: undefined,
    venueCum: 0,
    venueNotional: { mantissa: 0n, scale: 0 },
    venueOrderId,
    acked,
    final: false,
    pending: undefined,
    submitted: Promise.resolve(),
    busy: 0,
    execIds: [],
    last: undefined,
    replacementVenueIds: [],
    refused: []
  };
}

/** What the orphan sweep did about an open venue order ({@link ErrorCode.ORPHAN_ORDER}'s `action`). */
export type OrphanAction = 'canceled' | 'cancel_failed' | 'left_alone' | 'filled' | 'sweep_incomplete';

/** Reports that state an order's state (those {@link AlpacaExecutionGateway.query} delivers again). */
const STATE_REPORTS: ReadonlySet<ExecType> = new Set([
  'accepted',
  'fill',
  'canceled',
  'expired',
  'rejected',
  'replaced'
]);

/** What {@link AlpacaExecutionGateway.query} says when the venue has never seen the order. */
export const UNKNOWN_ORDER_REASON = 'unknown order';

/** Events of the replacing order that show it is live at the venue (the replace took place). */
const REPLACEMENT_LIVE: ReadonlySet<string> = new Set<AlpacaTradeEvent>([
  'new',
  'accepted',
  'fill',
  'partial_fill',
  'canceled',
  'expired',
  'done_for_day'
]);

/**
 * An integer option of the gateway (`value`, else `dflt`) within `[min, max]`.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` naming the option otherwise.
 */
function intOption(name: string, value: number | undefined, dflt: number, min: number, max?: number): number {
  const v = value ?? dflt;
  if (!Number.isSafeInteger(v) || v < min || (max !== undefined && v > max)) {
    const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new TradestateError(ErrorCode.CONFIG_INVALID, `${name} must be an integer ${range}, got ${v}`, {
      [name]: v
    });
  }
  return v;
}

/**
 * {@link ExecutionGateway} over Alpaca's Trading API: commands go out over REST ({@link AlpacaRestClient}),
 * order events come back from the `trade_updates` stream ({@link TradeUpdatesStream}) as canonical reports.
 *
 * - submit → POST /v2/orders with `client_order_id` = the command's client order id; cancel → DELETE of the
 *   venue id (waiting for the POST's answer, or looking the order up by client id); replace → PATCH with the
 *   command's `newClientOrderId` as the replacing order's client id. Alpaca's replacing order is a new order
 *   for what is left to trade: the gateway sends (new total − filled) and restates the replacing order's
 *   cumQty/leavesQty in canonical (whole chain) terms.
 * - Replace and fills in flight. Alpaca's replacing order is a new order that trades its own `qty` in full
 *   (default: the replaced order's `qty`), whatever the replaced order filled (PATCH /v2/orders/{order_id}:
 *   "Each parameter overrides the corresponding attribute of the existing order"; Alpaca-API issue #165:
 *   a price-only replace of a partially filled order keeps the original qty). The (total − filled) is
 *   therefore only as good as the gateway's count of fills: one still on its way on the stream would be
 *   traded twice. To narrow that window the order is read (GET by client order id, idempotent) right before
 *   the PATCH, fills it shows are reported, and (total − filled) is computed after that. That read costs every
 *   replace one more request against Alpaca's rate limit (200 a minute per account), unless the gateway had
 *   just read the order to learn its venue id (that read is used); it is ONE attempt bounded by
 *   `preReplaceReadMs` (no retry, no backoff): a 429, a failure or a slow answer goes to `errors$`, leaves
 *   the count as it is, and the PATCH goes out without waiting longer. A fill landing
 *   between that read and the venue taking the PATCH is still possible: once the venue shows that the
 *   replaced order's `filled_qty` and the replacing order's `qty` add up to more than the order's quantity,
 *   `errors$` gets {@link ErrorCode.OVERFILL} (context `clientOrderId`, `venueOrderId`, `asked`,
 *   `venueTotal`, `filledBefore`, `venueQty`) and the order is reported `restated` to that total (cumQty +
 *   leavesQty), so no report shows more filled than the order's quantity and the order stays working (and
 *   cancelable) while the venue may still fill it. Nothing is sent to correct it (no automatic PATCH or
 *   DELETE): that is the strategy's or the operator's decision. A fill beyond even that (the venue filling
 *   more than its own quantities) is reported as it is, with {@link ErrorCode.OVERFILL} on `errors$`.
 * - A definitive REST refusal (4xx) becomes `rejected` / `cancel_rejected` / `replace_rejected`. A request
 *   with an unknown outcome (timeout, lost connection, 5xx) is NEVER resent: the order is looked up by
 *   client order id (a few times, some time apart) and the answer reconciled; a submit the venue still does
 *   not know after those lookups (each a 404) is reported `rejected`, and a replace with no replacing order
 *   `replace_rejected`. When a lookup failed, or showed the order `pending_replace`, nothing is decided: the
 *   outcome stays unknown (said on `errors$`) and each {@link reconcile} looks it up again until the venue's
 *   answer settles it. A replace confirmed by a lookup of its replacing order also reads the replaced order,
 *   whose fills since the read before the PATCH are reported (it is final then, and never read again). A
 *   cancel is always answered: `canceled` (or what else ended the order) when a lookup shows it,
 *   `cancel_rejected` naming the status a lookup shows otherwise, and when no lookup found the order (each
 *   failed or was a 404) `cancel_rejected` with reason `cancel outcome unknown; lookups failed` (or `; the
 *   venue does not find the order`) and {@link ErrorCode.VENUE_OUTCOME_UNKNOWN} on `errors$`: the order is
 *   taken as working, nothing is pending, and a DELETE that did land is reported `canceled` by the stream or
 *   the next {@link reconcile} (which fetches every order not final).
 * - Every stream update and REST snapshot goes through the same bookkeeping: `accepted` once per order,
 *   fills only for lots beyond those already reported (fills an order's `filled_qty` shows but no event
 *   reported are emitted first, priced from `filled_avg_price`), one final report. Reports are
 *   de-duplicated by execId.
 * - After the stream reconnects ({@link reconcile}), every order not final is reconciled, so fills and cancels
 *   missed while disconnected are reported exactly once: those the venue lists as open (the orphan sweep's
 *   GET /v2/orders?status=open, up to 500 a request) from that listing, the rest (finished meanwhile, a
 *   replace pending, an outcome unknown, or beyond the listing) fetched by client order id,
 *   `reconcileConcurrency` at a time.
 * - {@link query} (the `OrderVenue` status query) reconciles one order the same way, then delivers its
 *   latest state report again, exec id unchanged (consumers de-duplicate by exec id), or `rejected` with
 *   reason {@link UNKNOWN_ORDER_REASON} when the venue has never seen the order.
 * - Orphan sweep. A submit reported `rejected` because its outcome stayed unknown may still have been applied
 *   late; the gateway remembers those client order ids (the last `orphanMemory` of them; a forgotten one is
 *   then treated like any order sent through here). The sweep lists the venue's open orders
 *   (GET /v2/orders?status=open, oldest first, paged by `after`) and, for each:
 *   - one whose client order id was reported `rejected` that way is an orphan the gateway is responsible
 *     for: it is canceled with ONE DELETE (a new decision, never repeated for that venue order id) and
 *     `errors$` gets {@link ErrorCode.ORPHAN_ORDER} with context `{clientOrderId, venueOrderId, action}`
 *     (and the order's symbol, side, qty, filledQty, status), `action` `'canceled'` (the DELETE was
 *     accepted) or, if it failed, `'cancel_failed'` (the order is then left to an operator);
 *   - one never sent through this gateway (placed by hand, by another process) is not touched:
 *     {@link ErrorCode.ORPHAN_ORDER} with `action: 'left_alone'`, once per venue order id;
 *   - one the gateway tracks is reconciled from the listing when nothing about it waits on an answer (no
 *     replace pending, no unknown outcome), and otherwise left to the reconciliation by client order id.
 *
 *   The sweep runs in every {@link reconcile} and once right after the lookups of an unknown-outcome submit
 *   give up. Such an order's trade updates never revive its `rejected`: none is reported, and a fill of it
 *   goes to `errors$` ({@link ErrorCode.ORPHAN_ORDER}, `action: 'filled'`). More than a page of open orders
 *   with the same `submitted_at` cannot be paged past: the sweep stops there (`action: 'sweep_incomplete'`).
 * - Memory. Working orders are all kept; finished ones (filled, canceled, expired, rejected, replaced) only
 *   the last `finishedMemory` (default 10 000): once more are finished, the oldest finished is evicted — its
 *   record (with its latest state report, kept for {@link query}), its venue order id(s) and its exec ids
 *   are dropped, so a process running for weeks holds a bounded amount per order. An order is never
 *   evicted while a replace of it is pending or a request of its own (POST, DELETE, PATCH, the lookups
 *   after an unknown outcome, a query) is still being handled; it goes at
 *   the first eviction after that. An evicted order is "finished long ago": the gateway remembers its client
 *   order id (those of the last `finishedMemory` evicted; its refused replacements' ids with it) and
 *   - a trade update of it still arriving is not reported (it cannot revive the order, nor pass for the
 *     report of an order not sent through here); the first one goes to `errors$` as
 *     {@link ErrorCode.UNKNOWN_ORDER} with context `{clientOrderId, venueOrderId, event, status, filledQty,
 *     evicted: true}`, later ones of the same client order id are dropped silently;
 *   - reconcile does not fetch it (it is final) and the orphan sweep leaves it alone without a report, as it
 *     does a tracked order;
 *   - cancel / replace of it get {@link ErrorCode.UNKNOWN_ORDER} (context `evicted: true`) instead of a
 *     `cancel_rejected` / `replace_rejected` report; a submit or replace reusing its client order id gets
 *     {@link ErrorCode.DUPLICATE_ORDER_ID}.
 *
 *   Beyond that second memory an id is forgotten for good and an update of it would be taken for one of an
 *   order not sent through here. Reports of orders not sent through here, and orphan fills, are still
 *   de-duplicated by exec id in an unbounded set.
 *
 * Problems that concern no order (undecodable updates, unknown symbols, failed lookups, unknown outcomes,
 * orphans) go to `errors$`.
 */
export class AlpacaExecutionGateway implements ExecutionGateway {
  readonly #rest: AlpacaOrderApi;
  readonly #instruments: InstrumentMap;
  readonly #clock: Clock;
  readonly #venue: string;
  readonly #lookupAttempts: number;
  readonly #lookupDelayMs: number;
  readonly #delay: (ms: number) => Promise<void>;
  /** Limits of the read before a PATCH: one attempt, `preReplaceReadMs`. */
  readonly #preReplaceRead: ReadLimits;
  readonly #orders = new Map<string, Tracked>();
  readonly #byVenueId = new Map<string, string>();
  /** New client order id of a pending replace → the client order id of the order it replaces. */
  readonly #replacing = new Map<string, string>();
  /**
   * New client order ids of replaces answered `replace_rejected`: Alpaca then also rejects the replacing
   * order (PATCH /v2/orders/{order_id} docs), and that `rejected` may come after `order_replace_rejected`.
   */
  readonly #refusedReplacements = new Set<string>();
  /** Exec ids reported (de-duplication); those of an evicted order are dropped with it. */
  readonly #seen = new Set<string>();
  /** Unknown order statuses and trade events already said on `errors$` (`status:x`, `event:y`; at most 64). */
  readonly #unknownNames = new Set<string>();
  /** Client order ids of the finished orders still held, oldest finished first (the eviction queue). */
  readonly #finished = new Set<string>();
  readonly #finishedMemory: number;
  /** Client order ids of evicted orders (and of their refused replacements): "finished long ago". */
  readonly #evicted: LastN;
  /** Those of them whose late trade update already went to `errors$` (once each). */
  readonly #lateReported: LastN;
  /** Client order ids reported `rejected` after an unknown outcome: a venue order of theirs is an orphan. */
  readonly #declaredRejected: LastN;
  /** Venue ids of orphans the sweep sent its one DELETE for. */
  readonly #orphansCanceled: LastN;
  /** Venue ids of open orders not sent through this gateway, already reported `left_alone`. */
  readonly #leftAlone: LastN;
  readonly #pageSize: number;
  /** The orphan sweep running, and the one waiting to run after it (requests meanwhile share it). */
  readonly #reconcileConcurrency: number;
  #sweeping: Promise<ReadonlySet<string>> | undefined;
  #sweepQueued: Promise<ReadonlySet<string>> | undefined;
  readonly #subs: Subscription[] = [];
  readonly #reports = new Subject<ExecutionReport>();
  readonly #errors = new Subject<TradestateError>();
  readonly reports$: Observable<ExecutionReport> = this.#reports.asObservable();
  readonly errors$: Observable<TradestateError> = this.#errors.asObservable();
  readonly #links: ReplaceLinks = {
    clientOrderIdOf: (venueOrderId) => this.#byVenueId.get(venueOrderId),
    pendingReplacementOf: (clientOrderId) => this.#orders.get(clientOrderId)?.pending?.newClientOrderId
  };
  #localSeq = 0;

  constructor(o: AlpacaExecutionGatewayOptions) {
    this.#rest = o.rest;
    this.#instruments = o.instruments;
    this.#clock = o.clock;
    this.#venue = o.venue ?? o.instruments.venue;
    this.#lookupAttempts = o.lookupAttempts ?? 3;
    this.#lookupDelayMs = o.lookupDelayMs ?? 500;
    this.#delay = o.delay ?? defaultDelay;
    this.#preReplaceRead = {
      retries: 0,
      timeoutMs: intOption('preReplaceReadMs', o.preReplaceReadMs, 1000, 1)
    };
    const memory = intOption('orphanMemory', o.orphanMemory, 1000, 0);
    const finished = intOption('finishedMemory', o.finishedMemory, 10_000, 1);
    this.#reconcileConcurrency = intOption('reconcileConcurrency', o.reconcileConcurrency, 4, 1);
    const page = intOption('openOrdersPageSize', o.openOrdersPageSize, 500, 1, 500);
    this.#declaredRejected = new LastN(memory);
    this.#orphansCanceled = new LastN(memory);
    this.#leftAlone = new LastN(memory);
    this.#pageSize = page;
    this.#finishedMemory = finished;
    this.#evicted = new LastN(finished);
    this.#lateReported = new LastN(finished);
    this.#subs.push(
      o.stream.updates$.subscribe((u) => this.#guard(() => this.#onUpdate(u))),
      o.stream.errors$.subscribe((e) => this.#errors.next(e)),
      o.stream.reconnected$.subscribe(() => void this.reconcile())
    );
  }

  submit(cmd: SubmitOrder): void {
    const cid = cmd.clientOrderId;
    if (this.#orders.has(cid) || this.#replacing.has(cid) || this.#evicted.has(cid)) {
      this.#errors.next(
        new TradestateError(ErrorCode.DUPLICATE_ORDER_ID, `client order id ${cid} already used`, {
          clientOrderId: cid,
          ...(this.#evicted.has(cid) ? { evicted: true } : {})
        })
      );
      return;
    }
    let inst: Instrument;
    let req: ReturnType<typeof encodeOrderRequest>;
    try {
      inst = this.#instruments.byId(cmd.instrumentId);
      req = encodeOrderRequest(cmd, inst);
    } catch (e) {
      const err = asError(e, ErrorCode.ORDER_INVALID);
      // no order is kept for it, and its exec id is unique (a local sequence): not recorded for de-duplication
      this.#reports.next(
        this.#local(
          'rejected',
          { clientOrderId: cid, instrumentId: cmd.instrumentId, side: cmd.side },
          why(err)
        )
      );
      return;
    }
    const t = tracked(cid, inst, cmd.side, cmd.qty, 0, undefined, false);
    this.#orders.set(cid, t);
    t.submitted = this.#busy(t, () =>
      this.#rest.submitOrder(req).then(
        (o) => this.#guard(() => this.#snapshot(t, o)),
        (e: unknown) => {
          const err = asError(e, ErrorCode.VENUE_OUTCOME_UNKNOWN);
          if (definitive(err)) {
            if (!t.final) {
              this.#markFinal(t);
              this.#emitFor(t, this.#localFor(t, 'rejected', why(err)));
            }
            return;
          }
          this.#errors.next(err);
          void this.#busy(t, () => this.#lookUp(t, 'submit'));
        }
      )
    );
  }

  cancel(cmd: CancelOrder): void {
    const t = this.#orders.get(cmd.clientOrderId);
    if (!t) {
      this.#unknown(cmd.clientOrderId, 'cancel');
      return;
    }
    if (t.final) {
      this.#emitFor(t, this.#localFor(t, 'cancel_rejected', 'order is no longer working'));
      return;
    }
    void this.#busy(t, () => this.#cancel(t));
  }

  replace(cmd: ReplaceOrder): void {
    const t = this.#orders.get(cmd.clientOrderId);
    if (!t) {
      this.#unknown(cmd.clientOrderId, 'replace');
      return;
    }
    const rejected = (reason: string): void =>
      this.#emitFor(
        t,
        this.#localFor(t, 'replace_rejected', reason, {
          clientOrderId: cmd.newClientOrderId,
          origClientOrderId: t.clientOrderId
        })
      );
    const refusal = t.final
      ? 'order is no longer working'
      : t.pending
        ? `a replace (${t.pending.newClientOrderId}) is already pending`
        : this.#orders.has(cmd.newClientOrderId) ||
            this.#replacing.has(cmd.newClientOrderId) ||
            this.#evicted.has(cmd.newClientOrderId)
          ? `client order id ${cmd.newClientOrderId} already used`
          : undefined;
    if (refusal !== undefined) {
      rejected(refusal);
      return;
    }
    try {
      // refused now if it cannot be sent as it stands (encoded again, with fresh fills, just before the PATCH)
      encodeReplaceRequest(cmd, t.inst, { qty: t.qty, cumQty: cumOf(t) });
    } catch (e) {
      rejected(why(asError(e, ErrorCode.ORDER_INVALID)));
      return;
    }
    t.pending = cmd;
    this.#replacing.set(cmd.newClientOrderId, t.clientOrderId);
    void this.#busy(t, () => this.#replace(t, cmd));
  }

  /**
   * Run the orphan sweep, which reconciles the working orders the venue lists as open, then fetch every
   * other order that is not final (and the replacing order of a pending replace) by client order id and
   * reconcile it (see the class doc). Runs after each stream reconnect; resolves when done.
   */
  async reconcile(): Promise<void> {
    const listed = await this.#sweep();
    const rest = [...this.#orders.values()].filter((t) => !t.final && !listed.has(t.clientOrderId));
    await eachLimited(rest, this.#reconcileConcurrency, (t) => this.#refresh(t));
  }

  /**
   * Ask for one order's current state (what `OrderVenue.query` asks; idempotent, safe to repeat). Never
   * throws: the answer arrives on `reports$`, problems on `errors$`. By client order id:
   * - an order sent through here and not final is fetched (GET /v2/orders:by_client_order_id, and its
   *   pending replace's replacing order) and reconciled as after a reconnect ({@link reconcile}): an
   *   acceptance, fills or a final state the stream missed are reported, once. If that reported nothing new
   *   for it, its latest state report (accepted, fill, canceled, expired, rejected, replaced) is delivered
   *   again, exec id unchanged (tsInit now), so a report the consumer lost arrives again and one it has is
   *   recognised by its exec id. A final order is not fetched (nothing the venue says changes it): its latest
   *   state report is delivered again. An order with no state report yet (its POST unanswered, or
   *   `pending_new`) gets nothing: its submit's own handling answers it. A failed lookup goes to `errors$`
   *   and the latest state report is still delivered again;
   * - the new client order id of a pending replace: the replaced order is reconciled (as above, which
   *   confirms or refuses the replace if the venue has decided); nothing is delivered again for it;
   * - an order that finished and was evicted (see "Memory"), or the new id of a refused replace:
   *   {@link ErrorCode.UNKNOWN_ORDER} on `errors$` (its reports went out; the venue has seen it);
   * - any other id is looked up at the venue: unknown there (404) → `rejected` with reason
   *   {@link UNKNOWN_ORDER_REASON} for `instrumentId` (no venue order id, a fresh exec id; without
   *   `instrumentId` no report can be made and {@link ErrorCode.UNKNOWN_ORDER} goes to `errors$` instead);
   *   known (an order not sent through here) → its snapshot as the venue states it (as a trade update of it
   *   would be reported); a failed lookup → `errors$` only (the outcome is unknown, so nothing is claimed).
   */
  query(clientOrderId: string, instrumentId?: string): void {
    this.#query(clientOrderId, instrumentId).catch((e: unknown) =>
      this.#errors.next(asError(e, ErrorCode.VENUE_UNAVAILABLE))
    );
  }

  /** Orders held now: every working one and the finished ones not evicted yet (diagnostics). */
  get trackedOrderCount(): number {
    return this.#orders.size;
  }

  /** What the gateway holds now, for diagnostics (see "Memory" in the class doc). */
  get memoryStats(): AlpacaGatewayMemoryStats {
    return {
      trackedOrders: this.#orders.size,
      finishedOrders: this.#finished.size,
      venueOrderIds: this.#byVenueId.size,
      execIds: this.#seen.size
    };
  }

  /** Stop listening to the stream; `reports$` and `errors$` complete. */
  close(): void {
    for (const s of this.#subs) s.unsubscribe();
    this.#reports.complete();
    this.#errors.complete();
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The venue id of `t`: known, or after the POST's answer, or looked up by client order id; with the order that
   * lookup read (reconciled already), when it made one.
   */
  async #venueIdOf(t: Tracked): Promise<{ id: string | undefined; read: AlpacaOrder | undefined }> {
    if (t.venueOrderId === undefined) await t.submitted;
    let read: AlpacaOrder | undefined;
    if (t.venueOrderId === undefined) {
      const o = await this.#fetch(t.clientOrderId);
      if (o) {
        read = o;
        this.#guard(() => this.#snapshot(t, o));
      }
    }
    return { id: t.venueOrderId, read };
  }

  async #cancel(t: Tracked): Promise<void> {
    const { id } = await this.#venueIdOf(t);
    if (id === undefined) {
      if (!t.final) this.#emitFor(t, this.#localFor(t, 'cancel_rejected', 'order not found at the venue'));
      return;
    }
    try {
      await this.#rest.cancelOrder(id);
    } catch (e) {
      const err = asError(e, ErrorCode.VENUE_OUTCOME_UNKNOWN);
      if (definitive(err)) {
        this.#emitFor(t, this.#localFor(t, 'cancel_rejected', why(err)));
        return;
      }
      this.#errors.next(err);
      await this.#lookUp(t, 'cancel');
    }
  }

  /**
   * The PATCH of a replace: the order is read first (fills the stream has not delivered yet are reported, see
   * "Replace and fills in flight" in the class doc), then (total − filled) is encoded from that count. The
   * lookup of the venue id, when it had to make one, is that read.
   */
  async #replace(t: Tracked, cmd: ReplaceOrder): Promise<void> {
    const { id, read } = await this.#venueIdOf(t);
    if (id === undefined) {
      this.#replaceRejected(t, 'order not found at the venue');
      return;
    }
    if (t.pending !== cmd) return; // answered meanwhile
    if (read === undefined) {
      // one bounded attempt: a failed or slow read (→ errors$) leaves the count as it is, the PATCH goes out
      const current = await this.#fetch(t.clientOrderId, this.#preReplaceRead);
      if (current) this.#guard(() => this.#snapshot(t, current));
      if (t.pending !== cmd) return;
    }
    if (t.final) {
      this.#replaceRejected(t, 'order is no longer working');
      return;
    }
    let req: ReturnType<typeof encodeReplaceRequest>;
    try {
      req = encodeReplaceRequest(cmd, t.inst, { qty: t.qty, cumQty: cumOf(t) });
    } catch (e) {
      this.#replaceRejected(t, why(asError(e, ErrorCode.ORDER_INVALID)));
      return;
    }
    t.pendingVenueQty = req.qty === undefined ? undefined : qtyToLots(t.inst, req.qty);
    try {
      const o = await this.#rest.replaceOrder(id, req);
      // the replacing order exists; the replace is done only once the venue says so (stream or snapshot)
      if (!this.#orders.has(cmd.newClientOrderId)) this.#mapReplacement(t, o.id, cmd.newClientOrderId);
    } catch (e) {
      const err = asError(e, ErrorCode.VENUE_OUTCOME_UNKNOWN);
      if (definitive(err)) {
        this.#replaceRejected(t, why(err));
        return;
      }
      this.#errors.next(err);
      await this.#lookUp(t, 'replace');
    }
  }

  /** Fetch `t` (and the replacing order of its pending replace) by client order id and reconcile them. */
  async #refresh(t: Tracked): Promise<void> {
    const p = t.pending;
    const o = await this.#fetch(t.clientOrderId);
    if (o) this.#guard(() => this.#onOrder(o));
    const n = p && (await this.#fetch(p.newClientOrderId));
    if (n) this.#guard(() => this.#onOrder(n));
    // a request whose outcome the lookups left unknown: a definite answer settles it now
    if (t.unresolved === 'submit' && o === null && unanswered(t)) await this.#notAtVenue(t);
    else if (
      p !== undefined &&
      t.unresolved === p &&
      t.pending === p &&
      n === null &&
      o &&
      o.status !== 'pending_replace'
    )
      this.#noReplacement(t);
  }

  /** See {@link query}. */
  async #query(cid: string, instrumentId: string | undefined): Promise<void> {
    const t = this.#orders.get(cid);
    if (t) {
      await this.#busy(t, async () => {
        const last = t.last;
        const pending = t.pending;
        if (!t.final) await this.#refresh(t);
        // reconciling reported something new (a state report, or the answer to a pending replace)
        if (t.last !== last || t.pending !== pending || last === undefined) return;
        this.#reports.next({ ...last, tsInit: this.#now() }); // delivered again: not a new exec id
      });
      return;
    }
    const old = this.#replacedBy(cid);
    if (old) {
      await this.#busy(old, () => this.#refresh(old));
      return;
    }
    if (this.#evicted.has(cid)) {
      this.#unknown(cid, 'query');
      return;
    }
    if (this.#refusedReplacements.has(cid)) {
      this.#errors.next(
        new TradestateError(
          ErrorCode.UNKNOWN_ORDER,
          `query: ${cid} is the new client order id of a refused replace; query the order it was to replace`,
          { clientOrderId: cid, refusedReplacement: true }
        )
      );
      return;
    }
    let o: AlpacaOrder | null;
    try {
      o = await this.#rest.getOrderByClientOrderId(cid);
    } catch (e) {
      this.#errors.next(asError(e, ErrorCode.VENUE_UNAVAILABLE));
      return;
    }
    if (o === null) {
      if (this.#orders.has(cid)) return; // submitted meanwhile: its own handling answers
      if (instrumentId === undefined) {
        this.#errors.next(
          new TradestateError(ErrorCode.UNKNOWN_ORDER, `query: the venue has never seen order ${cid}`, {
            clientOrderId: cid
          })
        );
        return;
      }
      // no order is kept for it, and its exec id is unique (a local sequence): not recorded for de-duplication
      this.#reports.next(
        this.#local('rejected', { clientOrderId: cid, instrumentId, side: 'buy' }, UNKNOWN_ORDER_REASON)
      );
      return;
    }
    const found = o;
    this.#guard(() => {
      if (this.#orders.has(found.client_order_id) || this.#replacing.has(found.client_order_id)) return;
      // not sent through this gateway: reported as the venue says it (as its trade updates are)
      const r = orderToReport(
        found,
        this.#instruments.bySymbol(found.symbol),
        this.#venue,
        this.#now(),
        this.#links
      );
      if (r) this.#reports.next(r);
    });
  }

  /**
   * GET by client order id: the order, `null` when the venue does not know it (404), `undefined` when the lookup
   * failed (→ errors$): a failed lookup says nothing about the order.
   */
  async #fetch(clientOrderId: string, limits?: ReadLimits): Promise<AlpacaOrder | null | undefined> {
    try {
      return await this.#rest.getOrderByClientOrderId(clientOrderId, limits);
    } catch (e) {
      this.#errors.next(asError(e, ErrorCode.VENUE_UNAVAILABLE));
      return undefined;
    }
  }

  /**
   * After a request with an unknown outcome: look the order up (and, for a replace, the replacing order)
   * a few times, some time apart, and reconcile what the venue says.
   */
  async #lookUp(t: Tracked, what: 'submit' | 'cancel' | 'replace'): Promise<void> {
    const p = t.pending;
    // what the lookups could not rule out: a failed one, or the order shown still being replaced
    let undecided = false;
    for (let i = 0; i < this.#lookupAttempts; i++) {
      await this.#delay(this.#lookupDelayMs);
      if (what === 'replace' && p) {
        if (t.pending !== p) return; // the stream answered meanwhile
        const n = await this.#fetch(p.newClientOrderId);
        if (n === undefined) undecided = true;
        if (n) {
          this.#guard(() => this.#onOrder(n));
          if (t.pending !== p) {
            // confirmed: the replaced order is final now and nothing reconciles it again, so it is read too
            // (as #refresh does): a fill of it that landed after the pre-PATCH read, which the stream may
            // have lost, is reported now (and counted against the replacing order, see #checkVenueTotal)
            const o = await this.#fetch(t.clientOrderId);
            if (o) this.#guard(() => this.#snapshot(t, o));
            return;
          }
        }
      }
      const o = await this.#fetch(t.clientOrderId);
      if (o === undefined) undecided = true;
      if (!o) continue;
      if (o.status === 'pending_replace') undecided = true;
      this.#guard(() => this.#snapshot(t, o));
      if (what === 'submit') return;
      if (what === 'cancel') {
        // answered: canceled (reported by the snapshot), under way, or refused — also when the order is
        // final for another reason (filled, replaced, expired): the cancel command still gets its answer
        if (o.status !== 'pending_cancel' && o.status !== 'canceled')
          this.#emitFor(
            t,
            this.#localFor(t, 'cancel_rejected', `cancel outcome unknown; the order is ${o.status}`)
          );
        return;
      }
      if (t.final || t.pending !== p) return;
    }
    if (what === 'cancel') {
      // no lookup found the order: the command is still answered (see the class doc). Nothing is pending: the
      // order is taken as working, and a DELETE that did land shows in the stream or the next reconcile
      if (t.final) {
        // the stream ended it meanwhile: canceled answers the cancel, anything else refuses it
        if (t.last?.execType !== 'canceled')
          this.#emitFor(t, this.#localFor(t, 'cancel_rejected', 'order is no longer working'));
        return;
      }
      const why = undecided ? 'lookups failed' : 'the venue does not find the order';
      this.#errors.next(
        new TradestateError(
          ErrorCode.VENUE_OUTCOME_UNKNOWN,
          `cancel of ${t.clientOrderId}: outcome still unknown after ${this.#lookupAttempts} lookups (${why}); ` +
            'answered cancel_rejected, the order taken as working (a reconcile reports it canceled if it was)',
          { clientOrderId: t.clientOrderId, request: what }
        )
      );
      this.#emitFor(t, this.#localFor(t, 'cancel_rejected', `cancel outcome unknown; ${why}`));
      return;
    }
    if (undecided && ((what === 'submit' && unanswered(t)) || (what === 'replace' && p && t.pending === p))) {
      // nothing said the venue lacks it: still unknown, looked up again at each reconcile ({@link #refresh})
      t.unresolved = what === 'submit' ? 'submit' : p;
      this.#errors.next(
        new TradestateError(
          ErrorCode.VENUE_OUTCOME_UNKNOWN,
          `${what} of ${t.clientOrderId}: outcome still unknown after ${this.#lookupAttempts} lookups; looked up again at each reconcile`,
          { clientOrderId: t.clientOrderId, request: what }
        )
      );
    } else if (what === 'submit' && unanswered(t)) await this.#notAtVenue(t);
    else if (what === 'replace' && p && t.pending === p) this.#noReplacement(t);
  }

  /** A replace whose outcome was unknown, and the venue has no replacing order: refused, said so. */
  #noReplacement(t: Tracked): void {
    this.#replaceRejected(t, 'replace outcome unknown and the venue has no replacing order');
  }

  /** A submit whose outcome was unknown, and the venue does not know the order: rejected, said so. */
  async #notAtVenue(t: Tracked): Promise<void> {
    t.unresolved = undefined;
    this.#markFinal(t);
    this.#declaredRejected.add(t.clientOrderId);
    this.#emitFor(
      t,
      this.#localFor(t, 'rejected', 'submit outcome unknown and the venue does not know the order')
    );
    await this.#sweep(); // the POST may have landed since the last lookup
  }

  // ── orphan sweep ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Run the sweep; one asked for while one runs starts after it (asks meanwhile share that one). Resolves to
   * the client order ids of the working orders it reconciled from the listing.
   */
  #sweep(): Promise<ReadonlySet<string>> {
    if (this.#sweepQueued) return this.#sweepQueued;
    const running = this.#sweeping;
    if (!running) return this.#startSweep();
    const next = running.then(() => {
      this.#sweepQueued = undefined;
      return this.#startSweep();
    });
    this.#sweepQueued = next;
    return next;
  }

  #startSweep(): Promise<ReadonlySet<string>> {
    const p: Promise<ReadonlySet<string>> = this.#sweepOnce().finally(() => {
      if (this.#sweeping === p) this.#sweeping = undefined;
    });
    this.#sweeping = p;
    return p;
  }

  /**
   * Every page of GET /v2/orders?status=open (oldest first, {@link AlpacaRestClient.forEachOpenOrderPage});
   * each open order not held by the gateway is dealt with once, and each working order held by it with
   * nothing waiting on an answer is reconciled from it. Never rejects; resolves to the client order ids of
   * the orders so reconciled.
   */
  async #sweepOnce(): Promise<ReadonlySet<string>> {
    const listed = new Set<string>();
    try {
      const r = await this.#rest.forEachOpenOrderPage(
        this.#pageSize,
        async (orders) => {
          await Promise.all(orders.map((o) => this.#onOpenOrder(o, listed)));
        },
        // one unreadable order is left out (said here), the rest of its page is still swept
        (e) => this.#errors.next(e)
      );
      if (r.stuckAt !== undefined) {
        this.#errors.next(
          new TradestateError(
            ErrorCode.ORPHAN_ORDER,
            `orphan sweep incomplete: more than ${this.#pageSize} open orders submitted at ${r.stuckAt}; ` +
              `only the first ${r.seen} open orders were checked`,
            { action: 'sweep_incomplete' satisfies OrphanAction, checked: r.seen }
          )
        );
      }
    } catch (e) {
      this.#errors.next(asError(e, ErrorCode.VENUE_UNAVAILABLE));
    }
    return listed;
  }

  /**
   * One open venue order: an orphan of ours is canceled, one not sent through here reported once, a working
   * one of ours with nothing waiting on an answer reconciled (and added to `listed`).
   */
  async #onOpenOrder(o: AlpacaOrder, listed: Set<string>): Promise<void> {
    this.#noteUnknownNames(o, undefined);
    const cid = o.client_order_id;
    const about = {
      clientOrderId: cid,
      venueOrderId: o.id,
      symbol: o.symbol,
      side: o.side,
      qty: o.qty,
      filledQty: o.filled_qty,
      status: o.status
    };
    if (this.#declaredRejected.has(cid)) {
      if (this.#orphansCanceled.has(o.id)) return; // its one DELETE went out already
      this.#orphansCanceled.add(o.id);
      const what = `order ${cid} was reported rejected (submit outcome unknown) but is open at the venue as ${o.id}`;
      try {
        await this.#rest.cancelOrder(o.id);
      } catch (e) {
        const err = asError(e, ErrorCode.VENUE_OUTCOME_UNKNOWN);
        this.#orphan(`${what}: its cancel failed (${why(err)}); cancel it by hand`, about, 'cancel_failed', {
          cause: err
        });
        return;
      }
      this.#orphan(`${what}: canceled`, about, 'canceled');
      return;
    }
    const t = this.#orders.get(cid);
    if (t && !t.final && t.pending === undefined && t.unresolved === undefined) {
      this.#guard(() => this.#snapshot(t, o));
      listed.add(cid);
      return;
    }
    const ours =
      t !== undefined ||
      this.#replacing.has(cid) ||
      this.#refusedReplacements.has(cid) ||
      this.#byVenueId.has(o.id) ||
      this.#evicted.has(cid); // finished long ago (see "Memory" in the class doc)
    if (ours || this.#leftAlone.has(o.id)) return;
    this.#leftAlone.add(o.id);
    this.#orphan(
      `open order ${o.id} (${cid}) was not sent through this gateway: left alone`,
      about,
      'left_alone'
    );
  }

  /** A trade update of an order reported `rejected` after an unknown outcome: no report; a fill is an error. */
  #onOrphanUpdate(u: AlpacaTradeUpdate): void {
    if (u.event !== 'fill' && u.event !== 'partial_fill') return;
    const o = u.order;
    const key = `orphan-fill:${u.execution_id ?? `${o.id}:${o.filled_qty}`}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#orphan(
      `order ${o.client_order_id} was reported rejected (submit outcome unknown) but filled ${u.qty} @ ` +
        `${u.price} at the venue as ${o.id}`,
      {
        clientOrderId: o.client_order_id,
        venueOrderId: o.id,
        symbol: o.symbol,
        side: o.side,
        lastQty: u.qty,
        lastPx: u.price,
        filledQty: o.filled_qty,
        status: o.status
      },
      'filled'
    );
  }

  #orphan(
    message: string,
    context: Record<string, unknown>,
    action: OrphanAction,
    options?: ErrorOptions
  ): void {
    this.#errors.next(new TradestateError(ErrorCode.ORPHAN_ORDER, message, { ...context, action }, options));
  }

  // ── what the venue says ─────────────────────────────────────────────────────────────────────────────

  #onUpdate(u: AlpacaTradeUpdate): void {
    const o = u.order;
    this.#noteUnknownNames(o, u.event);
    if (this.#declaredRejected.has(o.client_order_id)) {
      this.#onOrphanUpdate(u);
      return;
    }
    const old = this.#replacedBy(o.client_order_id);
    if (old) {
      this.#onReplacing(old, o, u);
      return;
    }
    const cid = this.#orders.has(o.client_order_id) ? o.client_order_id : this.#byVenueId.get(o.id);
    const t = cid === undefined ? undefined : this.#orders.get(cid);
    if (!t) {
      if (this.#refusedReplacements.has(o.client_order_id)) return; // its replace_rejected went out
      if (this.#evicted.has(o.client_order_id)) {
        this.#lateUpdate(u);
        return;
      }
      // not ours, on a symbol this session does not trade (the account's other business): nothing to say
      if (!this.#instruments.hasSymbol(o.symbol)) return;
      // not sent through this gateway (e.g. placed by hand): reported as the venue says it
      const r = tradeUpdateToReport(
        u,
        this.#instruments.bySymbol(o.symbol),
        this.#venue,
        this.#now(),
        this.#links
      );
      if (r) this.#emit(r);
      return;
    }
    this.#learn(t, o);
    const r = tradeUpdateToReport(u, t.inst, this.#venue, this.#now(), this.#links);
    if (r === null) {
      // an event this codec does not know: what its order shows is still news
      if (!isKnownTradeEvent(u.event)) this.#snapshot(t, o);
      return;
    }
    if (r.execType === 'restated') {
      this.#venueRestated(t, o, r);
      return;
    }
    this.#learnVenueQty(t, o);
    switch (r.execType) {
      case 'fill':
        this.#fill(t, o, r, u.price);
        return;
      case 'accepted':
        this.#accepted(t, r);
        return;
    }
    this.#catchUp(t, o);
    switch (r.execType) {
      case 'replaced':
        if (t.pending) this.#confirmReplace(t, r);
        return;
      case 'replace_rejected':
        if (t.pending) this.#replaceRejected(t, r.reason ?? 'order_replace_rejected', r);
        return;
      case 'cancel_rejected':
        if (!t.final) this.#emitFor(t, this.#restate(t, r));
        return;
      default:
        this.#finish(t, r);
    }
  }

  /** A snapshot of an order this gateway sent (the order, or the replacing order of a pending replace). */
  #onOrder(o: AlpacaOrder): void {
    const old = this.#replacedBy(o.client_order_id);
    if (old) this.#onReplacing(old, o, undefined);
    else {
      const t = this.#orders.get(o.client_order_id);
      if (t) this.#snapshot(t, o);
    }
  }

  /**
   * A snapshot of a tracked order (REST answer): what it shows beyond what was reported. Of a final order only
   * the fills a replaced order shows beyond those reported (they landed before the replace took effect).
   */
  #snapshot(t: Tracked, o: AlpacaOrder): void {
    this.#noteUnknownNames(o, undefined);
    const old = this.#replacedBy(o.client_order_id);
    if (old) {
      this.#onReplacing(old, o, undefined);
      return;
    }
    this.#learn(t, o);
    if (t.final) {
      if (o.status === 'replaced' && t.successor !== undefined) this.#catchUp(t, o);
      return;
    }
    this.#learnVenueQty(t, o);
    const r = orderToReport(o, t.inst, this.#venue, this.#now(), this.#links);
    if (r === null) return; // pending_new
    if (r.execType === 'accepted') {
      this.#accepted(t, r);
      this.#catchUp(t, o);
      return;
    }
    this.#catchUp(t, o);
    if (r.execType === 'replaced') {
      if (t.pending) this.#confirmReplace(t, r);
    } else this.#finish(t, r);
  }

  /**
   * An update (`u`) or a snapshot (`u` undefined) of the replacing order of `old`'s pending replace: once
   * it is live the replace is confirmed (and the update then applies to it); if it is rejected, so is the
   * replace.
   */
  #onReplacing(old: Tracked, o: AlpacaOrder, u: AlpacaTradeUpdate | undefined): void {
    const p = old.pending;
    if (!p) return;
    this.#mapReplacement(old, o.id, p.newClientOrderId);
    const rejected = u ? u.event === 'rejected' : o.status === 'rejected';
    const live = u ? REPLACEMENT_LIVE.has(u.event) : o.status !== 'pending_new' && o.status !== 'rejected';
    if (rejected) {
      this.#replaceRejected(old, `replacing order rejected by the venue`);
      return;
    }
    if (!live) return;
    const r = replacedOrderReport(o, old.inst, this.#venue, this.#now(), this.#links);
    const n = this.#confirmReplace(old, r);
    if (u) this.#onUpdate(u);
    else this.#snapshot(n, o);
  }

  /** The replace of `old` took place: the replacing order is tracked, `replaced` goes out. */
  #confirmReplace(old: Tracked, r: ExecutionReport): Tracked {
    const p = old.pending!;
    old.pending = undefined;
    this.#markFinal(old);
    this.#replacing.delete(p.newClientOrderId);
    const n = tracked(
      p.newClientOrderId,
      old.inst,
      old.side,
      p.qty ?? old.qty,
      cumOf(old),
      r.venueOrderId,
      true
    );
    // what the PATCH sent, else the replaced order's own qty (Alpaca keeps it); the venue's word follows
    n.venueQty = old.pendingVenueQty ?? old.venueQty;
    old.pendingVenueQty = undefined;
    old.successor = n;
    this.#orders.set(n.clientOrderId, n);
    if (n.venueOrderId !== undefined) this.#byVenueId.set(n.venueOrderId, n.clientOrderId);
    this.#emitFor(
      n,
      this.#restate(n, { ...r, clientOrderId: n.clientOrderId, origClientOrderId: old.clientOrderId })
    );
    return n;
  }

  #replaceRejected(t: Tracked, reason: string, r?: ExecutionReport): void {
    const p = t.pending;
    if (!p) return;
    t.pending = undefined;
    t.pendingVenueQty = undefined;
    if (t.unresolved === p) t.unresolved = undefined;
    this.#replacing.delete(p.newClientOrderId);
    this.#refusedReplacements.add(p.newClientOrderId);
    t.refused.push(p.newClientOrderId);
    const ids = { clientOrderId: p.newClientOrderId, origClientOrderId: t.clientOrderId };
    this.#emitFor(
      t,
      r ? this.#restate(t, { ...r, ...ids }) : this.#localFor(t, 'replace_rejected', reason, ids)
    );
  }

  #accepted(t: Tracked, r: ExecutionReport): void {
    if (t.acked || t.final) return;
    t.acked = true;
    this.#emitFor(t, this.#restate(t, r));
  }

  /**
   * A fill event (at the venue's `price`): only the lots beyond those reported; lots before it that no event
   * reported go first.
   */
  #fill(t: Tracked, o: AlpacaOrder, r: ExecutionReport, price: string | undefined): void {
    const venueCum = r.cumQty; // the order's filled_qty, after this fill
    if (venueCum <= t.venueCum) return; // reported already (a replay, or a reconciliation got there first)
    // the venue's own price (the report's may be rounded onto the tick)
    const px = price === undefined ? tickNotional(t.inst, BigInt(r.lastPx)) : parseDecimal(price);
    if (venueCum - t.venueCum > r.lastQty) {
      const missed = missedFillReport(o, t.inst, this.#venue, this.#now(), {
        cumQty: t.venueCum + r.lastQty,
        notional: addTimes(t.venueNotional, px, BigInt(r.lastQty))
      });
      // the missed lots bring the order to all its fills but this one: filled_qty × avg − this fill
      if (missed)
        this.#addFill(
          t,
          { ...missed, cumQty: venueCum - r.lastQty },
          addTimes(filledNotional(o, t.inst), px, -BigInt(r.lastQty)),
          false
        );
    }
    const lastQty = Math.min(r.lastQty, venueCum - t.venueCum);
    this.#addFill(
      t,
      { ...r, lastQty },
      addTimes(t.venueNotional, px, BigInt(lastQty)),
      o.status === 'filled'
    );
  }

  /** Fills a snapshot shows beyond those reported. */
  #catchUp(t: Tracked, o: AlpacaOrder): void {
    const r = missedFillReport(o, t.inst, this.#venue, this.#now(), {
      cumQty: t.venueCum,
      notional: t.venueNotional
    });
    if (r) this.#addFill(t, r, filledNotional(o, t.inst), o.status === 'filled');
  }

  /**
   * Report fill `r`; `notional` is Σ price × lots of the order's fills with it, at the venue's own prices. The
   * order is done once its chain has filled its quantity, or when the venue says it is `filled` (`venueDone`).
   * A fill of an order already replaced (it landed before the replace took effect, and is seen only now) also
   * counts for the orders that replaced it: they may now fill more than asked (see {@link #checkVenueTotal}).
   */
  #addFill(t: Tracked, r: ExecutionReport, notional: Decimal, venueDone: boolean): void {
    if (this.#seen.has(r.execId) || r.lastQty <= 0) return;
    t.venueCum += r.lastQty;
    t.venueNotional = notional;
    t.acked = true;
    const later: Tracked[] = [];
    for (let s = t.successor; s !== undefined; s = s.successor) {
      s.base += r.lastQty;
      later.push(s);
    }
    const cum = cumOf(t);
    const full = cum >= t.qty || venueDone;
    if (cum > t.qty && !t.final) {
      this.#errors.next(
        new TradestateError(
          ErrorCode.OVERFILL,
          `order ${t.clientOrderId} filled ${cum}, more than its quantity ${t.qty}: reported as the venue says`,
          { clientOrderId: t.clientOrderId, venueOrderId: t.venueOrderId, qty: t.qty, cumQty: cum }
        )
      );
    }
    if (full) this.#markFinal(t);
    this.#emitFor(t, this.#restate(t, r, full));
    for (const s of later) this.#checkVenueTotal(s);
  }

  /** The venue's own quantity of `t`'s venue order, from an order object of it. */
  #learnVenueQty(t: Tracked, o: AlpacaOrder): void {
    const lots = t.final ? undefined : venueQtyOf(t, o);
    if (lots === undefined) return;
    t.venueQty = lots;
    this.#checkVenueTotal(t);
  }

  /**
   * What the venue may fill over `t`'s chain (the earlier orders' fills + `t`'s own venue quantity) against
   * `t`'s quantity: more means a fill the replace did not count (see "Replace and fills in flight" in the
   * class doc): {@link ErrorCode.OVERFILL} on `errors$`, and `t` reported `restated` to that total.
   */
  #checkVenueTotal(t: Tracked): void {
    const total = t.base + t.venueQty;
    if (t.final || total <= t.qty) return;
    const asked = t.qty;
    t.qty = total;
    this.#errors.next(
      new TradestateError(
        ErrorCode.OVERFILL,
        `order ${t.clientOrderId}: the venue may fill ${total} in all (${t.base} filled before its replace ` +
          `+ ${t.venueQty} of the replacing order), more than the ${asked} asked: a fill not yet seen when ` +
          `the replace was sent is traded again; reported restated to ${total} (nothing is sent to correct ` +
          `it: cancel or replace it)`,
        {
          clientOrderId: t.clientOrderId,
          venueOrderId: t.venueOrderId,
          asked,
          venueTotal: total,
          filledBefore: t.base,
          venueQty: t.venueQty
        }
      )
    );
    this.#emitFor(
      t,
      this.#localFor(
        t,
        'restated',
        `the venue may fill ${total}, ${total - asked} more than the ${asked} asked`
      )
    );
  }

  /**
   * A `restated` trade update: the venue changed the order; its quantity is now what the venue says (the
   * earlier orders' fills + its own `qty`), reported `restated` with the chain's cumQty / leavesQty.
   */
  #venueRestated(t: Tracked, o: AlpacaOrder, r: ExecutionReport): void {
    this.#catchUp(t, o);
    if (t.final) return;
    const lots = venueQtyOf(t, o); // none readable: the quantity stays as it was
    if (lots !== undefined) {
      t.venueQty = lots;
      t.qty = t.base + lots;
    }
    this.#emitFor(t, this.#restate(t, r));
  }

  /** Unknown order statuses and trade events (taken as working / as a snapshot): said on `errors$`, once each. */
  #noteUnknownNames(o: AlpacaOrder, event: string | undefined): void {
    const say = (kind: 'status' | 'event', name: string, treated: string): void => {
      const key = `${kind}:${name}`;
      if (this.#unknownNames.has(key) || this.#unknownNames.size >= 64) return;
      this.#unknownNames.add(key);
      this.#errors.next(
        new TradestateError(
          ErrorCode.MESSAGE_INVALID,
          `alpaca: order ${o.id} (${o.client_order_id}) has ${kind} "${name}", unknown to this gateway: ${treated}`,
          { [kind]: name, orderId: o.id, clientOrderId: o.client_order_id, once: true }
        )
      );
    };
    if (!isKnownOrderStatus(o.status)) say('status', o.status, 'taken as working');
    if (event !== undefined && !isKnownTradeEvent(event))
      say('event', event, 'its order is reconciled as a snapshot');
  }

  /** A final report (canceled, expired, rejected), once. */
  #finish(t: Tracked, r: ExecutionReport): void {
    if (t.final) return;
    this.#markFinal(t);
    this.#emitFor(t, this.#restate(t, r, true));
  }

  // ── memory ──────────────────────────────────────────────────────────────────────────────────────────

  /** `t` is final: nothing more is reported for it, and it joins the eviction queue. */
  #markFinal(t: Tracked): void {
    t.final = true;
    this.#finished.add(t.clientOrderId);
  }

  /** Run one request of `t` (and what follows its answer): `t` is not evicted until it settles. */
  async #busy(t: Tracked, f: () => Promise<void>): Promise<void> {
    t.busy++;
    try {
      await f();
    } finally {
      t.busy--;
      this.#evictFinished();
    }
  }

  /**
   * Evict the oldest finished orders beyond `finishedMemory`, skipping those with a replace pending or a
   * request being handled (they stay queued, first in line). Runs only when no handler holds an order it
   * could evict: at the end of {@link #guard} and {@link #busy}.
   */
  #evictFinished(): void {
    let excess = this.#finished.size - this.#finishedMemory;
    if (excess <= 0) return;
    for (const cid of this.#finished) {
      if (excess <= 0) return;
      const t = this.#orders.get(cid);
      if (t && (t.pending !== undefined || t.busy > 0)) continue;
      this.#finished.delete(cid);
      if (t) this.#evict(t);
      excess--;
    }
  }

  /** Forget `t`: its record, its venue order ids, its exec ids; remember its client order id as evicted. */
  #evict(t: Tracked): void {
    const cid = t.clientOrderId;
    this.#orders.delete(cid);
    // a venue id goes unless it now stands for an order still held (a replacing order of t's, confirmed)
    const unmap = (venueOrderId: string): void => {
      const owner = this.#byVenueId.get(venueOrderId);
      if (owner !== undefined && (owner === cid || !this.#orders.has(owner)))
        this.#byVenueId.delete(venueOrderId);
    };
    if (t.venueOrderId !== undefined) unmap(t.venueOrderId);
    for (const id of t.replacementVenueIds) unmap(id);
    for (const id of t.execIds) this.#seen.delete(id);
    for (const refused of t.refused) {
      this.#refusedReplacements.delete(refused);
      this.#evicted.add(refused);
    }
    this.#evicted.add(cid);
  }

  /** The venue id of a replacing order of `t`, mapped to its (new) client order id. */
  #mapReplacement(t: Tracked, venueOrderId: string, newClientOrderId: string): void {
    if (this.#byVenueId.get(venueOrderId) === newClientOrderId) return;
    this.#byVenueId.set(venueOrderId, newClientOrderId);
    t.replacementVenueIds.push(venueOrderId);
  }

  /** A trade update of an evicted order: never reported; the first one per client order id → errors$. */
  #lateUpdate(u: AlpacaTradeUpdate): void {
    const o = u.order;
    const cid = o.client_order_id;
    if (this.#lateReported.has(cid)) return;
    this.#lateReported.add(cid);
    this.#errors.next(
      new TradestateError(
        ErrorCode.UNKNOWN_ORDER,
        `trade update ${u.event} of order ${cid} (${o.id}) after it finished and was evicted from memory ` +
          `(finishedMemory ${this.#finishedMemory}): not reported`,
        {
          clientOrderId: cid,
          venueOrderId: o.id,
          event: u.event,
          status: o.status,
          filledQty: o.filled_qty,
          evicted: true
        }
      )
    );
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────────

  /** The pending replace `clientOrderId` is the new id of, if any. */
  #replacedBy(clientOrderId: string): Tracked | undefined {
    const old = this.#replacing.get(clientOrderId);
    return old === undefined ? undefined : this.#orders.get(old);
  }

  #learn(t: Tracked, o: AlpacaOrder): void {
    if (t.venueOrderId === undefined && o.client_order_id === t.clientOrderId) {
      t.venueOrderId = o.id;
      this.#byVenueId.set(o.id, t.clientOrderId);
      if (t.unresolved === 'submit') t.unresolved = undefined; // the venue has it: the submit's outcome is known
    }
  }

  /** `r` in canonical chain terms: cumQty over the whole chain, leavesQty of the canonical total (0 once final). */
  #restate(t: Tracked, r: ExecutionReport, final = false): ExecutionReport {
    const cumQty = cumOf(t);
    return { ...r, cumQty, leavesQty: final || t.final ? 0 : Math.max(0, t.qty - cumQty) };
  }

  #local(
    execType: ExecType,
    o: { clientOrderId: string; instrumentId: string; side: Side; origClientOrderId?: string },
    reason: string
  ): ExecutionReport {
    const now = this.#now();
    return {
      type: 'exec.report',
      execType,
      venue: this.#venue,
      instrumentId: o.instrumentId,
      clientOrderId: o.clientOrderId,
      ...(o.origClientOrderId !== undefined ? { origClientOrderId: o.origClientOrderId } : {}),
      execId: `${o.clientOrderId.slice(0, 96)}:${execType}:gw${++this.#localSeq}`,
      side: o.side,
      ...NO_EXECUTION,
      cumQty: 0,
      leavesQty: 0,
      reason: clipReason(reason),
      tsEvent: now,
      tsInit: now
    };
  }

  #localFor(
    t: Tracked,
    execType: ExecType,
    reason: string,
    ids: { clientOrderId: string; origClientOrderId: string } | undefined = undefined
  ): ExecutionReport {
    const r = this.#local(
      execType,
      {
        clientOrderId: ids?.clientOrderId ?? t.clientOrderId,
        instrumentId: t.inst.id,
        side: t.side,
        ...(ids ? { origClientOrderId: ids.origClientOrderId } : {})
      },
      reason
    );
    return this.#restate(t, {
      ...r,
      ...(t.venueOrderId !== undefined ? { venueOrderId: t.venueOrderId } : {})
    });
  }

  #unknown(clientOrderId: string, what: string): void {
    const evicted = this.#evicted.has(clientOrderId);
    this.#errors.next(
      new TradestateError(
        ErrorCode.UNKNOWN_ORDER,
        evicted
          ? `${what}: order ${clientOrderId} finished and was evicted from memory (finishedMemory ${this.#finishedMemory})`
          : `${what}: no order ${clientOrderId} sent through this gateway`,
        { clientOrderId, ...(evicted ? { evicted: true } : {}) }
      )
    );
  }

  /** A report of an order not sent through here, once per exec id. */
  #emit(r: ExecutionReport): void {
    if (this.#seen.has(r.execId)) return;
    this.#seen.add(r.execId);
    this.#reports.next(r);
  }

  /** A report of `t`, once per exec id; the exec id is kept with `t` (and forgotten when it is evicted). */
  #emitFor(t: Tracked, r: ExecutionReport): void {
    if (this.#seen.has(r.execId)) return;
    this.#seen.add(r.execId);
    t.execIds.push(r.execId);
    if (r.clientOrderId === t.clientOrderId && STATE_REPORTS.has(r.execType)) t.last = r;
    this.#reports.next(r);
  }

  #now(): bigint {
    return this.#clock.now();
  }

  /**
   * Run `f`; a throw becomes a typed error on `errors$` (never out of a socket or promise handler). Then
   * evict finished orders beyond `finishedMemory`: what the venue says comes in through here, so no handler
   * still uses an order evicted then (a request's own handler holds it busy, see {@link #busy}).
   */
  #guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.#errors.next(asError(e, ErrorCode.MESSAGE_INVALID));
    }
    this.#evictFinished();
  }
}

function cumOf(t: Tracked): number {
  return t.base + t.venueCum;
}

/**
 * The `qty` (lots) of `o` when it is `t`'s own venue order and shows one on the lot; else `undefined` (off the
 * lot: the report built from the same order says so).
 */
function venueQtyOf(t: Tracked, o: AlpacaOrder): number | undefined {
  if (o.client_order_id !== t.clientOrderId || o.qty === null) return undefined;
  try {
    return qtyToLots(t.inst, o.qty);
  } catch {
    return undefined;
  }
}

/** A 4xx answer, or a request refused before it was sent: nothing happened at the venue. */
function definitive(e: TradestateError): boolean {
  return (
    e.code === ErrorCode.VENUE_REJECTED ||
    e.code === ErrorCode.ORDER_INVALID ||
    e.code === ErrorCode.AUTH_FAILED
  );
}

function asError(e: unknown, code: ErrorCode): TradestateError {
  return isTradestateError(e) ? e : new TradestateError(code, String(e), {}, { cause: e });
}

function why(e: TradestateError): string {
  const c = e.context;
  const status = c['status'] === undefined ? '' : ` ${String(c['status'])}`;
  const alpaca = c['alpacaCode'] === undefined ? '' : ` ${String(c['alpacaCode'])}`;
  return `${e.code}${status}${alpaca}: ${e.message}`;
}
