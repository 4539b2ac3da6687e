import { z } from 'zod';
import { MAX_TIMER_MS } from '../core/duration.ts';
import { nsFromIso } from '../core/nanos.ts';
import { SOURCE_TZS } from '../data/import/bar-files.ts';
import { EPOCH_UNITS } from '../data/import/generic-csv.ts';
import { MAX_HEART_BT_INT_SEC } from '../gateways/fix/tags.ts';
import { symbolSchema } from '../messages/primitives.ts';
import {
  killSwitchConfigSchema,
  riskEngineConfigSchema,
  supervisionPolicySchema
} from '../risk/risk-config.ts';
import { emulatorConfigSchema } from '../venue/emulator/emulator-config.ts';

/** A strategy id: 1 to 40 letters, digits, `.`, `_` or `-` (it starts every client order id of the strategy). */
export const STRATEGY_ID = /^[A-Za-z0-9._-]{1,40}$/;

/** A timer delay in whole ms from `min` to {@link MAX_TIMER_MS}. */
const timerMs = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(MAX_TIMER_MS, { message: `at most ${MAX_TIMER_MS} ms (~24.8 days), the longest a timer can wait` });

/** A real calendar day, `YYYY-MM-DD` (2024-02-31 is refused, not read as March 2). */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine(isCalendarDate, { message: 'not a calendar date (YYYY-MM-DD)' });

/** True when `s` (`YYYY-MM-DD`) names a day that exists. */
function isCalendarDate(s: string): boolean {
  try {
    nsFromIso(`${s}T00:00:00Z`);
    return true;
  } catch {
    return false;
  }
}

/** A time of day, `HH:MM` from 00:00 to 23:59. */
const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time HH:MM (00:00–23:59)' });

/**
 * A check refusing a symbol listed twice (the second listing would be merged into the first, silently): an issue
 * at each later entry (`at(i)`, relative to the list) naming the symbol.
 */
function uniqueSymbols<T>(symbolOf: (entry: T) => string, at: (i: number) => PropertyKey[]) {
  return (entries: readonly T[], ctx: z.core.$RefinementCtx<T[]>): void => {
    const first = new Map<string, number>();
    entries.forEach((entry, i) => {
      const symbol = symbolOf(entry);
      const j = first.get(symbol);
      if (j === undefined) first.set(symbol, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: at(i),
          input: symbol,
          message: `symbol ${symbol} is listed twice (entry ${j} too): list each symbol once`
        });
    });
  };
}

/** {@link uniqueSymbols} of a list of symbols. */
const uniqueSymbolList = uniqueSymbols<string>(
  (s) => s,
  (i) => [i]
);

const decimalString = z
  .union([z.string().regex(/^\d+(\.\d+)?$/), z.number().positive()])
  .transform((v) => String(v));

/**
 * Defaults applied to every instrument unless overridden per symbol. Tick size, lot size and currency left out
 * come from the data (a Parquet store's `symbols.json`; LOBSTER's 0.0001 tick), else 0.01, 1 and USD.
 */
const instrumentDefaultsSchema = z.strictObject({
  venue: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/)
    .default('SIM'),
  tickSize: decimalString.optional(),
  lotSize: decimalString.optional(),
  currency: z.string().min(3).max(5).optional()
});

/**
 * One symbol's override of {@link instrumentDefaultsSchema}: only what it gives (no default venue: `.partial()`
 * kept `SIM`, which replaced the configured default venue of every overridden symbol).
 */
const instrumentOverrideSchema = instrumentDefaultsSchema.extend({
  venue: instrumentDefaultsSchema.shape.venue.unwrap().optional()
});

const syntheticSchema = z
  .strictObject({
    kind: z.literal('synthetic'),
    symbols: z
      .array(z.string().regex(/^[A-Z0-9.]{1,12}$/))
      .min(1)
      .max(50)
      .superRefine(uniqueSymbolList),
    /** First session date, YYYY-MM-DD. */
    start: calendarDate,
    /** Number of trading sessions (weekdays). */
    sessions: z.number().int().positive().max(2000),
    /** Session open and close in UTC, HH:MM; the open before the close (a session within one UTC day). */
    sessionOpenUtc: timeOfDay.default('14:30'),
    sessionCloseUtc: timeOfDay.default('21:00'),
    startPrice: z.number().positive().default(100),
    /** Annualised volatility around which GARCH-like clustering moves. */
    volatility: z.number().positive().max(5).default(0.3),
    /** Probability per bar of a jump, and the jump size's standard deviation (fraction). */
    jumpProbability: z.number().min(0).max(0.1).default(0.0005),
    jumpSize: z.number().min(0).max(0.5).default(0.02)
  })
  .refine((d) => d.sessionOpenUtc < d.sessionCloseUtc, {
    message: 'sessionOpenUtc must be before sessionCloseUtc (a session within one UTC day)',
    path: ['sessionCloseUtc']
  });

