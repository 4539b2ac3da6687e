import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTradingNode } from '../actors/trading-node.actor.ts';
import { computeSummary } from '../analytics/summary.ts';
import type { EquityPoint, PerformanceSummary } from '../analytics/types.ts';
import type { RunConfig } from '../config/schema.ts';
import { type Instrument, moneyFromNumber, moneyToNumber } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import { Rng } from '../core/rng.ts';
import type { BarSource } from '../data/bar-source.ts';
import { type EventLog, JsonlEventLog, MemoryEventLog } from '../log/event-log.ts';
import type { OrderEmitted } from '../machines/order.machine.ts';
import type { StrategyEmitted } from '../machines/strategy.machine.ts';
import type { SubmitOrder } from '../messages/commands.ts';
import type { Bar } from '../messages/market-data.ts';
import { applyOrderEventToWorking, signedQty, type WorkingOrders } from '../oms/working-orders.ts';
import { Portfolio } from '../portfolio/portfolio.ts';
import { ReplayClock } from '../replay/replay-clock.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { RiskEngine } from '../risk/risk-engine.ts';
import { RiskState } from '../risk/risk-state.ts';
import { createStrategy } from '../strategies/registry.ts';
import type { Strategy } from '../strategies/strategy.ts';
import { marketData } from '../streams/market-data.stream.ts';
import { SimulatedClock } from '../time/clock.ts';
import { parseEmulatorConfig } from '../venue/emulator/emulator-config.ts';
import { ExecutionEmulator } from '../venue/emulator/execution-emulator.venue.ts';
import { instrumentsFor, openBars } from './bar-sources.ts';

export interface BacktestOptions {
  readonly config: RunConfig;
  /** The config file's path, named in errors. */
  readonly configFile: string;
  /** Overrides `config.seed`. */
  readonly seed?: number;
  /** Where `summary.json`, `events.jsonl` and `report.html` go; omit to keep everything in memory. */
  readonly outDir?: string;
  /** Called every few thousand bars with the bars done so far and the total when known. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Capture every component's state when the clock reaches this time (written to `snapshot.json`). */
  readonly snapshotAt?: Nanos;
  /** `fast` (default) or N× real time (1 = real time). */
  readonly speed?: 'fast' | number;
  /** Test hooks: replace the configured strategy or bar source. */
  readonly strategy?: Strategy;
  readonly bars?: BarSource;
}

export interface BacktestResult {
  readonly runId: string;
  readonly outDir: string | undefined;
  readonly seed: number;
  readonly summary: PerformanceSummary;
  readonly bars: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejected: number;
  readonly events: number;
  readonly equity: readonly EquityPoint[];
  readonly portfolio: Portfolio;
  /** The state of every registered component at `snapshotAt`, when asked. */
  readonly snapshot: { ts: Nanos; components: Record<string, unknown> } | undefined;
  /** In-memory log records when no `outDir` was given. */
  readonly log: EventLog;
}

/** A run id that depends only on what determines the run: name, seed and config. */
export function runIdOf(config: RunConfig, seed: number): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ ...config, seed }))
    .digest('hex')
    .slice(0, 8);
  return `${config.name}-s${seed}-${hash}`;
}

