import {
  type AnyActorLogic,
  type AnyActorRef,
  assign,
  createActor,
  emit,
  enqueueActions,
  setup
} from 'xstate';
import { ErrorCode } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';
import type { OrderStatus } from '../messages/order-events.ts';
import type { Why } from '../messages/primitives.ts';
import { OrderIndex, type OrderOwner } from '../oms/order-index.ts';
import {
  CANCELABLE_STATUSES,
  isRepeatReport,
  type OrderContext,
  type OrderMachineEvent,
  orderEventFromReport,
  orderMachine
} from './order.machine.ts';
import type { ActorKind } from './order.types.ts';

/** The system id of an order actor. */
export const orderSystemId = (clientOrderId: string): string => `order:${clientOrderId}`;

/** Cancel every working order matching the filter (all orders when no filter is given). */
export interface CancelAll {
  readonly type: 'order.cancel_all';
  readonly commandId: string;
  readonly tsInit: Nanos;
  readonly strategyId?: string;
  readonly instrumentId?: string;
  readonly actor: ActorKind;
  readonly why: Why;
  readonly reason: string;
  /**
   * Held in force (the kill switch's, while trading is halted) until `order.cancel_all_lifted`: an order it matches
   * that a cancel reject returns to working (its cancel, sent before or by the cancel-all, refused) is canceled
   * again — a new cancel the halt decides, once per reject, at most {@link MAX_HALT_RECANCELS} times per order
   * (a venue that keeps refusing leaves it working, for reconciliation, rather than a cancel loop).
   */
  readonly hold?: boolean;
}

/** Cancels a held cancel-all sends again to one order, each after a cancel reject returned it to working. */
export const MAX_HALT_RECANCELS = 3;

export type OmsEvent =
  | Extract<OrderMachineEvent, { type: 'order.submit' | 'order.cancel' | 'order.replace' }>
  | { readonly type: 'exec.report'; readonly report: ExecutionReport }
  | CancelAll
  /** The cancel-all held in force is lifted (trading resumes): nothing more is canceled again. */
  | { readonly type: 'order.cancel_all_lifted'; readonly tsInit: Nanos };

/** What the OMS itself emits (order actors emit their own audit events). */
export type OmsEmitted =
  | { readonly type: 'oms.order_opened'; readonly clientOrderId: string; readonly tsEvent: Nanos }
  | { readonly type: 'oms.order_closed'; readonly clientOrderId: string }
  /**
   * The venue's answer to a cancel or replace that crossed the order's completion (e.g. "too late to replace":
   * the order filled first): expected, informational, not an error.
   */
  | {
      readonly type: 'oms.late_report';
      readonly clientOrderId: string;
      readonly execType: string;
      readonly tsEvent: Nanos;
    }
  | {
      readonly type: 'oms.cancel_all_requested';
      readonly commandId: string;
      readonly count: number;
      readonly actor: ActorKind;
      readonly why: Why;
      readonly reason: string;
      readonly tsEvent: Nanos;
    }
  | {
      readonly type: 'oms.refused';
      readonly code: string;
      readonly clientOrderId: string;
      readonly event: string;
      readonly message: string;
      readonly tsEvent: Nanos;
    };

export interface OmsContext {
  /**
   * Working orders by client order id (with cancel-replace successors) and venue order id → root id, and root →
   * owner. Mutable, for O(1) updates (copying records on every event made each event O(working orders)): a
   * snapshot's `index` shows the latest state, not the state when the snapshot was taken; `index.toJSON()` copies.
   */
  readonly index: OrderIndex;
  readonly open: number;
  readonly opened: number;
  /** The cancel-all held in force (see {@link CancelAll.hold}), if one is. */
  readonly hold: CancelAll | undefined;
  /** While it is: orders (by root) it canceled again after a cancel reject, and how many times. */
  readonly recanceled: Readonly<Record<string, number>>;
}

type Routed = Exclude<OmsEvent, CancelAll | { type: 'order.cancel_all_lifted' }>;

/** The root id of the order an event is about: by client order id (for a replace answer, the original's), else by venue order id. */
function rootOf(ctx: OmsContext, e: Routed): string | undefined {
  const byClient = ctx.index.rootOfClient(targetId(e));
  if (byClient !== undefined || e.type !== 'exec.report' || e.report.venueOrderId === undefined)
    return byClient;
  return ctx.index.rootOfVenue(e.report.venueOrderId);
}

/** The client order id an event is about (for a replace answer, the original order's id). */
function targetId(e: Routed): string {
  if (e.type === 'exec.report') return e.report.origClientOrderId ?? e.report.clientOrderId;
  return e.command.clientOrderId;
}

function eventTs(e: OmsEvent): Nanos {
  return e.type === 'exec.report'
    ? e.report.tsEvent
    : e.type === 'order.cancel_all' || e.type === 'order.cancel_all_lifted'
      ? e.tsInit
      : e.command.tsInit;
}

const isRouted = (e: OmsEvent): e is Routed =>
  e.type !== 'order.cancel_all' && e.type !== 'order.cancel_all_lifted';

