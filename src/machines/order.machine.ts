import { assign, emit, enqueueActions, setup } from 'xstate';
import { ErrorCode } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../messages/commands.ts';
import { type ExecutionReport, reportedQty } from '../messages/execution-report.ts';
import {
  ORDER_FINAL_STATES,
  type OrderEvent,
  type OrderEventType,
  type OrderRefused,
  type OrderStatus
} from '../messages/order-events.ts';
import type { Why } from '../messages/primitives.ts';
import type { ActorKind, RiskDecision } from './order.types.ts';

export type { ActorKind, RiskDecision } from './order.types.ts';

/**
 * The order lifecycle.
 *
 * Happy path: NEW → PENDING_NEW → ACKNOWLEDGED → PARTIAL_FILL → FILLED.
 * Also: PENDING_NEW → REJECTED; ACKNOWLEDGED/PARTIAL_FILL → PENDING_CANCEL → CANCELED;
 * fill before ack (PENDING_NEW → PARTIAL_FILL/FILLED); unsolicited cancel (ACKNOWLEDGED → CANCELED);
 * fills while PENDING_CANCEL/PENDING_REPLACE; a cancel during PENDING_REPLACE held until the replace is
 * answered; late fills after CANCELED/EXPIRED (applied and flagged `late`, until `lateFillGrace` has passed
 * and the order is CLOSED); cancel/replace reject restoring the prior state (derived from what the order has
 * seen, the reject included: filled → PARTIAL_FILL, acked → ACKNOWLEDGED, else PENDING_NEW); expiry; a venue's
 * restatement of a working order's size (FIX ExecType D; e.g. a one-updates-other group reducing it) to
 * cumQty + leavesQty, in the state it is in.
 *
 * Final states: FILLED, REJECTED, CLOSED. Every accepted event emits exactly one past-tense
 * {@link OrderEvent}; every other event emits an {@link OrderRefused} with a `TRD_ERR_*` code — nothing is
 * silently dropped. One exception: a report the order has already taken (its exec id seen, see
 * {@link seenExecId}) other than a fill is a repeat with no new facts — a status query is answered with the order's
 * latest report, which may cross the venue's own answer — and is taken as nothing: no transition, no audit record,
 * no refusal, and it does not count as hearing from the venue (the runtime logs every report it delivers). A
 * repeated fill is refused (`TRD_ERR_DUPLICATE_FILL`), as before. An ack with a new exec id of an order already
 * acknowledged (it learnt of the ack first from a fill or a cancel reject naming the venue's order id, or the venue
 * acks on two channels) is recorded (`order.accepted`, the state unchanged), not refused. I/O (sending to the venue)
 * is the named action `sendToVenue`, a no-op here and provided by the gateway wiring with `orderMachine.provide()`.
 */

export interface OrderContext {
  /** The command the order was created with. */
  readonly submitted: SubmitOrder;
  /** The id the order was created with; its actor's id and systemId are `order:<rootClientOrderId>`. */
  readonly rootClientOrderId: string;
  /** The current client order id (changes on each successful cancel-replace). */
  readonly clientOrderId: string;
  /** Earlier client ids of this order, oldest first (cancel-replace chain). */
  readonly chain: readonly string[];
  readonly strategyId: string;
  readonly instrumentId: string;
  readonly side: SubmitOrder['side'];
  readonly orderType: SubmitOrder['orderType'];
  readonly tif: SubmitOrder['tif'];
  readonly qty: number;
  readonly limitPx: number | undefined;
  readonly stopPx: number | undefined;
  readonly venueOrderId: string | undefined;
  readonly acked: boolean;
  readonly filledQty: number;
  /** Σ lastPx × lastQty (ticks × lots), exact. */
  readonly notionalTicks: number;
  readonly commission: bigint;
  /** Exec ids of every fill applied (never forgotten: a forgotten one would be counted again). */
  readonly execIds: readonly string[];
  /** Exec ids of the latest {@link MAX_REPORT_IDS} other reports the order took (see {@link seenExecId}). */
  readonly reportIds: readonly string[];
  readonly status: OrderStatus;
  /** The replace sent and not yet answered (while PENDING_CANCEL: a cancel is held until it is). */
  readonly pendingReplace: ReplaceOrder | undefined;
  readonly tsLast: Nanos;
  readonly reason: string | undefined;
  /** Status queries sent since the order last heard from the venue. */
  readonly statusQueries: number;
}

