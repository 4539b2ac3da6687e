import { type Instrument, lotsToQty, type Money, moneyToNumber, ticksToPrice } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import type { LogIds } from '../log/event-log.ts';
import type { EventLogObserver } from '../log/metered-event-log.ts';
import { asRecord, errorSource, type LogPayload, numberField, stringField } from '../log/record-fields.ts';
import type { KillSwitchStateName } from '../metrics/trading-metrics.ts';
import type { Position } from '../portfolio/portfolio.ts';

/** What the dashboard reads from the session's portfolio (a `Portfolio` satisfies it). */
export interface DashboardPortfolio {
  readonly cash: Money;
  equity(): Money;
  realized(): Money;
  positions(): readonly Pick<Position, 'instrumentId' | 'qty' | 'cost' | 'realized' | 'lastPx'>[];
}

/** Options of {@link DashboardState}. */
export interface DashboardStateOptions {
  /** The run's instruments: rows show their symbol, quantities in units and prices in currency. */
  readonly instruments: readonly Instrument[];
  /** The portfolio (also settable later with {@link DashboardState.attach}). */
  readonly portfolio?: () => DashboardPortfolio | undefined;
  /** Equity points kept (default 500, oldest dropped). */
  readonly maxEquityPoints?: number;
  /** Orders kept (default 50, by first appearance; oldest dropped). */
  readonly maxOrders?: number;
  /** Errors kept (default 20, oldest dropped). */
  readonly maxErrors?: number;
  /** Push to subscribers at most once per this many ms (default 250). */
  readonly coalesceMs?: number;
  /** …or at once when this many records are waiting (default 1000). */
  readonly coalesceRecords?: number;
}

/** One sample of the equity curve (taken on each bar, after its mark). */
export interface DashboardEquityPoint {
  /** Event time, integer nanoseconds as a decimal string. */
  readonly ts: string;
  readonly equity: number;
}

/** One row of the positions table (non-zero positions only). */
export interface DashboardPosition {
  readonly instrumentId: string;
  readonly symbol: string;
  /** Signed, in instrument units. */
  readonly qty: number;
  /** Last mark (price), or null when never marked. */
  readonly lastPx: number | null;
  /** Average entry price of the open quantity. */
  readonly avgPx: number | null;
  readonly realized: number;
  /** Unrealized P&L at the last mark (0 when never marked). */
  readonly unrealized: number;
}

/** One row of the orders table: the order's latest state from its log records. */
export interface DashboardOrder {
  readonly clientOrderId: string;
  readonly instrumentId: string;
  readonly symbol: string;
  readonly side: string;
  /** Ordered and filled quantity, in instrument units. */
  readonly qty: number;
  readonly filled: number;
  /** Average fill price when something filled, else the limit price, else null. */
  readonly price: number | null;
  /** Order status (`PENDING_NEW`, `FILLED` …), `SUBMIT` before the order actor reported, `DENIED` when risk refused it. */
  readonly state: string;
  /** Event time of the last record about it (ns, decimal string). */
  readonly ts: string;
}

/** One error record: `<source>.error`, `order.refused` or `oms.refused`. */
export interface DashboardError {
  readonly ts: string;
  readonly type: string;
  readonly code: string;
  readonly message: string;
}

/** A JSON-safe view of the session (what `/api/state` and each SSE message carry). */
export interface DashboardSnapshot {
  readonly runId: string | null;
  readonly venue: string | null;
  readonly strategy: string | null;
  /**
   * `waiting` before `run.started`, `running`, `stopping` from `run.stopping` (a paper session winding down),
   * `completed` after `run.completed`, `failed` after `run.failed` (the session ended on an error).
   */
  readonly status: 'waiting' | 'running' | 'stopping' | 'completed' | 'failed';
  /** Event time of the last record (ns, decimal string), null before the first. */
  readonly lastTs: string | null;
  readonly records: number;
  readonly bars: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejects: number;
  readonly errorCount: number;
  readonly killSwitch: KillSwitchStateName;
  readonly killSwitchTrips: number;
  /** Null until a portfolio is attached. */
  readonly cash: number | null;
  readonly equity: number | null;
  readonly realized: number | null;
  readonly equityPoints: readonly DashboardEquityPoint[];
  readonly positions: readonly DashboardPosition[];
  /** Most recent first. */
  readonly orderList: readonly DashboardOrder[];
  /** Most recent first. */
  readonly errors: readonly DashboardError[];
}

