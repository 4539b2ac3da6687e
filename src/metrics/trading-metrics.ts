import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Instrument, lotsToQty, type Money, moneyToNumber } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import type { LogIds } from '../log/event-log.ts';
import { asRecord, errorSource, type LogPayload, numberField, stringField } from '../log/record-fields.ts';
import { orderEventTypeSchema } from '../messages/order-events.ts';
import { ORDER_DONE_STATES } from '../oms/working-orders.ts';
import type { Position } from '../portfolio/portfolio.ts';

/** What the metrics read from a portfolio at scrape time (a {@link Portfolio} satisfies it). */
export interface PortfolioView {
  readonly cash: Money;
  equity(): Money;
  realized(): Money;
  positions(): readonly Pick<Position, 'instrumentId' | 'qty'>[];
}

/** The kill switch's trading state, as {@link TradingMetrics} exports it. */
export type KillSwitchStateName = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** Options of {@link TradingMetrics}. */
export interface TradingMetricsOptions {
  /** The run's instruments: labels use their symbol, quantities their lot size. */
  readonly instruments: readonly Instrument[];
  /** The portfolio, read at scrape time (undefined while there is none yet: the money gauges read NaN). */
  readonly portfolio?: () => PortfolioView | undefined;
  /** Orders working now, read at scrape time; without it, counted from the order events observed. */
  readonly working?: () => number;
  /** The kill switch's state, read at scrape time; without it (or when it answers undefined), the `to` of the last `killswitch.*` record. */
  readonly killSwitchState?: () => KillSwitchStateName | undefined;
  /** Also collect prom-client's process and Node.js metrics (prefixed `tradestate_`). */
  readonly defaultMetrics?: boolean;
  /** Most orders tracked between submit and a final state for the latency histograms (default 100 000; oldest dropped). */
  readonly maxPendingOrders?: number;
}

/** What the scrape-time gauges read. */
export type GaugeSources = Pick<TradingMetricsOptions, 'portfolio' | 'working' | 'killSwitchState'>;

/** Metric name prefix. */
export const METRIC_PREFIX = 'tradestate_';

/** Buckets of the order latency histograms (seconds): 1 ms … 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
];

const KILL_SWITCH_VALUE: Readonly<Record<KillSwitchStateName, number>> = {
  ACTIVE: 0,
  REDUCING: 1,
  HALTED: 2
};

/** Order lifecycle event types counted by `order_events_total` (anything else `order.*` is ignored). */
const ORDER_EVENT_TYPES: ReadonlySet<string> = new Set([...orderEventTypeSchema.options, 'order.refused']);

const CODE_RE = /^TRD_ERR_[A-Z0-9_]{1,64}$/;
const LABEL_RE = /^[A-Za-z0-9_.:@/-]{1,64}$/;

/** An order tracked for the latency histograms, from its submit to its first fill or final state. */
interface Pending {
  readonly submitTs: Nanos;
  acked: boolean;
  filled: boolean;
}

/** A bounded label value: known-safe strings pass, anything else becomes `unknown`. */
const label = (v: unknown): string => {
  const s = stringField(v);
  return s !== undefined && LABEL_RE.test(s) ? s : 'unknown';
};
const sideLabel = (v: unknown): string => (v === 'buy' || v === 'sell' ? v : 'unknown');
const codeLabel = (v: unknown): string => {
  const s = stringField(v);
  return s !== undefined && CODE_RE.test(s) ? s : 'unknown';
};
const nsToSeconds = (ns: bigint): number => Number(ns) / 1e9;

/**
 * Prometheus metrics of a trading session, derived in one place from its event log (each record handed to
 * {@link observe}, e.g. by a `MeteredEventLog`) plus gauges read at scrape time (equity, cash, realized P&L,
 * positions, working orders, kill switch state). Owns its own prom-client {@link Registry}, never the global
 * one, so several sessions (or tests) never share series.
 *
 * Labels are low-cardinality by construction: instrument symbol, strategy id, side, record type and
 * `TRD_ERR_*` code; never an order id. Values that do not look like one become `unknown`.
 */