export type OrderMachineEvent =
  | { readonly type: 'order.submit'; readonly command: SubmitOrder; readonly risk: RiskDecision }
  | { readonly type: 'order.cancel'; readonly command: CancelOrder }
  | {
      readonly type: 'order.replace';
      readonly command: ReplaceOrder;
      /**
       * Pre-trade risk's verdict on the order the replace would make. Denied: the order stays as it is and emits
       * `order.replace_denied` (actor `system`, why `risk`); nothing goes to the venue. Absent: not checked.
       */
      readonly risk?: RiskDecision;
    }
  | { readonly type: 'venue.accepted'; readonly report: ExecutionReport }
  | { readonly type: 'venue.rejected'; readonly report: ExecutionReport }
  | { readonly type: 'venue.filled'; readonly report: ExecutionReport }
  | { readonly type: 'venue.canceled'; readonly report: ExecutionReport }
  | { readonly type: 'venue.cancel_rejected'; readonly report: ExecutionReport }
  | { readonly type: 'venue.replaced'; readonly report: ExecutionReport }
  | { readonly type: 'venue.replace_rejected'; readonly report: ExecutionReport }
  | { readonly type: 'venue.expired'; readonly report: ExecutionReport }
  | { readonly type: 'venue.restated'; readonly report: ExecutionReport };

export type OrderEmitted = OrderEvent | OrderRefused;

/** What `sendToVenue` is asked to send. */
export type VenueRequest =
  | { readonly kind: 'submit'; readonly command: SubmitOrder }
  | { readonly kind: 'cancel'; readonly command: CancelOrder }
  | { readonly kind: 'replace'; readonly command: ReplaceOrder }
  | { readonly kind: 'query' };

type ReportEvent = Extract<OrderMachineEvent, { report: ExecutionReport }>;
type Ev = OrderMachineEvent;
type Ctx = OrderContext;

const hasReport = (e: Ev): e is ReportEvent => 'report' in e;

function eventTime(e: Ev, ctx: Ctx): Nanos {
  if (hasReport(e)) return e.report.tsEvent;
  if ('command' in e) return e.command.tsInit;
  return ctx.tsLast;
}

function fillOf(e: Ev): ExecutionReport | undefined {
  return e.type === 'venue.filled' ? e.report : undefined;
}

/** The risk verdict that denied a submit or a replace, if one did. */
function deniedBy(e: Ev): Extract<RiskDecision, { ok: false }> | undefined {
  return (e.type === 'order.submit' || e.type === 'order.replace') && e.risk?.ok === false
    ? e.risk
    : undefined;
}

/** Who acted and why, for the audit trail. */
function whoAndWhy(e: Ev, type: OrderEventType): { actor: ActorKind; why: Why } {
  if (e.type === 'order.submit' || (e.type === 'order.replace' && e.risk !== undefined)) {
    return e.risk?.ok !== false ? { actor: 'strategy', why: 'signal' } : { actor: 'system', why: 'risk' };
  }
  if (e.type === 'order.cancel' || e.type === 'order.replace') {
    return { actor: e.command.actor ?? 'strategy', why: e.command.why ?? 'signal' };
  }
  if (hasReport(e)) return { actor: 'venue', why: 'venue' };
  if (type === 'order.status_queried') return { actor: 'system', why: 'reconciliation' };
  return { actor: 'system', why: 'system' };
}