/** Called with a fresh snapshot when the state changed (coalesced). */
export type DashboardListener = (snapshot: DashboardSnapshot) => void;

interface OrderRow {
  instrumentId: string;
  side: string;
  qtyLots: number;
  filledLots: number;
  notionalTicks: number;
  limitPx: number | undefined;
  state: string;
  ts: Nanos;
}

const tsString = (ts: unknown): string => (typeof ts === 'bigint' ? ts.toString() : String(ts));

/**
 * A bounded live view of one session for the web dashboard, derived from its event log (each record handed to
 * {@link observe}, e.g. by a `MeteredEventLog`): bars, orders and their states, fills, rejects, errors and the
 * kill switch's state come from records; cash, equity, realized P&L and positions are read from the attached
 * portfolio (the one the records describe), and the equity curve is sampled from it on every `market.bar`.
 * Memory stays bounded: the last 500 equity points, 50 orders and 20 errors.
 *
 * Subscribers get snapshots coalesced: at most one per `coalesceMs` (trailing), or at once when
 * `coalesceRecords` records are waiting or the run completed.
 */
export class DashboardState implements EventLogObserver {
  readonly #byId: ReadonlyMap<string, Instrument>;
  readonly #maxEquity: number;
  readonly #maxOrders: number;
  readonly #maxErrors: number;
  readonly #coalesceMs: number;
  readonly #coalesceRecords: number;
  #portfolio: (() => DashboardPortfolio | undefined) | undefined;
  readonly #listeners = new Set<DashboardListener>();
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  #runId: string | null = null;
  #venue: string | null = null;
  #strategy: string | null = null;
  #status: DashboardSnapshot['status'] = 'waiting';
  #lastTs: Nanos | undefined;
  #records = 0;
  #bars = 0;
  #orders = 0;
  #fills = 0;
  #rejects = 0;
  #errorCount = 0;
  #killSwitch: KillSwitchStateName = 'ACTIVE';
  #trips = 0;
  #observeFailures = 0;
  readonly #equity: DashboardEquityPoint[] = [];
  readonly #orderRows = new Map<string, OrderRow>();
  readonly #errors: DashboardError[] = [];

  constructor(o: DashboardStateOptions) {
    this.#byId = new Map(o.instruments.map((i) => [i.id, i] as const));
    this.#portfolio = o.portfolio;
    this.#maxEquity = Math.max(1, o.maxEquityPoints ?? 500);
    this.#maxOrders = Math.max(1, o.maxOrders ?? 50);
    this.#maxErrors = Math.max(1, o.maxErrors ?? 20);
    this.#coalesceMs = Math.max(0, o.coalesceMs ?? 250);
    this.#coalesceRecords = Math.max(1, o.coalesceRecords ?? 1000);
  }

  /** Point the dashboard at the session's portfolio (it is created after the log that feeds this view). */
  attach(sources: { readonly portfolio: () => DashboardPortfolio | undefined }): void {
    this.#portfolio = sources.portfolio;
  }

  /** Records whose update threw (reported by the log wrapper; the records themselves were logged). */
  get observeFailures(): number {
    return this.#observeFailures;
  }

  /** Count a record whose update failed (called by the log wrapper that caught the error). */
  observeFailed(_error: unknown): void {
    this.#observeFailures++;
  }

