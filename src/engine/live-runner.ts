import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Subscription } from 'rxjs';
import { reconcilerChild } from '../actors/reconciler.actor.ts';
import type { EquityPoint } from '../analytics/types.ts';
import type { RunConfig } from '../config/schema.ts';
import { MAX_TIMER_MS } from '../core/duration.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../core/errors.ts';
import { formatMoney, type Money, moneyFromNumber, moneyToNumber } from '../core/instrument.ts';
import { isoFromNs, type Nanos } from '../core/nanos.ts';
import type { DashboardState } from '../dashboard/dashboard-state.ts';
import type { OpenVenueOrder } from '../gateways/alpaca/alpaca-connection.ts';
import type { ExecutionGateway, MarketDataGateway } from '../gateways/gateway.ts';
import { type EventLog, endLogFailed, JsonlEventLog, MemoryEventLog } from '../log/event-log.ts';
import { type EventLogObserver, fanOut, MeteredEventLog } from '../log/metered-event-log.ts';
import type { Bar, MarketData } from '../messages/market-data.ts';
import type { TradingMetrics } from '../metrics/trading-metrics.ts';
import type { Portfolio } from '../portfolio/portfolio.ts';
import { createStrategy } from '../strategies/registry.ts';
import type { Strategy } from '../strategies/strategy.ts';
import type { Clock } from '../time/clock.ts';
import { GatewayOrderVenue } from '../venue/gateway-venue.ts';
import { instrumentsFor } from './bar-sources.ts';
import { EquityCurve } from './equity-curve.ts';
import { type LiveBars, liveBars } from './live-bars.ts';
import { TradingRuntime } from './trading-runtime.ts';

/** A venue connection a live session trades through. */
export interface LiveConnection {
  /** Names the venue in the log (`alpaca`, `alpaca-local`). */
  readonly name: string;
  readonly execution: ExecutionGateway & {
    /** Reconcile every order by client order id (idempotent). */
    reconcile(): Promise<void>;
  };
  readonly marketData: MarketDataGateway;
  /** Check the account can trade before the session starts (throws a typed error when not). */
  preflight?(): Promise<unknown>;
  /** Orders open at the venue, if it can list them (for stale-order recovery at start). */
  openOrders?(): Promise<readonly OpenVenueOrder[]>;
  /** Cancel one venue order by its venue id (never retried). */
  cancelVenueOrder?(venueOrderId: string): Promise<void>;
  /** The account's positions in our instruments (signed lots by instrument id), if the venue can tell. */
  positions?(): Promise<Record<string, number>>;
  /** The account's cash (exact Money), if the venue can tell. */
  cash?(): Promise<Money>;
  close(): Promise<void>;
}

/** The venue's cash change over a session against what our fills and commissions explain (decimal strings). */
export interface CashCheck {
  readonly venueStart: string;
  readonly venueEnd: string;
  /** Our cash change: −Σ(signed fill notional) − Σ commissions. */
  readonly ours: string;
  /** (venue end − venue start) − ours. */
  readonly unexplained: string;
  /** The configured tolerance on |unexplained|. */
  readonly tolerance: string;
}

/** The venue's positions against ours, at the start and the end of a session. */
export interface PositionCheck {
  /** At start (positions the account already held), and at the end. */
  readonly venueStart: Readonly<Record<string, number>>;
  readonly venueEnd: Readonly<Record<string, number>>;
  /** Our positions at the end (this session's fills). */
  readonly ours: Readonly<Record<string, number>>;
  /** Per instrument: (venue end − venue start) − ours; only non-zero entries. Empty = reconciled. */
  readonly unexplained: Readonly<Record<string, number>>;
}

