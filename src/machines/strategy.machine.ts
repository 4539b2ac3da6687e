import { EMPTY } from 'rxjs';
import { assign, emit, enqueueActions, fromEventObservable, setup } from 'xstate';
import type { BookView } from '../book/book-view.ts';
import { ErrorCode } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import type { Bar, Quote, Trade } from '../messages/market-data.ts';
import type { OrderEvent, OrderStatus } from '../messages/order-events.ts';
import {
  bracketProblem,
  type Contingencies,
  catchUpContingencies,
  changeable,
  contingentActions,
  intentOco,
  joinOco,
  NO_CONTINGENCIES,
  ocoOf,
  openBracket,
  ownReplace,
  requestRefused,
  unsent
} from '../oms/contingent-orders.ts';
import {
  applyOrderEventToWorking,
  ORDER_DONE_STATES,
  signedQty,
  type WorkingOrder,
  type WorkingOrders,
  workingQtyOf
} from '../oms/working-orders.ts';
import type {
  BracketIntent,
  CancelIntent,
  OrderIntent,
  ReplaceIntent,
  Strategy,
  StrategyAction,
  StrategyView,
  WorkingOrderView
} from '../strategies/strategy.ts';

/**
 * Hosts one {@link Strategy}: receives closed bars (`onBar`), top-of-book quotes and trades (`onQuote`, `onTrade`,
 * for strategies that have them) from an RxJS market-data stream (the invoked
 * `marketData` actor, provided by the wiring), tracks its own positions and working orders from its
 * orders' events (and shows each to the strategy's `onOrderEvent`), and turns the strategy's actions into
 * `strategy.order_requested`, `strategy.cancel_requested` and `strategy.replace_requested`; a cancel or
 * replace naming an order the strategy does not have working is refused here (`strategy.intent_refused`),
 * so a strategy can never touch another's orders. It also runs the strategy's contingent orders: a bracket's
 * exits go out when its entry is done, and on a venue without native OCO a fill of an OCO group's member cancels
 * the rest of the group, or reduces it by the fill (a reduce group; see {@link contingentActions}). New orders
 * and replacements get deterministic client order ids (`<prefix>-<n>`; the prefix is the strategy id, plus a
 * session tag in paper trading so a venue never sees an id twice across sessions). A restart restores the
 * numbering with the positions and working orders, and the contingent orders caught up with the order events the
 * actor missed (`strategy.restore`).
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
  /** Order books the strategy may look at (tick backtests on order-level data). */
  readonly books: ((instrumentId: string) => BookView | undefined) | undefined;
  /** Why the strategy is halted (the first halt's reason); undefined while it runs. */
  readonly haltReason: string | undefined;
  /**
   * Brackets waiting on their entries, the OCO groups of working orders, what reduce groups owe and their
   * reductions in flight.
   */
  readonly contingent: Contingencies;
  /** The venue honours OCO groups itself. */
  readonly venueOco: boolean;
  /**
   * Order events applied so far, the missed ones a restore caught up included (the node counts what it sent, so a
   * restart knows which this actor missed).
   */
  readonly orderEvents: number;
  /** Restores this incarnation has taken (the node trusts a restarted actor's contingencies only after one). */
  readonly restores: number;
}

export type StrategyEvent =
  | Bar
  | Quote
  | Trade
  | { readonly type: 'strategy.order_event'; readonly event: OrderEvent }
  | { readonly type: 'strategy.halt'; readonly reason: string }
  /**
   * After a restart: the positions and working orders the node knows this strategy has (after every order event
   * it was sent), its contingent orders as its actor last held them, and the order events that actor missed (the
   * one it failed on and those sent while it was down), which catch the contingencies up
   * ({@link catchUpContingencies}); the strategy's `onOrderEvent` is not shown them.
   */
  | {
      readonly type: 'strategy.restore';
      readonly positions: Readonly<Record<string, number>>;
      readonly open: WorkingOrders;
      /** Client order ids this strategy issued before (numbering continues after them). */
      readonly issued: number;
      readonly contingent?: Contingencies;
      readonly missed?: readonly OrderEvent[];
    }
  | { readonly type: 'strategy.resume' }
  /**
   * The order refused a cancel or replace of it that this strategy asked for (it never reached the venue): the
   * order is in `status`, and no such request of it is in flight.
   */
  | {
      readonly type: 'strategy.request_refused';
      readonly clientOrderId: string;
      readonly status: OrderStatus;
    };

