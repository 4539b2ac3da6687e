import { EMPTY } from 'rxjs';
import { assign, emit, enqueueActions, fromEventObservable, setup } from 'xstate';
import type { Nanos } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import type { OrderEvent } from '../messages/order-events.ts';
import {
  applyOrderEventToWorking,
  signedQty,
  type WorkingOrders,
  workingQtyOf
} from '../oms/working-orders.ts';
import type { OrderIntent, Strategy, StrategyView } from '../strategies/strategy.ts';

/**
 * Hosts one {@link Strategy}: receives closed bars from an RxJS market-data stream (the invoked
 * `marketData` actor, provided by the wiring), tracks its own positions and working quantity from its
 * orders' events, and emits `strategy.order_requested` with deterministic client order ids
 * (`<prefix>-<n>`; the prefix is the strategy id, plus a session tag in paper trading so a venue never sees
 * an id twice across sessions). A restart restores the numbering with the positions and working orders.
 * Halting stops new requests; market data keeps the indicators warm.
 */
export interface StrategyContext {
  readonly strategy: Strategy;
  readonly positions: Readonly<Record<string, number>>;
  /** This strategy's working orders. */
  readonly open: WorkingOrders;
  /** Client order ids are `<prefix>-<n>`. */
  readonly prefix: string;
  /** The last `n` issued. */
  readonly nextOrder: number;
  readonly now: Nanos;
  readonly bars: number;
}

export type StrategyEvent =
  | Bar
  | { readonly type: 'strategy.order_event'; readonly event: OrderEvent }
  | { readonly type: 'strategy.halt'; readonly reason: string }
  /** After a restart: the positions and working orders the node knows this strategy has. */
  | {
      readonly type: 'strategy.restore';
      readonly positions: Readonly<Record<string, number>>;
      readonly open: WorkingOrders;
      /** Client order ids this strategy issued before (numbering continues after them). */
      readonly issued: number;
    }
  | { readonly type: 'strategy.resume' };

export type StrategyEmitted = {
  readonly type: 'strategy.order_requested';
  readonly strategyId: string;
  readonly clientOrderId: string;
  readonly intent: OrderIntent;
  readonly tsEvent: Nanos;
};

function viewOf(ctx: StrategyContext): StrategyView {
  return {
    position: (id) => ctx.positions[id] ?? 0,
    workingQty: (id) => workingQtyOf(ctx.open, id),
    now: () => ctx.now
  };
}

/** Apply one of this strategy's order events to its positions and working orders. */
function applyOrderEvent(ctx: StrategyContext, e: OrderEvent): Partial<StrategyContext> {
  const fillQty = e.type === 'order.filled' ? (e.lastQty ?? 0) : 0;
  const positions =
    fillQty > 0
      ? {
          ...ctx.positions,
          [e.instrumentId]: (ctx.positions[e.instrumentId] ?? 0) + signedQty(e.side, fillQty)
        }
      : ctx.positions;
  return { positions, open: applyOrderEventToWorking(ctx.open, e) };
}

/** What a strategy actor is started with. */
export interface StrategyInput {
  readonly strategy: Strategy;
  readonly start: Nanos;
  /** Client order id prefix; default the strategy id. */
  readonly orderIdPrefix?: string;
}

export const strategyMachine = setup({
  types: {
    context: {} as StrategyContext,
    events: {} as StrategyEvent,
    input: {} as StrategyInput,
    emitted: {} as StrategyEmitted
  },
  actors: {
    /** The market-data stream; provided by the wiring with `fromEventObservable(() => bars$)`. */
    marketData: fromEventObservable<Bar, void>(() => EMPTY)
  },
  actions: {
    observeBar: assign(({ context, event }) =>
      event.type === 'market.bar' ? { now: event.tsEvent, bars: context.bars + 1 } : {}
    ),
    /** Keep the strategy's indicators warm while halted; its intents are discarded. */
    warm: ({ context, event }) => {
      if (event.type === 'market.bar') context.strategy.onBar(event, viewOf(context));
    },
    decide: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'market.bar') return;
      const intents = context.strategy.onBar(event, viewOf(context));
      if (intents.length === 0) return;
      let n = context.nextOrder;
      const open = { ...context.open };
      for (const intent of intents) {
        const clientOrderId = `${context.prefix}-${++n}`;
        open[clientOrderId] = {
          instrumentId: intent.instrumentId,
          leaves: signedQty(intent.side, intent.qty)
        };
        enqueue(
          emit({
            type: 'strategy.order_requested',
            strategyId: context.strategy.id,
            clientOrderId,
            intent,
            tsEvent: event.tsEvent
          })
        );
      }
      enqueue(assign({ nextOrder: n, open }));
    }),
    restore: assign(({ context, event }) =>
      event.type === 'strategy.restore'
        ? {
            positions: event.positions,
            open: event.open,
            nextOrder: Math.max(context.nextOrder, event.issued)
          }
        : {}
    ),
    applyOrderEvent: assign(({ context, event }) =>
      event.type === 'strategy.order_event' ? applyOrderEvent(context, event.event) : {}
    )
  }
}).createMachine({
  id: 'strategy',
  context: ({ input }) => ({
    strategy: input.strategy,
    prefix: input.orderIdPrefix ?? input.strategy.id,
    positions: {},
    open: {},
    nextOrder: 0,
    now: input.start,
    bars: 0
  }),
  invoke: { src: 'marketData' },
  on: {
    'strategy.order_event': { actions: 'applyOrderEvent' },
    'strategy.restore': { actions: 'restore' }
  },
  initial: 'running',
  states: {
    running: {
      on: {
        'market.bar': { actions: ['observeBar', 'decide'] },
        'strategy.halt': 'halted'
      }
    },
    halted: {
      on: {
        'market.bar': { actions: ['observeBar', 'warm'] },
        'strategy.resume': 'running'
      }
    }
  }
});
