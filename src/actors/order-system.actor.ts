import { type Actor, type AnyActorRef, createActor } from 'xstate';
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
  /** The OMS's own events (opened, closed, mass cancels, refusals for unknown/duplicate ids). */
  readonly onOmsEvent: (e: OmsEmitted) => void;
}

/** The OMS machine with its order actors' I/O provided: `sendToVenue` calls the venue. */
export function provideOms(clock: Clock, venue: OrderVenue): typeof omsMachine {
  const order = orderMachine.provide({
    actions: {
      sendToVenue: ({ context }, params: { kind: VenueRequest['kind'] }) => {
        const now = clock.now();
        if (params.kind === 'submit') venue.submit(context.submitted, now);
        else if (params.kind === 'cancel') {
          venue.cancel(
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
        } else if (params.kind === 'query') venue.query(context.clientOrderId, context.instrumentId, now);
        else if (context.pendingReplace) venue.replace(context.pendingReplace, now);
      }
    }
  });
  return omsMachine.provide({ actors: { order } });
}

/**
 * Deliver an OMS actor's events and its order actors' audit events: each order is announced by the OMS
 * (`oms.order_opened`) before it handles its first event, and the listener is attached then.
 */
export function listenToOrderSystem(
  oms: AnyActorRef,
  opts: Pick<OrderSystemOptions, 'onOrderEvent' | 'onOmsEvent'>
): void {
  const onOrderEvent = (e: unknown): void => opts.onOrderEvent(e as OrderEmitted);
  oms.on('*', (e: unknown) => {
    const ev = e as OmsEmitted;
    if (ev.type === 'oms.order_opened')
      oms.system.get(orderSystemId(ev.clientOrderId))?.on('*', onOrderEvent);
    opts.onOmsEvent(ev);
  });
}

/** Start a standalone OMS actor (tests, benchmarks, tools); a trading node embeds the same machine. */
export function startOrderSystem(opts: OrderSystemOptions): Actor<typeof omsMachine> {
  const actor = createActor(provideOms(opts.clock, opts.venue), { clock: opts.clock });
  listenToOrderSystem(actor, opts);
  actor.start();
  return actor;
}
