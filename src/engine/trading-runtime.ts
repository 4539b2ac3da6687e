import { startTradingNode, type TradingNode } from '../actors/trading-node.actor.ts';
import type { BookView } from '../book/book-view.ts';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode } from '../core/errors.ts';
import { type Instrument, moneyFromNumber, moneyToNumber } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import type { EventLog } from '../log/event-log.ts';
import type { OrderEmitted } from '../machines/order.machine.ts';
import type { StrategyEmitted } from '../machines/strategy.machine.ts';
import type { ChildSpec } from '../machines/supervisor.machine.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../messages/commands.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';
import type { Bar, Quote, Trade } from '../messages/market-data.ts';
import { intentOco } from '../oms/contingent-orders.ts';
import { applyOrderEventToWorking, signedQty, type WorkingOrders } from '../oms/working-orders.ts';
import { Portfolio } from '../portfolio/portfolio.ts';
import { ReplacementRiskView } from '../risk/replacement-view.ts';
import { RiskEngine, type RiskVerdict } from '../risk/risk-engine.ts';
import { RiskState } from '../risk/risk-state.ts';
import type { Strategy } from '../strategies/strategy.ts';
import { type MarketDataStream, marketData, type StrategyMarketData } from '../streams/market-data.stream.ts';
import type { Clock } from '../time/clock.ts';
import type { OrderVenue } from '../venue/venue.ts';

/** What a run is made of; the same for a backtest and a paper or live session. */
export interface TradingRuntimeOptions {
  readonly config: RunConfig;
  readonly instruments: readonly Instrument[];
  /** The one source of time (simulated in a backtest, the wall clock live). */
  readonly clock: Clock;
  /** Where order actors send their commands: the execution emulator, or a live gateway behind an adapter. */
  readonly venue: OrderVenue;
  readonly strategy: Strategy;
  readonly log: EventLog;
  /** The node's start time (event time). */
  readonly start: Nanos;
  /** Gateway and feed actors to run under the node's gateway supervisor (none in a backtest). */
  readonly gateways?: readonly ChildSpec[];
  /**
   * Appended to each strategy's client order id prefix (`<strategyId>-<tag>-<n>`), so ids never repeat across
   * sessions at a live venue (Alpaca refuses a reused `client_order_id`). None in a backtest.
   */
  readonly clientIdTag?: string;
  /**
   * Order books the strategy's view shows (`view.book`): a tick backtest's market book, or a live feed's
   * depth. Default none.
   */
  readonly books?: (instrumentId: string) => BookView | undefined;
}

/** Counters of a run. */
export interface RunCounts {
  /** Orders the strategy asked for (risk-denied ones included). */
  orders: number;
  fills: number;
  /** Rejected by the venue or denied by risk. */
  rejected: number;
}

/**
 * The wiring every mode shares: market data → strategy actor → pre-trade risk → order actors (via the OMS)
 * → venue; execution reports → order actors → portfolio, risk state, the strategy's own view; the kill
 * switch watching data, P&L and exposure; every step appended to the event log.
 * Who moves time and where reports come from is the caller's: the backtest drains the emulator as its
 * simulated clock advances, the live runner delivers reports as the gateway pushes them.
 */
export class TradingRuntime {
  readonly node: TradingNode;
  readonly portfolio: Portfolio;
  readonly riskEngine: RiskEngine;
  readonly riskState: RiskState;
  /** The market-data stream strategy actors subscribe to. */
  readonly feed: MarketDataStream;
  readonly counts: RunCounts = { orders: 0, fills: 0, rejected: 0 };
  readonly #log: EventLog;
  readonly #clock: Clock;
  readonly #byId: ReadonlyMap<string, Instrument>;
  /** The node's own view of each strategy (restored into a strategy actor after a restart). */
  readonly #strategyPositions = new Map<string, Record<string, number>>();
  readonly #strategyWorking = new Map<string, WorkingOrders>();
  /** Client order ids issued per strategy (a restarted strategy numbers on from there). */
  readonly #issued = new Map<string, number>();

