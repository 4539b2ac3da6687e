import { assign, emit, enqueueActions, setup, stopChild } from 'xstate';
import { ErrorCode } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';
import type { Why } from '../messages/primitives.ts';
import { type OrderMachineEvent, orderEventFromReport, orderMachine } from './order.machine.ts';
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
}

export type OmsEvent =
  | Extract<OrderMachineEvent, { type: 'order.submit' | 'order.cancel' | 'order.replace' }>
  | { readonly type: 'exec.report'; readonly report: ExecutionReport }
  | CancelAll;

/** What the OMS itself emits (order actors emit their own audit events). */
export type OmsEmitted =
  | { readonly type: 'oms.order_opened'; readonly clientOrderId: string; readonly tsEvent: Nanos }
  | { readonly type: 'oms.order_closed'; readonly clientOrderId: string }
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
  /** Every client order id of a working order (including cancel-replace successors) → the root id its actor was created with. */
  readonly ids: Readonly<Record<string, string>>;
  /** Venue order id → root client order id (learned from the venue's reports). */
  readonly venueIds: Readonly<Record<string, string>>;
  /** Root client order id → who owns the order and what it trades. */
  readonly orders: Readonly<Record<string, { readonly strategyId: string; readonly instrumentId: string }>>;
  readonly open: number;
  readonly opened: number;
}

type Routed = Exclude<OmsEvent, CancelAll>;

/** The root id of the order an event is about: by client order id (for a replace answer, the original's), else by venue order id. */
function rootOf(ctx: OmsContext, e: Routed): string | undefined {
  const byClient = ctx.ids[targetId(e)];
  if (byClient !== undefined || e.type !== 'exec.report' || e.report.venueOrderId === undefined)
    return byClient;
  return ctx.venueIds[e.report.venueOrderId];
}

/** The client order id an event is about (for a replace answer, the original order's id). */
function targetId(e: Routed): string {
  if (e.type === 'exec.report') return e.report.origClientOrderId ?? e.report.clientOrderId;
  return e.command.clientOrderId;
}

function eventTs(e: OmsEvent): Nanos {
  return e.type === 'exec.report'
    ? e.report.tsEvent
    : e.type === 'order.cancel_all'
      ? e.tsInit
      : e.command.tsInit;
}

/** Roots of the working orders a mass cancel applies to, in creation order. */
function matching(ctx: OmsContext, e: CancelAll): string[] {
  return Object.entries(ctx.orders)
    .filter(
      ([, o]) =>
        (e.strategyId === undefined || o.strategyId === e.strategyId) &&
        (e.instrumentId === undefined || o.instrumentId === e.instrumentId)
    )
    .map(([root]) => root);
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
    isKnown: ({ context, event }) =>
      event.type !== 'order.cancel_all' && rootOf(context, event) !== undefined,
    isDuplicateId: ({ context, event }) =>
      event.type === 'order.submit' && context.ids[event.command.clientOrderId] !== undefined
  },
  actions: {
    spawnOrder: enqueueActions(({ enqueue, event }) => {
      if (event.type !== 'order.submit') return;
      const id = orderSystemId(event.command.clientOrderId);
      enqueue.spawnChild('order', { id, systemId: id, input: event.command });
      // announced before the child handles its first event, so listeners can attach to it
      enqueue(
        emit({
          type: 'oms.order_opened',
          clientOrderId: event.command.clientOrderId,
          tsEvent: event.command.tsInit
        })
      );
      enqueue.sendTo(id, event);
    }),
    register: assign(({ context, event }) =>
      event.type === 'order.submit'
        ? {
            ids: { ...context.ids, [event.command.clientOrderId]: event.command.clientOrderId },
            orders: {
              ...context.orders,
              [event.command.clientOrderId]: {
                strategyId: event.command.strategyId,
                instrumentId: event.command.instrumentId
              }
            },
            open: context.open + 1,
            opened: context.opened + 1
          }
        : {}
    ),
    forward: enqueueActions(({ enqueue, context, event, system }) => {
      if (event.type === 'order.cancel_all') return;
      const root = rootOf(context, event) ?? '';
      const ref = system.get(orderSystemId(root));
      if (event.type !== 'exec.report') {
        enqueue.sendTo(ref, event);
        return;
      }
      const venueOrderId = event.report.venueOrderId;
      if (venueOrderId !== undefined && context.venueIds[venueOrderId] === undefined) {
        enqueue(assign({ venueIds: { ...context.venueIds, [venueOrderId]: root } }));
      }
      enqueue.sendTo(ref, orderEventFromReport(event.report));
    }),
    cancelAll: enqueueActions(({ enqueue, context, event, system }) => {
      if (event.type !== 'order.cancel_all') return;
      const roots = matching(context, event);
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
        const o = context.orders[root]!;
        const cancel: OrderMachineEvent = {
          type: 'order.cancel',
          command: {
            type: 'order.cancel',
            commandId: `${event.commandId}:${root}`,
            tsInit: event.tsInit,
            strategyId: o.strategyId,
            instrumentId: o.instrumentId,
            clientOrderId: root,
            reason: event.reason,
            actor: event.actor,
            why: event.why
          }
        };
        enqueue.sendTo(system.get(orderSystemId(root)), cancel);
      }
    }),
    addAlias: assign(({ context, event }) =>
      event.type === 'order.replace'
        ? {
            ids: {
              ...context.ids,
              [event.command.newClientOrderId]: rootOf(context, event) ?? ''
            }
          }
        : {}
    ),
    refuse: emit(({ event }, params: { code: string }) => {
      const id = event.type === 'order.cancel_all' ? '*' : targetId(event);
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
      enqueue(stopChild(actorId));
      enqueue(emit({ type: 'oms.order_closed', clientOrderId: root }));
      const ids = { ...context.ids };
      for (const [k, v] of Object.entries(context.ids)) if (v === root) delete ids[k];
      const venueIds = { ...context.venueIds };
      for (const [k, v] of Object.entries(context.venueIds)) if (v === root) delete venueIds[k];
      const { [root]: _closed, ...orders } = context.orders;
      enqueue(assign({ open: context.open - 1, ids, venueIds, orders }));
    })
  }
}).createMachine({
  id: 'oms',
  context: { ids: {}, venueIds: {}, orders: {}, open: 0, opened: 0 },
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
      { guard: 'isKnown', actions: 'forward' },
      { actions: { type: 'refuse', params: { code: ErrorCode.UNKNOWN_ORDER } } }
    ],
    'order.cancel_all': { actions: 'cancelAll' },
    'xstate.done.actor.*': { actions: 'closeOrder' }
  }
});
