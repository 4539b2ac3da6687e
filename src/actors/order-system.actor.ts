import { type Actor, createActor } from 'xstate';
import { type OmsEmitted, omsMachine, orderSystemId } from '../machines/oms.machine.ts';
import type { OrderEmitted, VenueRequest } from '../machines/order.machine.ts';
import { orderMachine } from '../machines/order.machine.ts';
import type { Clock } from '../time/clock.ts';
import type { OrderVenue } from '../venue/venue.ts';

export interface OrderSystemOptions {
  readonly clock: Clock;
  readonly venue: OrderVenue;
  /** Every audit event and refusal of every order actor, in order. */
  readonly onOrderEvent: (e: OrderEmitted) => void;
  /** The OMS's own events (opened, closed, refused for unknown/duplicate ids). */
  readonly onOmsEvent: (e: OmsEmitted) => void;
}

/**
 * Start the OMS actor with its I/O provided: each order actor's `sendToVenue` calls the venue, and each
 * order actor's emitted audit events are delivered to `onOrderEvent` (attached when the OMS announces the
 * order, before the order handles its first event).
 */
export function startOrderSystem(opts: OrderSystemOptions): Actor<typeof omsMachine> {
  const order = orderMachine.provide({
    actions: {
      sendToVenue: ({ context }, params: { kind: VenueRequest['kind'] }) => {
        const now = opts.clock.now();
        const pending = context.pendingReplace;
        if (params.kind === 'submit') opts.venue.submit(context.submitted, now);
        else if (params.kind === 'cancel') {
          opts.venue.cancel(
            {
              type: 'order.cancel',
              commandId: `${context.clientOrderId}:cancel:${now}`,
              tsInit: now,
              strategyId: context.strategyId,
              instrumentId: context.instrumentId,
              clientOrderId: context.clientOrderId
            },
            now
          );
        } else if (params.kind === 'query')
          opts.venue.query(context.clientOrderId, context.instrumentId, now);
        else if (pending) opts.venue.replace(pending, now);
      }
    }
  });
  const oms = omsMachine.provide({ actors: { order } });
  const actor = createActor(oms, { clock: opts.clock });
  const onOrderEvent = (e: unknown): void => opts.onOrderEvent(e as OrderEmitted);
  actor.on('*', (e) => {
    const ev = e as OmsEmitted;
    // the OMS announces each order before the order handles its first event: attach the audit listener
    if (ev.type === 'oms.order_opened')
      actor.system.get(orderSystemId(ev.clientOrderId))?.on('*', onOrderEvent);
    opts.onOmsEvent(ev);
  });
  actor.start();
  return actor;
}
