import { Subject } from 'rxjs';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { LastN, LastNMap } from '../../core/last-n.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import { type ExecutionReport, NO_EXECUTION, reportedQty } from '../../messages/execution-report.ts';
import { clipReason } from '../../messages/primitives.ts';
import type { Clock } from '../../time/clock.ts';
import type { ExecutionGateway } from '../gateway.ts';
import {
  decodeExecutionReport,
  decodeOrderCancelReject,
  decodeOrderStatus,
  encodeNewOrderSingle,
  encodeOrderCancelReplaceRequest,
  encodeOrderCancelRequest,
  encodeOrderStatusRequest,
  type FixAppMessage,
  type InstrumentMap,
  type OrderFacts,
  type OrderStatusReport
} from './app-messages.ts';
import type { FixField } from './encoder.ts';
import { type FixSessionActor, onFixApp } from './fix-session.ts';
import type { FixMessage } from './parser.ts';
import { applyReport, isFinal, type ReportedOrder, reportedOrder } from './reported-order.ts';
import { MsgType, Tag } from './tags.ts';

/** An order sent through the gateway: its terms (FIX 4.2 restates them) and what has been reported about it. */
/** An order sent through the gateway: what its reports said, and its terms as the venue last accepted them. */
type Tracked = ReportedOrder & { -readonly [K in keyof OrderFacts]: OrderFacts[K] };
const NOT_SENT = 'FIX session not logged on: not sent';
/** Requests a session Reject can refuse: NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest. */
const REQUESTS: ReadonlySet<string> = new Set([
  MsgType.NewOrderSingle,
  MsgType.OrderCancelRequest,
  MsgType.OrderCancelReplaceRequest
]);
/** How many sent requests are remembered for a session Reject naming their sequence number. */
const SENT_SEQ_KEPT = 10_000;

/** A request of ours answered as refused without a venue report of it. */
type Refusal = 'rejected' | 'cancel_rejected' | 'replace_rejected';
type RefusedIds = { readonly clientOrderId: string; readonly origClientOrderId?: string };

/** Options of {@link FixExecutionGateway}. */
export interface FixExecutionGatewayOptions {
  /**
   * Refuse a request made while the session is not logged on (reported at once as rejected, cancel-rejected or
   * replace-rejected, `FIX session not logged on: not sent`), rather than store it for the session: set it when the
   * session gap-fills application messages on a resend (`resendApplicationMessages: false`), where a stored one
   * would never reach the venue, and a cancel would be lost without a word. Default false.
   */
  readonly refuseWhileDown?: boolean;
}

/**
 * {@link ExecutionGateway} over a FIX 4.2 session actor: canonical commands become NewOrderSingle /
 * OrderCancelRequest / OrderCancelReplaceRequest; ExecutionReport and OrderCancelReject come back as
 * canonical reports. It remembers each order's side, type and quantities, which FIX 4.2 restates on
 * cancels and replaces and omits from OrderCancelReject. PossDup resends reach `reports$` too; the order
 * actors de-duplicate fills by execId.
 *
 * Reconciliation by client order id ({@link query}, {@link reconcile}): an OrderStatusRequest (H) goes out and
 * the venue's status answer (ExecutionReport with ExecTransType=3) is compared with what this gateway has
 * reported for the order. Whatever the venue knows and we had not heard becomes canonical reports, once: an
 * acceptance, the missing filled quantity as one fill at the price the venue's AvgPx implies (exec id
 * `<orderId>:status:<cumQty>`, so a repeated answer is recognised), a cancel, an expiry or a reject, and a
 * restatement when a working order's quantity (CumQty + LeavesQty) is not the one last accepted (unless a
 * replace of it is in flight, whose answer will say). When the
 * answer adds nothing, a {@link query} delivers the order's latest report again (same exec id), as the
 * `OrderVenue` contract asks; a {@link reconcile} stays silent. A venue that has never seen the order answers
 * with a reject (`OrdRejReason` 5), which reaches `reports$` as any reject does. Nothing is ever re-sent.
 * A BusinessMessageReject of one of our requests is that request's refusal; with `refuseWhileDown`, so is a
 * request made while the session is not logged on ({@link FixExecutionGatewayOptions}).
 */