/** One file per symbol (each symbol once). */
const dataFilesSchema = z
  .array(z.strictObject({ symbol: symbolSchema, path: z.string().min(1) }))
  .min(1)
  .superRefine(
    uniqueSymbols<{ symbol: string }>(
      (f) => f.symbol,
      (i) => [i, 'symbol']
    )
  );

const yahooSchema = z.strictObject({
  kind: z.literal('yahoo-csv'),
  files: dataFilesSchema,
  /** Apply the Adj Close / Close ratio to OHLC (splits and dividends). */
  adjust: z.boolean().default(false)
});

/**
 * OHLCV CSV files of any common layout, one symbol each, read as `tradestate data import --format csv` reads them
 * (src/data/import/generic-csv.ts: columns by name, ISO, wall-clock or epoch stamps), without a store.
 */
const csvSchema = z.strictObject({
  kind: z.literal('csv'),
  files: dataFilesSchema,
  /** Wall-clock zone of stamps written without one. */
  tz: z.enum(SOURCE_TZS).default('UTC'),
  /** Whether a stamp is the bar's open or its close. */
  stamp: z.enum(['open', 'close']).default('open'),
  /** Unit of integer epoch stamps (default: by magnitude). */
  timeUnit: z.enum(EPOCH_UNITS).optional(),
  /** The bars' width (default: the smallest step between stamps). */
  timeframe: z.enum(['1m', '5m', '15m', '30m', '1h', '1d']).optional(),
  /** `24x7`: a daily bar is its UTC day, returns annualise over 365 days; `nyse`: the NYSE session, 252. */
  calendar: z.enum(['24x7', 'nyse']).default('24x7'),
  /**
   * On the `nyse` calendar, the bars the strategy sees, as from a Parquet store: `regular` (default) leaves out
   * intraday bars holding no minute of the 09:30–16:00 session (pre-market, after hours); `all` keeps them.
   */
  session: z.enum(['regular', 'all']).default('regular')
});

const parquetSchema = z.strictObject({
  kind: z.literal('parquet'),
  store: z.string().min(1),
  symbols: z.array(symbolSchema).min(1).superRefine(uniqueSymbolList),
  start: z.string().optional(),
  end: z.string().optional(),
  /** The bars' width (default: the finest timeframe stored for every symbol); another is resampled from finer bars. */
  timeframe: z.enum(['1m', '5m', '15m', '1h', '1d']).optional(),
  /** Read each symbol across its ticker changes (e.g. AABA includes YHOO's history). */
  followRenames: z.boolean().default(false)
});

/**
 * Tick data: one LOBSTER message file (order by order, one symbol, one day), replayed event by event into the
 * execution emulator's L3 book; strategies see every top-of-book change as a quote. Prices are LOBSTER's
 * dollars × 10,000, so the symbol's tick size is 0.0001 (the default for this kind).
 */
const lobsterSchema = z.strictObject({
  kind: z.literal('lobster'),
  symbol: z.string().regex(/^[A-Z0-9.]{1,12}$/),
  /** The message file (`<SYMBOL>_<date>_<start>_<end>_message_<levels>.csv`). */
  messages: z.string().min(1),
  /** The matching orderbook file; its first row starts the book. Without it the book starts empty. */
  orderbook: z.string().min(1).optional(),
  /** Trading date YYYY-MM-DD; default: the date in the message file's name. */
  date: calendarDate.optional(),
  /** How often the equity curve is sampled and the kill switch is fed, in ms of data time. */
  equityEveryMs: z.number().int().positive().max(3_600_000).default(1_000)
});

export const dataSourceSchema = z.discriminatedUnion('kind', [
  syntheticSchema,
  yahooSchema,
  csvSchema,
  parquetSchema,
  lobsterSchema
]);

export type DataSourceConfig = z.infer<typeof dataSourceSchema>;

/** The symbols the data holds, as listed in the config (files' symbols; LOBSTER's one). */
export function dataSymbols(data: DataSourceConfig): string[] {
  return data.kind === 'yahoo-csv' || data.kind === 'csv'
    ? data.files.map((f) => f.symbol)
    : data.kind === 'lobster'
      ? [data.symbol]
      : [...data.symbols];
}