interface Emitted {
  readonly strategyId: string;
  /** The order asked for (new orders) or acted on (cancel, replace). */
  readonly clientOrderId: string;
  readonly tsEvent: Nanos;
}

/** What a running strategy asks of the node (or is refused): each names a client order id. */
export type StrategyRequest =
  | (Emitted & { readonly type: 'strategy.order_requested'; readonly intent: OrderIntent })
  | (Emitted & {
      readonly type: 'strategy.cancel_requested';
      readonly instrumentId: string;
      readonly intent: CancelIntent;
    })
  | (Emitted & {
      readonly type: 'strategy.replace_requested';
      readonly instrumentId: string;
      /** The replacement's client order id, from the strategy's numbering. */
      readonly newClientOrderId: string;
      readonly intent: ReplaceIntent;
    })
  | (Omit<Emitted, 'clientOrderId'> & {
      readonly type: 'strategy.intent_refused';
      /** The order a refused cancel or replace named; none for a refused bracket (nothing was numbered). */
      readonly clientOrderId?: string;
      readonly code: string;
      readonly message: string;
      readonly intent: CancelIntent | ReplaceIntent | BracketIntent;
    });

/** A halted strategy answered with these actions; none of them was acted on. */
export interface StrategyIntentsDiscarded {
  readonly type: 'strategy.intents_discarded';
  readonly strategyId: string;
  /** The halt's reason. */
  readonly reason: string;
  readonly intents: readonly StrategyAction[];
  readonly tsEvent: Nanos;
}

export type StrategyEmitted = StrategyRequest | StrategyIntentsDiscarded;

/** `o` at `status`; a replace's price in flight is kept only while one is (`PENDING_REPLACE`). */
function withStatus(o: WorkingOrder, status: OrderStatus): WorkingOrder {
  if (status === 'PENDING_REPLACE' || o.replacingPx === undefined) return { ...o, status };
  const { replacingPx: _, ...rest } = o;
  return { ...rest, status };
}

function viewOf(ctx: StrategyContext): StrategyView {
  return {
    position: (id) => ctx.positions[id] ?? 0,
    workingQty: (id) => workingQtyOf(ctx.open, id),
    openOrders: (instrumentId) => {
      const out: WorkingOrderView[] = [];
      for (const clientOrderId in ctx.open) {
        const o = ctx.open[clientOrderId]!;
        if (instrumentId !== undefined && o.instrumentId !== instrumentId) continue;
        out.push({
          clientOrderId,
          instrumentId: o.instrumentId,
          side: o.leaves < 0 ? 'sell' : 'buy',
          leaves: Math.abs(o.leaves),
          ...(o.limitPx !== undefined ? { limitPx: o.limitPx } : {}),
          ...(o.replacingPx !== undefined ? { replacingPx: o.replacingPx } : {}),
          status: o.status ?? 'NEW',
          ...ocoOf(ctx.contingent, clientOrderId)
        });
      }
      return out;
    },
    now: () => ctx.now,
    book: (instrumentId) => ctx.books?.(instrumentId)
  };
}

/**
 * Turn a strategy's actions into requests: new orders and replacements numbered `<prefix>-<n>`, cancels and
 * replaces only for the strategy's own working orders (others refused with `TRD_ERR_UNKNOWN_ORDER`).
 */
