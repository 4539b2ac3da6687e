import type { Observable } from 'rxjs';
import { type Actor, type AnyActorRef, createActor, enqueueActions, fromEventObservable } from 'xstate';
import type { BookView } from '../book/book-view.ts';
import type { RunConfig } from '../config/schema.ts';
import type { Nanos } from '../core/nanos.ts';
import {
  type KillSwitchEmitted,
  killSwitchInputFromConfig,
  killSwitchMachine
} from '../machines/kill-switch.machine.ts';
import { type OmsEmitted, type OmsEvent, type omsMachine, orderSystemId } from '../machines/oms.machine.ts';
import type { OrderContext, OrderEmitted } from '../machines/order.machine.ts';
import { type StrategyEmitted, type StrategyEvent, strategyMachine } from '../machines/strategy.machine.ts';
import type { ChildSpec, SupervisorEmitted } from '../machines/supervisor.machine.ts';
import { NodeIds, tradingNodeMachine } from '../machines/trading-node.machine.ts';
import type { OrderEvent } from '../messages/order-events.ts';
import { type Contingencies, NO_CONTINGENCIES } from '../oms/contingent-orders.ts';
import type { Strategy } from '../strategies/strategy.ts';
import type { StrategyMarketData } from '../streams/market-data.stream.ts';
import type { Clock } from '../time/clock.ts';
import type { OrderVenue } from '../venue/venue.ts';
import { listenToOrderSystem, provideOms } from './order-system.actor.ts';

export interface TradingNodeOptions {
  readonly clock: Clock;
  readonly venue: OrderVenue;
  readonly config: Pick<RunConfig, 'killSwitch' | 'supervision'>;
  readonly strategies: readonly Strategy[];
  /** Gateway and feed actors to run under the gateway supervisor (none in a backtest). */
  readonly gateways?: readonly ChildSpec[];
  /** Bars and quotes for the strategy actors. */
  readonly data$: Observable<StrategyMarketData>;
  /** The node's start time (event time). */
  readonly start: Nanos;
  readonly onOrderEvent: (e: OrderEmitted) => void;
  readonly onOmsEvent: (e: OmsEmitted) => void;
  readonly onStrategyEvent: (e: StrategyEmitted) => void;
  readonly onKillSwitchEvent: (e: KillSwitchEmitted) => void;
  readonly onSupervisorEvent: (e: SupervisorEmitted) => void;
  /** Client order ids of strategy `s` are `<orderIdPrefix(s)>-<n>`; default the strategy id. */
  readonly orderIdPrefix?: (strategyId: string) => string;
  /** Order books the strategies' views show (tick backtests on order-level data); default none. */
  readonly books?: (instrumentId: string) => BookView | undefined;
  /**
   * A restarted strategy asks for the positions and working orders the node knows it has (the node adds the
   * contingencies it kept and the order events the strategy missed).
   */
  readonly restoreStrategy: (
    strategyId: string
  ) => Omit<Extract<StrategyEvent, { type: 'strategy.restore' }>, 'contingent' | 'missed'>;
}

/** A running trading node: the root actor and typed access to its long-lived children. */
export interface TradingNode {
  readonly root: Actor<typeof tradingNodeMachine>;
  sendToOms(e: OmsEvent): void;
  /**
   * Send to a strategy actor. An order event is also kept until the actor has applied it, so one it fails on or
   * one sent while it is being restarted reaches its restore; anything else sent while it is down is dropped.
   */
  sendToStrategy(strategyId: string, e: StrategyEvent): void;
  sendToKillSwitch(e: Parameters<Actor<typeof killSwitchMachine>['send']>[0]): void;
  killSwitch(): AnyActorRef;
  /** The state of the working order a client order id names (a cancel-replace successor names its original), if any. */
  order(clientOrderId: string): OrderContext | undefined;
  /**
   * The session is stopping: halt every strategy for good (a strategy restarted later comes back halted), so
   * nothing it does from here on (a bar, its order's cancel) sends an order. Its intents are discarded.
   */
  haltStrategies(reason: string): void;
  stop(): void;
}

/** The halt reason of a strategy halted by the kill switch (a reset resumes only those). */
const KILL_SWITCH_HALT = 'kill switch';

