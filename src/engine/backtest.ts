import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchmarkSpec, type BenchmarkSummary, benchmarkSummary } from '../analytics/benchmark.ts';
import { dailyReturns } from '../analytics/daily-returns.ts';
import { type ExposureStats, exposureStats } from '../analytics/exposure.ts';
import { type MonteCarloSummary, monteCarloSummary } from '../analytics/monte-carlo.ts';
import { type PeriodReturns, returnsByPeriod } from '../analytics/period-returns.ts';
import { computeSummary } from '../analytics/summary.ts';
import { type InstrumentStats, statsByInstrument } from '../analytics/trade-stats.ts';
import type { EquityPoint, PerformanceSummary } from '../analytics/types.ts';
import { LobsterReplayer } from '../book/lobster-replayer.ts';
import { analyticsOf, type RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { isoFromNs, type Nanos } from '../core/nanos.ts';
import { Rng } from '../core/rng.ts';
import { type BarSource, releaseSource } from '../data/bar-source.ts';
import { moduleDigest } from '../data/data-digest.ts';
import { windowed } from '../data/windowed.ts';
import { type EventLog, endLogFailed, JsonlEventLog, MemoryEventLog } from '../log/event-log.ts';
import type { Bar } from '../messages/market-data.ts';
import type { Portfolio } from '../portfolio/portfolio.ts';
import { ReplayClock } from '../replay/replay-clock.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { tradesCsv } from '../report/trades-csv.ts';
import { createStrategy } from '../strategies/registry.ts';
import type { Strategy } from '../strategies/strategy.ts';
import { parseEmulatorConfig } from '../venue/emulator/emulator-config.ts';
import { ExecutionEmulator } from '../venue/emulator/execution-emulator.venue.ts';
import { BarLookahead } from './bar-lookahead.ts';
import { instrumentsFor, openBars } from './bar-sources.ts';
import { EquityCurve } from './equity-curve.ts';
import { driveLobster, tickBooks } from './lobster-drive.ts';
import { NoticingLog, type RunNotices } from './run-notices.ts';
import { summaryOptionsFor } from './summary-basis.ts';
import { TradingRuntime } from './trading-runtime.ts';
import { VenueClock } from './venue-clock.ts';

/**
 * A half-open time window of a backtest: only bars with `from ≤ tsEvent < to` are traded (an absent bound
 * does not limit). On tick data (LOBSTER) the same holds per message, and the messages before `from` still
 * build the book (see {@link driveLobster}).
 */
export interface BacktestWindow {
  readonly from?: Nanos;
  readonly to?: Nanos;
}

/** Monte Carlo paths of a backtest unless told otherwise. */
export const DEFAULT_MONTE_CARLO_PATHS = 1000;

export interface BacktestOptions {
  readonly config: RunConfig;
  /** The config file's path, named in errors. */
  readonly configFile: string;
  /** Overrides `config.seed`. */
  readonly seed?: number;
  /** Where `summary.json`, `events.jsonl`, `trades.csv` and `report.html` go; omit to keep everything in memory. */
  readonly outDir?: string;
  /** Called every few thousand bars with the bars done so far and the total when known. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Capture every component's state when the clock reaches this time (written to `snapshot.json`). */
  readonly snapshotAt?: Nanos;
  /** `fast` (default) or N× real time (1 = real time). */
  readonly speed?: 'fast' | number;
  /** Trade only the bars (LOBSTER messages) with `from ≤ tsEvent < to`; the run id then names the window. */
  readonly window?: BacktestWindow;
  /**
   * Monte Carlo paths bootstrapped from the run's daily returns (seeded by the run's seed; default 1,000; 0 for
   * none, as sweeps do): `monteCarlo` in the result, summary.json and report.html.
   */
  readonly monteCarloPaths?: number;
  /**
   * Stops the run where it is (after the bar, or the tick, it is on): the log ends with `run.stopped`, carrying the
   * abort's reason when it is a string (the CLI gives the signal's name, `SIGINT` or `SIGTERM`), and no summary,
   * trades or report are written. The result is the unfinished run's, with {@link BacktestResult.stopped}.
   */
  readonly signal?: AbortSignal;
  /** Test hooks: replace the configured strategy or bar source. */
  readonly strategy?: Strategy;
  readonly bars?: BarSource;
}

/** Where and why a backtest stopped before the end of its data. */
export interface BacktestStopped {
  /** The abort's reason when it is a string (`SIGINT`, `SIGTERM`), else `abort`. */
  readonly reason: string;
  /** The simulated time it stopped at. */
  readonly ts: Nanos;
}

/** The files a backtest writes in its `outDir` besides `events.jsonl`; an earlier run's are removed when it starts. */
export const BACKTEST_OUTPUTS: readonly string[] = [
  'summary.json',
  'trades.csv',
  'report.html',
  'snapshot.json'
];

export interface BacktestResult {
  readonly runId: string;
  readonly outDir: string | undefined;
  readonly seed: number;
  readonly summary: PerformanceSummary;
  /** The daily returns bootstrapped (`monteCarloPaths`); undefined under 20 daily returns or with 0 paths. */
  readonly monteCarlo: MonteCarloSummary | undefined;
  /** Returns by UTC month and year. */
  readonly returns: PeriodReturns;
  /** Time in the market and gross leverage over the run. */
  readonly exposure: ExposureStats;
  /** The run against its benchmark (`analytics.benchmark`); undefined with `none`. */
  readonly benchmark: BenchmarkSummary | undefined;
  /** Closed round trips per instrument. */
  readonly byInstrument: readonly InstrumentStats[];
  readonly bars: number;
  /** What reading the data noticed and worked around (also `data.warning` records in the log). */
  readonly warnings: readonly string[];
  /** Tick data (LOBSTER): messages replayed and top-of-book changes shown to the strategy; 0 for bar data. */
  readonly messages: number;
  readonly quotes: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejected: number;
  readonly events: number;
  readonly equity: readonly EquityPoint[];
  /** The benchmark's equity curve, point for point with `equity`; undefined with no benchmark. */
  readonly benchmarkEquity: readonly EquityPoint[] | undefined;
  readonly portfolio: Portfolio;
  /** The state of every registered component at `snapshotAt`, when asked. */
  readonly snapshot: { ts: Nanos; components: Record<string, unknown> } | undefined;
  /** In-memory log records when no `outDir` was given. */
  readonly log: EventLog;
  /** What the log says that the metrics do not: a kill-switch trip, strategy failures, intents discarded. */
  readonly notices: RunNotices;
  /** Set when {@link BacktestOptions.signal} stopped the run before the end of its data (nothing but the log written). */
  readonly stopped?: BacktestStopped;
}

/** `2024-03-04T14:31:00.000000000Z` → `20240304T143100Z` (sub-second digits kept only when not zero). */
function compactTime(ns: Nanos): string {
  const iso = isoFromNs(ns).replace(/\.?0*Z$/, 'Z');
  return iso.replaceAll('-', '').replaceAll(':', '');
}

/** True when `w` limits anything (a window with neither bound is no window). */
function hasWindow(w: BacktestWindow | undefined): w is BacktestWindow {
  return w !== undefined && (w.from !== undefined || w.to !== undefined);
}

/**
 * A run id that depends only on what determines the run: name, seed, config, the bytes of a strategy module of
 * your own and of the files of yours it imports ({@link moduleDigest}: an edited strategy is another run, not an
 * overwrite of the last one's results) and, when there is one, the window (`default-s42-1a2b3c4d`; windowed
 * `default-s42-w20240304T143100Z..20240311T143100Z-5e6f7a8b`, an open bound left empty). Without a window or a
 * module the id is what it was before either existed.
 */
export function runIdOf(config: RunConfig, seed: number, window?: BacktestWindow): string {
  const w = hasWindow(window)
    ? { from: window.from?.toString() ?? null, to: window.to?.toString() ?? null }
    : undefined;
  const module = config.strategy.module;
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        ...backtestPart(config),
        seed,
        ...(w ? { window: w } : {}),
        ...(module !== undefined ? { moduleSha256: moduleDigest(module) } : {})
      })
    )
    .digest('hex')
    .slice(0, 8);
  if (!hasWindow(window)) return `${config.name}-s${seed}-${hash}`;
  const from = window.from === undefined ? '' : compactTime(window.from);
  const to = window.to === undefined ? '' : compactTime(window.to);
  return `${config.name}-s${seed}-w${from}..${to}-${hash}`;
}