/**
 * The strategy: a built-in `type`, or your own `module` (a `.ts` file, relative to the config file, whose default
 * export is a `StrategyPlugin`, see src/strategies/plugin.ts), and its `params`.
 */
export const strategyConfigSchema = z
  .strictObject({
    type: z.string().min(1).optional(),
    module: z.string().min(1).optional(),
    id: z.string().regex(STRATEGY_ID).optional(),
    params: z.record(z.string(), z.unknown()).default({})
  })
  .refine((s) => (s.type === undefined) !== (s.module === undefined), {
    message: 'give either type (a built-in strategy) or module (your own), not both or neither'
  });

export const executionConfigSchema = z.strictObject({
  /** Basis points of notional, per unit of quantity, minimum and cap per order (see the emulator's schema). */
  commission: emulatorConfigSchema.shape.commission,
  slippage: z.strictObject({ bps: z.number().min(0).max(1000).default(0) }).default({ bps: 0 }),
  /** Network, ack and fill latencies with seeded jitter (ms); see docs/EMULATOR.md. */
  latency: emulatorConfigSchema.shape.latency,
  /** Fraction of a bar's volume one order may take. */
  liquidity: emulatorConfigSchema.shape.liquidity,
  /** Market impact: none, square-root or Kyle's lambda. */
  impact: emulatorConfigSchema.shape.impact
});

/**
 * How a backtest's results are measured. Left out, the run is measured as `{}` would be; only a section that is
 * given is part of the run id (so ids of configs without one do not change).
 */
export const analyticsConfigSchema = z.strictObject({
  /** Annual risk-free rate (fraction) taken out of returns by Sharpe, Sortino and alpha. */
  riskFree: z.number().min(-0.1).max(1).default(0),
  /**
   * What the run is compared with: `equal-weight` buys and holds every symbol of the data in equal parts from its
   * first price, `{ symbol: S }` only S (one of the data's symbols), `none` nothing.
   */
  benchmark: z
    .union([z.enum(['equal-weight', 'none']), z.strictObject({ symbol: z.string().min(1) })], {
      error: 'expected equal-weight, none or { symbol: SYMBOL }'
    })
    .default('equal-weight')
});

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;

/** The analytics section of `config`, defaults filled in when it has none. */
export function analyticsOf(config: { readonly analytics?: AnalyticsConfig | undefined }): AnalyticsConfig {
  return config.analytics ?? analyticsConfigSchema.parse({});
}

/**
 * Paper and live trading (`--mode paper`): which venue, where it is, how often to reconcile, how to stop.
 * Credentials never live in the file: they are read from the environment variables it names.
 */