/** Build the audit record for a transition into `to` caused by `e`. */
function auditRecord(
  ctx: Ctx,
  from: OrderStatus,
  e: Ev,
  type: OrderEventType,
  to: OrderStatus,
  late: boolean
): OrderEvent {
  const fill = fillOf(e);
  const { actor, why } = whoAndWhy(e, type);
  const denied = deniedBy(e);
  const reason =
    denied !== undefined
      ? `${denied.validator}: ${denied.reason}`
      : 'command' in e && 'reason' in e.command
        ? e.command.reason
        : hasReport(e)
          ? e.report.reason
          : type === 'order.status_queried'
            ? `no answer after ${ctx.statusQueries} status ${ctx.statusQueries === 1 ? 'query' : 'queries'}`
            : undefined;
  return {
    type,
    clientOrderId: ctx.clientOrderId,
    strategyId: ctx.strategyId,
    instrumentId: ctx.instrumentId,
    ...(ctx.venueOrderId !== undefined ? { venueOrderId: ctx.venueOrderId } : {}),
    ...(type === 'order.replaced' && ctx.chain.length > 0 ? { origClientOrderId: ctx.chain.at(-1) } : {}),
    side: ctx.side,
    orderType: ctx.orderType,
    qty: ctx.qty,
    ...(ctx.limitPx !== undefined ? { limitPx: ctx.limitPx } : {}),
    filledQty: ctx.filledQty,
    leavesQty:
      to === 'FILLED' || to === 'CANCELED' || to === 'EXPIRED' || to === 'REJECTED' || to === 'CLOSED'
        ? 0
        : ctx.qty - ctx.filledQty,
    notionalTicks: ctx.notionalTicks,
    commission: ctx.commission,
    from,
    to,
    cause: e.type,
    actor,
    why,
    ...(reason !== undefined ? { reason } : {}),
    ...(hasReport(e) ? { venueAnswer: e.report.execType } : {}),
    ...(fill
      ? { lastQty: fill.lastQty, lastPx: fill.lastPx, lastCommission: fill.commission, execId: fill.execId }
      : {}),
    ...(late ? { late } : {}),
    tsEvent: eventTime(e, ctx),
    ...(hasReport(e) ? { tsInit: e.report.tsInit } : {})
  };
}

interface AuditParams {
  readonly type: OrderEventType;
  readonly to: OrderStatus;
  readonly late?: boolean;
  /** Count a status query (in-flight timeout). */
  readonly countQuery?: boolean;
}

/** A transition: go to `target`, update context, send what must be sent, emit one audit event. */
function go(
  target: OrderStatus,
  audit: OrderEventType,
  opts: { guard?: GuardName; late?: boolean; venue?: VenueRequest['kind'] } = {}
) {
  return {
    target: `#order.${target}`,
    reenter: true,
    ...(opts.guard ? { guard: opts.guard } : {}),
    actions: [
      { type: 'record' as const, params: { type: audit, to: target, late: opts.late ?? false } },
      ...(opts.venue ? [{ type: 'sendToVenue' as const, params: { kind: opts.venue } }] : [])
    ]
  };
}

/** A fill from a working state: refuse duplicates/overfills, complete → FILLED, else stay in (or go to) `partial`. */
function onFill(partial: OrderStatus, late = false) {
  return [
    {
      guard: 'isDuplicateFill' as const,
      actions: { type: 'refuse' as const, params: { code: ErrorCode.DUPLICATE_FILL } }
    },
    {
      guard: 'isOverfill' as const,
      actions: { type: 'refuse' as const, params: { code: ErrorCode.OVERFILL } }
    },
    go('FILLED', 'order.filled', { guard: 'completesOrder', late }),
    go(partial, 'order.filled', { late })
  ];
}

/** Queries of an unanswered pending request before the order stops asking (and stays in flight for reconciliation). */
export const MAX_STATUS_QUERIES = 5;

/**
 * Exec ids of reports other than fills an order remembers (the latest). A repeat that matters is a status query's
 * answer, which is the order's latest report, so a few suffice; fills' ids are all kept (see `execIds`).
 */
export const MAX_REPORT_IDS = 32;