/** A cancel-all's cancel of order `root` (owned by `o`), its command `commandId` sent at `tsInit`. */
function cancelOf(
  root: string,
  o: OrderOwner,
  by: CancelAll,
  commandId: string,
  tsInit: Nanos,
  reason: string
): OrderMachineEvent {
  return {
    type: 'order.cancel',
    command: {
      type: 'order.cancel',
      commandId,
      tsInit,
      strategyId: o.strategyId,
      instrumentId: o.instrumentId,
      clientOrderId: root,
      reason,
      actor: by.actor,
      why: by.why
    }
  };
}

const watched = new WeakSet<OrderIndex>();

/** Once per OMS actor: when it stops or fails, stop its working order actors (XState does this only for `children`). */
function watchOms(self: AnyActorRef, index: OrderIndex): void {
  if (watched.has(index)) return;
  watched.add(index);
  const stopAll = (): void => index.stopAll();
  self.subscribe({ complete: stopAll, error: stopAll });
}

/**
 * The order management system's routing core: one order actor per client order id, spawned as a child
 * with `systemId` `order:<clientOrderId>`, so each order handles one event at a time (its state changes
 * atomically). Commands and venue reports are routed by client order id (following cancel-replace chains),
 * or by venue order id when a venue report lacks a known client id; mass cancel by strategy/instrument;
 * events for unknown orders and duplicate ids are refused with a typed, emitted error — never dropped.
 * Orders that reach a final state are stopped and removed.
 */