/**
 * Run a backtest: bars → RxJS market-data stream → strategy actor → order actors (via the OMS) →
 * basic risk → simulated venue → portfolio → analytics, every step logged. Single-threaded and
 * deterministic: all time comes from a simulated clock driven by the bars, all ids from counters.
 */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const { config } = opts;
  const seed = opts.seed ?? config.seed;
  const runId = runIdOf(config, seed);
  const instruments = instrumentsFor(config);
  const byId = new Map(instruments.map((i) => [i.id, i] as const));
  const { source, total } = opts.bars
    ? { source: opts.bars, total: undefined }
    : await openBars(config, instruments, seed);
  const strategy = opts.strategy ?? createStrategy(config.strategy, opts.configFile);

  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
  const log: EventLog = opts.outDir
    ? new JsonlEventLog(join(opts.outDir, 'events.jsonl'))
    : new MemoryEventLog();
  const clock = new SimulatedClock(0n);
  const venue = new ExecutionEmulator(
    parseEmulatorConfig({
      name: config.instruments.defaults.venue,
      fillModel: 'bar',
      latency: config.execution.latency,
      slippageBps: config.execution.slippage.bps,
      commission: config.execution.commission,
      liquidity: config.execution.liquidity,
      impact: config.execution.impact
    }),
    byId,
    new Rng(seed).fork('venue')
  );

  const portfolio = new Portfolio(moneyFromNumber(config.portfolio.cash), byId);
  let orders = 0;
  let fills = 0;
  let rejected = 0;

  log.append(
    0n,
    'run.started',
    'engine',
    {},
    { runId, seed, strategy: strategy.id, instruments: instruments.map((i) => i.id) }
  );

  const feed = marketData();
  const riskEngine = new RiskEngine(config.risk, instruments, (validator, instrumentId, fraction) =>
    log.append(clock.now(), 'risk.warning', 'risk', { instrumentId }, { validator, fraction })
  );
  const riskState = new RiskState(instruments, clock);
  // the node's own view of each strategy (restored into a strategy actor after a restart)
  const strategyPositions = new Map<string, Record<string, number>>();
  const strategyWorking = new Map<string, WorkingOrders>();

  const onOrderEvent = (e: OrderEmitted): void => {
    if (e.type === 'order.refused') {
      log.append(e.tsEvent, e.type, 'order', { clientOrderId: e.clientOrderId }, e);
      node.sendToKillSwitch({ type: 'error.raised', code: e.code, tsEvent: e.tsEvent });
      return;
    }
    log.append(e.tsEvent, e.type, 'order', ids(e), e);
    riskState.onOrderEvent(e);
    strategyWorking.set(e.strategyId, applyOrderEventToWorking(strategyWorking.get(e.strategyId) ?? {}, e));
    if (e.type === 'order.filled' && e.lastQty !== undefined && e.lastPx !== undefined) {
      fills++;
      portfolio.applyFill(e.instrumentId, e.side, e.lastQty, e.lastPx, e.lastCommission ?? 0n, e.tsEvent);
      const pos = strategyPositions.get(e.strategyId) ?? {};
      pos[e.instrumentId] = (pos[e.instrumentId] ?? 0) + signedQty(e.side, e.lastQty);
      strategyPositions.set(e.strategyId, pos);
      const p = portfolio.position(e.instrumentId);
      log.append(
        e.tsEvent,
        'portfolio.position_changed',
        'portfolio',
        { instrumentId: e.instrumentId },
        {
          qty: p?.qty ?? 0,
          cost: p?.cost ?? 0n,
          realized: p?.realized ?? 0n,
          cash: portfolio.cash
        }
      );
    }
    if (e.type === 'order.rejected') node.sendToKillSwitch({ type: 'order.rejected', tsEvent: e.tsEvent });
    if (e.type === 'order.rejected' || e.type === 'order.denied') rejected++;
    node.sendToStrategy(e.strategyId, { type: 'strategy.order_event', event: e });
  };

  const onStrategyEvent = (req: StrategyEmitted): void => {
    const now = clock.now();
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
      ...(i.limitPx !== undefined ? { limitPx: i.limitPx } : {}),
      ...(i.stopPx !== undefined ? { stopPx: i.stopPx } : {})
    };
    const risk = riskEngine.check(command, riskState);
    orders++;
    const cmdIds = {
      clientOrderId: command.clientOrderId,
      strategyId: command.strategyId,
      instrumentId: command.instrumentId,
      commandId: command.commandId
    };
    log.append(now, 'order.submit', 'strategy', cmdIds, command);
    log.append(
      now,
      risk.ok ? 'risk.passed' : 'risk.failed',
      'risk',
      { clientOrderId: command.clientOrderId },
      risk
    );
    node.sendToOms({ type: 'order.submit', command, risk });
  };

  const node = startTradingNode({
    clock,
    venue,
    config,
    strategies: [strategy],
    bars$: feed.bars$,
    start: 0n,
    onOrderEvent,
    onStrategyEvent,
    onOmsEvent: (e) => {
      if (e.type === 'oms.refused')
        log.append(e.tsEvent, e.type, 'oms', { clientOrderId: e.clientOrderId }, e);
      if (e.type === 'oms.cancel_all_requested') log.append(e.tsEvent, e.type, 'oms', {}, e);
    },
    onKillSwitchEvent: (e) => {
      log.append(e.tsEvent, e.type, 'kill-switch', {}, e);
      riskState.setTradingState(e.to);
    },
    onSupervisorEvent: (e) => log.append(clock.now(), e.type, 'supervisor', {}, e),
    restoreStrategy: (id) => ({
      type: 'strategy.restore',
      positions: { ...(strategyPositions.get(id) ?? {}) },
      open: strategyWorking.get(id) ?? {}
    })
  });

  /** Deliver the venue's reports whose (latency-delayed) time has come. */
  const drainVenue = (): void => {
    for (const report of venue.drainDue(clock.now())) {
      log.append(
        report.tsEvent,
        'exec.report',
        'venue',
        { clientOrderId: report.clientOrderId, venueOrderId: report.venueOrderId },
        report
      );
      node.sendToOms({ type: 'exec.report', report });
    }
  };

  const equity: EquityPoint[] = [{ ts: 0n, equity: moneyToNumber(portfolio.equity()) }];
  let bars = 0;

  /** What the kill switch watches, once per timestamp: data alive, P&L and equity, exposure. */
  const observe = (ts: Nanos, eq: bigint): void => {
    node.sendToKillSwitch({ type: 'md.tick', tsEvent: ts });
    node.sendToKillSwitch({ type: 'pnl.updated', pnl: eq - portfolio.startCash, equity: eq, tsEvent: ts });
    let maxAbs = 0;
    let gross = 0;
    for (const p of portfolio.positions()) {
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
  };

  /** One timestamp's bars (all symbols): delivered by the replay clock once the clock reads their close. */
  const runGroup = (delivered: readonly Bar[]): void => {
    const group = delivered.filter((b) => byId.has(b.instrumentId));
    if (group.length === 0) return;
    const tsEvent = group[0]!.tsEvent;
    let tsOpen = group[0]!.tsOpen;
    for (const b of group) if (b.tsOpen < tsOpen) tsOpen = b.tsOpen;
    if (equity.length === 1) equity[0] = { ts: tsOpen, equity: equity[0]!.equity };
    // 1. the bars open: working orders (sent at or before tsOpen) meet the new prices
    for (const bar of group) venue.onBar(bar);
    drainVenue();
    // 2. the bars close: mark, log, and only now show them to the strategy
    for (const bar of group) {
      portfolio.mark(bar.instrumentId, bar.close);
      riskState.setMid(bar.instrumentId, bar.close);
      log.append(bar.tsEvent, bar.type, 'feed', { instrumentId: bar.instrumentId }, bar);
    }
    for (const bar of group) {
      feed.publish(bar);
      drainVenue();
    }
    const eq = portfolio.equity();
    equity.push({ ts: tsEvent, equity: moneyToNumber(eq) });
    observe(tsEvent, eq);
    bars += group.length;
    if (opts.onProgress && bars % 4096 < 64) opts.onProgress(bars, total);
  };

  // time is the replay clock's: it advances the simulated clock (firing due timers) and delivers each
  // timestamp's bars at their close, as fast as possible or paced at N× real time
  const replay = new ReplayClock(source, { clock, speed: opts.speed ?? 'fast' });
  replay.register('portfolio', { snapshot: () => portfolio.snapshot() });
  replay.register('strategy', { snapshot: () => strategy.snapshot() });
  replay.register('risk', { snapshot: () => riskEngine.stats() });
  replay.subscribe((ev) => {
    if (ev.kind === 'bars') runGroup(ev.bars);
  });
  let snapshot: { ts: Nanos; components: Record<string, unknown> } | undefined;
  if (opts.snapshotAt !== undefined) {
    // run to T (everything at T included), capture every registered component, then go on
    replay.pauseAt(opts.snapshotAt);
    await replay.run();
    snapshot = replay.snapshot();
    if (opts.outDir)
      writeFileSync(join(opts.outDir, 'snapshot.json'), `${JSON.stringify(snapshot, jsonReplacer, 2)}\n`);
  }
  await replay.run();
  feed.complete();
  // deliver what is still in flight, then let pending timers (late-fill grace) run out so every order ends
  for (let due = venue.nextDueAt(); due !== undefined; due = venue.nextDueAt()) {
    clock.advanceTo(due > clock.now() ? due : clock.now());
    drainVenue();
  }
  clock.advanceTo(clock.now() + 60_000_000_000n);
  drainVenue();
  opts.onProgress?.(bars, total);

  const trips = portfolio.tripsForAnalytics();
  const summary = computeSummary(equity, trips);
  log.append(
    clock.now(),
    'run.completed',
    'engine',
    {},
    {
      bars,
      orders,
      fills,
      rejected,
      equity: portfolio.equity(),
      realized: portfolio.realized(),
      commissions: portfolio.commissions(),
      positions: portfolio.snapshot()
    }
  );
  const events = log.count;
  log.close();
  node.stop();

  if (opts.outDir) {
    writeFileSync(
      join(opts.outDir, 'summary.json'),
      `${JSON.stringify({ runId, seed, config, metrics: summary, counts: { bars, orders, fills, rejected, events }, risk: riskEngine.stats() }, jsonReplacer, 2)}\n`
    );
    writeFileSync(
      join(opts.outDir, 'report.html'),
      renderHtmlReport({ title: `tradestate backtest ${config.name}`, runId, summary, equity, config })
    );
  }
  return {
    runId,
    snapshot,
    outDir: opts.outDir,
    seed,
    summary,
    bars,
    orders,
    fills,
    rejected,
    events,
    equity,
    portfolio,
    log
  };
}

function ids(e: Exclude<OrderEmitted, { type: 'order.refused' }>) {
  return {
    clientOrderId: e.clientOrderId,
    strategyId: e.strategyId,
    instrumentId: e.instrumentId,
    ...(e.venueOrderId !== undefined ? { venueOrderId: e.venueOrderId } : {})
  };
}

function jsonReplacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : null;
  return v;
}

export type { Instrument, Nanos };