/** True when the order has already taken a report with this exec id (a fill or any other report). */
export function seenExecId(ctx: Pick<OrderContext, 'execIds' | 'reportIds'>, execId: string): boolean {
  return ctx.reportIds.includes(execId) || ctx.execIds.includes(execId);
}

/**
 * True when `report` repeats one the order has already taken, and is not a fill: a repeat with no new facts,
 * taken as nothing (a repeated fill is refused as a duplicate instead; see {@link onFill}).
 */
export function isRepeatReport(
  ctx: Pick<OrderContext, 'execIds' | 'reportIds'>,
  report: Pick<ExecutionReport, 'execType' | 'execId'>
): boolean {
  return report.execType !== 'fill' && seenExecId(ctx, report.execId);
}

/** A repeated report (see {@link isRepeatReport}): taken first, and as nothing (no target, no action). */
const REPEAT = { guard: 'isRepeatReport' as const };
/** An event the order's state does not take: refused, typed and emitted. */
const REFUSE = { actions: { type: 'refuse' as const, params: { code: ErrorCode.INVALID_TRANSITION } } };

/**
 * A state's transitions with a repeated report taken first, as nothing, for each report event but fills (the root's
 * `*` takes it for the events the state does not handle; a state's own transitions come before the root's).
 */
function takingRepeats<T extends object>(on: T): T {
  return Object.fromEntries(
    Object.entries(on).map(([type, t]) => [
      type,
      type.startsWith('venue.') && type !== 'venue.filled' ? [REPEAT, ...[t].flat()] : t
    ])
  ) as T;
}

/**
 * An unanswered request: ask the venue for the order's status (re-arming the timer) up to
 * {@link MAX_STATUS_QUERIES} times. The timeout itself decides nothing: the venue's answer does.
 */
function inFlight(state: OrderStatus) {
  return [
    {
      guard: 'canQueryAgain' as const,
      target: `#order.${state}`,
      reenter: true,
      actions: [
        {
          type: 'record' as const,
          params: { type: 'order.status_queried' as const, to: state, countQuery: true }
        },
        { type: 'sendToVenue' as const, params: { kind: 'query' as const } }
      ]
    },
    { actions: { type: 'record' as const, params: { type: 'order.status_queried' as const, to: state } } }
  ];
}

/** Return to where the order was before a pending cancel/replace, from what it has seen. */
function restore(audit: OrderEventType) {
  return [
    go('FILLED', audit, { guard: 'isFullyFilled' }),
    go('PARTIAL_FILL', audit, { guard: 'hasFills' }),
    go('ACKNOWLEDGED', audit, { guard: 'isAcked' }),
    go('PENDING_NEW', audit)
  ];
}

type GuardName =
  | 'riskApproved'
  | 'canQueryAgain'
  | 'isDuplicateFill'
  | 'isRepeatReport'
  | 'isOverfill'
  | 'completesOrder'
  | 'hasFills'
  | 'isAcked'
  | 'isFullyFilled'
  | 'replaceStillValid'
  | 'replaceDenied'
  | 'replacePending'
  | 'restatesWorking';

/**
 * Whether the order is acknowledged once `e` is applied: it was, or `e` shows the venue has it (an ack, a fill, a
 * replace, a restatement, or a cancel reject naming the venue's order id — one without it, where the venue does not
 * know the order or the gateway refused the cancel itself, shows nothing). Used by {@link applyEvent} and by the
 * `isAcked` guard, so a reject that restores the order is judged on what it shows too.
 */
function ackedAfter(ctx: Ctx, e: Ev): boolean {
  return (
    ctx.acked ||
    e.type === 'venue.accepted' ||
    e.type === 'venue.filled' ||
    e.type === 'venue.replaced' ||
    e.type === 'venue.restated' ||
    (e.type === 'venue.cancel_rejected' && e.report.venueOrderId !== undefined)
  );
}