export class FixExecutionGateway implements ExecutionGateway {
  readonly #session: FixSessionActor;
  readonly #instruments: InstrumentMap;
  readonly #clock: Clock;
  readonly #orders = new Map<string, Tracked>();
  /** Replaces sent and not yet answered, by their new client order id. */
  readonly #replacing = new Map<string, ReplaceOrder>();
  /** Cancels sent and not yet answered: the order's client order id by the cancel request's ClOrdID. */
  readonly #canceling = new Map<string, string>();
  /**
   * Cancels and replaces refused already, or dropped unanswered when their order ended (the latest 1,000): a late
   * or repeated refusal (a PossDup resend) is no news.
   */
  readonly #settledRequests = new LastN(1_000);
  readonly #refuseWhileDown: boolean;
  /**
   * The requests sent (written, or stored for a resend while down), by sequence number (the latest
   * {@link SENT_SEQ_KEPT}); forgotten when a logon resets the numbers.
   */
  readonly #sentSeq = new LastNMap<number, { readonly msgType: string; readonly ref: string }>(SENT_SEQ_KEPT);
  /** The highest sequence number in {@link #sentSeq}. */
  #maxSentSeq = 0;
  #loggedOn = false;
  readonly #reports = new Subject<ExecutionReport>();
  /** Client order ids with a {@link query} waiting for its status answer. */
  readonly #queried = new Set<string>();
  readonly #errors = new Subject<TradestateError>();
  readonly reports$ = this.#reports.asObservable();
  readonly errors$ = this.#errors.asObservable();