/** The configuration without its paper/live section, which plays no part in a backtest. */
export function backtestPart(config: RunConfig): Omit<RunConfig, 'live'> {
  const { live: _live, ...rest } = config;
  return rest;
}

/**
 * Run a backtest: bars → RxJS market-data stream → strategy actor → order actors (via the OMS) →
 * basic risk → simulated venue → portfolio → analytics, every step logged. Single-threaded and
 * deterministic: all time comes from a simulated clock driven by the bars, all ids from counters.
 */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const { config } = opts;
  const seed = opts.seed ?? config.seed;
  const window = hasWindow(opts.window) ? opts.window : undefined;
  if (window?.from !== undefined && window.to !== undefined && window.from >= window.to) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `backtest window: from (${isoFromNs(window.from)}) must be before to (${isoFromNs(window.to)})`,
      { from: window.from, to: window.to }
    );
  }
  const runId = runIdOf(config, seed, window);
  const instruments = instrumentsFor(config);
  const benchmarkSpec = benchmarkOf(config, instruments);
  const byId = new Map(instruments.map((i) => [i.id, i] as const));
  const tickData = config.data.kind === 'lobster' ? config.data : undefined;
  if (tickData && (opts.snapshotAt !== undefined || opts.bars || (opts.speed ?? 'fast') !== 'fast')) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      'a LOBSTER (tick) backtest runs its file (or a window of it) as fast as possible: no snapshot, bar source or speed',
      { kind: 'lobster' }
    );
  }
  const strategy = opts.strategy ?? createStrategy(config.strategy, opts.configFile);

  // a bar backtest's clock also stops at the venue's due times (attached below); a tick backtest steps the venue
  // itself (driveLobster)
  const clock = new VenueClock(0n);
  const venue = new ExecutionEmulator(
    parseEmulatorConfig({
      name: config.instruments.defaults.venue,
      fillModel: tickData ? 'l3' : 'bar',
      latency: config.execution.latency,
      slippageBps: config.execution.slippage.bps,
      commission: config.execution.commission,
      liquidity: config.execution.liquidity,
      impact: config.execution.impact
    }),
    byId,
    new Rng(seed).fork('venue')
  );
  // a backtest's log is batch-written and overwrites an events.jsonl already in outDir: the same run gives the
  // same bytes. What an earlier run wrote beside it goes first, so a run that fails or is stopped never leaves its
  // log next to another run's summary
  if (opts.outDir) {
    mkdirSync(opts.outDir, { recursive: true });
    // only from a folder an earlier run wrote (its events.jsonl begins with run.started): `--out .` never loses a
    // summary.json of the user's
    if (isRunFolder(opts.outDir)) {
      for (const f of BACKTEST_OUTPUTS) {
        const path = join(opts.outDir, f);
        if (statSync(path, { throwIfNoEntry: false })?.isFile()) rmSync(path);
      }
    }
  }
  const records: EventLog = opts.outDir
    ? new JsonlEventLog(join(opts.outDir, 'events.jsonl'))
    : new MemoryEventLog();
  const log = new NoticingLog(records);
  const signal = opts.signal;
  const stopping = (): boolean => signal?.aborted === true;

  // from here on the run ends with run.completed, run.stopped or, whatever fails, with run.failed: the log is
  // closed either way (its buffered lines written) and the runtime stopped
  let runtime: TradingRuntime | undefined;
  let ended = false;
  /** The bars, once open: released when the run fails (a no-op for a source read to its end). */
  let opened: Awaited<ReturnType<typeof openBars>> | undefined;
  try {
    log.append(
      0n,
      'run.started',
      'engine',
      {},
      {
        runId,
        seed,
        strategy: strategy.id,
        instruments: instruments.map((i) => i.id),
        ...(window ? { window: windowJson(window) } : {})
      }
    );
    // opened inside the run: a source that cannot be opened fails the run (run.failed), and one that was opened
    // is released whatever fails later
    opened = tickData
      ? undefined
      : opts.bars
        ? { source: opts.bars, total: undefined, warnings: [] }
        : await openBars(config, instruments, seed);
    const warnings = opened?.warnings ?? [];
    for (const message of warnings) log.append(0n, 'data.warning', 'feed', {}, { message });
    // a tick backtest's strategy reads the market's book (the data's, checked against its orderbook rows) in view.book
    const depth = tickData ? new LobsterReplayer() : undefined;
    const books = depth ? tickBooks(depth, instruments[0]!.id) : undefined;
    const rt = new TradingRuntime({
      config: withoutStaleDataCheck(config),
      instruments,
      clock,
      venue,
      strategy,
      log,
      start: 0n,
      ...(books ? { books } : {})
    });
    runtime = rt;
    const { portfolio, riskEngine } = rt;

    /** Deliver the venue's reports whose (latency-delayed) time has come. */
    const drainVenue = (): void => {
      for (const report of venue.drainDue(clock.now())) rt.deliver(report);
    };

    const curve = new EquityCurve(portfolio, benchmarkSpec?.symbols);
    let bars = 0;
    let quotes = 0;
    let messages = 0;
    let total: number | undefined;
    let snapshot: { ts: Nanos; components: Record<string, unknown> } | undefined;
    if (stopping()) {
      // stopped before the data was read: nothing to release but the source
      if (opened) await releaseSource(opened.source);
    } else if (tickData) {
      ({ quotes, messages } = await driveLobster(tickData, instruments[0]!, {
        venue,
        rt,
        clock,
        curve,
        drain: drainVenue,
        stopping,
        ...(window ? { window } : {}),
        ...(depth ? { depth } : {})
      }));
    } else {
      // a window drops bars, so the up-front total no longer holds
      const ahead = new BarLookahead(
        window ? windowed(opened!.source, window.from, window.to) : opened!.source
      );
      total = window ? undefined : opened!.total;
      /** The timestamp of the last group of bars the replay delivered (before the first: none). */
      let lastTs = -(2n ** 63n);
      /** Bars shown to the venue at their open, ahead of their close (each is then not shown again). */
      const fedAhead = new Set<Bar>();
      /** The replay has delivered all the data: the venue has nothing more to be shown. */
      let dataDone = false;
      // Latency plays out between bars: the clock stops at the venue's due times (a command reaching it, a report
      // reaching us) in time order with the timers. The venue may not act past data it has not been shown
      // (docs/EMULATOR.md): before it handles anything at `t`, every bar that opened before `t` is shown to it — a
      // bar meets the orders that reached the venue by its open, as at its close, and what it does inside the bar is
      // still dated at its close. Bars of different widths (5-minute beside 1-minute bars, NYSE beside 24x7 days)
      // open in another order than they close, so a due time is taken only once the replay has read far enough
      // (`covers`: up to it plus the widest bar) to know every bar that opened before it. The strategy sees a bar
      // at its close, as always. With no latency nothing is ever due between bars, and every bar is shown to the
      // venue at its close, as before.
      clock.attach({
        due: () => {
          const d = venue.nextDueAt();
          if (d === undefined || dataDone) return d;
          return ahead.covers(d) ? d : undefined;
        },
        run: (t) => {
          if (!dataDone) {
            for (const bar of ahead.barsAfter(lastTs, t)) {
              if (bar.tsOpen < t && !fedAhead.has(bar) && rt.trades(bar.instrumentId)) {
                venue.onBar(bar);
                fedAhead.add(bar);
              }
            }
          }
          drainVenue();
        }
      });
      /** One timestamp's bars (all symbols): delivered by the replay clock once the clock reads their close. */
      const runGroup = (delivered: readonly Bar[]): void => {
        const ts = delivered[0]!.tsEvent;
        lastTs = ts;
        ahead.release(ts);
        const group = delivered.filter((b) => rt.trades(b.instrumentId));
        if (group.length === 0) return;
        const tsEvent = group[0]!.tsEvent;
        let tsOpen = group[0]!.tsOpen;
        for (const b of group) if (b.tsOpen < tsOpen) tsOpen = b.tsOpen;
        curve.begin(tsOpen);
        // 1. the bars open: working orders (sent at or before tsOpen) meet the new prices (unless the venue was shown
        // a bar at its open already, to step past it)
        for (const bar of group) if (!fedAhead.delete(bar)) venue.onBar(bar);
        drainVenue();
        // 2. the bars close: mark, log, and only now show them to the strategy
        for (const bar of group) {
          rt.mark(bar);
          curve.mark(bar.instrumentId, bar.close);
        }
        for (const bar of group) {
          rt.publish(bar);
          drainVenue();
        }
        rt.observe(tsEvent, curve.sample(tsEvent));
        bars += group.length;
        if (opts.onProgress && bars % 4096 < 64) opts.onProgress(bars, total);
      };

      // time is the replay clock's: it advances the simulated clock (firing due timers) and delivers each
      // timestamp's bars at their close, as fast as possible or paced at N× real time
      const replay = new ReplayClock(ahead.source, { clock, speed: opts.speed ?? 'fast' });
      replay.register('portfolio', { snapshot: () => portfolio.snapshot() });
      replay.register('strategy', { snapshot: () => strategy.snapshot() });
      replay.register('risk', { snapshot: () => riskEngine.stats() });
      replay.subscribe((ev) => {
        if (ev.kind === 'bars') runGroup(ev.bars);
      });
      // a stop pauses the replay after the bars it is on, and wakes it from a wait at N× speed
      const onAbort = (): void => replay.pause();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (opts.snapshotAt !== undefined) {
          // run to T (everything at T included), capture every registered component, then go on. A snapshot is an
          // observation and leaves the log as it was: one asked for after the data is taken at the last bar (moving
          // the clock on to it would fire timers before the end-of-run drain, and run.completed would carry the
          // later time)
          const s = await replay.snapshotAt(opts.snapshotAt, { withinData: true });
          // a run stopped on the way did not get to T
          if (!stopping()) {
            snapshot = s;
            if (opts.outDir)
              writeFileSync(join(opts.outDir, 'snapshot.json'), `${JSON.stringify(s, jsonReplacer, 2)}\n`);
          }
        }
        if (!stopping()) await replay.run();
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      // a stopped replay lets go of its source
      if (stopping()) await replay.close();
      else dataDone = true;
    }
    const stopped: BacktestStopped | undefined = stopping()
      ? { reason: typeof signal?.reason === 'string' ? signal.reason : 'abort', ts: clock.now() }
      : undefined;
    if (!stopped) {
      rt.feed.complete();
      // deliver what is still in flight, then let pending timers (late-fill grace) run out so every order ends
      for (let due = venue.nextDueAt(); due !== undefined; due = venue.nextDueAt()) {
        clock.advanceTo(due > clock.now() ? due : clock.now());
        drainVenue();
      }
      clock.advanceTo(clock.now() + 60_000_000_000n);
      drainVenue();
      opts.onProgress?.(bars, total);
    }
    /** The run's last record, then the log closed (its buffered lines written) and the runtime stopped. */
    const end = (): void => {
      if (stopped) logStopped(log, rt, stopped, bars);
      else rt.logCompleted(clock.now(), bars);
      ended = true;
      try {
        log.close();
      } finally {
        rt.stop();
      }
    };
    // a stopped run's log is whole before anything else is worked out: a second Ctrl-C meanwhile loses none of it
    if (stopped) end();

    const trips = portfolio.tripsForAnalytics();
    const equity = curve.points;
    const summaryOpts = summaryOptionsFor(config);
    const summary = computeSummary(equity, trips, summaryOpts);
    const exposure = exposureStats(equity, curve.gross);
    const benchmark =
      benchmarkSpec && curve.benchmark
        ? benchmarkSummary(benchmarkSpec, equity, curve.benchmark, summaryOpts)
        : undefined;
    const returns = returnsByPeriod(equity);
    const byInstrument = statsByInstrument(trips);
    // its own stream of the run's seed: the venue's draws, and so the trades, do not depend on it
    const monteCarlo = monteCarloSummary(
      dailyReturns(equity),
      new Rng(seed).fork('monte-carlo'),
      stopped ? 0 : (opts.monteCarloPaths ?? DEFAULT_MONTE_CARLO_PATHS)
    );
    if (!stopped) end();
    const events = log.count;
    const { orders, fills, rejected } = rt.counts;

    if (opts.outDir && !stopped) {
      writeFileSync(
        join(opts.outDir, 'summary.json'),
        `${JSON.stringify({ runId, seed, ...(window ? { window: windowJson(window) } : {}), config: backtestPart(config), metrics: summary, exposure, ...(benchmark ? { benchmark } : {}), ...(monteCarlo ? { monteCarlo } : {}), returns, byInstrument, counts: { bars, ...(tickData ? { messages, quotes } : {}), orders, fills, rejected, events }, risk: riskEngine.stats() }, jsonReplacer, 2)}\n`
      );
      writeFileSync(join(opts.outDir, 'trades.csv'), tradesCsv(portfolio.trips, byId));
      writeFileSync(
        join(opts.outDir, 'report.html'),
        renderHtmlReport({
          title: `tradestate backtest ${config.name}`,
          runId,
          summary,
          exposure,
          ...(benchmark && curve.benchmark ? { benchmark, benchmarkEquity: curve.benchmark } : {}),
          ...(monteCarlo ? { monteCarlo } : {}),
          returns,
          byInstrument,
          equity,
          config: backtestPart(config)
        })
      );
    }
    return {
      runId,
      snapshot,
      outDir: opts.outDir,
      seed,
      summary,
      monteCarlo,
      returns,
      exposure,
      benchmark,
      byInstrument,
      warnings,
      bars,
      messages,
      quotes,
      orders,
      fills,
      rejected,
      events,
      equity,
      benchmarkEquity: curve.benchmark,
      portfolio,
      log: records,
      notices: log.notices,
      ...(stopped ? { stopped } : {})
    };
  } catch (e) {
    if (!ended) {
      ended = true;
      endLogFailed(log, clock.now(), e);
      runtime?.stop();
    }
    if (opened) await releaseSource(opened.source);
    throw e;
  }
}