/** The latest {@link MAX_REPORT_IDS} exec ids of reports other than fills, with `execId`. */
function remember(ids: readonly string[], execId: string): readonly string[] {
  const next = [...ids, execId];
  return next.length > MAX_REPORT_IDS ? next.slice(next.length - MAX_REPORT_IDS) : next;
}

/** Apply an event's facts to the context (fills, acks, replace results). Pure. */
function applyEvent(ctx: Ctx, e: Ev): Partial<Ctx> {
  switch (e.type) {
    case 'order.submit':
      return { tsLast: e.command.tsInit, reason: e.risk.ok ? e.command.reason : e.risk.reason };
    case 'order.cancel':
      return { tsLast: e.command.tsInit };
    case 'order.replace':
      return e.risk?.ok === false
        ? { tsLast: e.command.tsInit, reason: e.risk.reason }
        : { tsLast: e.command.tsInit, pendingReplace: e.command };
  }
  // timer events (xstate.after.*) carry no facts
  if (!hasReport(e)) return {};
  const r = e.report;
  // every report taken is the venue's answer (status queries start again), and is remembered by its exec id
  const heard = {
    statusQueries: 0,
    acked: ackedAfter(ctx, e),
    tsLast: r.tsEvent,
    ...(e.type === 'venue.filled'
      ? { execIds: [...ctx.execIds, r.execId] }
      : { reportIds: remember(ctx.reportIds, r.execId) })
  };
  switch (e.type) {
    case 'venue.filled':
      return {
        ...heard,
        venueOrderId: ctx.venueOrderId ?? r.venueOrderId,
        filledQty: ctx.filledQty + r.lastQty,
        notionalTicks: ctx.notionalTicks + r.lastPx * r.lastQty,
        commission: ctx.commission + r.commission
      };
    case 'venue.replaced': {
      const p = ctx.pendingReplace;
      return {
        ...heard,
        venueOrderId: r.venueOrderId ?? ctx.venueOrderId,
        pendingReplace: undefined,
        ...(p
          ? {
              chain: [...ctx.chain, ctx.clientOrderId],
              clientOrderId: p.newClientOrderId,
              // the venue's size: a replace that crossed a restatement may have undone it (FIX OrderQty is absolute)
              qty: r.leavesQty > 0 ? reportedQty(r) : (p.qty ?? ctx.qty),
              limitPx: p.limitPx ?? ctx.limitPx,
              stopPx: p.stopPx ?? ctx.stopPx
            }
          : {})
      };
    }
    case 'venue.replace_rejected':
      return { ...heard, pendingReplace: undefined, reason: r.reason };
    case 'venue.restated':
      return { ...heard, qty: reportedQty(r), reason: r.reason ?? ctx.reason };
    default:
      return {
        ...heard,
        venueOrderId: ctx.venueOrderId ?? r.venueOrderId,
        reason: r.reason ?? ctx.reason
      };
  }
}

/**
 * The venue's refusal of a cancel or replace that crossed its own end of the order (an OCO cancel, an expiry):
 * recorded, flagged `late`, and nothing changes.
 */
function lateAnswers(state: 'CANCELED' | 'EXPIRED') {
  return {
    'venue.replace_rejected': {
      actions: {
        type: 'record' as const,
        params: { type: 'order.replace_rejected' as const, to: state, late: true }
      }
    },
    'venue.cancel_rejected': {
      actions: {
        type: 'record' as const,
        params: { type: 'order.cancel_rejected' as const, to: state, late: true }
      }
    }
  };
}

/**
 * A venue restating the size of an order that stays in `state`: its quantity becomes the venue's, the report's
 * cumQty + leavesQty (so fills the venue counted and we have not yet seen still fit). A restatement that leaves
 * nothing, or less than we saw filled, is refused (by the root `*`, as any event no transition takes): a venue
 * ends an order with a cancel.
 */
function restate(state: OrderStatus) {
  return go(state, 'order.restated', { guard: 'restatesWorking' });
}