function act(
  ctx: StrategyContext,
  actions: readonly StrategyAction[],
  tsEvent: Nanos
): { readonly emitted: readonly StrategyEmitted[]; readonly ctx: StrategyContext } {
  const emitted: StrategyEmitted[] = [];
  const enqueue = (e: StrategyEmitted): void => void emitted.push(e);
  const strategyId = ctx.strategy.id;
  let n = ctx.nextOrder;
  const open = { ...ctx.open };
  let contingent = ctx.contingent;
  const submit = (intent: OrderIntent): string => {
    const clientOrderId = `${ctx.prefix}-${++n}`;
    open[clientOrderId] = {
      instrumentId: intent.instrumentId,
      leaves: signedQty(intent.side, intent.qty),
      filled: 0,
      ...(intent.limitPx !== undefined ? { limitPx: intent.limitPx } : {})
    };
    const oco = intentOco(intent);
    if (oco !== undefined) contingent = joinOco(contingent, clientOrderId, oco.ocoGroup, oco.ocoMode);
    enqueue({ type: 'strategy.order_requested', strategyId, clientOrderId, intent, tsEvent });
    return clientOrderId;
  };
  for (const a of actions) {
    if (a.kind === 'bracket') {
      const problem = bracketProblem(a);
      if (problem !== undefined) {
        enqueue({
          type: 'strategy.intent_refused',
          strategyId,
          code: ErrorCode.BRACKET_INVALID,
          message: `bracket: ${problem}`,
          intent: a,
          tsEvent
        });
        continue;
      }
      const entryId = submit({ ...a.entry, reason: a.reason });
      contingent = openBracket(contingent, entryId, a);
      continue;
    }
    if (a.kind === 'cancel' || a.kind === 'replace') {
      const o = open[a.clientOrderId];
      if (o === undefined) {
        enqueue({
          type: 'strategy.intent_refused',
          strategyId,
          clientOrderId: a.clientOrderId,
          code: ErrorCode.UNKNOWN_ORDER,
          message: `${a.kind}: ${a.clientOrderId} is not a working order of strategy ${strategyId}`,
          intent: a,
          tsEvent
        });
      } else if (a.kind === 'cancel') {
        // in flight from now, not from its order.pending_cancel: nothing acts on it as acknowledged meanwhile
        if (changeable(o.status)) open[a.clientOrderId] = { ...o, status: 'PENDING_CANCEL' };
        enqueue({
          type: 'strategy.cancel_requested',
          strategyId,
          clientOrderId: a.clientOrderId,
          instrumentId: o.instrumentId,
          intent: a,
          tsEvent
        });
      } else {
        if (changeable(o.status)) {
          open[a.clientOrderId] = {
            ...o,
            status: 'PENDING_REPLACE',
            ...(a.limitPx !== undefined ? { replacingPx: a.limitPx } : {})
          };
          contingent = ownReplace(contingent, a.clientOrderId, o.filled + Math.abs(o.leaves), a.qty);
        }
        enqueue({
          type: 'strategy.replace_requested',
          strategyId,
          clientOrderId: a.clientOrderId,
          instrumentId: o.instrumentId,
          newClientOrderId: `${ctx.prefix}-${++n}`,
          intent: a,
          tsEvent
        });
      }
      continue;
    }
    submit(a);
  }
  return { emitted, ctx: { ...ctx, nextOrder: n, open, contingent } };
}