export class TradingMetrics {
  /** This session's registry. */
  readonly registry: Registry = new Registry();
  readonly #byId: ReadonlyMap<string, Instrument>;
  readonly #pending = new Map<string, Pending>();
  readonly #maxPending: number;
  /**
   * Client order ids sent and not yet final: kept apart from {@link #pending}, whose bound (`maxPendingOrders`)
   * drops orders from latency tracking only, never from the working count.
   */
  readonly #working = new Set<string>();
  #killSwitch: KillSwitchStateName = 'ACTIVE';
  /** Scrape-time sources (constructor options, or {@link attach} once the session exists). */
  #sources: GaugeSources;
  /** The process's metrics ({@link processMetrics}), when asked for. */
  readonly #defaults: Registry | undefined;

  readonly #bars: Counter<'instrument'>;
  readonly #submitted: Counter<'strategy' | 'instrument' | 'side'>;
  readonly #riskDenied: Counter<'validator'>;
  readonly #orderEvents: Counter<'type'>;
  readonly #fills: Counter<'instrument' | 'side'>;
  readonly #filledQty: Counter<'instrument' | 'side'>;
  readonly #rejects: Counter<'instrument'>;
  readonly #errors: Counter<'source' | 'code'>;
  readonly #reconciles: Counter;
  readonly #trips: Counter<'level' | 'trigger'>;
  readonly #metricsErrors: Counter;
  readonly #ack: Histogram;
  readonly #fill: Histogram;