/**
 * The venue's ack of an order already acknowledged, in `state`: the order heard of the ack first another way (a
 * fill, or a cancel reject naming the venue's order id), or the venue acks on two channels with their own exec ids
 * (Alpaca's REST answer and its stream's `new`). It brings no new facts, and is not refused (a refusal counts as an
 * error for the kill switch): it is recorded, `order.accepted` from `state` to `state` — as PENDING_CANCEL records
 * the ack of an order whose cancel is in flight — with no transition (no state re-entered, no timer restarted).
 * The same for an ack after the order is CANCELED or EXPIRED: the venue's end and its ack crossed on different
 * channels (Alpaca's REST answer to a cancel and its stream's `new`; an IOC's `new` after its `canceled`); the
 * late-fill grace timer is not restarted.
 */
function ackAgain(state: 'ACKNOWLEDGED' | 'PARTIAL_FILL' | 'PENDING_REPLACE' | 'CANCELED' | 'EXPIRED') {
  return { actions: { type: 'record' as const, params: { type: 'order.accepted' as const, to: state } } };
}

/**
 * A working order (acknowledged, or partially filled, as `state`): fills, venue cancels, expiry and restatements,
 * and the trader's cancel/replace. A replace that risk denied leaves the order where it is, with an
 * `order.replace_denied` record.
 */
function working(state: 'ACKNOWLEDGED' | 'PARTIAL_FILL') {
  return {
    'venue.accepted': ackAgain(state),
    'venue.filled': onFill('PARTIAL_FILL'),
    'venue.restated': restate(state),
    'venue.canceled': go('CANCELED', 'order.canceled'),
    'venue.expired': go('EXPIRED', 'order.expired'),
    'order.cancel': go('PENDING_CANCEL', 'order.pending_cancel', { venue: 'cancel' }),
    'order.replace': [
      {
        guard: 'replaceDenied' as const,
        actions: { type: 'record' as const, params: { type: 'order.replace_denied' as const, to: state } }
      },
      go('PENDING_REPLACE', 'order.pending_replace', { guard: 'replaceStillValid', venue: 'replace' })
    ]
  };
}