/** What a halted strategy (or its contingent orders) asked for, said to be discarded with the halt's reason. */
function discarded(
  ctx: StrategyContext,
  intents: readonly StrategyAction[],
  tsEvent: Nanos
): StrategyIntentsDiscarded {
  return {
    type: 'strategy.intents_discarded',
    strategyId: ctx.strategy.id,
    reason: ctx.haltReason ?? 'halted',
    intents,
    tsEvent
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
  return { positions, open: applyOrderEventToWorking(ctx.open, e), orderEvents: ctx.orderEvents + 1 };
}

/**
 * The strategy's answer to an event it is shown, with the event's time: `onBar` for a bar, `onQuote` / `onTrade`
 * for a quote or trade and `onOrderEvent` for one of its orders' events, when it has the hook; undefined otherwise.
 */
function answerOf(
  ctx: StrategyContext,
  e: StrategyEvent
): { readonly actions: readonly StrategyAction[]; readonly tsEvent: Nanos } | undefined {
  const s = ctx.strategy;
  let actions: readonly StrategyAction[] | undefined;
  let tsEvent: Nanos;
  switch (e.type) {
    case 'market.bar':
      actions = s.onBar(e, viewOf(ctx));
      tsEvent = e.tsEvent;
      break;
    case 'market.quote':
      actions = s.onQuote?.(e, viewOf(ctx));
      tsEvent = e.tsEvent;
      break;
    case 'market.trade':
      actions = s.onTrade?.(e, viewOf(ctx));
      tsEvent = e.tsEvent;
      break;
    case 'strategy.order_event':
      actions = s.onOrderEvent?.(e.event, viewOf(ctx));
      tsEvent = e.event.tsEvent;
      break;
    default:
      return undefined;
  }
  return actions === undefined ? undefined : { actions, tsEvent };
}

/**
 * The contingent orders an order event calls for (a bracket's exits, OCO cancels and reductions) and the context that follows
 * them; undefined for any other event (market data allocates nothing here).
 */
function contingentStep(
  ctx: StrategyContext,
  e: StrategyEvent
):
  | { readonly ctx: StrategyContext; readonly actions: readonly StrategyAction[]; readonly tsEvent: Nanos }
  | undefined {
  if (e.type !== 'strategy.order_event') return undefined;
  const c = contingentActions(ctx.contingent, e.event, ctx.open, ctx.venueOco);
  return {
    ctx: c.next === ctx.contingent ? ctx : { ...ctx, contingent: c.next },
    actions: c.actions,
    tsEvent: e.event.tsEvent
  };
}

/** What a strategy actor is started with. */
export interface StrategyInput {
  readonly strategy: Strategy;
  readonly start: Nanos;
  /** Client order id prefix; default the strategy id. */
  readonly orderIdPrefix?: string;
  /** The books `view.book` shows (default: none). */
  readonly books?: (instrumentId: string) => BookView | undefined;
  /** The venue honours OCO groups itself ({@link OrderVenue.oco}); default false: this actor sends the cancels. */
  readonly venueOco?: boolean;
}

export const strategyMachine = setup({
  types: {
    context: {} as StrategyContext,
    events: {} as StrategyEvent,
    input: {} as StrategyInput,
    emitted: {} as StrategyEmitted
  },
  actors: {
    /** The market-data stream (bars and quotes); provided by the wiring with `fromEventObservable(() => data$)`. */
    marketData: fromEventObservable<Bar | Quote | Trade, void>(() => EMPTY)
  },
  actions: {
    observeBar: assign(({ context, event }) =>
      event.type === 'market.bar' ? { now: event.tsEvent, bars: context.bars + 1 } : {}
    ),
    observeTick: assign(({ event }) =>
      event.type === 'market.quote' || event.type === 'market.trade' ? { now: event.tsEvent } : {}
    ),
    /**
     * Send what the event makes due of the strategy's contingent orders, then show the strategy the event (its view
     * already updated, those orders included) and act on its answer.
     */
    respond: enqueueActions(({ context, event, enqueue }) => {
      const step = contingentStep(context, event);
      let ctx = step?.ctx ?? context;
      if (step !== undefined && step.actions.length > 0) {
        const r = act(ctx, step.actions, step.tsEvent);
        for (const e of r.emitted) enqueue(emit(e));
        ctx = r.ctx;
      }
      const a = answerOf(ctx, event);
      if (a !== undefined && a.actions.length > 0) {
        const r = act(ctx, a.actions, a.tsEvent);
        for (const e of r.emitted) enqueue(emit(e));
        ctx = r.ctx;
      }
      if (ctx !== context)
        enqueue(assign({ nextOrder: ctx.nextOrder, open: ctx.open, contingent: ctx.contingent }));
    }),
    /**
     * Halted: the strategy is still shown the event (its indicators stay warm), but its answer is discarded, and
     * a non-empty one is emitted as `strategy.intents_discarded` so the log shows what it wanted.
     */
    discard: enqueueActions(({ context, event, enqueue }) => {
      const step = contingentStep(context, event);
      if (step !== undefined && step.ctx !== context)
        enqueue(assign({ contingent: unsent(step.ctx.contingent, step.actions) }));
      const a = answerOf(step?.ctx ?? context, event);
      const intents = [...(step?.actions ?? []), ...(a?.actions ?? [])];
      const at = a ?? step;
      if (intents.length > 0 && at !== undefined) enqueue(emit(discarded(context, intents, at.tsEvent)));
    }),
    noteHalt: assign(({ event }) => (event.type === 'strategy.halt' ? { haltReason: event.reason } : {})),
    clearHalt: assign({ haltReason: undefined }),
    /**
     * Take the node's positions and working orders and the contingencies it kept; catch those up with the missed
     * order events and send what they make due (discarded, and said so, while halted).
     */
    restore: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'strategy.restore') return;
      let ctx: StrategyContext = {
        ...context,
        positions: event.positions,
        open: event.open,
        nextOrder: Math.max(context.nextOrder, event.issued),
        contingent: event.contingent ?? context.contingent
      };
      const missed = event.missed ?? [];
      const c = catchUpContingencies(ctx.contingent, missed, ctx.open, ctx.venueOco);
      ctx = { ...ctx, contingent: c.next };
      const tsEvent = missed.at(-1)?.tsEvent ?? context.now;
      if (c.actions.length > 0 && context.haltReason !== undefined) {
        enqueue(emit(discarded(context, c.actions, tsEvent)));
        ctx = { ...ctx, contingent: unsent(ctx.contingent, c.actions) };
      } else if (c.actions.length > 0) {
        const r = act(ctx, c.actions, tsEvent);
        for (const e of r.emitted) enqueue(emit(e));
        ctx = r.ctx;
      }
      enqueue(
        assign({
          positions: ctx.positions,
          open: ctx.open,
          nextOrder: ctx.nextOrder,
          contingent: ctx.contingent,
          orderEvents: context.orderEvents + missed.length,
          restores: context.restores + 1
        })
      );
    }),
    requestRefused: assign(({ context, event }) => {
      if (event.type !== 'strategy.request_refused') return {};
      const id = event.clientOrderId;
      const o = context.open[id];
      return {
        // refused while the order waits on another request (PENDING_*): that one is still in flight; refused while
        // nothing is, it was the one we follow
        ...(changeable(event.status) ? { contingent: requestRefused(context.contingent, id) } : {}),
        ...(o !== undefined && !ORDER_DONE_STATES.has(event.status)
          ? { open: { ...context.open, [id]: withStatus(o, event.status) } }
          : {})
      };
    }),
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
    bars: 0,
    books: input.books,
    haltReason: undefined,
    contingent: NO_CONTINGENCIES,
    venueOco: input.venueOco ?? false,
    orderEvents: 0,
    restores: 0
  }),
  invoke: { src: 'marketData' },
  on: {
    'strategy.restore': { actions: 'restore' },
    'strategy.request_refused': { actions: 'requestRefused' }
  },
  initial: 'running',
  states: {
    running: {
      on: {
        'market.bar': { actions: ['observeBar', 'respond'] },
        'market.quote': { actions: ['observeTick', 'respond'] },
        'market.trade': { actions: ['observeTick', 'respond'] },
        'strategy.order_event': { actions: ['applyOrderEvent', 'respond'] },
        'strategy.halt': { target: 'halted', actions: 'noteHalt' }
      }
    },
    halted: {
      on: {
        'market.bar': { actions: ['observeBar', 'discard'] },
        'market.quote': { actions: ['observeTick', 'discard'] },
        'market.trade': { actions: ['observeTick', 'discard'] },
        'strategy.order_event': { actions: ['applyOrderEvent', 'discard'] },
        'strategy.resume': { target: 'running', actions: 'clearHalt' }
      }
    }
  }
});
