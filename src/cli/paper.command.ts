import { resolve } from 'node:path';
import { type RunConfig, sharedPort } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { formatMoney, lotsToQty } from '../core/instrument.ts';
import { Rng } from '../core/rng.ts';
import { DashboardServer } from '../dashboard/dashboard.server.ts';
import { DashboardState } from '../dashboard/dashboard-state.ts';
import { instrumentsFor, openBars } from '../engine/bar-sources.ts';
import { liveBars } from '../engine/live-bars.ts';
import { DATA_END, type LiveConnection, runLive } from '../engine/live-runner.ts';
import { LobsterPaperMarket } from '../engine/lobster-paper-market.ts';
import {
  type AlpacaEndpoints,
  connectAlpaca,
  connectAlpacaData
} from '../gateways/alpaca/alpaca-connection.ts';
import { type FixDictionary, loadFixDictionary } from '../gateways/fix/dictionary.ts';
import { connectFix } from '../gateways/fix/fix-connection.ts';
import { loadFixTls } from '../gateways/fix/fix-tls.ts';
import { FileSessionStore, MemorySessionStore } from '../gateways/fix/session-store.ts';
import { MetricsServer } from '../metrics/metrics.server.ts';
import { TradingMetrics } from '../metrics/trading-metrics.ts';
import { formatNumber } from '../report/format.ts';
import { createStrategy } from '../strategies/registry.ts';
import { LiveClock } from '../time/clock.ts';
import { LocalPaperMarket } from '../venue/alpaca-local/local-paper-market.ts';
import { FixLocalVenue } from '../venue/fix-local/fix-local.venue.ts';
import { type CliIo, EXIT_OK } from './io.ts';

/** What `tradestate run --mode paper` was asked for. */
export interface PaperArgs {
  readonly config: RunConfig;
  readonly configFile: string;
  readonly seed: number;
  readonly outDir: string | undefined;
  /** Overrides `live.venue`. */
  readonly venue?: RunConfig['live']['venue'];
  /** Overrides `live.durationMs`. */
  readonly durationMs?: number;
  /** Serve Prometheus metrics on this port (overrides `live.metrics`; 0 = any free port). */
  readonly metricsPort?: number;
  /** Serve the live web dashboard on this port (overrides `live.dashboard`; 0 = any free port). */
  readonly dashboardPort?: number;
  /** Environment to read credentials from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops the session; default: SIGINT or SIGTERM. */
  readonly signal?: AbortSignal;
}

/** What each `live.venue` is called in the log and the summary. */
const VENUE_NAMES = {
  alpaca: 'alpaca',
  local: 'alpaca-local',
  fix: 'fix',
  'local-fix': 'fix-local'
} as const;

/** The FIX data dictionary `live.fix.dictionary` names (required for the FIX venues). */
function fixDictionary(config: RunConfig, configFile: string): FixDictionary {
  const path = config.live.fix.dictionary;
  if (path === undefined) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${configFile}: live.venue ${config.live.venue} needs live.fix.dictionary, the venue's FIX 4.2 data dictionary ` +
        '(QuickFIX XML, e.g. FIX42.xml), to validate and order FIX messages',
      { file: configFile, path: 'live.fix.dictionary' }
    );
  }
  return loadFixDictionary(path);
}

/** Credentials from the environment variables the config names; a clear error when either is missing. */
function alpacaEndpoints(
  config: RunConfig,
  env: Readonly<Record<string, string | undefined>>
): AlpacaEndpoints {
  const a = config.live.alpaca;
  const keyId = env[a.keyIdEnv];
  const secretKey = env[a.secretKeyEnv];
  if (!keyId || !secretKey) {
    // a FIX venue needs Alpaca only for its market data
    const message =
      config.live.venue === 'alpaca'
        ? `--mode paper trades on Alpaca's paper API and needs its key pair in ${a.keyIdEnv} and ${a.secretKeyEnv}; ` +
          'without keys, try the built-in Alpaca-compatible venue: npm start -- --mode paper --venue local'
        : `--venue ${config.live.venue} takes its market data from Alpaca (live.fix.marketData: alpaca, the default), ` +
          `which needs a key pair in ${a.keyIdEnv} and ${a.secretKeyEnv}; set live.fix.marketData: fix to take it ` +
          'from the FIX session instead';
    throw new TradestateError(ErrorCode.CREDENTIALS_MISSING, message, {
      keyIdEnv: a.keyIdEnv,
      secretKeyEnv: a.secretKeyEnv
    });
  }
  return {
    tradingUrl: a.tradingUrl,
    tradingStreamUrl: a.tradingStreamUrl,
    dataUrl: a.dataUrl,
    keyId,
    secretKey
  };
}