/** Options of {@link runLive}. */
export interface LiveRunOptions {
  readonly config: RunConfig;
  /** The config file's path, named in errors. */
  readonly configFile: string;
  /** Wall-clock time (a `LiveClock`), or a simulated one in tests. */
  readonly clock: Clock;
  readonly connection: LiveConnection;
  /** Where `events.jsonl` and `summary.json` go; omit to keep the log in memory. */
  readonly outDir?: string;
  /** Stops the session (SIGINT, a test); so does `config.live.durationMs` when not 0. */
  readonly signal?: AbortSignal;
  /** The strategy to run, when the caller built it already; default: the configured one. */
  readonly strategy?: Strategy;
  /** The session's bars, when the caller worked them out already ({@link liveBars}); default: from the config. */
  readonly bars?: LiveBars;
  /** Called after each bar has been shown to the strategy. */
  readonly onBar?: (bar: Bar, bars: number) => void;
  /**
   * Prometheus metrics fed from this session's event log (counters) and its portfolio, working orders and
   * kill switch (gauges, read at scrape time). The caller serves them (`MetricsServer`) and owns their lifetime.
   */
  readonly metrics?: TradingMetrics;
  /**
   * The web dashboard's view, fed from the same log wrapper as {@link metrics} (records) and reading this
   * session's portfolio. The caller serves it (`DashboardServer`) and owns its lifetime.
   */
  readonly dashboard?: DashboardState;
}

/** Why the session ended. */
export type StopReason = 'duration' | 'signal' | 'data-end';

/**
 * The abort reason that ends a session because its market ended (a local replay's history ran out): the
 * session then stops by `data-end` rather than `signal`.
 */
export const DATA_END = 'data-end';

export interface LiveRunResult {
  readonly runId: string;
  readonly outDir: string | undefined;
  readonly stoppedBy: StopReason;
  readonly bars: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejected: number;
  readonly events: number;
  /** Positions reconciled with the venue; undefined when the connection cannot list them. */
  readonly positions: PositionCheck | undefined;
  /** Cash reconciled with the venue; undefined when the connection cannot tell its cash. */
  readonly cash: CashCheck | undefined;
  /** Orders still working after the shutdown cancel and grace period (0 on a clean stop). */
  readonly leftWorking: number;
  readonly equity: readonly EquityPoint[];
  readonly portfolio: Portfolio;
  readonly errors: readonly TradestateError[];
  readonly log: EventLog;
  /**
   * Where the log of an earlier session in `outDir` was moved (`<outDir>/events.jsonl.<n>`) before this one's
   * was created, as `run.started` says (`previousLog`, the file name); undefined when there was none.
   */
  readonly previousLog: string | undefined;
}

/**
 * Run a strategy live (paper or real money, by the connection): the venue's bars → RxJS market-data stream →
 * strategy actor → risk → order actors → the execution gateway; its reports → order actors → portfolio. The
 * wiring is the backtest's ({@link TradingRuntime}); what differs is who moves time (the wall clock) and that
 * reports are pushed by the gateway. A reconciler actor under the node's gateway supervisor reconciles every
 * order by client order id at start and every `live.reconcileEveryMs` (the gateway also does so after each
 * trading-stream reconnect); the streams reconnect themselves with backoff; gateway errors are logged and
 * counted by the kill switch, whose halt cancels every working order.
 *
 * Stops on `signal` or after `live.durationMs`: halts the strategy (it sees no more market data, and what it
 * asks for from then on is discarded), cancels working orders, waits up to `live.shutdownGraceMs`
 * for their reports, reconciles once more, writes `run.completed` and `summary.json`.
 *
 * The log in `outDir` is write-ahead ({@link JsonlEventLog}); the log of an earlier session there (one that
 * crashed, or the paper CLI's default out dir used again) is kept as `events.jsonl.<n>` and named in
 * `run.started`. When the session fails after its log was opened, `run.failed` (with the error's code) is its
 * last record, and the log, the runtime and the connection are closed before the error is rethrown.
 */