  constructor(
    session: FixSessionActor,
    instruments: InstrumentMap,
    clock: Clock,
    o: FixExecutionGatewayOptions = {}
  ) {
    this.#session = session;
    this.#instruments = instruments;
    this.#clock = clock;
    this.#refuseWhileDown = o.refuseWhileDown ?? false;
    session.on('fix.loggedOn', (e) => {
      this.#loggedOn = true;
      // a logon that reset the numbers (ours go on below what was recorded): a Reject names the new ones. One that
      // did not keeps them: a request stored while down is resent under its number, and may be rejected by it
      if (this.#maxSentSeq >= e.nextOut) {
        this.#sentSeq.clear();
        this.#maxSentSeq = 0;
      }
    });
    session.on('fix.disconnected', () => {
      this.#loggedOn = false;
    });
    session.on('fix.rejectReceived', (e) => this.#onSessionReject(e.msg));
    session.on('fix.appSent', (e) => this.#onSent(e.seq, e.msgType, e.fields));
    onFixApp(session, this.#errors, (msg) => this.#onApp(msg.msgType, msg));
  }

  /** Whether a request must be refused now: the session is down and would never deliver it. */
  #down(): boolean {
    return this.#refuseWhileDown && !this.#loggedOn;
  }

  submit(cmd: SubmitOrder): void {
    const inst = this.#instruments.byId(cmd.instrumentId);
    this.#orders.set(cmd.clientOrderId, {
      ...reportedOrder(cmd.clientOrderId, cmd.instrumentId, cmd.side, cmd.qty),
      orderType: cmd.orderType,
      tif: cmd.tif,
      qty: cmd.qty,
      limitPx: cmd.limitPx,
      stopPx: cmd.stopPx
    });
    if (this.#down()) {
      this.#notSent(
        this.#orders.get(cmd.clientOrderId)!,
        'rejected',
        { clientOrderId: cmd.clientOrderId },
        cmd
      );
      return;
    }
    this.#send(encodeNewOrderSingle(cmd, inst));
  }

  cancel(cmd: CancelOrder): void {
    const o = this.#order(cmd.clientOrderId);
    if (this.#down()) {
      this.#notSent(o, 'cancel_rejected', { clientOrderId: o.clientOrderId }, cmd);
      return;
    }
    this.#canceling.set(cmd.commandId, cmd.clientOrderId);
    this.#send(encodeOrderCancelRequest(cmd, this.#instruments.byId(cmd.instrumentId), o));
  }

  replace(cmd: ReplaceOrder): void {
    const o = this.#order(cmd.clientOrderId);
    if (this.#down()) {
      const ids = { clientOrderId: cmd.newClientOrderId, origClientOrderId: o.clientOrderId };
      this.#notSent(o, 'replace_rejected', ids, cmd);
      return;
    }
    this.#replacing.set(cmd.newClientOrderId, cmd);
    this.#send(encodeOrderCancelReplaceRequest(cmd, this.#instruments.byId(cmd.instrumentId), o));
  }

  /**
   * Ask the venue for order `clientOrderId`'s status (OrderStatusRequest); see the class doc for what the answer
   * delivers. An order this gateway never sent goes to `errors$` (`TRD_ERR_UNKNOWN_ORDER`).
   */
  query(clientOrderId: string): void {
    const o = this.#orders.get(clientOrderId);
    if (!o) {
      this.#errors.next(
        new TradestateError(
          ErrorCode.UNKNOWN_ORDER,
          `query: no order ${clientOrderId} sent through this gateway`,
          {
            clientOrderId
          }
        )
      );
      return;
    }
    this.#queried.add(clientOrderId);
    this.#status(o);
  }

  /** Ask the venue for the status of every order not final; answers that add nothing stay silent. */
  async reconcile(): Promise<void> {
    for (const o of this.#orders.values()) if (!isFinal(o)) this.#status(o);
  }

  /** Cancels and replaces sent and not answered (diagnostics). */
  get pendingRequestCount(): number {
    return this.#canceling.size + this.#replacing.size;
  }

  /** Orders sent through here and not final (diagnostics). */
  get workingOrderCount(): number {
    let n = 0;
    for (const o of this.#orders.values()) if (!isFinal(o)) n++;
    return n;
  }

  #status(o: Tracked): void {
    const inst = this.#instruments.byId(o.instrumentId);
    this.#send(
      encodeOrderStatusRequest(
        {
          clientOrderId: o.clientOrderId,
          instrumentId: o.instrumentId,
          side: o.side,
          ...(o.venueOrderId !== undefined ? { venueOrderId: o.venueOrderId } : {})
        },
        inst
      )
    );
  }

  /** A status answer: report what the venue knows and we had not heard (see the class doc). */
  #onStatus(s: OrderStatusReport): void {
    const o = this.#orders.get(s.clientOrderId);
    const queried = this.#queried.delete(s.clientOrderId);
    if (!o) return;
    const now = this.#clock.now();
    const base = {
      type: 'exec.report' as const,
      venue: this.#instruments.venue,
      instrumentId: o.instrumentId,
      clientOrderId: o.clientOrderId,
      ...(s.venueOrderId !== undefined ? { venueOrderId: s.venueOrderId } : {}),
      side: o.side,
      tsEvent: s.tsEvent,
      tsInit: now
    };
    const id = s.venueOrderId ?? o.clientOrderId;
    const out: ExecutionReport[] = [];
    const add = (
      execType: ExecutionReport['execType'],
      tag: string,
      cumQty: number,
      leavesQty: number,
      fill?: { lastQty: number; lastPx: number }
    ): void =>
      void out.push({
        ...base,
        execType,
        execId: `${id}:status:${tag}`,
        ...NO_EXECUTION,
        ...fill,
        cumQty,
        leavesQty
      });
    const final = isFinal(o);
    if (o.status === 'pending' && s.status !== 'rejected') add('accepted', 'new', o.cumQty, o.leavesQty);
    // a restatement first, from what we have heard filled, so that a missed fill after it fits the new size
    const total = reportedQty(s);
    const live = s.status === 'new' || s.status === 'partially_filled' || s.status === 'filled';
    if (!final && live && total !== o.qty && total > o.cumQty && !this.#replacingOf(o.clientOrderId)) {
      add('restated', `restated:${total}`, o.cumQty, total - o.cumQty);
    }
    if (s.cumQty > o.cumQty) {
      const lastQty = s.cumQty - o.cumQty;
      const lastPx = Math.round((s.avgPx * s.cumQty - o.notional) / lastQty);
      add('fill', String(s.cumQty), s.cumQty, s.status === 'filled' ? 0 : s.leavesQty, { lastQty, lastPx });
    }
    if (!final && (s.status === 'canceled' || s.status === 'expired' || s.status === 'rejected')) {
      add(s.status, s.status, s.cumQty, 0);
    }
    for (const r of out) {
      applyReport(this.#orders, r);
      this.#applied(o, r);
      this.#reports.next(r);
    }
    // nothing new: a query still gets the latest report again (same exec id), a reconcile nothing
    if (out.length === 0 && queried && o.last !== undefined) this.#reports.next({ ...o.last, tsInit: now });
  }

  /**
   * A BusinessMessageReject (j) of one of our requests, named by BusinessRejectRefID (its ClOrdID): a refused
   * NewOrderSingle is the order's `rejected` (if the venue had not accepted it), a refused cancel its
   * `cancel_rejected`, a refused cancel-replace its `replace_rejected`; the order does not wait for a status query.
   * One naming nothing of ours goes to `errors$` (`TRD_ERR_VENUE_REJECTED`).
   */
  #onBusinessReject(msg: FixMessage, now: Nanos): void {
    const refType = msg.get(Tag.RefMsgType);
    const ref = msg.get(Tag.BusinessRejectRefID);
    const why = `business reject ${msg.get(Tag.BusinessRejectReason) ?? '?'}: ${msg.get(Tag.Text) ?? 'no text'}`;
    this.#onRequestRefused(refType, ref, why, now);
  }

  /**
   * A session-level Reject (3) of one of our requests, found by RefSeqNum among the requests sent while logged on:
   * that request's refusal, as for a BusinessMessageReject. One of anything else is the session's business.
   */
  #onSessionReject(msg: FixMessage): void {
    const sent = this.#sentSeq.get(msg.getInt(Tag.RefSeqNum) ?? -1);
    if (sent === undefined) return;
    const why = `session reject ${msg.get(Tag.SessionRejectReason) ?? '?'}: ${msg.get(Tag.Text) ?? 'no text'}`;
    this.#onRequestRefused(sent.msgType, sent.ref, why, this.#clock.now());
  }

  /** Request `ref` (its ClOrdID) of type `refType` was refused by the venue for `why`. */
  #onRequestRefused(refType: string | undefined, ref: string | undefined, why: string, now: Nanos): void {
    const report = (o: Tracked, execType: Refusal, ids: RefusedIds): void =>
      this.#refuse(o, execType, ids, `${ref}:reject:${refType}`, why, now);
    const submitted = ref === undefined ? undefined : this.#orders.get(ref);
    const canceled = ref === undefined ? undefined : this.#canceling.get(ref);
    const replace = ref === undefined ? undefined : this.#replacing.get(ref);
    if (refType === MsgType.NewOrderSingle && submitted !== undefined) {
      if (submitted.status === 'pending')
        report(submitted, 'rejected', { clientOrderId: submitted.clientOrderId });
      return;
    }
    if (refType === MsgType.OrderCancelRequest && canceled !== undefined && this.#orders.has(canceled)) {
      this.#canceling.delete(ref!);
      this.#settledRequests.add(ref!);
      report(this.#orders.get(canceled)!, 'cancel_rejected', { clientOrderId: canceled });
      return;
    }
    if (
      refType === MsgType.OrderCancelReplaceRequest &&
      replace !== undefined &&
      this.#orders.has(replace.clientOrderId)
    ) {
      this.#replacing.delete(ref!);
      this.#settledRequests.add(ref!);
      report(this.#orders.get(replace.clientOrderId)!, 'replace_rejected', {
        clientOrderId: ref!,
        origClientOrderId: replace.clientOrderId
      });
      return;
    }
    // a refusal of a cancel or replace refused already, or of an order that has ended since: nothing waits for it
    if (ref !== undefined && this.#settledRequests.has(ref)) return;
    this.#errors.next(
      new TradestateError(ErrorCode.VENUE_REJECTED, `${why} (RefMsgType ${refType}, ref ${ref ?? 'none'})`, {
        refMsgType: refType ?? null,
        ref: ref ?? null
      })
    );
  }

  /** Request `cmd` of order `o`, made while the session is down ({@link FixExecutionGatewayOptions}): refused, unsent. */
  #notSent(o: Tracked, execType: Refusal, ids: RefusedIds, cmd: { readonly commandId: string }): void {
    this.#refuse(o, execType, ids, `${cmd.commandId}:not-sent`, NOT_SENT, this.#clock.now());
  }

  /** Report request `ids` of order `o` refused (`rejected` for a new order: it has nothing working then). */
  #refuse(o: Tracked, execType: Refusal, ids: RefusedIds, execId: string, reason: string, now: Nanos): void {
    const r: ExecutionReport = {
      type: 'exec.report',
      execType,
      venue: this.#instruments.venue,
      instrumentId: o.instrumentId,
      ...ids,
      ...(o.venueOrderId !== undefined ? { venueOrderId: o.venueOrderId } : {}),
      execId,
      side: o.side,
      ...NO_EXECUTION,
      cumQty: o.cumQty,
      leavesQty: execType === 'rejected' ? 0 : o.leavesQty,
      reason: clipReason(reason), // it holds the venue's Text, of any length
      tsEvent: now,
      tsInit: now
    };
    applyReport(this.#orders, r);
    this.#reports.next(r);
  }

  /**
   * A cancel confirmation names the cancel request in ClOrdID and the order in OrigClOrdID (FIX 4.2): the report
   * is the order's. One whose ClOrdID is an order of ours (an unsolicited cancel) stays as it is.
   */
  #cancelOf(r: ExecutionReport): ExecutionReport {
    const orig = r.origClientOrderId;
    if (r.execType !== 'canceled' || orig === undefined) return r;
    if (this.#orders.has(r.clientOrderId) || !this.#orders.has(orig)) return r;
    this.#canceling.delete(r.clientOrderId);
    const { origClientOrderId: _, ...rest } = r;
    return { ...rest, clientOrderId: orig };
  }

  /** Report `r` of order `o` was applied: its terms follow a replace or restatement, and an end settles its requests. */
  #applied(o: Tracked, r: ExecutionReport): void {
    this.#updateTerms(o, r);
    if (isFinal(o)) this.#settle(o);
  }

  /** An order that is final has no cancel or replace waiting for an answer any more (what settled it may not say). */
  #settle(o: Tracked): void {
    for (const [k, id] of this.#canceling)
      if (id === o.clientOrderId) {
        this.#canceling.delete(k);
        this.#settledRequests.add(k);
      }
    for (const [k, c] of this.#replacing)
      if (c.clientOrderId === o.clientOrderId) {
        this.#replacing.delete(k);
        this.#settledRequests.add(k);
      }
  }

  /** Whether a replace of order `clientOrderId` is waiting for its answer. */
  #replacingOf(clientOrderId: string): boolean {
    for (const c of this.#replacing.values()) if (c.clientOrderId === clientOrderId) return true;
    return false;
  }

  #order(id: string): Tracked {
    const o = this.#orders.get(id);
    if (!o)
      throw new TradestateError(ErrorCode.UNKNOWN_ORDER, `no order ${id} sent through this gateway`, { id });
    return o;
  }

  #send(m: FixAppMessage): void {
    this.#session.send({ type: 'session.send', msgType: m.msgType, fields: m.fields });
  }

  /** A request took MsgSeqNum `seq` (when the session handled it, even queued behind another step): kept for a Reject. */
  #onSent(seq: number, msgType: string, fields: readonly FixField[]): void {
    if (!REQUESTS.has(msgType)) return;
    const ref = fields.find(([t]) => t === Tag.ClOrdID)?.[1];
    if (ref === undefined) return;
    this.#sentSeq.set(seq, { msgType, ref: String(ref) });
    if (seq > this.#maxSentSeq) this.#maxSentSeq = seq;
  }

  #onApp(msgType: string, msg: Parameters<typeof decodeExecutionReport>[0]): void {
    const now = this.#clock.now();
    if (msgType === MsgType.ExecutionReport) {
      const status = decodeOrderStatus(msg, this.#instruments);
      if (status) {
        this.#onStatus(status);
        return;
      }
      const d = decodeExecutionReport(msg, this.#instruments, now);
      if (!d) return;
      const r = this.#cancelOf(d);
      const o = applyReport(this.#orders, r);
      if (o !== undefined) this.#applied(o, r);
      this.#reports.next(r);
    } else if (msgType === MsgType.BusinessMessageReject) {
      this.#onBusinessReject(msg, now);
    } else if (msgType === MsgType.OrderCancelReject) {
      const r = decodeOrderCancelReject(
        msg,
        this.#instruments.venue,
        (id) => {
          const o = this.#orders.get(id);
          return (
            o && { instrumentId: o.instrumentId, side: o.side, cumQty: o.cumQty, leavesQty: o.leavesQty }
          );
        },
        now
      );
      if (r.execType === 'replace_rejected') this.#replacing.delete(r.clientOrderId);
      else this.#canceling.delete(r.execId); // a cancel reject's execId is the cancel request's ClOrdID
      this.#reports.next(r);
    }
  }

  /**
   * A replace or a restatement changed the order's terms: a later replace restates them all (FIX 4.2), so it
   * must not send the quantity or prices the order had before.
   */
  #updateTerms(o: Tracked, r: ExecutionReport): void {
    if (r.execType !== 'replaced' && r.execType !== 'restated') return;
    o.qty = reportedQty(r);
    const c = r.execType === 'replaced' ? this.#replacing.get(r.clientOrderId) : undefined;
    if (c === undefined) return;
    this.#replacing.delete(r.clientOrderId);
    if (c.limitPx !== undefined) o.limitPx = c.limitPx;
    if (c.stopPx !== undefined) o.stopPx = c.stopPx;
  }
}