export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderMachineEvent,
    input: {} as SubmitOrder,
    emitted: {} as OrderEmitted
  },
  delays: {
    /** How long a canceled/expired order still accepts late fills before it closes. */
    lateFillGrace: 5_000,
    /** How long a pending request may go unanswered before the order asks the venue for its status. */
    inFlightTimeout: 2_000
  },
  guards: {
    riskApproved: ({ event }) => event.type === 'order.submit' && event.risk.ok,
    isDuplicateFill: ({ context, event }) =>
      event.type === 'venue.filled' && seenExecId(context, event.report.execId),
    isRepeatReport: ({ context, event }) => hasReport(event) && isRepeatReport(context, event.report),
    isOverfill: ({ context, event }) =>
      event.type === 'venue.filled' && context.filledQty + event.report.lastQty > context.qty,
    completesOrder: ({ context, event }) =>
      event.type === 'venue.filled' && context.filledQty + event.report.lastQty === context.qty,
    hasFills: ({ context }) => context.filledQty > 0,
    // on what the order knows with the event that restores it (a cancel reject naming the venue's id shows an ack)
    isAcked: ({ context, event }) => ackedAfter(context, event),
    isFullyFilled: ({ context, event }) =>
      event.type === 'venue.replaced' &&
      context.pendingReplace?.qty !== undefined &&
      context.filledQty >= context.pendingReplace.qty,
    canQueryAgain: ({ context }) => context.statusQueries < MAX_STATUS_QUERIES,
    replaceDenied: ({ event }) => event.type === 'order.replace' && event.risk?.ok === false,
    replacePending: ({ context }) => context.pendingReplace !== undefined,
    restatesWorking: ({ context, event }) =>
      event.type === 'venue.restated' &&
      event.report.leavesQty > 0 &&
      reportedQty(event.report) > context.filledQty,
    replaceStillValid: ({ context, event }) =>
      event.type === 'order.replace' &&
      (event.command.qty === undefined || event.command.qty > context.filledQty)
  },
  actions: {
    /** Apply the event's facts and the new status in one assign, and emit the audit record of the result. */
    record: enqueueActions(({ context, event, enqueue }, params: AuditParams) => {
      const update: Partial<Ctx> = {
        ...applyEvent(context, event),
        status: params.to,
        ...(params.countQuery ? { statusQueries: context.statusQueries + 1 } : {})
      };
      enqueue(assign(update));
      enqueue(
        emit(
          auditRecord(
            { ...context, ...update },
            context.status,
            event,
            params.type,
            params.to,
            params.late ?? false
          )
        )
      );
    }),
    refuse: emit(({ context, event }, params: { code: string }) => ({
      type: 'order.refused' as const,
      clientOrderId: context.clientOrderId,
      status: context.status,
      event: event.type,
      code: params.code,
      message:
        params.code === ErrorCode.INVALID_TRANSITION
          ? `${event.type} is not valid in ${context.status}`
          : params.code === ErrorCode.DUPLICATE_FILL
            ? `duplicate fill ${fillOf(event)?.execId ?? ''}`
            : `fill of ${fillOf(event)?.lastQty ?? 0} would exceed quantity ${context.qty} (filled ${context.filledQty})`,
      tsEvent: eventTime(event, context)
    })),
    /** I/O hook: provided by the gateway wiring. */
    sendToVenue: (_args, _params: { kind: VenueRequest['kind'] }) => {}
  }
}).createMachine({
  id: 'order',
  context: ({ input }) => ({
    submitted: input,
    rootClientOrderId: input.clientOrderId,
    clientOrderId: input.clientOrderId,
    chain: [],
    strategyId: input.strategyId,
    instrumentId: input.instrumentId,
    side: input.side,
    orderType: input.orderType,
    tif: input.tif,
    qty: input.qty,
    limitPx: input.limitPx,
    stopPx: input.stopPx,
    venueOrderId: undefined,
    acked: false,
    filledQty: 0,
    notionalTicks: 0,
    commission: 0n,
    execIds: [],
    reportIds: [],
    status: 'NEW',
    pendingReplace: undefined,
    tsLast: input.tsInit,
    reason: undefined,
    statusQueries: 0
  }),
  initial: 'NEW',
  // Any event a state does not take is refused, typed and emitted — never silently dropped — but a repeated report
  // (see isRepeatReport), which is taken as nothing: here, and first in every state for the reports it takes
  on: { '*': [REPEAT, REFUSE] },
  states: {
    NEW: {
      on: {
        'order.submit': [
          go('PENDING_NEW', 'order.submitted', { guard: 'riskApproved', venue: 'submit' }),
          go('REJECTED', 'order.denied')
        ]
      }
    },
    PENDING_NEW: {
      after: { inFlightTimeout: inFlight('PENDING_NEW') },
      on: takingRepeats({
        'venue.accepted': go('ACKNOWLEDGED', 'order.accepted'),
        'venue.rejected': go('REJECTED', 'order.rejected'),
        'venue.filled': onFill('PARTIAL_FILL'),
        'venue.canceled': go('CANCELED', 'order.canceled'),
        'venue.expired': go('EXPIRED', 'order.expired'),
        'order.cancel': go('PENDING_CANCEL', 'order.pending_cancel', { venue: 'cancel' })
      })
    },
    ACKNOWLEDGED: { on: takingRepeats(working('ACKNOWLEDGED')) },
    PARTIAL_FILL: { on: takingRepeats(working('PARTIAL_FILL')) },
    PENDING_CANCEL: {
      after: { inFlightTimeout: inFlight('PENDING_CANCEL') },
      on: takingRepeats({
        // a cancel held behind a replace (see PENDING_REPLACE) goes out once the replace is answered, for the
        // order as the venue now has it (the new client id, or the old one if the replace was rejected)
        'venue.replaced': [
          go('FILLED', 'order.replaced', { guard: 'isFullyFilled' }),
          go('PENDING_CANCEL', 'order.replaced', { guard: 'replacePending', venue: 'cancel' })
        ],
        'venue.replace_rejected': go('PENDING_CANCEL', 'order.replace_rejected', {
          guard: 'replacePending',
          venue: 'cancel'
        }),
        'venue.accepted': go('PENDING_CANCEL', 'order.accepted'),
        'venue.filled': onFill('PENDING_CANCEL'),
        'venue.canceled': go('CANCELED', 'order.canceled'),
        'venue.cancel_rejected': restore('order.cancel_rejected'),
        'venue.rejected': go('REJECTED', 'order.rejected'),
        'venue.expired': go('EXPIRED', 'order.expired'),
        'venue.restated': restate('PENDING_CANCEL')
      })
    },
    PENDING_REPLACE: {
      after: { inFlightTimeout: inFlight('PENDING_REPLACE') },
      on: takingRepeats({
        'venue.accepted': ackAgain('PENDING_REPLACE'),
        'venue.filled': onFill('PENDING_REPLACE'),
        'venue.replaced': restore('order.replaced'),
        'venue.replace_rejected': restore('order.replace_rejected'),
        'venue.canceled': go('CANCELED', 'order.canceled'),
        'venue.expired': go('EXPIRED', 'order.expired'),
        'venue.restated': restate('PENDING_REPLACE'),
        // held, not sent: the venue may apply the replace first, after which a cancel naming the old client id
        // finds no working order (FIX: OrigClOrdID must be the last accepted ClOrdID, which is not known yet)
        'order.cancel': go('PENDING_CANCEL', 'order.pending_cancel')
      })
    },
    CANCELED: {
      after: { lateFillGrace: go('CLOSED', 'order.closed') },
      on: takingRepeats({
        'venue.accepted': ackAgain('CANCELED'),
        'venue.filled': onFill('CANCELED', true),
        ...lateAnswers('CANCELED')
      })
    },
    EXPIRED: {
      after: { lateFillGrace: go('CLOSED', 'order.closed') },
      on: takingRepeats({
        'venue.accepted': ackAgain('EXPIRED'),
        'venue.filled': onFill('EXPIRED', true),
        ...lateAnswers('EXPIRED')
      })
    },
    FILLED: { type: 'final' },
    REJECTED: { type: 'final' },
    CLOSED: { type: 'final' }
  }
});