export async function runLive(opts: LiveRunOptions): Promise<LiveRunResult> {
  const { config, clock, connection } = opts;
  const live = config.live;
  const instruments = instrumentsFor(config);
  const strategy = opts.strategy ?? createStrategy(config.strategy, opts.configFile);
  // before anything else: bars it cannot make, wrong keys, an unreachable venue or a blocked account end the
  // session here (its streams closed)
  let venueStatus: unknown;
  let timeframe: LiveBars['timeframe'];
  let rollup: LiveBars['rollup'];
  let start: Nanos;
  let runId: string;
  let baseLog: EventLog;
  // an error out of a stream, timer or microtask callback (a full disk at an append, a record refused, a group
  // fsync of the log that failed) fails the session like one out of its own steps: it ends with run.failed,
  // instead of escaping as an uncaught error
  const failure = new AbortController();
  const fail = (e: unknown): void => {
    if (!failure.signal.aborted) failure.abort(e);
  };
  try {
    ({ timeframe, rollup } = opts.bars ?? liveBars(config));
    venueStatus = await connection.preflight?.();
    start = clock.now();
    runId = `${config.name}-${connection.name}-${isoFromNs(start).replace(/[-:]/g, '').slice(0, 15)}`;
    if (opts.outDir) mkdirSync(opts.outDir, { recursive: true });
    baseLog = opts.outDir
      ? new JsonlEventLog(join(opts.outDir, 'events.jsonl'), {
          durability: 'write-ahead',
          onSyncFailure: fail
        })
      : new MemoryEventLog();
  } catch (e) {
    await connection.close();
    throw e;
  }
  const previousLog = baseLog instanceof JsonlEventLog ? baseLog.previousLog : undefined;
  // every observer of the log (metrics, dashboard) sees each record through one wrapper, after it was logged
  const observers: EventLogObserver[] = [];
  if (opts.metrics) observers.push(opts.metrics);
  if (opts.dashboard) observers.push(opts.dashboard);
  const log: EventLog =
    observers.length === 0
      ? baseLog
      : new MeteredEventLog(baseLog, observers.length === 1 ? observers[0]! : fanOut(...observers));
  const errors: TradestateError[] = [];
  const venuePositions = async (): Promise<Record<string, number> | undefined> => {
    try {
      return await connection.positions?.();
    } catch (e) {
      raised('reconciler', e);
      return undefined;
    }
  };
  const venueCash = async (): Promise<Money | undefined> => {
    try {
      return await connection.cash?.();
    } catch (e) {
      raised('reconciler', e);
      return undefined;
    }
  };
  const subs: Subscription[] = [];
  let rt: TradingRuntime | undefined;
  let closeQuietBuckets: ReturnType<typeof setInterval> | undefined;
  let drainQueued = false;
  // set once the session's log is closing (run.completed or run.failed): a drain or an error still queued then is
  // dropped, not appended to the closed log from a microtask (where its throw would kill the process)
  let ended = false;
  const guarded =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A): void => {
      try {
        f(...a);
      } catch (e) {
        fail(e);
      }
    };
  const drain = guarded((): void => {
    drainQueued = false;
    if (rt && !ended) for (const r of venue.drain()) rt.deliver(r);
  });
  const venue = new GatewayOrderVenue({
    name: connection.name,
    gateway: connection.execution,
    // reports are pushed from I/O callbacks: deliver them on the next microtask, never inside an OMS step
    onReport: () => {
      if (drainQueued) return;
      drainQueued = true;
      queueMicrotask(drain);
    }
  });
  const raised = (source: string, e: unknown): void => {
    const err = isTradestateError(e)
      ? e
      : new TradestateError(ErrorCode.VENUE_UNAVAILABLE, `${source}: ${String(e)}`, { source }, { cause: e });
    errors.push(err);
    if (ended) return;
    const ts = clock.now();
    log.append(
      ts,
      `${source}.error`,
      source,
      {},
      { code: err.code, message: err.message, context: err.context }
    );
    rt?.node.sendToKillSwitch({ type: 'error.raised', code: err.code, tsEvent: ts });
  };

  // from here on the session either ends with run.completed or, whatever fails, with run.failed and
  // everything closed
  try {
    log.append(
      start,
      'run.started',
      'engine',
      {},
      {
        runId,
        mode: 'paper',
        venue: connection.name,
        strategy: strategy.id,
        instruments: instruments.map((i) => i.id),
        bars: timeframe.label,
        ...(previousLog !== undefined ? { previousLog: basename(previousLog) } : {})
      }
    );
    if (venueStatus !== undefined) log.append(start, 'venue.connected', 'engine', {}, venueStatus);
    // from here on no gateway or feed error goes unlogged (the streams have been connecting since the preflight)
    subs.push(connection.execution.errors$.subscribe(guarded((e) => raised('gateway', e))));
    subs.push(connection.marketData.errors$.subscribe(guarded((e) => raised('feed', e))));

    const reconciler = reconcilerChild({
      reconcile: () => connection.execution.reconcile(),
      everyMs: live.reconcileEveryMs,
      clock,
      // called from a promise callback: an append that throws fails the session, never an unhandled rejection
      onError: guarded((e: unknown) => raised('reconciler', e)),
      onDone: guarded((pass: number) =>
        log.append(clock.now(), 'reconcile.completed', 'reconciler', {}, { pass })
      )
    });
    await recoverStaleOrders(connection, strategy.id, live.staleOrders, log, clock, raised);
    const venueStart = await venuePositions();
    if (venueStart)
      log.append(clock.now(), 'positions.venue', 'reconciler', {}, { when: 'start', positions: venueStart });
    const cashStart = await venueCash();
    if (cashStart !== undefined)
      log.append(
        clock.now(),
        'cash.venue',
        'reconciler',
        {},
        { when: 'start', cash: formatMoney(cashStart) }
      );
    rt = new TradingRuntime({
      config,
      instruments,
      clock,
      venue,
      strategy,
      log,
      start,
      gateways: [reconciler],
      // a feed that carries depth (FIX market data) shows the strategy its book, as a LOBSTER backtest does
      ...(connection.marketData.book ? { books: (id: string) => connection.marketData.book?.(id) } : {}),
      // a tag per session: a venue never sees a client order id twice, however often the strategy runs
      clientIdTag: (start / 1_000_000n).toString(36)
    });
    const runtime = rt;
    // pre-trade risk sees what the account holds, not only this session's fills: a position limit counts the
    // position held before, and a reducing-only kill switch lets it be sold (the portfolio, and so the strategy's
    // view and the session's P&L, keep to this session's own trades; the reconciliation allows for the difference)
    if (venueStart)
      for (const [instrumentId, lots] of Object.entries(venueStart))
        runtime.riskState.holdBefore(instrumentId, lots);
    // gauges read the session's own state at scrape time (also after it ended: the kill switch's state
    // comes from its logged transitions, not from an actor that may be stopped)
    opts.metrics?.attach({ portfolio: () => runtime.portfolio, working: () => runtime.workingCount() });
    opts.dashboard?.attach({ portfolio: () => runtime.portfolio });
    const { portfolio } = runtime;
    const curve = new EquityCurve(portfolio);
    curve.begin(start);
    let bars = 0;
    let stopping = false;

    /** One bar, at the strategy's timeframe, to the strategy. */
    const showBar = (bar: Bar): void => {
      drain();
      runtime.mark(bar);
      runtime.publish(bar);
      bars++;
      runtime.observe(bar.tsEvent, curve.sample(bar.tsEvent));
      opts.onBar?.(bar, bars);
    };
    subs.push(
      connection.marketData.marketData$.subscribe(
        guarded((md: MarketData) => {
          if (stopping || !runtime.trades(md.instrumentId)) return;
          if (md.type === 'market.quote') {
            // a strategy with onQuote (the connection subscribed quotes for it) sees them as in a tick backtest
            if (strategy.onQuote === undefined || !(md.bidPx < md.askPx)) return;
            drain();
            runtime.markQuote(md);
            runtime.publish(md);
            return;
          }
          if (md.type === 'market.trade') {
            if (strategy.onTrade === undefined) return;
            drain();
            runtime.logTrade(md);
            runtime.publish(md);
            return;
          }
          if (md.type !== 'market.bar') return;
          if (rollup === undefined) return showBar(md);
          const step = rollup.push(md, clock.now());
          if (step.refused) {
            // a bar the rollup cannot place (it straddles a bucket's edge): logged and left out
            const { instrumentId, tsOpen, tsEvent } = md;
            const { code, message } = step.refused;
            log.append(
              clock.now(),
              'market.bar_refused',
              'feed',
              { instrumentId },
              { tsOpen, tsEvent, code, message }
            );
            return;
          }
          if (step.late) {
            // a bar of a bucket the strategy has already been shown: bars are never revised
            const { instrumentId, tsOpen, tsEvent } = md;
            log.append(clock.now(), 'market.bar_late', 'feed', { instrumentId }, { tsOpen, tsEvent });
          }
          for (const bar of step.bars) showBar(bar);
        })
      )
    );
    // a bucket whose last minute had no trades is closed by the clock
    closeQuietBuckets =
      rollup &&
      setInterval(
        guarded(() => {
          if (!stopping) for (const bar of rollup.flush(clock.now())) showBar(bar);
        }),
        250
      ).unref();
    connection.marketData.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: `${runId}:bars`,
      instrumentIds: instruments.map((i) => i.id),
      entries: ['trade'],
      depth: 1,
      updates: true
    });

    const stoppedBy = await waitForStop(
      live.durationMs,
      opts.signal ? AbortSignal.any([opts.signal, failure.signal]) : failure.signal
    );
    if (failure.signal.aborted) throw failure.signal.reason;
    // from here the strategy sees no market data and whatever it asks for is discarded: a bar or a cancel
    // arriving during the shutdown must not send an order the cancel-all has already gone past
    stopping = true;
    clearInterval(closeQuietBuckets);
    runtime.node.haltStrategies('session stopped');
    log.append(clock.now(), 'run.stopping', 'engine', {}, { stoppedBy });
    const leftWorking = await shutdown(runtime, clock, live.shutdownGraceMs, drain);
    try {
      await connection.execution.reconcile();
    } catch (e) {
      raised('reconciler', e);
    }
    await settle();
    drain();
    const venueEnd = venueStart && (await venuePositions());
    const positions = venueStart && venueEnd ? checkPositions(venueStart, venueEnd, runtime) : undefined;
    if (positions) {
      log.append(clock.now(), 'positions.reconciled', 'reconciler', {}, positions);
      if (Object.keys(positions.unexplained).length > 0) {
        raised(
          'reconciler',
          new TradestateError(
            ErrorCode.POSITION_MISMATCH,
            `the venue's positions moved by more or less than our fills: ${JSON.stringify(positions.unexplained)}`,
            { ...positions }
          )
        );
      }
    }
    const cashEnd = cashStart === undefined ? undefined : await venueCash();
    const cash =
      cashStart !== undefined && cashEnd !== undefined
        ? checkCash(cashStart, cashEnd, runtime.portfolio, moneyFromNumber(live.cashTolerance))
        : undefined;
    if (cash) {
      log.append(clock.now(), 'cash.reconciled', 'reconciler', {}, cash.check);
      if (cash.mismatch) {
        raised(
          'reconciler',
          new TradestateError(
            ErrorCode.CASH_MISMATCH,
            `the venue's cash moved by ${cash.check.unexplained} more than our fills and commissions explain ` +
              `(tolerance ${cash.check.tolerance})`,
            { ...cash.check }
          )
        );
      }
    }
    for (const s of subs) s.unsubscribe();
    if (failure.signal.aborted) throw failure.signal.reason; // a callback failed during the shutdown
    runtime.logCompleted(clock.now(), bars);
    const events = log.count;
    ended = true;
    try {
      log.close();
    } finally {
      runtime.stop();
      venue.close();
      await connection.close();
    }

    const { orders, fills, rejected } = runtime.counts;
    if (opts.outDir) {
      writeFileSync(
        join(opts.outDir, 'summary.json'),
        `${JSON.stringify(
          {
            runId,
            mode: 'paper',
            venue: connection.name,
            stoppedBy,
            counts: { bars, orders, fills, rejected, events, leftWorking, errors: errors.length },
            reconciliation: positions,
            cashReconciliation: cash?.check,
            equity: moneyToNumber(portfolio.equity()),
            portfolio: portfolio.snapshot()
          },
          (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
          2
        )}\n`
      );
    }
    return {
      runId,
      outDir: opts.outDir,
      stoppedBy,
      bars,
      orders,
      fills,
      rejected,
      events,
      leftWorking,
      positions,
      cash: cash?.check,
      equity: curve.points,
      portfolio,
      errors,
      log: baseLog,
      previousLog
    };
  } catch (e) {
    if (!ended) await endFailed(e);
    throw e;
  }

  /** After a failure: unhook and stop everything, log `run.failed`, close the log and the connection. */
  async function endFailed(e: unknown): Promise<void> {
    ended = true;
    for (const s of subs) s.unsubscribe();
    clearInterval(closeQuietBuckets);
    const quietly = (f: () => void): void => {
      try {
        f();
      } catch {
        // the session's own error is the one to report
      }
    };
    quietly(() => rt?.stop());
    endLogFailed(log, clock.now(), e);
    quietly(() => venue.close());
    await connection.close().catch(() => undefined);
  }
}