export const liveConfigSchema = z
  .strictObject({
    /**
     * `alpaca`: Alpaca's paper API; `local`: the built-in Alpaca-compatible venue replaying `data` (no network);
     * `fix`: orders over a FIX 4.2 session to `fix.host:port`, bars from Alpaca's data stream; `local-fix`: the
     * built-in FIX 4.2 venue on loopback, with `data` replayed as the market (no network).
     */
    venue: z.enum(['alpaca', 'local', 'fix', 'local-fix']).default('alpaca'),
    /** The FIX 4.2 order-entry session of `venue: fix` (and `local-fix`, which listens on a free port instead). */
    fix: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(1).max(65_535).default(9878),
        senderCompId: z.string().min(1).max(64).default('TRADESTATE'),
        targetCompId: z.string().min(1).max(64).default('VENUE'),
        heartBtIntSec: z.number().int().min(1).max(MAX_HEART_BT_INT_SEC).default(30),
        /** Send ResetSeqNumFlag=Y on every Logon (both sides restart at 1; most venues allow it once a day). */
        resetOnLogon: z.boolean().default(false),
        /**
         * The venue's FIX 4.2 data dictionary (QuickFIX XML; relative to this file), which both validates what
         * arrives and orders what goes out. Required for `fix` and `local-fix`.
         */
        dictionary: z.string().min(1).optional(),
        /** Where sequence numbers and sent messages are kept across sessions (relative to the working directory). */
        storeDir: z.string().min(1).default('fix-store'),
        /** How long to wait for the Logon answer at start (ms; at most 2^31−1, a timer's limit). */
        logonTimeoutMs: timerMs(100).default(10_000),
        /**
         * Connect over TLS (the venue's certificate is always verified). Paths are PEM files relative to this
         * file: `caFile` the CA(s) to trust instead of Node's public roots, `certFile` + `keyFile` our client
         * certificate when the venue wants mutual TLS, `servername` the name the venue's certificate carries
         * when `host` is an address or differs from it. `{}` = TLS with the public roots. Not for `local-fix`.
         */
        tls: z
          .strictObject({
            caFile: z.string().min(1).optional(),
            certFile: z.string().min(1).optional(),
            keyFile: z.string().min(1).optional(),
            servername: z.string().min(1).optional()
          })
          .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
            message: 'certFile and keyFile go together'
          })
          .optional(),
        /**
         * Where bars come from: `alpaca` (its data stream; keys as for `venue: alpaca`), or `fix` (MarketDataRequest
         * on this session: the book to `depth` levels and trades, 1-minute bars cut from the venue's trades; no
         * other feed).
         */
        marketData: z.enum(['alpaca', 'fix']).default('alpaca'),
        /**
         * With `marketData: fix`, the MarketDepth (264) asked for: 1 = top of book, N = the best N levels, 0 = the
         * full book. The strategy sees the book as `view.book` (as in a LOBSTER backtest).
         */
        depth: z.number().int().min(0).max(1000).default(1),
        /** Names the venue in execution reports and the log. */
        venueName: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,32}$/)
          .default('FIX')
      })
      .refine((f) => f.depth === 1 || f.marketData === 'fix', {
        message: 'depth is the MarketDepth of FIX market data: it needs marketData: fix',
        path: ['depth']
      })
      .prefault({}),
    alpaca: z
      .strictObject({
        tradingUrl: z.string().url().default('https://paper-api.alpaca.markets'),
        tradingStreamUrl: z.string().url().default('wss://paper-api.alpaca.markets/stream'),
        dataUrl: z.string().url().default('wss://stream.data.alpaca.markets/v2/iex'),
        keyIdEnv: z.string().min(1).default('APCA_API_KEY_ID'),
        secretKeyEnv: z.string().min(1).default('APCA_API_SECRET_KEY')
      })
      .prefault({}),
    /**
     * The bars a paper session shows its strategy. Venues stream minute bars (Alpaca's data stream; the FIX
     * gateway cuts them from trades); they are rolled up, with the backtest's bucket rules, into `timeframe`
     * (whole minutes up to `1d`; default: the data's own, i.e. `data.timeframe` (else the finest stored) for
     * parquet, `1d` for yahoo-csv, else `1m`), so a strategy backtested on 5-minute or daily bars gets the same bars live. `calendar`: `nyse`
     * (New York sessions) or `24x7` (UTC days, epoch-aligned buckets) for every instrument; default: each symbol's
     * own in a Parquet store, else `24x7` for synthetic data and `nyse` otherwise;
     * `session`: `regular` keeps only 09:30–16:00 New York (early closes applied) as a backtest does, `all` keeps
     * extended hours; default: the backtest's (`data.session` of CSV data, else `regular`). A bucket is emitted with the bar that completes it, or `graceMs` after its end when its
     * last minute had no trades.
     */
    bars: z
      .strictObject({
        timeframe: z.string().min(1).optional(),
        calendar: z.enum(['nyse', '24x7']).optional(),
        session: z.enum(['regular', 'all']).optional(),
        graceMs: z.number().int().min(0).max(600_000).default(10_000)
      })
      .prefault({}),
    /**
     * Reconcile every order with the venue by client order id this often (ms; at most 2^31−1 ≈ 24.8 days, a
     * timer's limit), and after every reconnect.
     */
    reconcileEveryMs: timerMs(100).default(30_000),
    /** On stop: cancel working orders and wait at most this long (ms) for their last reports. */
    shutdownGraceMs: timerMs(0).default(5_000),
    /**
     * Orders of this strategy still open at the venue when a session starts (left by a session that crashed or was
     * killed; their client order ids start with the strategy id): `cancel` them before trading, or `leave` them.
     */
    staleOrders: z.enum(['cancel', 'leave']).default('cancel'),
    /**
     * Cash reconciliation at the end of a session: the venue's cash change may differ from what our fills and
     * commissions explain by at most this much (account currency) before it is `TRD_ERR_CASH_MISMATCH`. Fees the
     * venue charges and we do not model (regulatory fees on sells, interest) show up here.
     */
    cashTolerance: z.number().min(0).default(0.01),
    /** Stop after this long (ms; any length, a month-long session too); 0 = run until interrupted (SIGINT/SIGTERM). */
    durationMs: z.number().int().min(0).default(0),
    /** `local` venue: wall-clock pause between two replayed bar timestamps (ms; at most 2^31−1). */
    localBarIntervalMs: timerMs(0).default(25),
    /** `local-fix` on LOBSTER data: seconds of data replayed per wall-clock second (1 = as it happened). */
    localSpeed: z.number().positive().max(1e9).default(1),
    /** Prometheus metrics at `http://host:port/metrics` (docs/grafana has a dashboard). Off unless enabled. */
    metrics: z
      .strictObject({
        enabled: z.boolean().default(false),
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(9464)
      })
      .prefault({}),
    /** The live web dashboard at `http://host:port/` (equity, positions, orders, errors). Off unless enabled. */
    dashboard: z
      .strictObject({
        enabled: z.boolean().default(false),
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8088)
      })
      .prefault({})
  })
  .refine((l) => sharedPort(l) === undefined, {
    message: 'the metrics and dashboard servers cannot share a port: give live.dashboard.port another one',
    path: ['dashboard', 'port']
  });

