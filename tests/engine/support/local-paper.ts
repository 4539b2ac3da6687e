import { afterEach } from 'vitest';
import type { LiveConfig, RunConfig } from '../../../src/config/schema.ts';
import type { DashboardState } from '../../../src/dashboard/dashboard-state.ts';
import { instrumentsFor, openBars } from '../../../src/engine/bar-sources.ts';
import { DATA_END, type LiveRunResult, runLive } from '../../../src/engine/live-runner.ts';
import { type AlpacaConnection, connectAlpaca } from '../../../src/gateways/alpaca/alpaca-connection.ts';
import { AlpacaRestClient } from '../../../src/gateways/alpaca/alpaca-rest.client.ts';
import type { MemoryEventLog } from '../../../src/log/event-log.ts';
import type { Bar } from '../../../src/messages/market-data.ts';
import type { TradingMetrics } from '../../../src/metrics/trading-metrics.ts';
import type { Strategy } from '../../../src/strategies/strategy.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import { LocalPaperMarket } from '../../../src/venue/alpaca-local/local-paper-market.ts';
import { smallConfig } from '../../support/run-config.ts';

/*
 * A paper session against the built-in Alpaca on loopback: the local venue and data server replay a small
 * synthetic history; the client side is the real Alpaca stack (REST, trade_updates, market-data stream)
 * driven by the live runner. Streams reconnect within 10–20 ms so drills stay fast.
 */

/** Everything of one session; closed after each test. */
export interface LocalPaper {
  readonly market: LocalPaperMarket;
  readonly connection: AlpacaConnection;
  readonly config: RunConfig;
  readonly stop: AbortController;
  /** Resolves with the number of bars the market replayed (the history ended or the market stopped). */
  readonly replayed: Promise<number>;
  /** The session's result (the run stops when the history ends, or on `stop`). */
  readonly result: Promise<LiveRunResult>;
  /** A REST client of our own to ask the venue what it holds (the session's closes with it). */
  readonly rest: AlpacaRestClient;
}

const open: LocalPaper[] = [];
afterEach(async () => {
  for (const p of open.splice(0)) {
    p.stop.abort();
    await p.result.catch(() => undefined);
    await p.rest.close();
    await p.market.stop();
  }
});

/** Options of {@link startLocalPaper}. */
export interface LocalPaperOptions {
  readonly strategy: Strategy;
  /** Synthetic sessions of 390 minute bars per symbol (2 symbols). Default 1. */
  readonly sessions?: number;
  /** Wall-clock ms between two bar timestamps. Default 1. */
  readonly intervalMs?: number;
  readonly live?: Partial<LiveConfig>;
  /** Config fields beyond the small test config's. */
  readonly config?: Record<string, unknown>;
  /** Called after each bar has been shown to the strategy. */
  readonly onBar?: (bar: Bar, n: number) => void;
  /** Stop the session when the history ends (default true). */
  readonly stopAtEnd?: boolean;
  /** Metrics the session feeds. */
  readonly metrics?: TradingMetrics;
  /** The dashboard view the session feeds. */
  readonly dashboard?: DashboardState;
  /** Runs after the market has started and before the session does (with a REST client of its own). */
  readonly before?: (market: LocalPaperMarket, rest: AlpacaRestClient) => Promise<void>;
  /** Open orders per GET /v2/orders page (default: the connection's 500). */
  readonly openOrdersPageSize?: number;
}

/** Start the local market and a live session trading on it. */
export async function startLocalPaper(o: LocalPaperOptions): Promise<LocalPaper> {
  const base = smallConfig({
    data: {
      kind: 'synthetic',
      symbols: ['AAA', 'BBB'],
      start: '2024-03-05',
      sessions: o.sessions ?? 1,
      volatility: 0.6
    },
    ...o.config
  });
  const config: RunConfig = {
    ...base,
    live: { ...base.live, venue: 'local', reconcileEveryMs: 60_000, shutdownGraceMs: 2_000, ...o.live }
  };
  const instruments = instrumentsFor(config);
  const clock = new LiveClock();
  const { source } = await openBars(config, instruments, config.seed);
  const market = new LocalPaperMarket({
    instruments,
    clock,
    bars: source,
    intervalMs: o.intervalMs ?? 1,
    seed: 3,
    initialCash: String(config.portfolio.cash)
  });
  await market.start();
  const rest = new AlpacaRestClient({
    baseUrl: market.endpoints.tradingUrl,
    keyId: market.endpoints.keyId,
    secretKey: market.endpoints.secretKey
  });
  await o.before?.(market, rest);
  const connection = connectAlpaca({
    ...market.endpoints,
    instruments,
    clock,
    seed: 5,
    timeoutMs: 2_000,
    backoff: { minMs: 10, maxMs: 20 },
    quotes: o.strategy.onQuote !== undefined,
    trades: o.strategy.onTrade !== undefined,
    ...(o.openOrdersPageSize === undefined ? {} : { openOrdersPageSize: o.openOrdersPageSize })
  });
  const stop = new AbortController();
  const replayed = market.run();
  if (o.stopAtEnd !== false) void replayed.then(() => setTimeout(() => stop.abort(DATA_END), 50));
  const result = runLive({
    config,
    configFile: 'test.yaml',
    clock,
    connection: { ...connection, name: 'alpaca-local' },
    signal: stop.signal,
    strategy: o.strategy,
    ...(o.onBar ? { onBar: o.onBar } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.dashboard ? { dashboard: o.dashboard } : {})
  });
  const p: LocalPaper = { market, connection, config, stop, replayed, result, rest };
  open.push(p);
  return p;
}

/** Log records of one type, with their payloads. */
export function records(r: LiveRunResult, type: string): { ts: bigint; payload: Record<string, unknown> }[] {
  return (r.log as MemoryEventLog).records
    .filter((x) => x.type === type)
    .map((x) => ({ ts: x.ts, payload: x.payload as Record<string, unknown> }));
}