  /**
   * Update the view from one event-log record (same arguments as `EventLog.append`). Unknown types only count;
   * malformed payloads update what they can.
   */
  observe(ts: Nanos, type: string, _component: string, ids: LogIds, payload: unknown): void {
    const pl = asRecord(payload);
    this.#records++;
    this.#lastTs = ts;
    let urgent = false;
    switch (type) {
      case 'run.started':
        this.#status = 'running';
        this.#runId = stringField(pl['runId']) ?? null;
        this.#venue = stringField(pl['venue']) ?? null;
        this.#strategy = stringField(pl['strategy']) ?? null;
        break;
      case 'run.stopping':
        this.#status = 'stopping';
        urgent = true;
        break;
      case 'run.completed':
        this.#status = 'completed';
        urgent = true;
        break;
      case 'run.failed':
        this.#status = 'failed';
        urgent = true;
        break;
      case 'market.bar':
        this.#bars++;
        this.#sampleEquity(ts);
        break;
      case 'order.submit':
        this.#orders++;
        this.#onSubmit(ts, ids, pl);
        break;
      case 'order.denied':
        this.#onOrderEvent(ts, ids, pl, 'DENIED');
        break;
      case 'killswitch.tripped':
      case 'killswitch.reduced':
      case 'killswitch.reset': {
        const to = stringField(pl['to']);
        if (to === 'ACTIVE' || to === 'REDUCING' || to === 'HALTED') this.#killSwitch = to;
        if (type !== 'killswitch.reset') this.#trips++;
        urgent = true;
        break;
      }
      default:
        if (errorSource(type) !== undefined) this.#onError(ts, type, pl);
        else if (type.startsWith('order.')) {
          if (type === 'order.filled') this.#fills++;
          if (type === 'order.rejected') this.#rejects++;
          this.#onOrderEvent(ts, ids, pl, undefined);
        }
    }
    this.#changed(urgent);
  }

  /** The view now, JSON-safe (bigints as decimal strings, Money as numbers). */
  snapshot(): DashboardSnapshot {
    const pf = this.#portfolio?.();
    const orderList: DashboardOrder[] = [];
    for (const [clientOrderId, o] of this.#orderRows) orderList.push(this.#orderView(clientOrderId, o));
    orderList.reverse();
    return {
      runId: this.#runId,
      venue: this.#venue,
      strategy: this.#strategy,
      status: this.#status,
      lastTs: this.#lastTs === undefined ? null : tsString(this.#lastTs),
      records: this.#records,
      bars: this.#bars,
      orders: this.#orders,
      fills: this.#fills,
      rejects: this.#rejects,
      errorCount: this.#errorCount,
      killSwitch: this.#killSwitch,
      killSwitchTrips: this.#trips,
      cash: pf ? moneyToNumber(pf.cash) : null,
      equity: pf ? moneyToNumber(pf.equity()) : null,
      realized: pf ? moneyToNumber(pf.realized()) : null,
      equityPoints: [...this.#equity],
      positions: pf ? this.#positionsOf(pf) : [],
      orderList,
      errors: [...this.#errors].reverse()
    };
  }

  /**
   * Get a snapshot after changes, coalesced (see the class). Returns the unsubscribe function. A listener that
   * throws is ignored and stays subscribed.
   */
  subscribe(listener: DashboardListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#cancelTimer();
    };
  }

  /** Push pending changes to the subscribers now (nothing when none are pending). */
  flush(): void {
    this.#cancelTimer();
    if (this.#pending === 0) return;
    this.#pending = 0;
    if (this.#listeners.size === 0) return;
    const s = this.snapshot();
    for (const l of [...this.#listeners]) {
      try {
        l(s);
      } catch {
        // a broken subscriber never breaks the session or the other subscribers
      }
    }
  }

  #changed(urgent: boolean): void {
    this.#pending++;
    if (this.#listeners.size === 0) return;
    if (urgent || this.#pending >= this.#coalesceRecords) {
      this.flush();
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.#coalesceMs);
      this.#timer.unref?.();
    }
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #sampleEquity(ts: Nanos): void {
    const pf = this.#portfolio?.();
    if (!pf) return;
    this.#equity.push({ ts: tsString(ts), equity: moneyToNumber(pf.equity()) });
    if (this.#equity.length > this.#maxEquity) this.#equity.splice(0, this.#equity.length - this.#maxEquity);
  }

  #onSubmit(ts: Nanos, ids: LogIds, pl: LogPayload): void {
    const id = ids.clientOrderId ?? stringField(pl['clientOrderId']);
    if (id === undefined) return;
    this.#put(id, {
      instrumentId: ids.instrumentId ?? stringField(pl['instrumentId']) ?? 'unknown',
      side: stringField(pl['side']) ?? 'unknown',
      qtyLots: numberField(pl['qty']) ?? 0,
      filledLots: 0,
      notionalTicks: 0,
      limitPx: numberField(pl['limitPx']),
      state: 'SUBMIT',
      ts
    });
  }

  #onOrderEvent(ts: Nanos, ids: LogIds, pl: LogPayload, state: string | undefined): void {
    const id = ids.clientOrderId ?? stringField(pl['clientOrderId']);
    if (id === undefined) return;
    const old = this.#orderRows.get(id);
    this.#put(id, {
      instrumentId: ids.instrumentId ?? stringField(pl['instrumentId']) ?? old?.instrumentId ?? 'unknown',
      side: stringField(pl['side']) ?? old?.side ?? 'unknown',
      qtyLots: numberField(pl['qty']) ?? old?.qtyLots ?? 0,
      filledLots: numberField(pl['filledQty']) ?? old?.filledLots ?? 0,
      notionalTicks: numberField(pl['notionalTicks']) ?? old?.notionalTicks ?? 0,
      limitPx: numberField(pl['limitPx']) ?? old?.limitPx,
      state: state ?? stringField(pl['to']) ?? old?.state ?? 'unknown',
      ts
    });
  }

