import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { formatMoney, lotsToQty } from '../core/instrument.ts';
import { DashboardServer } from '../dashboard/dashboard.server.ts';
import { DashboardState } from '../dashboard/dashboard-state.ts';
import { instrumentsFor, openBars } from '../engine/bar-sources.ts';
import { runLive } from '../engine/live-runner.ts';
import { type AlpacaEndpoints, connectAlpaca } from '../gateways/alpaca/alpaca-connection.ts';
import { MetricsServer } from '../metrics/metrics.server.ts';
import { TradingMetrics } from '../metrics/trading-metrics.ts';
import { createStrategy } from '../strategies/registry.ts';
import { LiveClock } from '../time/clock.ts';
import { LocalPaperMarket } from '../venue/alpaca-local/local-paper-market.ts';
import { type CliIo, EXIT_OK } from './io.ts';

/** The embedded paper-trading configuration (Alpaca paper; `--venue local` replays its data locally). */
export const PAPER_CONFIG = fileURLToPath(new URL('../../config/paper.yaml', import.meta.url));

/** What `tradestate run --mode paper` was asked for. */
export interface PaperArgs {
  readonly config: RunConfig;
  readonly configFile: string;
  readonly seed: number;
  readonly outDir: string | undefined;
  /** Overrides `live.venue`. */
  readonly venue?: 'alpaca' | 'local';
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

/** Credentials from the environment variables the config names; a clear error when either is missing. */
function alpacaEndpoints(
  config: RunConfig,
  env: Readonly<Record<string, string | undefined>>
): AlpacaEndpoints {
  const a = config.live.alpaca;
  const keyId = env[a.keyIdEnv];
  const secretKey = env[a.secretKeyEnv];
  if (!keyId || !secretKey) {
    throw new TradestateError(
      ErrorCode.CREDENTIALS_MISSING,
      `--mode paper trades on Alpaca's paper API and needs its key pair in ${a.keyIdEnv} and ${a.secretKeyEnv}; ` +
        'without keys, try the built-in Alpaca-compatible venue: npm start -- --mode paper --venue local',
      { keyIdEnv: a.keyIdEnv, secretKeyEnv: a.secretKeyEnv }
    );
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
 * the config's data (`--venue local`, no network). Stops on SIGINT/SIGTERM, after `--duration`, or (local) when
 * the replayed history ends; working orders are cancelled first.
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
  const instruments = instrumentsFor(config);
  const clock = new LiveClock();
  let market: LocalPaperMarket | undefined;
  let endpoints: AlpacaEndpoints;
  if (live.venue === 'local') {
    const { source } = await openBars(config, instruments, a.seed);
    market = new LocalPaperMarket({
      instruments,
      clock,
      bars: source,
      intervalMs: live.localBarIntervalMs,
      seed: a.seed,
      initialCash: String(config.portfolio.cash)
    });
    await market.start();
    endpoints = market.endpoints;
  } else {
    endpoints = alpacaEndpoints(config, a.env ?? process.env);
  }

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (a.signal) a.signal.addEventListener('abort', onSignal, { once: true });
  else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const name = live.venue === 'local' ? 'alpaca-local' : 'alpaca';
  const strategy = createStrategy(config.strategy, a.configFile);
  // quotes and trades only for a strategy that trades on them
  const quotes = strategy.onQuote !== undefined;
  const trades = strategy.onTrade !== undefined;
  const connection = connectAlpaca({ ...endpoints, instruments, clock, seed: a.seed, quotes, trades });
  io.out(
    `tradestate paper ${config.name}: ${instruments.map((i) => i.symbol).join(', ')} on ${name} (${endpoints.tradingUrl})\n`
  );
  const status = await connection.preflight().catch(async (e: unknown) => {
    await connection.close();
    throw e;
  });
  io.out(
    `  account ${status.account} ${status.status}, cash ${status.cash ?? '?'}, buying power ${status.buyingPower ?? '?'}; ` +
      `market ${status.marketOpen ? `open until ${status.nextClose}` : `closed, opens ${status.nextOpen}`}\n`
  );
  let server: MetricsServer | undefined;
  let metrics: TradingMetrics | undefined;
  if (live.metrics.enabled) {
    metrics = new TradingMetrics({ instruments, defaultMetrics: true });
    server = new MetricsServer({ metrics, host: live.metrics.host, port: live.metrics.port });
    await server.start();
    io.out(`  metrics: ${server.url}\n`);
  }
  let dashboardServer: DashboardServer | undefined;
  let dashboard: DashboardState | undefined;
  if (live.dashboard.enabled) {
    dashboard = new DashboardState({ instruments });
    dashboardServer = new DashboardServer({
      state: dashboard,
      host: live.dashboard.host,
      port: live.dashboard.port,
      title: `tradestate paper ${config.name}`
    });
    try {
      await dashboardServer.start();
    } catch (e) {
      await server?.stop();
      await connection.close();
      await market?.stop();
      throw e;
    }
    io.out(`  dashboard: ${dashboardServer.url}\n`);
  }
  // a local history that ends ends the session
  const replay = market?.run().then(() => stop.abort());
  try {
    const r = await runLive({
      config,
      configFile: a.configFile,
      clock,
      strategy,
      connection: { ...connection, name },
      ...(a.outDir ? { outDir: a.outDir } : {}),
      signal: stop.signal,
      ...(metrics ? { metrics } : {}),
      ...(dashboard ? { dashboard } : {}),
      onBar: (_bar, n) => {
        if (io.isTTY && n % 50 === 0) io.out(`  ${n} bars\r`);
      }
    });
    io.out(
      `${r.runId}: stopped by ${r.stoppedBy} — ${r.bars} bars, ${r.orders} orders, ${r.fills} fills, ` +
        `${r.rejected} rejected, ${r.errors.length} gateway errors, ${r.events} events\n`
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
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await market?.stop();
    await replay;
    await server?.stop();
    await dashboardServer?.stop();
  }
}