  constructor(o: TradingMetricsOptions) {
    this.#byId = new Map(o.instruments.map((i) => [i.id, i] as const));
    this.#maxPending = Math.max(1, o.maxPendingOrders ?? 100_000);
    const registers = [this.registry];
    const p = METRIC_PREFIX;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter<L>({ name: p + name, help, labelNames, registers });

    this.#bars = counter('bars_total', 'Market data bars received, by instrument symbol.', ['instrument']);
    this.#submitted = counter(
      'orders_submitted_total',
      'Orders the strategies asked for (order.submit commands, risk-denied ones included).',
      ['strategy', 'instrument', 'side']
    );
    this.#riskDenied = counter('risk_denied_total', 'Orders denied by a pre-trade risk validator.', [
      'validator'
    ]);
    this.#orderEvents = counter('order_events_total', 'Order lifecycle events, by event type.', ['type']);
    this.#fills = counter('fills_total', 'Fills (order.filled records), by instrument symbol and side.', [
      'instrument',
      'side'
    ]);
    this.#filledQty = counter(
      'filled_quantity_total',
      'Quantity filled, in instrument units (shares, coins), by instrument symbol and side.',
      ['instrument', 'side']
    );
    this.#rejects = counter('rejects_total', 'Orders rejected by the venue, by instrument symbol.', [
      'instrument'
    ]);
    this.#errors = counter(
      'errors_total',
      'Errors raised by the gateway, the feed, the reconciler and stale-order recovery, and refused order and OMS events, by source and code.',
      ['source', 'code']
    );
    this.#reconciles = counter('reconcile_passes_total', 'Completed order reconciliation passes.', []);
    this.#trips = counter(
      'kill_switch_trips_total',
      'Kill switch trips, by level (halt, reduce) and trigger.',
      ['level', 'trigger']
    );
    this.#metricsErrors = counter(
      'metrics_errors_total',
      'Log records whose metrics update threw (the record itself was logged).',
      []
    );
    this.#ack = new Histogram({
      name: `${p}order_ack_seconds`,
      help: 'Time from order.submit to receiving the order.accepted of the same order (our clock), seconds.',
      buckets: [...LATENCY_BUCKETS],
      registers
    });
    this.#fill = new Histogram({
      name: `${p}order_fill_seconds`,
      help: 'Time from order.submit to receiving the first order.filled of the same order (our clock), seconds.',
      buckets: [...LATENCY_BUCKETS],
      registers
    });

    this.#sources = { ...o };
    const portfolio = (): PortfolioView | undefined => this.#sources.portfolio?.();
    const money = (name: string, help: string, read: (pf: PortfolioView) => Money): void => {
      new Gauge({
        name: p + name,
        help,
        registers,
        collect() {
          const pf = portfolio();
          this.set(pf ? moneyToNumber(read(pf)) : Number.NaN);
        }
      });
    };
    money(
      'equity',
      'Cash plus the market value of every position at its last mark (account currency).',
      (pf) => pf.equity()
    );
    money('cash', 'Cash (account currency).', (pf) => pf.cash);
    money('realized_pnl', 'Realized P&L over all instruments (account currency).', (pf) => pf.realized());
    const byId = this.#byId;
    new Gauge({
      name: `${p}position`,
      help: 'Signed position in instrument units, by instrument symbol.',
      labelNames: ['instrument'],
      registers,
      collect() {
        this.reset();
        const pf = portfolio();
        if (!pf) return;
        const qty = new Map<string, number>();
        for (const i of byId.values()) qty.set(i.symbol, 0);
        for (const pos of pf.positions()) {
          const inst = byId.get(pos.instrumentId);
          const sym = inst ? inst.symbol : symbolOf(pos.instrumentId);
          qty.set(sym, (qty.get(sym) ?? 0) + (inst ? Number(lotsToQty(inst, pos.qty)) : pos.qty));
        }
        for (const [instrument, q] of qty) this.set({ instrument }, q);
      }
    });
    const working = (): number => this.#sources.working?.() ?? this.#working.size;
    new Gauge({
      name: `${p}working_orders`,
      help: 'Orders working now (sent, not yet filled, canceled, expired or rejected).',
      registers,
      collect() {
        this.set(working());
      }
    });
    const ks = (): KillSwitchStateName | undefined => this.#sources.killSwitchState?.();
    const logged = (): KillSwitchStateName => this.#killSwitch;
    new Gauge({
      name: `${p}kill_switch_state`,
      help: 'Kill switch state: 0 ACTIVE, 1 REDUCING, 2 HALTED.',
      registers,
      collect() {
        this.set(KILL_SWITCH_VALUE[ks() ?? logged()]);
      }
    });
    new Gauge({ name: `${p}up`, help: 'Always 1 while the session exports metrics.', registers }).set(1);
    this.#defaults = o.defaultMetrics ? processMetrics() : undefined;
  }

  /**
   * Point the scrape-time gauges at a session created after these metrics (the log that feeds them has to
   * exist first). Sources given here replace the constructor's.
   */
  attach(sources: GaugeSources): void {
    this.#sources = { ...this.#sources, ...sources };
  }

  /** The Content-Type of {@link metrics}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Orders tracked for latency now (bounded by `maxPendingOrders`). */
  get pendingOrders(): number {
    return this.#pending.size;
  }

  /** The Prometheus text exposition of every metric (scrape-time gauges read now), the process's with them. */
  async metrics(): Promise<string> {
    const own = await this.registry.metrics();
    return this.#defaults ? `${own}${await this.#defaults.metrics()}` : own;
  }

  /** Count a record whose metrics update failed (called by the log wrapper that caught the error). */
  observeFailed(_error: unknown): void {
    this.#metricsErrors.inc();
  }

  /**
   * Update the metrics from one event-log record (same arguments as `EventLog.append`). Unknown types are
   * ignored; malformed payloads count what they can and never throw on purpose.
   */
  observe(ts: Nanos, type: string, _component: string, ids: LogIds, payload: unknown): void {
    const pl = asRecord(payload);
    switch (type) {
      case 'market.bar':
        this.#bars.inc({ instrument: this.#instrument(ids.instrumentId ?? pl['instrumentId']) });
        return;
      case 'order.submit':
        this.#onSubmit(ts, ids, pl);
        return;
      case 'risk.failed':
        this.#riskDenied.inc({ validator: label(pl['validator']) });
        return;
      case 'reconcile.completed':
        this.#reconciles.inc();
        return;
      case 'killswitch.tripped':
      case 'killswitch.reduced':
      case 'killswitch.reset':
        this.#onKillSwitch(type, pl);
        return;
    }
    if (ORDER_EVENT_TYPES.has(type)) this.#onOrderEvent(ts, type, ids, pl);
    const source = errorSource(type);
    if (source !== undefined) this.#errors.inc({ source, code: codeLabel(pl['code']) });
  }

  #onSubmit(ts: Nanos, ids: LogIds, pl: LogPayload): void {
    this.#submitted.inc({
      strategy: label(ids.strategyId ?? pl['strategyId']),
      instrument: this.#instrument(ids.instrumentId ?? pl['instrumentId']),
      side: sideLabel(pl['side'])
    });
    const id = ids.clientOrderId ?? stringField(pl['clientOrderId']);
    if (id === undefined || typeof ts !== 'bigint') return;
    this.#pending.delete(id); // a new submit under the id times from now
    this.#pending.set(id, { submitTs: ts, acked: false, filled: false });
    while (this.#pending.size > this.#maxPending) {
      const first = this.#pending.keys().next();
      if (first.done) break;
      this.#pending.delete(first.value);
    }
  }

  #onOrderEvent(ts: Nanos, type: string, ids: LogIds, pl: LogPayload): void {
    this.#orderEvents.inc({ type });
    if (type === 'order.refused') return; // an error (counted by observe), not a transition
    const instrument = this.#instrument(ids.instrumentId ?? pl['instrumentId']);
    if (type === 'order.filled') {
      const side = sideLabel(pl['side']);
      this.#fills.inc({ instrument, side });
      const lots = numberField(pl['lastQty']);
      if (lots !== undefined && lots > 0) this.#filledQty.inc({ instrument, side }, this.#qty(ids, pl, lots));
    } else if (type === 'order.rejected') {
      this.#rejects.inc({ instrument });
    }
    const id = ids.clientOrderId ?? stringField(pl['clientOrderId']);
    if (id === undefined) return;
    const orig = stringField(pl['origClientOrderId']);
    if (type === 'order.replaced' && orig !== undefined && orig !== id) {
      // the order lives on under its new client order id
      if (this.#working.delete(orig)) this.#working.add(id);
      const moved = this.#pending.get(orig);
      if (moved) {
        this.#pending.delete(orig);
        this.#pending.set(id, moved);
      }
    }
    const to = stringField(pl['to']);
    const done = type === 'order.denied' || (to !== undefined && ORDER_DONE_STATES.has(to));
    if (type === 'order.submitted') this.#working.add(id);
    if (done) this.#working.delete(id);
    const p = this.#pending.get(id);
    if (!p) return;
    // on our clock: when we received the venue's report (tsInit), else the record's own time
    const at = typeof pl['tsInit'] === 'bigint' ? pl['tsInit'] : ts;
    const dt = typeof at === 'bigint' ? at - p.submitTs : -1n;
    if (type === 'order.accepted' && !p.acked) {
      p.acked = true;
      if (dt >= 0n) this.#ack.observe(nsToSeconds(dt));
    } else if (type === 'order.filled' && !p.filled) {
      p.filled = true;
      if (dt >= 0n) this.#fill.observe(nsToSeconds(dt));
    }
    if (done) this.#pending.delete(id);
  }

  #onKillSwitch(type: string, pl: LogPayload): void {
    const to = stringField(pl['to']);
    if (to === 'ACTIVE' || to === 'REDUCING' || to === 'HALTED') this.#killSwitch = to;
    if (type === 'killswitch.reset') return;
    this.#trips.inc({
      level: type === 'killswitch.tripped' ? 'halt' : 'reduce',
      trigger: label(pl['trigger'])
    });
  }

  #instrument(id: unknown): string {
    const s = stringField(id);
    if (s === undefined) return 'unknown';
    return this.#byId.get(s)?.symbol ?? label(symbolOf(s));
  }

  #qty(ids: LogIds, pl: LogPayload, lots: number): number {
    const inst = this.#byId.get(ids.instrumentId ?? stringField(pl['instrumentId']) ?? '');
    return inst ? Number(lotsToQty(inst, lots)) : lots;
  }
}

let processRegistry: Registry | undefined;

/**
 * prom-client's process and Node.js metrics, collected once per process into a registry of their own that every
 * session's exposition appends: each `collectDefaultMetrics` call starts an event-loop-delay monitor and a GC
 * observer that nothing can stop, so one per session would pile up over in-process sessions (tests, sweeps).
 */
export function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRIC_PREFIX });
  }
  return processRegistry;
}

/** `AAPL@ALPACA` → `AAPL`. */
function symbolOf(instrumentId: string): string {
  const at = instrumentId.lastIndexOf('@');
  return at > 0 ? instrumentId.slice(0, at) : instrumentId;
}