  /** Update a row in place (an order keeps its place) or add it, dropping the oldest past the bound. */
  #put(id: string, row: OrderRow): void {
    const old = this.#orderRows.get(id);
    if (old) {
      Object.assign(old, row);
      return;
    }
    this.#orderRows.set(id, row);
    while (this.#orderRows.size > this.#maxOrders) {
      const first = this.#orderRows.keys().next();
      if (first.done) break;
      this.#orderRows.delete(first.value);
    }
  }

  #onError(ts: Nanos, type: string, pl: LogPayload): void {
    this.#errorCount++;
    this.#errors.push({
      ts: tsString(ts),
      type,
      code: stringField(pl['code']) ?? 'unknown',
      message: (stringField(pl['message']) ?? '').slice(0, 512)
    });
    if (this.#errors.length > this.#maxErrors) this.#errors.splice(0, this.#errors.length - this.#maxErrors);
  }

  #orderView(clientOrderId: string, o: OrderRow): DashboardOrder {
    const inst = this.#byId.get(o.instrumentId);
    const px =
      o.filledLots > 0 ? o.notionalTicks / o.filledLots : o.limitPx !== undefined ? o.limitPx : undefined;
    return {
      clientOrderId,
      instrumentId: o.instrumentId,
      symbol: inst?.symbol ?? symbolOf(o.instrumentId),
      side: o.side,
      qty: this.#units(inst, o.qtyLots),
      filled: this.#units(inst, o.filledLots),
      price: px === undefined ? null : this.#price(inst, px),
      state: o.state,
      ts: tsString(o.ts)
    };
  }

  #positionsOf(pf: DashboardPortfolio): DashboardPosition[] {
    const rows: DashboardPosition[] = [];
    for (const p of pf.positions()) {
      if (p.qty === 0) continue;
      const inst = this.#byId.get(p.instrumentId);
      const mv =
        p.lastPx !== undefined && inst ? BigInt(p.lastPx) * BigInt(p.qty) * inst.tickLotValue : undefined;
      rows.push({
        instrumentId: p.instrumentId,
        symbol: inst?.symbol ?? symbolOf(p.instrumentId),
        qty: this.#units(inst, p.qty),
        lastPx: p.lastPx === undefined ? null : this.#price(inst, p.lastPx),
        avgPx: inst ? moneyToNumber(p.cost) / Number(lotsToQty(inst, p.qty)) : null,
        realized: moneyToNumber(p.realized),
        unrealized: mv === undefined ? 0 : moneyToNumber(mv - p.cost)
      });
    }
    return rows.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  #units(inst: Instrument | undefined, lots: number): number {
    return inst ? Number(lotsToQty(inst, lots)) : lots;
  }

  /** Ticks (possibly fractional: an average) to a price. */
  #price(inst: Instrument | undefined, ticks: number): number {
    if (!inst) return ticks;
    return Number.isInteger(ticks)
      ? Number(ticksToPrice(inst, ticks))
      : ticks * Number(ticksToPrice(inst, 1));
  }
}

/** `AAPL@ALPACA` → `AAPL`. */
function symbolOf(instrumentId: string): string {
  const at = instrumentId.lastIndexOf('@');
  return at > 0 ? instrumentId.slice(0, at) : instrumentId;
}