/**
 * Start a trading node: the kill switch, the OMS (order actors' I/O going to `venue`) and one supervised
 * actor per strategy, each fed by `data$` (bars and quotes) through XState's `fromEventObservable`. When the kill switch halts,
 * every working order is cancelled (mass cancel, audited as system/risk, held in force while halted: an order a
 * cancel reject returns to working is canceled again) and strategies are halted; its reset lifts the mass cancel and
 * resumes the strategies it halted (not while the session stops). A restarted strategy gets its positions and
 * working orders back before its next bar, and its brackets and OCO groups caught up with the order events it missed.
 */
export function startTradingNode(opts: TradingNodeOptions): TradingNode {
  let node: Actor<typeof tradingNodeMachine> | undefined;
  const get = (id: string): AnyActorRef | undefined => node?.system.get(id);
  /** Why the session halted every strategy for good, once it did. */
  let stopping: string | undefined;

  // built-in sendTo, not a custom action calling send(): the OMS and the strategies handle these at once either
  // way, but what they emit while a custom action runs makes XState print a development warning
  const killSwitch = killSwitchMachine.provide({
    actions: {
      cancelAllOrders: enqueueActions(({ enqueue, system }) => {
        const now = opts.clock.now();
        const oms = system.get(NodeIds.oms) as AnyActorRef | undefined;
        if (oms) {
          enqueue.sendTo(oms, {
            type: 'order.cancel_all',
            commandId: `killswitch:${now}`,
            tsInit: now,
            actor: 'system',
            why: 'risk',
            reason: 'kill switch halted trading',
            hold: true
          } satisfies OmsEvent);
        }
        for (const s of opts.strategies) {
          const ref = system.get(NodeIds.strategy(s.id)) as AnyActorRef | undefined;
          if (ref) enqueue.sendTo(ref, { type: 'strategy.halt', reason: KILL_SWITCH_HALT });
        }
      }),
      resumeTrading: enqueueActions(({ enqueue, system }) => {
        const oms = system.get(NodeIds.oms) as AnyActorRef | undefined;
        if (oms)
          enqueue.sendTo(oms, {
            type: 'order.cancel_all_lifted',
            tsInit: opts.clock.now()
          } satisfies OmsEvent);
        // the strategies the halt halted (not those halted for another reason), unless the session is stopping
        if (stopping !== undefined) return;
        for (const s of opts.strategies) {
          const ref = system.get(NodeIds.strategy(s.id)) as Actor<typeof strategyMachine> | undefined;
          const snap = ref?.getSnapshot();
          if (ref && snap?.value === 'halted' && snap.context.haltReason === KILL_SWITCH_HALT)
            enqueue.sendTo(ref, { type: 'strategy.resume' });
        }
      })
    }
  });
  const strategyLogic = strategyMachine.provide({
    actors: { marketData: fromEventObservable(() => opts.data$) }
  });

  node = createActor(
    tradingNodeMachine.provide({ actors: { oms: provideOms(opts.clock, opts.venue), killSwitch } }),
    {
      clock: opts.clock,
      input: {
        killSwitch: killSwitchInputFromConfig(opts.config.killSwitch, opts.start),
        strategies: {
          name: 'strategies',
          policy: opts.config.supervision,
          children: opts.strategies.map((strategy) => ({
            id: NodeIds.strategy(strategy.id),
            systemId: NodeIds.strategy(strategy.id),
            src: strategyLogic,
            input: {
              strategy,
              start: opts.start,
              ...(opts.orderIdPrefix ? { orderIdPrefix: opts.orderIdPrefix(strategy.id) } : {}),
              ...(opts.books ? { books: opts.books } : {}),
              venueOco: opts.venue.oco === true
            },
            restart: 'permanent' as const
          }))
        },
        gateways: { name: 'gateways', policy: opts.config.supervision, children: opts.gateways ?? [] }
      }
    }
  );
  /**
   * Per strategy: its contingencies as its actor last held them, and the order events sent to the actor that it
   * has not applied yet (`sentFrom` is the actor's `orderEvents` count at `unapplied[0]`: the events it has applied
   * before it, missed ones a restore caught up included). After a
   * restart, those are the events it missed: the one it failed on and any sent while it was down. A restarted
   * incarnation is `restoring` until a snapshot shows it took the restore: until then its snapshots (its empty
   * start, a halt) are not its contingencies, and if the restore fails the next restart has all it had.
   */
  const kept = new Map<
    string,
    { contingent: Contingencies; unapplied: OrderEvent[]; sentFrom: number; restoring: boolean }
  >();
  for (const s of opts.strategies)
    kept.set(s.id, { contingent: NO_CONTINGENCIES, unapplied: [], sentFrom: 0, restoring: false });
  /** The strategies' supervisor gave up (escalated): they are stopped for good. */
  let escalated = false;
  const listenStrategy = (id: string): void => {
    const ref = get(NodeIds.strategy(id)) as Actor<typeof strategyMachine> | undefined;
    if (!ref) return;
    ref.on('*', (e: unknown) => opts.onStrategyEvent(e as StrategyEmitted));
    const k = kept.get(id)!;
    ref.subscribe({
      next: (s) => {
        if (s.status !== 'active' || (k.restoring && s.context.restores === 0)) return;
        k.restoring = false;
        k.contingent = s.context.contingent;
        const drop = s.context.orderEvents - k.sentFrom;
        if (drop > 0) {
          k.unapplied.splice(0, drop);
          k.sentFrom += drop;
        }
      },
      error: () => {} // the supervisor restarts it
    });
  };
  node.start();
  listenToOrderSystem(get(NodeIds.oms)!, opts);
  get(NodeIds.killSwitch)!.on('*', (e: unknown) => opts.onKillSwitchEvent(e as KillSwitchEmitted));
  get(NodeIds.gateways)!.on('*', (e: unknown) => opts.onSupervisorEvent(e as SupervisorEmitted));
  get(NodeIds.strategies)!.on('*', (e: unknown) => {
    const ev = e as SupervisorEmitted;
    opts.onSupervisorEvent(ev);
    if (ev.type === 'supervisor.escalated') {
      // no restart will come: keep nothing more for the strategies
      escalated = true;
      for (const k of kept.values()) k.unapplied.length = 0;
    }
    if (ev.type === 'supervisor.child_restarted') {
      const id = ev.childId.slice('strategy:'.length);
      const k = kept.get(id)!;
      const missed = [...k.unapplied];
      // the new incarnation has applied none; the restore applies the missed ones (and counts them)
      kept.set(id, { contingent: k.contingent, unapplied: k.unapplied, sentFrom: 0, restoring: true });
      listenStrategy(id);
      // a strategy restarted while the kill switch holds trading halted, or the session stops, comes back halted
      // (first, so that what the missed events make due is discarded, not sent)
      if (stopping !== undefined) get(ev.childId)?.send({ type: 'strategy.halt', reason: stopping });
      else if (get(NodeIds.killSwitch)?.getSnapshot().value === 'HALTED')
        get(ev.childId)?.send({ type: 'strategy.halt', reason: KILL_SWITCH_HALT });
      get(ev.childId)?.send({ ...opts.restoreStrategy(id), contingent: k.contingent, missed });
    }
  });
  for (const s of opts.strategies) listenStrategy(s.id);

  return {
    root: node,
    sendToOms: (e) => get(NodeIds.oms)?.send(e),
    sendToStrategy: (id, e) => {
      // kept until the actor has applied it: one it fails on, or sent while it is down, is replayed on restore
      if (e.type === 'strategy.order_event' && !escalated) kept.get(id)?.unapplied.push(e.event);
      get(NodeIds.strategy(id))?.send(e);
    },
    sendToKillSwitch: (e) => get(NodeIds.killSwitch)?.send(e),
    killSwitch: () => get(NodeIds.killSwitch)!,
    order: (clientOrderId) => {
      const oms = get(NodeIds.oms) as Actor<typeof omsMachine> | undefined;
      const root = oms?.getSnapshot().context.index.rootOfClient(clientOrderId);
      return root === undefined ? undefined : get(orderSystemId(root))?.getSnapshot().context;
    },
    haltStrategies: (reason) => {
      stopping = reason;
      for (const s of opts.strategies) get(NodeIds.strategy(s.id))?.send({ type: 'strategy.halt', reason });
    },
    stop: () => node?.stop()
  };
}