/**
 * Whether a client order id is one a live session of `strategyId` made: `<strategyId>-<session tag>-<n>` (the
 * tag base 36, `n` decimal; see `clientIdTag`). The whole shape is checked, not the prefix, so strategy `mm`
 * never claims the orders of a strategy `mm-2` trading the same account.
 */
export function isSessionOrderOf(strategyId: string, clientOrderId: string): boolean {
  return (
    clientOrderId.startsWith(`${strategyId}-`) &&
    /^[0-9a-z]+-\d+$/.test(clientOrderId.slice(strategyId.length + 1))
  );
}

/**
 * Orders of this strategy still open at the venue from an earlier session (its client order ids are
 * `<strategyId>-<session tag>-<n>`, {@link isSessionOrderOf}): a crashed session left them, and no order actor of ours knows them. By default each is
 * canceled before trading starts: write-ahead, the intent (`recovery.stale_cancel`, fsynced) is logged before
 * the cancel is sent, and the outcome after (`recovery.stale_order`, `action` canceled or cancel_failed; `left`
 * with `live.staleOrders: leave` or a connection that cannot cancel). A cancel is never retried; one that fails
 * is reported and the order left as it is. Orders that are not ours are not touched.
 */
async function recoverStaleOrders(
  connection: LiveConnection,
  strategyId: string,
  policy: 'cancel' | 'leave',
  log: EventLog,
  clock: Clock,
  raised: (source: string, e: unknown) => void
): Promise<void> {
  if (!connection.openOrders) return;
  let open: readonly OpenVenueOrder[];
  try {
    open = await connection.openOrders();
  } catch (e) {
    raised('recovery', e);
    return;
  }
  for (const o of open) {
    if (!isSessionOrderOf(strategyId, o.clientOrderId)) continue;
    const ids = { clientOrderId: o.clientOrderId, venueOrderId: o.venueOrderId };
    let action: 'canceled' | 'left' | 'cancel_failed' = 'left';
    if (policy === 'cancel' && connection.cancelVenueOrder) {
      // on disk before the venue hears of it (a log that cannot take it throws: nothing is sent)
      log.append(clock.now(), 'recovery.stale_cancel', 'recovery', ids, { ...o });
      try {
        await connection.cancelVenueOrder(o.venueOrderId);
        action = 'canceled';
      } catch (e) {
        action = 'cancel_failed';
        raised('recovery', e);
      }
    }
    log.append(clock.now(), 'recovery.stale_order', 'recovery', ids, { ...o, action });
  }
}