/**
 * The port both the metrics and the dashboard server would listen on (both enabled, the same port, not 0 =
 * any free port), else undefined: the second one could not start.
 */
export function sharedPort(live: {
  readonly metrics: { readonly enabled: boolean; readonly port: number };
  readonly dashboard: { readonly enabled: boolean; readonly port: number };
}): number | undefined {
  const { metrics: m, dashboard: d } = live;
  return m.enabled && d.enabled && m.port !== 0 && m.port === d.port ? m.port : undefined;
}

/** The run configuration's keys, each checked on its own (see {@link runConfigSchema}). */
const runConfigObject = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('backtest'),
  seed: z.number().int().min(0).max(0xffffffff).default(42),
  instruments: z
    .strictObject({
      defaults: instrumentDefaultsSchema.prefault({}),
      overrides: z.record(z.string(), instrumentOverrideSchema).default({})
    })
    .prefault({}),
  data: dataSourceSchema,
  strategy: strategyConfigSchema,
  portfolio: z.strictObject({ cash: z.number().positive() }).default({ cash: 1_000_000 }),
  execution: executionConfigSchema.prefault({}),
  /** Pre-trade risk validators (src/risk/risk-config.ts). */
  /** Pre-trade risk: any validators in any order, but always `tradingState`, the kill switch's gate. */
  risk: riskEngineConfigSchema
    .refine((r) => r.order.includes('tradingState'), {
      message:
        'must include tradingState: it is how the kill switch stops new orders (halted: none; reducing: only reductions)',
      path: ['order']
    })
    .prefault({}),
  /** Benchmark and risk-free rate of the results (see {@link analyticsConfigSchema}). */
  analytics: analyticsConfigSchema.optional(),
  /** Kill-switch triggers; none configured means it trips only manually or by supervisor escalation. */
  killSwitch: killSwitchConfigSchema.prefault({}),
  /** Restart policy of the strategy actors' supervisor. */
  supervision: supervisionPolicySchema.prefault({}),
  /** Paper/live sessions (`--mode paper`); ignored by backtests. */
  live: liveConfigSchema.prefault({})
});

/**
 * The whole run configuration (`config/*.yaml`): its keys, and what they say together. An override of a symbol
 * the data does not hold applies to nothing (a typo, `APPL`, would go unnoticed), and a benchmark of one is no
 * benchmark: refused, naming the symbol.
 */
export const runConfigSchema = runConfigObject.superRefine((c, ctx) => {
  const symbols = dataSymbols(c.data);
  const benchmark = c.analytics?.benchmark;
  if (typeof benchmark === 'object' && !symbols.includes(benchmark.symbol.split('@')[0]!)) {
    ctx.addIssue({
      code: 'custom',
      path: ['analytics', 'benchmark', 'symbol'],
      input: benchmark.symbol,
      message: `symbol ${benchmark.symbol} is not in the data (${symbols.join(', ')})`
    });
  }
  for (const symbol of Object.keys(c.instruments.overrides)) {
    if (symbols.includes(symbol)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['instruments', 'overrides', symbol],
      input: symbol,
      message: `symbol ${symbol} is not in the data (${symbols.join(', ')})`
    });
  }
});

export type RunConfig = z.infer<typeof runConfigSchema>;
export type LiveConfig = z.infer<typeof liveConfigSchema>;