/** Map a canonical execution report to the order machine's event. */
export function orderEventFromReport(report: ExecutionReport): ReportEvent {
  switch (report.execType) {
    case 'accepted':
      return { type: 'venue.accepted', report };
    case 'rejected':
      return { type: 'venue.rejected', report };
    case 'fill':
      return { type: 'venue.filled', report };
    case 'canceled':
      return { type: 'venue.canceled', report };
    case 'cancel_rejected':
      return { type: 'venue.cancel_rejected', report };
    case 'replaced':
      return { type: 'venue.replaced', report };
    case 'replace_rejected':
      return { type: 'venue.replace_rejected', report };
    case 'expired':
      return { type: 'venue.expired', report };
    case 'restated':
      return { type: 'venue.restated', report };
  }
}

/** Statuses after which an order accepts nothing (FILLED, REJECTED, CLOSED): {@link ORDER_FINAL_STATES}. */
export const FINAL_STATUSES: ReadonlySet<string> = ORDER_FINAL_STATES;
/** Statuses that accept only late fills. */
export const CLOSING_STATUSES: readonly OrderStatus[] = ['CANCELED', 'EXPIRED'];
/**
 * Statuses that accept `order.cancel`: not NEW (nothing sent yet), PENDING_CANCEL (a cancel is already in flight)
 * or any status after it.
 */
export const CANCELABLE_STATUSES: readonly OrderStatus[] = [
  'PENDING_NEW',
  'ACKNOWLEDGED',
  'PARTIAL_FILL',
  'PENDING_REPLACE'
];