  constructor(o: TradingRuntimeOptions) {
    const { config, instruments, clock, log } = o;
    this.#log = log;
    this.#clock = clock;
    this.#byId = new Map(instruments.map((i) => [i.id, i] as const));
    this.portfolio = new Portfolio(moneyFromNumber(config.portfolio.cash), this.#byId);
    this.feed = marketData();
    this.riskEngine = new RiskEngine(config.risk, instruments, (validator, instrumentId, fraction) =>
      log.append(clock.now(), 'risk.warning', 'risk', { instrumentId }, { validator, fraction })
    );
    this.riskState = new RiskState(instruments, clock, () => moneyToNumber(this.portfolio.equity()));
    this.node = startTradingNode({
      clock,
      venue: o.venue,
      config,
      strategies: [o.strategy],
      ...(o.gateways ? { gateways: o.gateways } : {}),
      ...(o.clientIdTag ? { orderIdPrefix: (id: string) => `${id}-${o.clientIdTag}` } : {}),
      ...(o.books ? { books: o.books } : {}),
      data$: this.feed.data$,
      start: o.start,
      onOrderEvent: (e) => this.#onOrderEvent(e),
      onStrategyEvent: (e) => this.#onStrategyEvent(e),
      onOmsEvent: (e) => {
        if (e.type === 'oms.refused' || e.type === 'oms.late_report')
          log.append(e.tsEvent, e.type, 'oms', { clientOrderId: e.clientOrderId }, e);
        if (e.type === 'oms.cancel_all_requested') log.append(e.tsEvent, e.type, 'oms', {}, e);
      },
      onKillSwitchEvent: (e) => {
        log.append(e.tsEvent, e.type, 'kill-switch', {}, e);
        this.riskState.setTradingState(e.to);
      },
      onSupervisorEvent: (e) => log.append(clock.now(), e.type, 'supervisor', {}, e),
      restoreStrategy: (id) => ({
        type: 'strategy.restore',
        positions: { ...(this.#strategyPositions.get(id) ?? {}) },
        open: this.#strategyWorking.get(id) ?? {},
        issued: this.#issued.get(id) ?? 0
      })
    });
  }

  /** Hand one execution report to the order actors (logged first). */
  deliver(report: ExecutionReport): void {
    this.#log.append(
      report.tsEvent,
      'exec.report',
      'venue',
      { clientOrderId: report.clientOrderId, venueOrderId: report.venueOrderId },
      report
    );
    this.node.sendToOms({ type: 'exec.report', report });
  }

  /** A bar has closed: mark the portfolio and the risk engine's mid at its close, and log it. */
  mark(bar: Bar): void {
    this.portfolio.mark(bar.instrumentId, bar.close);
    this.riskState.setMid(bar.instrumentId, bar.close);
    this.#log.append(bar.tsEvent, bar.type, 'feed', { instrumentId: bar.instrumentId }, bar);
  }

  /**
   * The top of book changed: mark the portfolio at the mid (rounded down to the tick), give the risk engine the
   * exact mid (a half tick allowed), and log the quote.
   */
  markQuote(q: Quote): void {
    const mid2 = q.bidPx + q.askPx;
    this.portfolio.mark(q.instrumentId, Math.floor(mid2 / 2));
    this.riskState.setMid(q.instrumentId, mid2 / 2);
    this.logTrade(q);
  }

  /** Log a trade (print) before it is shown to the strategies (a quote is logged by {@link markQuote}). */
  logTrade(e: Quote | Trade): void {
    this.#log.append(e.tsEvent, e.type, 'feed', { instrumentId: e.instrumentId }, e);
  }

  /** Show a (marked) bar, quote or trade to the strategy actors. */
  publish(e: StrategyMarketData): void {
    this.feed.publish(e);
  }

  /** Orders working now (sent and not yet filled, canceled, expired or rejected), over all strategies. */
  workingCount(): number {
    let n = 0;
    for (const w of this.#strategyWorking.values()) n += Object.keys(w).length;
    return n;
  }

  /** True for instruments this run trades. */
  trades(instrumentId: string): boolean {
    return this.#byId.has(instrumentId);
  }

  /** What the kill switch watches, once per timestamp: data alive, P&L and equity, exposure. */
  observe(ts: Nanos, equity: bigint): void {
    const node = this.node;
    node.sendToKillSwitch({ type: 'md.tick', tsEvent: ts });
    node.sendToKillSwitch({
      type: 'pnl.updated',
      pnl: equity - this.portfolio.startCash,
      equity,
      tsEvent: ts
    });
    let maxAbs = 0;
    let gross = 0;
    for (const p of this.portfolio.positions()) {
      const a = Math.abs(p.qty);
      gross += a;
      if (a > maxAbs) maxAbs = a;
    }
    node.sendToKillSwitch({
      type: 'exposure.updated',
      maxAbsPosition: maxAbs,
      grossPosition: gross,
      tsEvent: ts
    });
  }

  /** The run's closing record: counts, equity, realized P&L, commissions, positions. */
  logCompleted(ts: Nanos, bars: number): void {
    const p = this.portfolio;
    this.#log.append(
      ts,
      'run.completed',
      'engine',
      {},
      {
        bars,
        ...this.counts,
        equity: p.equity(),
        realized: p.realized(),
        commissions: p.commissions(),
        positions: p.snapshot()
      }
    );
  }

  stop(): void {
    this.feed.complete();
    this.node.stop();
  }

  #onOrderEvent(e: OrderEmitted): void {
    const log = this.#log;
    const node = this.node;
    if (e.type === 'order.refused') {
      log.append(e.tsEvent, e.type, 'order', { clientOrderId: e.clientOrderId }, e);
      // a fill heard twice (a status query is answered with the latest report, a resend) is refused and logged, but
      // it is no error of ours or the venue's: it does not count toward the kill switch's error limit
      if (e.code !== ErrorCode.DUPLICATE_FILL)
        node.sendToKillSwitch({ type: 'error.raised', code: e.code, tsEvent: e.tsEvent });
      // a replace the order itself refused no longer counts in pre-trade risk (see #replace)
      if (e.event === 'order.replace') this.riskState.replaceRefused(e.clientOrderId);
      // a cancel or replace the order itself refused never reached the venue: its strategy stops waiting on it
      const strategyId =
        e.event === 'order.cancel' || e.event === 'order.replace'
          ? node.order(e.clientOrderId)?.submitted.strategyId
          : undefined;
      if (strategyId !== undefined)
        node.sendToStrategy(strategyId, {
          type: 'strategy.request_refused',
          clientOrderId: e.clientOrderId,
          status: e.status
        });
      return;
    }
    log.append(e.tsEvent, e.type, 'order', orderIds(e), e);
    this.riskState.onOrderEvent(e);
    this.#strategyWorking.set(
      e.strategyId,
      applyOrderEventToWorking(this.#strategyWorking.get(e.strategyId) ?? {}, e)
    );
    if (e.type === 'order.filled' && e.lastQty !== undefined && e.lastPx !== undefined) {
      this.counts.fills++;
      const portfolio = this.portfolio;
      portfolio.applyFill(e.instrumentId, e.side, e.lastQty, e.lastPx, e.lastCommission ?? 0n, e.tsEvent);
      const pos = this.#strategyPositions.get(e.strategyId) ?? {};
      pos[e.instrumentId] = (pos[e.instrumentId] ?? 0) + signedQty(e.side, e.lastQty);
      this.#strategyPositions.set(e.strategyId, pos);
      const p = portfolio.position(e.instrumentId);
      log.append(
        e.tsEvent,
        'portfolio.position_changed',
        'portfolio',
        { instrumentId: e.instrumentId },
        { qty: p?.qty ?? 0, cost: p?.cost ?? 0n, realized: p?.realized ?? 0n, cash: portfolio.cash }
      );
    }
    if (e.type === 'order.rejected') node.sendToKillSwitch({ type: 'order.rejected', tsEvent: e.tsEvent });
    if (e.type === 'order.rejected' || e.type === 'order.denied' || e.type === 'order.replace_denied') {
      this.counts.rejected++;
    }
    node.sendToStrategy(e.strategyId, { type: 'strategy.order_event', event: e });
  }

  #onStrategyEvent(req: StrategyEmitted): void {
    const now = this.#clock.now();
    switch (req.type) {
      case 'strategy.order_requested':
        this.#submit(req, now);
        return;
      case 'strategy.cancel_requested':
        this.#cancel(req, now);
        return;
      case 'strategy.replace_requested':
        this.#replace(req, now);
        return;
      case 'strategy.intents_discarded':
        this.#log.append(now, req.type, 'strategy', { strategyId: req.strategyId }, req);
        return;
      case 'strategy.intent_refused':
        this.#log.append(
          now,
          req.type,
          'strategy',
          {
            ...(req.clientOrderId !== undefined ? { clientOrderId: req.clientOrderId } : {}),
            strategyId: req.strategyId
          },
          req
        );
        return;
    }
  }

  #submit(req: Extract<StrategyEmitted, { type: 'strategy.order_requested' }>, now: Nanos): void {
    this.#issued.set(req.strategyId, (this.#issued.get(req.strategyId) ?? 0) + 1);
    const i = req.intent;
    const command: SubmitOrder = {
      type: 'order.submit',
      commandId: `${req.clientOrderId}:submit`,
      tsInit: now,
      strategyId: req.strategyId,
      instrumentId: i.instrumentId,
      clientOrderId: req.clientOrderId,
      side: i.side,
      orderType: i.orderType,
      qty: i.qty,
      tif: i.tif,
      reason: i.reason,
      ...prices(i.limitPx, i.stopPx),
      ...intentOco(i)
    };
    const risk = this.riskEngine.check(command, this.riskState);
    this.counts.orders++;
    this.#logCommand(now, command);
    this.#logRisk(now, command.clientOrderId, risk);
    this.node.sendToOms({ type: 'order.submit', command, risk });
  }

  #cancel(req: Extract<StrategyEmitted, { type: 'strategy.cancel_requested' }>, now: Nanos): void {
    const command: CancelOrder = {
      type: 'order.cancel',
      commandId: `${req.clientOrderId}:cancel:${now}`,
      tsInit: now,
      strategyId: req.strategyId,
      instrumentId: req.instrumentId,
      clientOrderId: req.clientOrderId,
      reason: req.intent.reason,
      actor: 'strategy',
      why: 'signal'
    };
    this.#logCommand(now, command);
    this.node.sendToOms({ type: 'order.cancel', command });
  }

  /**
   * A strategy's cancel-replace, checked by pre-trade risk as the order it would become (its remaining quantity at
   * the new price, with the original's leaves left out of the open quantities). The verdict goes to the order with
   * the replace: a denied one is logged (`risk.failed`), recorded by the order as `order.replace_denied` (which
   * the strategy's `onOrderEvent` sees) and counted as rejected; the order stays as it was. A pure size decrease
   * (a smaller quantity, the same prices) only lowers exposure and, like a cancel, is not checked: a reducing-only
   * book or a spent throttle must not keep an exit larger than the position it closes (a reduce group's replace).
   */
  #replace(req: Extract<StrategyEmitted, { type: 'strategy.replace_requested' }>, now: Nanos): void {
    this.#issued.set(req.strategyId, (this.#issued.get(req.strategyId) ?? 0) + 1);
    const i = req.intent;
    const command: ReplaceOrder = {
      type: 'order.replace',
      commandId: `${req.newClientOrderId}:replace`,
      tsInit: now,
      strategyId: req.strategyId,
      instrumentId: req.instrumentId,
      clientOrderId: req.clientOrderId,
      newClientOrderId: req.newClientOrderId,
      reason: i.reason,
      actor: 'strategy',
      why: 'signal',
      ...(i.qty !== undefined ? { qty: i.qty } : {}),
      ...prices(i.limitPx, i.stopPx)
    };
    this.#logCommand(now, command);
    const o = this.node.order(req.clientOrderId);
    const decrease =
      o !== undefined &&
      i.qty !== undefined &&
      i.qty < o.qty &&
      (i.limitPx === undefined || i.limitPx === o.limitPx) &&
      (i.stopPx === undefined || i.stopPx === o.stopPx);
    if (o !== undefined && !decrease) {
      // risk sees the replacement as a new order for what would remain
      const leaves = o.qty - o.filledQty;
      const after = (i.qty ?? o.qty) - o.filledQty;
      const asOrder: SubmitOrder = {
        ...o.submitted,
        commandId: command.commandId,
        tsInit: now,
        clientOrderId: req.newClientOrderId,
        qty: Math.max(1, after),
        ...prices(i.limitPx ?? o.limitPx, i.stopPx ?? o.stopPx)
      };
      const index = this.riskEngine.instrumentIndex(o.instrumentId);
      const view = new ReplacementRiskView(
        this.riskState,
        o.instrumentId,
        index,
        o.side,
        Math.max(0, leaves),
        moneyToNumber(this.#byId.get(o.instrumentId)!.tickLotValue)
      );
      const risk = this.riskEngine.check(asOrder, view);
      this.#logRisk(now, req.newClientOrderId, risk);
      // noted before it is sent (the order may answer at once), under the order's current id, so risk can match the
      // order's answers to it: passed, until the order refuses it or the venue answers, the order counts at the
      // worst of what it is and what it may become; denied, it counts nothing (the order records
      // order.replace_denied, shown to the strategy, or refuses it, and stays as it was)
      if (risk.ok) this.riskState.onReplaceSent(o.clientOrderId, i.qty, i.limitPx);
      else this.riskState.onReplaceSent(o.clientOrderId);
      this.node.sendToOms({ type: 'order.replace', command, risk });
      return;
    }
    // a size decrease goes unchecked (noted all the same: the order answers it like any other); an order the OMS no
    // longer has is refused there (TRD_ERR_UNKNOWN_ORDER), and logged
    if (o !== undefined) this.riskState.onReplaceSent(o.clientOrderId, i.qty, i.limitPx);
    this.node.sendToOms({ type: 'order.replace', command });
  }

  #logCommand(now: Nanos, c: SubmitOrder | CancelOrder | ReplaceOrder): void {
    const ids = {
      clientOrderId: c.clientOrderId,
      strategyId: c.strategyId,
      instrumentId: c.instrumentId,
      commandId: c.commandId
    };
    this.#log.append(now, c.type, 'strategy', ids, c);
  }

  #logRisk(now: Nanos, clientOrderId: string, risk: RiskVerdict): void {
    this.#log.append(now, risk.ok ? 'risk.passed' : 'risk.failed', 'risk', { clientOrderId }, risk);
  }
}

/** The price fields of a command, without keys for absent prices. */
function prices(
  limitPx: number | undefined,
  stopPx: number | undefined
): { limitPx?: number; stopPx?: number } {
  return {
    ...(limitPx !== undefined ? { limitPx } : {}),
    ...(stopPx !== undefined ? { stopPx } : {})
  };
}

function orderIds(e: Exclude<OrderEmitted, { type: 'order.refused' }>) {
  return {
    clientOrderId: e.clientOrderId,
    strategyId: e.strategyId,
    instrumentId: e.instrumentId,
    ...(e.venueOrderId !== undefined ? { venueOrderId: e.venueOrderId } : {})
  };
}