/**
 * `tradestate run --mode paper`: the configured strategy trades through the Alpaca client stack, against
 * Alpaca's paper API (`live.venue: alpaca`, keys from the environment) or the built-in local venue replaying
 * the config's data (`--venue local`, no network); or through a FIX 4.2 session (`live.fix`) to a FIX venue
 * (`--venue fix`, bars from Alpaca's data stream) or to the built-in FIX venue on loopback (`--venue local-fix`,
 * the config's data replayed as its market and as the bars, no network). Stops on SIGINT/SIGTERM, after
 * `--duration`, or (local venues) when the replayed history ends; working orders are cancelled first.
 */
export async function runPaper(a: PaperArgs, io: CliIo): Promise<number> {
  const live = {
    ...a.config.live,
    ...(a.venue ? { venue: a.venue } : {}),
    ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
    ...(a.metricsPort !== undefined
      ? { metrics: { ...a.config.live.metrics, enabled: true, port: a.metricsPort } }
      : {}),
    ...(a.dashboardPort !== undefined
      ? { dashboard: { ...a.config.live.dashboard, enabled: true, port: a.dashboardPort } }
      : {})
  };
  const config: RunConfig = { ...a.config, live };
  const shared = sharedPort(live);
  if (shared !== undefined) {
    // the config alone is refused when it is loaded: here a --metrics-port or --dashboard-port made them equal
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `the metrics and dashboard servers cannot share port ${shared}: give --metrics-port and --dashboard-port different ports`,
      { port: shared }
    );
  }
  const bars = liveBars(config); // bars it cannot make: refused before anything starts
  const instruments = instrumentsFor(config);
  const clock = new LiveClock();
  const strategy = createStrategy(config.strategy, a.configFile);
  // quotes and trades only for a strategy that trades on them
  const quotes = strategy.onQuote !== undefined;
  const trades = strategy.onTrade !== undefined;
  const fixVenue = live.venue === 'fix' || live.venue === 'local-fix';
  const dictionary = fixVenue ? fixDictionary(config, a.configFile) : undefined;
  // TLS is for a real venue; the built-in one listens in plain TCP on loopback
  const tls = live.venue === 'fix' && live.fix.tls ? loadFixTls(live.fix.tls) : undefined;
  let market: LocalPaperMarket | undefined;
  let tape: LobsterPaperMarket | undefined;
  let localFix: FixLocalVenue | undefined;
  let endpoints: AlpacaEndpoints | undefined;
  const local = live.venue === 'local' || live.venue === 'local-fix';
  const lobster = config.data.kind === 'lobster' ? config.data : undefined;
  if (lobster && local && (live.venue !== 'local-fix' || live.fix.marketData !== 'fix')) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${a.configFile}: LOBSTER data is replayed as a live market only into the built-in FIX venue, which also ` +
        'sends its book and prints: use --venue local-fix with live.fix.marketData: fix',
      { venue: live.venue, marketData: live.fix.marketData }
    );
  }
  // what the session opens (venues, signal handlers, connections, servers) is closed, last first, however it
  // ends: a session that fails to start (a port taken, a corrupt FIX session store) leaves nothing behind, no
  // signal handler either (one would swallow the next Ctrl-C)
  const closers: Closer[] = [];
  try {
    if (live.venue === 'local-fix') {
      localFix = new FixLocalVenue({
        instruments,
        clock,
        dictionary: dictionary!,
        seed: a.seed,
        senderCompId: live.fix.targetCompId,
        targetCompId: live.fix.senderCompId
      });
      // the tick tape reads its files now: a bad file fails before anything listens
      if (lobster)
        tape = new LobsterPaperMarket({
          data: lobster,
          instrument: instruments[0]!,
          venue: localFix,
          clock,
          speed: live.localSpeed
        });
    }
    if (tape) {
      const venue = localFix!;
      closers.push(() => venue.stop());
      await venue.start();
    } else if (local) {
      const { source } = await openBars(config, instruments, a.seed);
      const venue = localFix;
      if (venue) {
        closers.push(() => venue.stop());
        await venue.start();
      }
      const m = new LocalPaperMarket({
        instruments,
        clock,
        bars: source,
        intervalMs: live.localBarIntervalMs,
        seed: a.seed,
        initialCash: String(config.portfolio.cash),
        ...(venue
          ? {
              onMarket: (q, t) => {
                venue.quote(q);
                venue.trade(t);
              }
            }
          : {})
      });
      market = m;
      closers.push(() => m.stop()); // before start: a data server that fails to listen stops the venue too
      await m.start();
      endpoints = m.endpoints;
    } else if (live.venue === 'alpaca' || live.fix.marketData === 'alpaca') {
      endpoints = alpacaEndpoints(config, a.env ?? process.env);
    }

    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    if (a.signal) a.signal.addEventListener('abort', onSignal, { once: true });
    else {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    closers.push(() => {
      a.signal?.removeEventListener('abort', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    const name = VENUE_NAMES[live.venue];
    let connection: LiveConnection;
    if (fixVenue) {
      const f = live.fix;
      const port = localFix ? localFix.port : f.port;
      // bars from Alpaca's data stream (or the local replay's copy of it), or from the FIX session itself
      const alpacaData =
        f.marketData === 'alpaca'
          ? connectAlpacaData({
              ...endpoints!,
              instruments,
              clock,
              rng: new Rng(a.seed).fork('market-data'),
              quotes,
              trades
            })
          : undefined;
      const stopData = alpacaData ? (): void => alpacaData.dataFeed.stop() : undefined;
      if (stopData) closers.push(stopData);
      const fix = connectFix({
        host: localFix ? '127.0.0.1' : f.host,
        port,
        senderCompId: f.senderCompId,
        targetCompId: f.targetCompId,
        heartBtIntSec: f.heartBtIntSec,
        // the local venue starts fresh every time; a real venue's sequence numbers carry over in the store
        resetOnLogon: localFix ? true : f.resetOnLogon,
        dictionary: dictionary!,
        store: localFix
          ? new MemorySessionStore()
          : new FileSessionStore(resolve(f.storeDir, `${f.senderCompId}-${f.targetCompId}`)),
        instruments,
        clock,
        venue: f.venueName,
        ...(alpacaData
          ? { marketData: alpacaData.marketData, closeMarketData: () => alpacaData.dataFeed.stop() }
          : { depth: f.depth }),
        logonTimeoutMs: f.logonTimeoutMs,
        ...(tls ? { tls } : {})
      });
      if (stopData) handOver(closers, stopData); // the FIX connection closes the data feed now
      const closeFix = (): Promise<void> => fix.close();
      closers.push(closeFix);
      io.out(
        `tradestate paper ${config.name}: ${instruments.map((i) => i.symbol).join(', ')} on ${name} (FIX 4.2 ${f.senderCompId}→${f.targetCompId} at ${localFix ? '127.0.0.1' : f.host}:${port}${tls ? ' over TLS' : ''})\n`
      );
      const logon = await fix.preflight();
      io.out(`  logged on: next MsgSeqNum out ${logon.nextOut}, in ${logon.nextIn}\n`);
      connection = {
        name,
        execution: fix.execution,
        marketData: fix.marketData,
        preflight: async () => ({ protocol: 'FIX.4.2', ...logon }),
        close: closeFix
      };
    } else {
      const ep = endpoints!; // set for alpaca and local
      const alpaca = connectAlpaca({ ...ep, instruments, clock, seed: a.seed, quotes, trades });
      closers.push(alpaca.close);
      io.out(
        `tradestate paper ${config.name}: ${instruments.map((i) => i.symbol).join(', ')} on ${name} (${ep.tradingUrl})\n`
      );
      const status = await alpaca.preflight();
      io.out(
        `  account ${status.account} ${status.status}, cash ${status.cash ?? '?'}, buying power ${status.buyingPower ?? '?'}; ` +
          `market ${status.marketOpen ? `open until ${status.nextClose}` : `closed, opens ${status.nextOpen}`}\n`
      );
      connection = { ...alpaca, name, preflight: async () => status };
    }
    let metrics: TradingMetrics | undefined;
    let dashboard: DashboardState | undefined;
    // a port taken (TRD_ERR_PORT_UNAVAILABLE): what was opened is closed, so the process can exit
    if (live.metrics.enabled) {
      metrics = new TradingMetrics({ instruments, defaultMetrics: true });
      const server = new MetricsServer({ metrics, host: live.metrics.host, port: live.metrics.port });
      closers.push(() => server.stop());
      await server.start();
      io.out(`  metrics: ${server.url}\n`);
    }
    if (live.dashboard.enabled) {
      dashboard = new DashboardState({ instruments });
      const dashboardServer = new DashboardServer({
        state: dashboard,
        host: live.dashboard.host,
        port: live.dashboard.port,
        title: `tradestate paper ${config.name}`
      });
      closers.push(() => dashboardServer.stop());
      await dashboardServer.start();
      io.out(`  dashboard: ${dashboardServer.url}\n`);
    }
    // a local history that ends ends the session; it is stopped (and awaited) first when the session ends
    const replay = (market?.run() ?? tape?.run())?.then(() => stop.abort(DATA_END));
    closers.push(async () => {
      tape?.stop();
      await market?.stop();
      await replay;
    });
    // from here runLive closes the connection, however it ends
    handOver(closers, connection.close);
    const r = await runLive({
      config,
      configFile: a.configFile,
      clock,
      strategy,
      bars,
      connection,
      ...(a.outDir ? { outDir: a.outDir } : {}),
      signal: stop.signal,
      ...(metrics ? { metrics } : {}),
      ...(dashboard ? { dashboard } : {}),
      onBar: (_bar, n) => {
        if (io.isTTY && n % 50 === 0) io.out(`  ${n} bars\r`);
      }
    });
    const n = (x: number): string => formatNumber(x, 0);
    io.out(
      `${r.runId}: stopped by ${r.stoppedBy} — ${n(r.bars)} bars, ${n(r.orders)} orders, ${n(r.fills)} fills, ` +
        `${n(r.rejected)} rejected, ${n(r.errors.length)} gateway errors, ${n(r.events)} events\n`
    );
    for (const p of r.portfolio.positions()) {
      const inst = instruments.find((i) => i.id === p.instrumentId);
      if (p.qty !== 0 && inst) io.out(`  position ${inst.symbol} ${lotsToQty(inst, p.qty)}\n`);
    }
    io.out(`  equity ${formatMoney(r.portfolio.equity(), 2)}\n`);
    if (r.positions) {
      const breaks = Object.entries(r.positions.unexplained);
      io.out(
        breaks.length === 0
          ? '  positions reconciled with the venue\n'
          : `  WARNING: venue positions moved by more or less than our fills: ${breaks.map(([id, d]) => `${id} ${d > 0 ? '+' : ''}${d}`).join(', ')}\n`
      );
    }
    if (r.cash) {
      io.out(
        r.errors.some((e) => e.code === ErrorCode.CASH_MISMATCH)
          ? `  WARNING: venue cash moved by ${r.cash.unexplained} more than our fills and commissions explain\n`
          : `  cash reconciled with the venue (session change ${r.cash.ours})\n`
      );
    }
    if (r.leftWorking > 0)
      io.out(`  WARNING: ${r.leftWorking} orders still working at the venue after the cancel\n`);
    if (a.outDir) io.out(`results: ${a.outDir}/{summary.json,events.jsonl}\n`);
    // the out dir held an earlier session's log (the default one is the same for every session of a config)
    if (r.previousLog) io.out(`  the earlier session's log there was kept as ${r.previousLog}\n`);
    return EXIT_OK;
  } catch (e) {
    await closeAll(closers).catch(() => undefined); // the session's own error is the one to report
    throw e;
  } finally {
    await closeAll(closers); // what is left after a session that ended (nothing after a failure)
  }
}

/** Closes one thing a session opened. */
type Closer = () => Promise<void> | void;

/** Run `closers` last first, emptying the list; one that fails does not stop the others (the first error is thrown). */
async function closeAll(closers: Closer[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (let c = closers.pop(); c !== undefined; c = closers.pop()) {
    try {
      await c();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

/** `closer` is no longer the session's to run: what it closes was handed to something that closes it. */
function handOver(closers: Closer[], closer: Closer): void {
  const i = closers.lastIndexOf(closer);
  if (i >= 0) closers.splice(i, 1);
}