/** Compare the venue's position change over the session with our fills. */
function checkPositions(
  venueStart: Record<string, number>,
  venueEnd: Record<string, number>,
  rt: TradingRuntime
): PositionCheck {
  const ours: Record<string, number> = {};
  for (const p of rt.portfolio.positions()) if (p.qty !== 0) ours[p.instrumentId] = p.qty;
  const unexplained: Record<string, number> = {};
  for (const id of new Set([...Object.keys(venueStart), ...Object.keys(venueEnd), ...Object.keys(ours)])) {
    const d = (venueEnd[id] ?? 0) - (venueStart[id] ?? 0) - (ours[id] ?? 0);
    if (d !== 0) unexplained[id] = d;
  }
  return { venueStart, venueEnd, ours, unexplained };
}

/** Compare the venue's cash change over the session with our fills and commissions. */
function checkCash(
  venueStart: Money,
  venueEnd: Money,
  portfolio: Portfolio,
  tolerance: Money
): { check: CashCheck; mismatch: boolean } {
  const ours = portfolio.cash - portfolio.startCash;
  const unexplained = venueEnd - venueStart - ours;
  const check: CashCheck = {
    venueStart: formatMoney(venueStart),
    venueEnd: formatMoney(venueEnd),
    ours: formatMoney(ours),
    unexplained: formatMoney(unexplained),
    tolerance: formatMoney(tolerance)
  };
  return { check, mismatch: (unexplained < 0n ? -unexplained : unexplained) > tolerance };
}

