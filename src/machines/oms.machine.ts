import { assign, emit, enqueueActions, setup, stopChild } from 'xstate';
import { ErrorCode } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';
import { type OrderMachineEvent, orderEventFromReport, orderMachine } from './order.machine.ts';

/** The system id of an order actor. */
export const orderSystemId = (clientOrderId: string): string => `order:${clientOrderId}`;

export type OmsEvent =
  | Extract<OrderMachineEvent, { type: 'order.submit' | 'order.cancel' | 'order.replace' }>
  | { readonly type: 'exec.report'; readonly report: ExecutionReport };

/** What the OMS itself emits (order actors emit their own audit events). */
export type OmsEmitted =
  | { readonly type: 'oms.order_opened'; readonly clientOrderId: string; readonly tsEvent: Nanos }
  | { readonly type: 'oms.order_closed'; readonly clientOrderId: string }
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
  readonly open: number;
  readonly opened: number;
}

const rootOf = (ctx: OmsContext, id: string): string | undefined => ctx.ids[id];

/** The client order id an event is about (for a replace answer, the original order's id). */
function targetId(e: OmsEvent): string {
  if (e.type === 'exec.report') return e.report.origClientOrderId ?? e.report.clientOrderId;
  return e.command.clientOrderId;
}

function eventTs(e: OmsEvent): Nanos {
  return e.type === 'exec.report' ? e.report.tsEvent : e.command.tsInit;
}

/**
 * The order management system's routing core: one order actor per client order id, spawned as a child
 * with `systemId` `order:<clientOrderId>`, so each order handles one event at a time (its state changes
 * atomically). Commands and venue reports are routed by client order id (following cancel-replace chains);
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
    isKnown: ({ context, event }) => rootOf(context, targetId(event)) !== undefined,
    isDuplicateId: ({ context, event }) =>
      event.type === 'order.submit' && rootOf(context, event.command.clientOrderId) !== undefined
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
            open: context.open + 1,
            opened: context.opened + 1
          }
        : {}
    ),
    forward: enqueueActions(({ enqueue, context, event, system }) => {
      const ref = system.get(orderSystemId(rootOf(context, targetId(event)) ?? ''));
      if (event.type === 'exec.report') enqueue.sendTo(ref, orderEventFromReport(event.report));
      else enqueue.sendTo(ref, event);
    }),
    addAlias: assign(({ context, event }) =>
      event.type === 'order.replace'
        ? {
            ids: {
              ...context.ids,
              [event.command.newClientOrderId]: rootOf(context, event.command.clientOrderId) ?? ''
            }
          }
        : {}
    ),
    refuse: emit(({ event }, params: { code: string }) => ({
      type: 'oms.refused' as const,
      code: params.code,
      clientOrderId: targetId(event),
      event: event.type === 'exec.report' ? `exec.report:${event.report.execType}` : event.type,
      message:
        params.code === ErrorCode.DUPLICATE_ORDER_ID
          ? `client order id ${targetId(event)} is already in use`
          : `no working order ${targetId(event)}`,
      tsEvent: eventTs(event)
    })),
    closeOrder: enqueueActions(({ enqueue, context, event }) => {
      const actorId = (event as unknown as { actorId: string }).actorId;
      const root = actorId.slice('order:'.length);
      enqueue(stopChild(actorId));
      enqueue(emit({ type: 'oms.order_closed', clientOrderId: root }));
      const ids = { ...context.ids };
      for (const [k, v] of Object.entries(context.ids)) if (v === root) delete ids[k];
      enqueue(assign({ open: context.open - 1, ids }));
    })
  }
}).createMachine({
  id: 'oms',
  context: { ids: {}, open: 0, opened: 0 },
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
    'xstate.done.actor.*': { actions: 'closeOrder' }
  }
});