/**
 * The configuration the runtime of a backtest gets: the kill switch's stale-data check (`killSwitch.staleDataMs`) is
 * a live feed's health check and is not armed. In history a gap in the data is no failing feed: the simulated clock
 * starts before the first bar, and nights, weekends and holidays have no bars, so it would halt the run before its
 * first bar or at its first night. Every other trigger (loss, drawdown, position, rejects, errors, supervisor) works
 * as configured. The run id is the configuration's as given.
 */
export function withoutStaleDataCheck(config: RunConfig): RunConfig {
  if (config.killSwitch.staleDataMs === undefined) return config;
  const { staleDataMs: _off, ...killSwitch } = config.killSwitch;
  return { ...config, killSwitch };
}

/** Whether `dir` holds a run's results: an `events.jsonl` whose first record is `run.started`. */
function isRunFolder(dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(join(dir, 'events.jsonl'), 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\{"seq":1,"ts":"-?\d+","type":"run\.started"/.test(head.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

/** The closing record of a stopped run: why, where, and the counts, equity and positions there (as run.completed). */
function logStopped(log: EventLog, rt: TradingRuntime, stopped: BacktestStopped, bars: number): void {
  const p = rt.portfolio;
  log.append(
    stopped.ts,
    'run.stopped',
    'engine',
    {},
    {
      reason: stopped.reason,
      bars,
      ...rt.counts,
      equity: p.equity(),
      realized: p.realized(),
      commissions: p.commissions(),
      positions: p.snapshot()
    }
  );
}

/**
 * The run's benchmark (`analytics.benchmark`): every instrument in equal parts, one of them, or none. A symbol the
 * data does not have is refused.
 */
export function benchmarkOf(
  config: RunConfig,
  instruments: readonly Instrument[]
): BenchmarkSpec | undefined {
  const b = analyticsOf(config).benchmark;
  if (b === 'none') return undefined;
  if (b === 'equal-weight') return { kind: 'equal-weight', symbols: instruments.map((i) => i.id) };
  const inst = instruments.find((i) => i.id === b.symbol || i.symbol === b.symbol);
  if (!inst) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `analytics.benchmark: symbol ${b.symbol} is not in the data (${instruments.map((i) => i.symbol).join(', ')})`,
      { symbol: b.symbol }
    );
  }
  return { kind: 'symbol', symbols: [inst.id] };
}

/** A window as JSON: ISO bounds, `null` for an open one. */
export function windowJson(w: BacktestWindow): { from: string | null; to: string | null } {
  return {
    from: w.from === undefined ? null : isoFromNs(w.from),
    to: w.to === undefined ? null : isoFromNs(w.to)
  };
}

function jsonReplacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : null;
  return v;
}

export type { Instrument, Nanos };