/**
 * Resolve when the duration (ms; 0 = none) has passed or `signal` aborts, whichever is first (aborted with
 * {@link DATA_END}: the market ended). A duration longer than one timer can wait (2^31−1 ms) is waited in steps,
 * so a month-long session lasts a month.
 *
 * @internal exported for tests.
 */
export function waitForStop(durationMs: number, signal: AbortSignal | undefined): Promise<StopReason> {
  return new Promise((resolve) => {
    const why = (): StopReason => (signal?.reason === DATA_END ? 'data-end' : 'signal');
    if (signal?.aborted) {
      resolve(why());
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(why());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let left = durationMs;
    const wait = (): void => {
      const step = Math.min(left, MAX_TIMER_MS);
      left -= step;
      timer = setTimeout(() => {
        if (left > 0) {
          wait();
          return;
        }
        signal?.removeEventListener('abort', onAbort);
        resolve('duration');
      }, step);
    };
    if (durationMs > 0) wait();
  });
}

/** Let pending I/O callbacks and microtasks run. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

/**
 * Cancel every working order (audited as a system action) and wait up to `graceMs` (wall time) for none
 * to be left working; returns how many still are.
 */
async function shutdown(
  rt: TradingRuntime,
  clock: Clock,
  graceMs: number,
  drain: () => void
): Promise<number> {
  const open = (): number => rt.workingCount();
  drain();
  const now = clock.now();
  rt.node.sendToOms({
    type: 'order.cancel_all',
    commandId: `shutdown:${now}`,
    tsInit: now,
    actor: 'system',
    why: 'system',
    reason: 'session stopped'
  });
  const deadline = Date.now() + graceMs;
  while (open() > 0 && Date.now() < deadline) {
    await settle();
    drain();
  }
  return open();
}