export const omsMachine = setup({
  types: {
    context: {} as OmsContext,
    events: {} as OmsEvent,
    emitted: {} as OmsEmitted
  },
  actors: { order: orderMachine },
  guards: {
    isKnown: ({ context, event }) => isRouted(event) && rootOf(context, event) !== undefined,
    isLateAnswer: ({ context, event }) =>
      event.type === 'exec.report' &&
      (event.report.execType === 'cancel_rejected' || event.report.execType === 'replace_rejected') &&
      (context.index.recentlyClosed(targetId(event)) ||
        context.index.recentlyClosed(event.report.clientOrderId)),
    isDuplicateId: ({ context, event }) =>
      event.type === 'order.submit' && context.index.hasClientId(event.command.clientOrderId)
  },
  actions: {
    spawnOrder: enqueueActions(({ enqueue, context, event, self }) => {
      if (event.type !== 'order.submit') return;
      const id = orderSystemId(event.command.clientOrderId);
      // Not `spawnChild`: XState copies the parent's `children` record on every spawn and stop, which made each
      // submit and close O(working orders) (0.3 ms a submit at 1,000 working orders, 5 ms at 16,000). The order
      // actor is created the same way spawnChild does (same parent, system, id and systemId; its done and error
      // events reach the OMS), but the OMS's index holds the reference, and stops working orders when the OMS
      // stops or fails (see `watchOms`).
      const logic = (self as unknown as { logic: { implementations: { actors: { order: AnyActorLogic } } } })
        .logic.implementations.actors.order;
      const ref = createActor(logic, { parent: self, id, systemId: id, input: event.command });
      watchOms(self, context.index);
      context.index.attach(event.command.clientOrderId, ref);
      enqueue(() => ref.start());
      // announced before the child handles its first event, so listeners can attach to it
      enqueue(
        emit({
          type: 'oms.order_opened',
          clientOrderId: event.command.clientOrderId,
          tsEvent: event.command.tsInit
        })
      );
      enqueue.sendTo(ref, event);
    }),
    register: assign(({ context, event }) => {
      if (event.type !== 'order.submit') return {};
      const c = event.command;
      context.index.add(c.clientOrderId, { strategyId: c.strategyId, instrumentId: c.instrumentId });
      return { open: context.open + 1, opened: context.opened + 1 };
    }),
    forward: enqueueActions(({ enqueue, context, event, system }) => {
      if (!isRouted(event)) return;
      const root = rootOf(context, event) ?? '';
      const ref = system.get(orderSystemId(root));
      if (event.type !== 'exec.report') {
        enqueue.sendTo(ref, event);
        return;
      }
      const venueOrderId = event.report.venueOrderId;
      if (venueOrderId !== undefined) context.index.venue(venueOrderId, root);
      enqueue.sendTo(ref, orderEventFromReport(event.report));
    }),
    /**
     * A cancel-all in force: an order a cancel reject returns to working (it is PENDING_CANCEL, and the reject is new
     * to it, so it restores a working state) is canceled again, after the reject (`forward` sent that first).
     */
    cancelAgain: enqueueActions(({ enqueue, context, event, system }) => {
      const hold = context.hold;
      if (hold === undefined || event.type !== 'exec.report' || event.report.execType !== 'cancel_rejected')
        return;
      const root = rootOf(context, event) ?? '';
      const o = context.index.owner(root);
      if (
        o === undefined ||
        (hold.strategyId ?? o.strategyId) !== o.strategyId ||
        (hold.instrumentId ?? o.instrumentId) !== o.instrumentId
      )
        return;
      const ref = system.get(orderSystemId(root)) as AnyActorRef | undefined;
      if (ref === undefined) return;
      const snap = ref.getSnapshot() as { value: unknown; context: OrderContext };
      const n = (context.recanceled[root] ?? 0) + 1;
      if (
        snap.value !== 'PENDING_CANCEL' ||
        isRepeatReport(snap.context, event.report) ||
        n > MAX_HALT_RECANCELS
      )
        return;
      const again = cancelOf(
        root,
        o,
        hold,
        `${hold.commandId}:${root}:again-${n}`,
        event.report.tsInit,
        `${hold.reason}: cancel rejected, canceled again (${n} of ${MAX_HALT_RECANCELS})`
      );
      enqueue.sendTo(ref, again);
      enqueue.assign({ recanceled: { ...context.recanceled, [root]: n } });
    }),
    cancelAll: enqueueActions(({ enqueue, context, event, system }) => {
      if (event.type !== 'order.cancel_all') return;
      // an order with a cancel in flight, or already canceled or expired (awaiting only late fills), has nothing
      // left to cancel: sending it another would only be refused
      const roots = context.index
        .matching(event.strategyId, event.instrumentId)
        .filter((root) =>
          CANCELABLE_STATUSES.includes(system.get(orderSystemId(root))?.getSnapshot().value as OrderStatus)
        );
      if (event.hold === true) enqueue.assign({ hold: event, recanceled: {} });
      enqueue(
        emit({
          type: 'oms.cancel_all_requested',
          commandId: event.commandId,
          count: roots.length,
          actor: event.actor,
          why: event.why,
          reason: event.reason,
          tsEvent: event.tsInit
        })
      );
      for (const root of roots) {
        const cancel = cancelOf(
          root,
          context.index.owner(root)!,
          event,
          `${event.commandId}:${root}`,
          event.tsInit,
          event.reason
        );
        enqueue.sendTo(system.get(orderSystemId(root)), cancel);
      }
    }),
    addAlias: assign(({ context, event }) => {
      // a replace risk denied never reaches the venue, so its new id never names the order
      if (event.type === 'order.replace' && event.risk?.ok !== false) {
        const root = rootOf(context, event);
        if (root !== undefined) context.index.alias(event.command.newClientOrderId, root);
      }
      return {};
    }),
    noteLate: emit(({ event }) => {
      const r = (event as Extract<OmsEvent, { type: 'exec.report' }>).report;
      return {
        type: 'oms.late_report' as const,
        clientOrderId: r.origClientOrderId ?? r.clientOrderId,
        execType: r.execType,
        tsEvent: r.tsEvent
      };
    }),
    lift: assign({ hold: undefined, recanceled: {} }),
    refuse: emit(({ event }, params: { code: string }) => {
      const id = isRouted(event) ? targetId(event) : '*';
      return {
        type: 'oms.refused' as const,
        code: params.code,
        clientOrderId: id,
        event: event.type === 'exec.report' ? `exec.report:${event.report.execType}` : event.type,
        message:
          params.code === ErrorCode.DUPLICATE_ORDER_ID
            ? `client order id ${id} is already in use`
            : `no working order ${id}`,
        tsEvent: eventTs(event)
      };
    }),
    closeOrder: enqueueActions(({ enqueue, context, event }) => {
      const actorId = (event as unknown as { actorId: string }).actorId;
      const root = actorId.slice('order:'.length);
      // the order actor stopped itself on reaching its final state
      context.index.remove(root);
      enqueue(emit({ type: 'oms.order_closed', clientOrderId: root }));
      enqueue(assign({ open: context.open - 1 }));
      if (root in context.recanceled) {
        const { [root]: _, ...recanceled } = context.recanceled;
        enqueue(assign({ recanceled }));
      }
    })
  }
}).createMachine({
  id: 'oms',
  // a factory: every OMS actor gets its own index
  context: () => ({ index: new OrderIndex(), open: 0, opened: 0, hold: undefined, recanceled: {} }),
  on: {
    'order.submit': [
      { guard: 'isDuplicateId', actions: { type: 'refuse', params: { code: ErrorCode.DUPLICATE_ORDER_ID } } },
      { actions: ['register', 'spawnOrder'] }
    ],
    'order.replace': [
      { guard: 'isKnown', actions: ['addAlias', 'forward'] },
      { actions: { type: 'refuse', params: { code: ErrorCode.UNKNOWN_ORDER } } }
    ],
    'order.cancel': [
      { guard: 'isKnown', actions: 'forward' },
      { actions: { type: 'refuse', params: { code: ErrorCode.UNKNOWN_ORDER } } }
    ],
    'exec.report': [
      { guard: 'isKnown', actions: ['forward', 'cancelAgain'] },
      { guard: 'isLateAnswer', actions: 'noteLate' },
      { actions: { type: 'refuse', params: { code: ErrorCode.UNKNOWN_ORDER } } }
    ],
    'order.cancel_all': { actions: 'cancelAll' },
    'order.cancel_all_lifted': { actions: 'lift' },
    'xstate.done.actor.*': { actions: 'closeOrder' }
  }
});
