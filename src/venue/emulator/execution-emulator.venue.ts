import type { L3BookSnapshot } from '../../book/l3-book.ts';
import type { LobsterMessages } from '../../book/lobster.codec.ts';
import type { Instrument } from '../../core/instrument.ts';
import { type Nanos, NS_PER_DAY } from '../../core/nanos.ts';
import type { Rng } from '../../core/rng.ts';
import { nyseDayOrderClose } from '../../data/nyse-calendar.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import { type ExecutionReport, NO_EXECUTION } from '../../messages/execution-report.ts';
import type { Bar, BookDelta, Quote, Trade } from '../../messages/market-data.ts';
import type { OrderVenue } from '../venue.ts';
import { BarFillModel } from './bar-fill.model.ts';
import type { EmulatorConfig } from './emulator-config.ts';
import {
  type EmulatorHost,
  expiryOf,
  expiryReason,
  type FillModel,
  type WorkingOrder
} from './fill-model.ts';
import { type L3Event, l3EventFromDelta, l3EventFromLobster } from './l3-event.ts';
import { L3FillModel } from './l3-fill.model.ts';
import { LatencyModel } from './latency.ts';
import {
  adverse,
  type CommissionSchedule,
  chargeFill,
  commissionSchedule,
  impactTicks,
  slippageTicks
} from './pricing.ts';
import { QuoteFillModel } from './quote-fill.model.ts';

type Inbound =
  | { readonly kind: 'submit'; readonly arrival: Nanos; readonly cmd: SubmitOrder }
  | { readonly kind: 'cancel'; readonly arrival: Nanos; readonly cmd: CancelOrder }
  | { readonly kind: 'replace'; readonly arrival: Nanos; readonly cmd: ReplaceOrder }
  | {
      readonly kind: 'query';
      readonly arrival: Nanos;
      readonly clientOrderId: string;
      readonly instrumentId: string;
    };

/** Counters of what the emulator did (diagnostics; the L3 model adds its own). */
export interface EmulatorStats {
  commands: number;
  marketEvents: number;
  reports: number;
}

/**
 * The execution emulator: a simulated venue for backtests with a choice of fill model (bars, quotes, L3
 * order-level events), a latency model, slippage, liquidity limits, market impact and queue position.
 *
 * Time. Every command travels to the venue (`network` latency) and is handled when it arrives; market data
 * is handled at its own time. Commands that arrive at or before a data event's time are handled before it
 * (for a bar: at or before its open), so an order only ever trades on data that reaches the venue after it.
 * What a bar does inside itself (a fill at the limit or at a stop, dated at the bar's close; an expiry inside
 * it) happens at that time: commands arriving before it are handled first (a cancel arriving mid-bar cancels an
 * order the bar would fill at its close), those arriving at it or later after it (see {@link BarFillModel}).
 * Reports leave the venue at the time of what they report (`tsEvent`) and reach the client after the ack or
 * fill latency (`tsInit`). The reports of one order — including the rejects of commands about it and the
 * answers to queries about it — arrive in the order they were produced, none dated (`tsEvent`) before an
 * earlier one: a cancel rejected because the order has just filled is delivered after that fill, whatever the
 * latencies. Each latency is fixed + a uniform jitter drawn from the injected seeded {@link Rng}: the same seed
 * and inputs give the same reports, byte for byte.
 *
 * Driving it: feed market data in time order (`onBar`, `onQuote`, `onTrade`, `onL3Event` / `onBookDelta` /
 * `onLobster`), send commands with the client's clock (`submit(cmd, now)` …), and collect reports with
 * {@link drainDue} (everything delivered by `now`) — {@link nextDueAt} says when the venue next has something
 * to do, so an engine can step its clock there. {@link drain} (the {@link OrderVenue} method) is
 * `drainDue(latest time seen)`. With zero latency it behaves like the skeleton's bar venue.
 */
export class ExecutionEmulator implements OrderVenue {
  readonly config: EmulatorConfig;
  /** OCO groups are honoured here (see {@link OrderVenue.oco}). */
  readonly oco = true;
  readonly stats: EmulatorStats = { commands: 0, marketEvents: 0, reports: 0 };
  readonly #instruments: ReadonlyMap<string, Instrument>;
  readonly #latency: LatencyModel;
  readonly #model: FillModel;
  readonly #commission: CommissionSchedule;
  readonly #working = new Map<string, WorkingOrder>();
  readonly #byInstrument = new Map<string, Set<WorkingOrder>>();
  /** Commands in flight, in arrival order (arrivals never decrease: one ordered session). */
  #inbound: Inbound[] = [];
  #inHead = 0;
  #lastArrival = -(2n ** 62n);
  /** Reports in flight, sorted by delivery time (stable). */
  #outbox: ExecutionReport[] = [];
  /**
   * Every client order id the venue has seen (a replaced order's old ids too) → its order (for report ordering) and
   * its last report under that id (for status queries).
   */
  readonly #seen = new Map<string, { readonly w: WorkingOrder; last: ExecutionReport }>();
  /** The fill model defers work to later times ({@link FillModel.nextAt}). */
  readonly #defers: boolean;
  /** Latest time seen from data, commands or drains. */
  #clock = -(2n ** 62n);
  #execSeq = 0;
  #orderSeq = 0;
  /** Orders an OCO fill canceled whose fill model has not yet been told (see {@link #settleOco}). */
  readonly #ocoCanceled: WorkingOrder[] = [];
  /** Orders an OCO fill (`reduce` groups) or a {@link restate} reduced whose fill model has not yet been told. */
  readonly #ocoRestated: WorkingOrder[] = [];
  readonly #host: EmulatorHost;

  /**
   * @param config a validated config ({@link parseEmulatorConfig} / `emulatorConfigSchema.parse`)
   * @param instruments the instruments it trades, by id
   * @param rng the seeded random stream for latency jitter (fork one for the venue)
   */
  constructor(config: EmulatorConfig, instruments: ReadonlyMap<string, Instrument>, rng: Rng) {
    this.config = config;
    this.#instruments = instruments;
    this.#latency = new LatencyModel(config.latency, rng);
    this.#commission = commissionSchedule(config.commission);
    this.#host = {
      instrument: (id) => this.#instruments.get(id)!,
      workingOf: (id) => this.#byInstrument.get(id) ?? [],
      maxParticipation: config.liquidity.maxParticipation,
      fill: (w, px, qty, t, liq, v) => this.#fill(w, px, qty, t, liq, v),
      close: (w, t, execType, reason) => {
        if (this.#working.get(w.clientOrderId) === w) this.#close(w, t, execType, reason);
      }
    };
    this.#model =
      config.fillModel === 'bar'
        ? new BarFillModel(this.#host)
        : config.fillModel === 'quote'
          ? new QuoteFillModel(this.#host)
          : new L3FillModel(this.#host);
    this.#defers = this.#model.nextAt !== undefined;
  }

  get name(): string {
    return this.config.name;
  }

  /** Orders currently working at the venue. */
  get workingCount(): number {
    return this.#working.size;
  }

  /** Commands sent but not yet arrived at the venue. */
  get inFlightCount(): number {
    return this.#inbound.length - this.#inHead;
  }

  /** The L3 model's book of `instrumentId` (market and own orders; own orders have owner 1). */
  get l3(): L3FillModel | undefined {
    return this.#model instanceof L3FillModel ? this.#model : undefined;
  }

  /** Quantity ahead of a working order in its queue (quote and L3 models), `undefined` when unknown. */
  queueAhead(clientOrderId: string): number | undefined {
    const w = this.#working.get(clientOrderId);
    if (!w) return undefined;
    const a = this.#model.queueAhead?.(w);
    return a === undefined || a === Number.POSITIVE_INFINITY ? undefined : a;
  }

  // ---- order entry (OrderVenue) -----------------------------------------------------------------------

  submit(cmd: SubmitOrder, now: Nanos): void {
    this.#send({ kind: 'submit', arrival: this.#arrival(now), cmd });
  }

  cancel(cmd: CancelOrder, now: Nanos): void {
    this.#send({ kind: 'cancel', arrival: this.#arrival(now), cmd });
  }

  replace(cmd: ReplaceOrder, now: Nanos): void {
    this.#send({ kind: 'replace', arrival: this.#arrival(now), cmd });
  }

  query(clientOrderId: string, instrumentId: string, now: Nanos): void {
    this.#send({ kind: 'query', arrival: this.#arrival(now), clientOrderId, instrumentId });
  }

  /**
   * The venue itself reduces working order `clientOrderId` by `by` lots at `now` (an operator's or a corporate
   * action's restatement; FIX ExecType D): reported `restated` with the new leaves, or `canceled` when that leaves
   * nothing. Commands that arrived by `now` are handled first. False when the order is not working or `by` is not
   * a positive whole number of lots.
   */
  restate(clientOrderId: string, by: number, now: Nanos, reason: string): boolean {
    if (!Number.isInteger(by) || by <= 0) return false;
    this.#advance(now);
    if (now > this.#clock) this.#clock = now;
    const w = this.#working.get(clientOrderId);
    if (!w) return false;
    this.#reduce(w, by, now, reason, reason);
    this.#settleOco(now);
    return true;
  }

  /** Every report delivered by the latest time seen (data, commands, drains), oldest first. */
  drain(): ExecutionReport[] {
    return this.drainDue(this.#clock);
  }

  /**
   * Handle every command that has arrived by `now` (and what the fill model deferred to times up to `now`, such
   * as a bar's fills dated at its close), then take the reports delivered by `now`, in delivery order. `now` must
   * not pass the time of market data not yet fed.
   */
  drainDue(now: Nanos): ExecutionReport[] {
    this.#advance(now);
    if (now > this.#clock) this.#clock = now;
    const box = this.#outbox;
    let k = 0;
    while (k < box.length && box[k]!.tsInit <= now) k++;
    if (k === 0) return [];
    if (k === box.length) {
      this.#outbox = [];
      return box;
    }
    return box.splice(0, k);
  }

  /**
   * When the venue next has something to do or to deliver: a command arriving, work the fill model deferred (a
   * fill inside a bar), or a report due; undefined if idle.
   */
  nextDueAt(): Nanos | undefined {
    let a = this.#inHead < this.#inbound.length ? this.#inbound[this.#inHead]!.arrival : undefined;
    const m = this.#defers ? this.#model.nextAt!() : undefined;
    if (m !== undefined && (a === undefined || m < a)) a = m;
    const r = this.#outbox.length > 0 ? this.#outbox[0]!.tsInit : undefined;
    if (a === undefined) return r;
    if (r === undefined) return a;
    return a < r ? a : r;
  }

  // ---- market data --------------------------------------------------------------------------------------

  /**
   * A bar: orders that reached the venue by its open can trade on it (call when the bar opens). Fills at the open
   * are made now; those inside the bar when the venue's time reaches the bar's close (the next {@link drainDue}
   * or data event at or after it).
   */
  onBar(bar: Bar): void {
    const inst = this.#data(bar.instrumentId, bar.tsOpen);
    if (inst) this.#model.onBar?.(bar, inst);
    this.#settleOco(bar.tsOpen);
    // the bar's data unfolds up to its close: fills inside the bar are dated at the close
    if (bar.tsEvent > this.#clock) this.#clock = bar.tsEvent;
  }

  /** A top-of-book quote. */
  onQuote(q: Quote): void {
    const inst = this.#data(q.instrumentId, q.tsEvent);
    if (inst) this.#model.onQuote?.(q, inst);
    this.#settleOco(q.tsEvent);
  }

  /**
   * Market time `ts` on `instrumentId` with nothing the fill model trades on (a book change below the touch):
   * commands that arrived by then are handled and DAY/GTD orders past their time expire.
   */
  onTime(instrumentId: string, ts: Nanos): void {
    this.#data(instrumentId, ts);
    this.#settleOco(ts);
  }

  /** A print. */
  onTrade(t: Trade): void {
    const inst = this.#data(t.instrumentId, t.tsEvent);
    if (inst) this.#model.onTrade?.(t, inst);
    this.#settleOco(t.tsEvent);
  }

  /** An order-level market event (L3 model). */
  onL3Event(e: L3Event): void {
    const inst = this.#data(e.instrumentId, e.ts);
    if (inst) this.#model.onL3?.(e, inst);
    this.#settleOco(e.ts);
  }

  /** A canonical L3 book delta (with a numeric `orderId`); L2 deltas and `clear` are ignored. */
  onBookDelta(d: BookDelta): void {
    const e = l3EventFromDelta(d);
    if (e) this.onL3Event(e);
  }

  /** LOBSTER message `i` (`dayStart` = the day's midnight in epoch ns). Cross and halt messages only move time. */
  onLobster(instrumentId: string, msgs: LobsterMessages, i: number, dayStart: Nanos): void {
    const e = l3EventFromLobster(instrumentId, msgs, i, dayStart);
    if (e) this.onL3Event(e);
    else this.onTime(instrumentId, dayStart + BigInt(msgs.timeNs[i]!));
  }

  /** L3 model: start the book of `instrumentId` from a snapshot of market orders (e.g. a LOBSTER row). */
  loadBook(instrumentId: string, snap: L3BookSnapshot): void {
    this.l3?.loadBook(instrumentId, snap);
  }

  // ---- internals ----------------------------------------------------------------------------------------

  #arrival(now: Nanos): Nanos {
    if (now > this.#clock) this.#clock = now;
    let a = now + this.#latency.network();
    if (a < this.#lastArrival) a = this.#lastArrival;
    this.#lastArrival = a;
    return a;
  }

  #send(c: Inbound): void {
    this.stats.commands++;
    this.#inbound.push(c);
  }

  /**
   * Handle commands that have arrived by `t`, in arrival order, and the fill model's work deferred to times up to
   * `t` in time order with them: deferred work at time d runs after the commands arriving before d and before
   * those arriving at d or later.
   */
  #advance(t: Nanos): void {
    const q = this.#inbound;
    for (;;) {
      const c = this.#inHead < q.length && q[this.#inHead]!.arrival <= t ? q[this.#inHead]! : undefined;
      if (this.#defers) {
        const d = this.#model.nextAt!();
        if (d !== undefined && d <= t && (c === undefined || d <= c.arrival)) {
          this.#model.runDue!(d);
          this.#settleOco(d);
          continue;
        }
      }
      if (c === undefined) break;
      q[this.#inHead++] = undefined as unknown as Inbound;
      switch (c.kind) {
        case 'submit':
          this.#onSubmit(c.cmd, c.arrival);
          break;
        case 'cancel':
          this.#onCancel(c.cmd, c.arrival);
          break;
        case 'replace':
          this.#onReplace(c.cmd, c.arrival);
          break;
        case 'query':
          this.#onQuery(c.clientOrderId, c.instrumentId, c.arrival);
          break;
      }
    }
    if (this.#inHead === q.length) {
      this.#inbound = [];
      this.#inHead = 0;
    } else if (this.#inHead > 1024 && this.#inHead * 2 > q.length) {
      this.#inbound = q.slice(this.#inHead);
      this.#inHead = 0;
    }
  }

  /** Common work for a data event at `ts`: commands first, then DAY/GTD expiry. */
  #data(instrumentId: string, ts: Nanos): Instrument | undefined {
    this.stats.marketEvents++;
    this.#advance(ts);
    if (ts > this.#clock) this.#clock = ts;
    const inst = this.#instruments.get(instrumentId);
    if (!inst) return undefined;
    const set = this.#byInstrument.get(instrumentId);
    if (set && set.size > 0) {
      for (const w of set) {
        if (w.cmd.tif === 'day')
          w.dayExpiresAt ??=
            this.config.dayOrders === 'nyse'
              ? nyseDayOrderClose(w.arrivedAt)
              : (ts / NS_PER_DAY + 1n) * NS_PER_DAY;
        const exp = expiryOf(w);
        if (exp !== undefined && ts >= exp) this.#expire(w, ts);
      }
    }
    return inst;
  }

  #expire(w: WorkingOrder, t: Nanos): void {
    this.#model.remove(w, t);
    this.#close(w, t, 'expired', expiryReason(w));
  }

  #onSubmit(cmd: SubmitOrder, t: Nanos): void {
    if (!this.#instruments.has(cmd.instrumentId)) {
      this.#reject(
        cmd.clientOrderId,
        cmd.instrumentId,
        'rejected',
        t,
        `unknown instrument ${cmd.instrumentId}`,
        cmd.side
      );
      return;
    }
    if (this.#working.has(cmd.clientOrderId)) {
      this.#reject(cmd.clientOrderId, cmd.instrumentId, 'rejected', t, 'duplicate client order id', cmd.side);
      return;
    }
    const w: WorkingOrder = {
      cmd,
      clientOrderId: cmd.clientOrderId,
      venueOrderId: `${this.config.name}-${++this.#orderSeq}`,
      buy: cmd.side === 'buy',
      qty: cmd.qty,
      filled: 0,
      limitPx: cmd.limitPx,
      stopPx: cmd.stopPx,
      triggered: cmd.orderType !== 'stop' && cmd.orderType !== 'stop_limit',
      arrivedAt: t,
      dayExpiresAt: undefined,
      lastDelivery: t,
      lastEvent: t,
      ahead: Number.POSITIVE_INFINITY,
      engineId: 0,
      fees: { raw: 0n, notional: 0n, charged: 0n }
    };
    this.#working.set(w.clientOrderId, w);
    let set = this.#byInstrument.get(cmd.instrumentId);
    if (!set) this.#byInstrument.set(cmd.instrumentId, (set = new Set()));
    set.add(w);
    this.#report(w, 'accepted', t);
    this.#model.arrive(w, t);
    this.#settleOco(t);
  }

  #onCancel(cmd: CancelOrder, t: Nanos): void {
    const w = this.#working.get(cmd.clientOrderId);
    if (!w) {
      this.#reject(cmd.clientOrderId, cmd.instrumentId, 'cancel_rejected', t, 'order not working');
      return;
    }
    this.#model.remove(w, t);
    this.#close(w, t, 'canceled', cmd.reason ?? 'canceled on request');
  }

  #onReplace(cmd: ReplaceOrder, t: Nanos): void {
    const w = this.#working.get(cmd.clientOrderId);
    const why = !w
      ? 'order not working'
      : cmd.qty !== undefined && cmd.qty <= w.filled
        ? 'new qty not above filled'
        : this.#working.has(cmd.newClientOrderId)
          ? 'duplicate client order id'
          : this.#model.replaceRefusal(w);
    if (!w || why !== undefined) {
      this.#reject(
        cmd.clientOrderId,
        cmd.instrumentId,
        'replace_rejected',
        t,
        why!,
        undefined,
        cmd.newClientOrderId
      );
      return;
    }
    const oldPx = w.limitPx;
    const oldLeaves = w.qty - w.filled;
    this.#working.delete(w.clientOrderId);
    w.clientOrderId = cmd.newClientOrderId;
    w.qty = cmd.qty ?? w.qty;
    w.limitPx = cmd.limitPx ?? w.limitPx;
    w.stopPx = cmd.stopPx ?? w.stopPx;
    this.#working.set(w.clientOrderId, w);
    this.#report(w, 'replaced', t, { origClientOrderId: cmd.clientOrderId });
    this.#model.replaced(w, oldPx, oldLeaves, t);
    this.#settleOco(t);
  }

  /** A status query: answered with the order's last report, delivered after every earlier report of the order. */
  #onQuery(clientOrderId: string, instrumentId: string, t: Nanos): void {
    const seen = this.#seen.get(clientOrderId);
    if (!seen) {
      this.#reject(clientOrderId, instrumentId, 'rejected', t, 'unknown order');
      return;
    }
    this.#deliver({ ...seen.last, tsInit: this.#deliveredAt(seen.w, t + this.#latency.ack()) });
  }

  #fill(
    w: WorkingOrder,
    px: number,
    qty: number,
    t: Nanos,
    liquidity: 'maker' | 'taker',
    refVolume: number
  ): number {
    const leaves = w.qty - w.filled;
    // an OCO sibling the fill of another order ended or reduced earlier in this call of the fill model
    if (leaves <= 0 || this.#working.get(w.clientOrderId) !== w) return 0;
    if (qty > leaves) qty = leaves;
    let p = px;
    if (liquidity === 'taker') {
      const cfg = this.config;
      p = adverse(
        px,
        slippageTicks(px, cfg.slippageBps) + impactTicks(cfg.impact, px, qty, refVolume),
        w.buy
      );
      const lim = w.cmd.orderType === 'limit' || w.cmd.orderType === 'stop_limit' ? w.limitPx : undefined;
      if (lim !== undefined) p = w.buy ? Math.min(p, Math.max(lim, px)) : Math.max(p, Math.min(lim, px));
    }
    w.filled += qty;
    const inst = this.#instruments.get(w.cmd.instrumentId)!;
    const commission = chargeFill(w.fees, inst, p, qty, this.#commission);
    if (w.filled >= w.qty) this.#forget(w);
    this.#report(w, 'fill', t, { lastPx: p, lastQty: qty, commission, liquidity });
    if (w.cmd.ocoGroup !== undefined) this.#ocoFilled(w, qty, t);
    return w.qty - w.filled;
  }

  /**
   * `w` of an OCO group filled `qty`: the strategy's other working orders of the group on the instrument are
   * canceled (`cancel` groups), or reduced by `qty` and restated (`reduce` groups; canceled when that leaves
   * nothing), at once: so a bar that reaches both of a bracket's exits never fills more than the position they
   * close, the stop-loss (sent first) first. The fill model is in the middle of a call: it is told afterwards
   * ({@link #settleOco}).
   */
  #ocoFilled(w: WorkingOrder, qty: number, t: Nanos): void {
    const set = this.#byInstrument.get(w.cmd.instrumentId);
    if (!set) return;
    const group = w.cmd.ocoGroup;
    const reduce = w.cmd.ocoMode === 'reduce';
    for (const o of set) {
      if (o === w || o.cmd.ocoGroup !== group || o.cmd.strategyId !== w.cmd.strategyId) continue;
      const canceled = `OCO: ${w.clientOrderId} filled`;
      // a cancel group's sibling is reduced by all it has, i.e. canceled
      this.#reduce(o, reduce ? qty : o.qty, t, `OUO: ${w.clientOrderId} filled ${qty}`, canceled);
    }
  }

  /**
   * Reduce working order `o` by `by` lots, reported `restated` (`why`), or cancel it (`canceled`) when that leaves
   * nothing. The fill model is told at the next {@link #settleOco}.
   */
  #reduce(o: WorkingOrder, by: number, t: Nanos, why: string, canceled: string): void {
    if (o.qty - o.filled > by) {
      o.qty -= by;
      this.#report(o, 'restated', t, { reason: why });
      this.#ocoRestated.push(o);
      return;
    }
    this.#close(o, t, 'canceled', canceled);
    this.#ocoCanceled.push(o);
  }

  /** Tell the fill model about the orders OCO fills (or a {@link restate}) reduced or canceled since it was last told. */
  #settleOco(t: Nanos): void {
    const cut = this.#ocoRestated;
    const done = this.#ocoCanceled;
    if (cut.length === 0 && done.length === 0) return;
    for (let i = 0; i < cut.length; i++) {
      const o = cut[i]!;
      // one filled to the end after its restatement is done with: the model drops it like a canceled one
      if (this.#working.get(o.clientOrderId) === o) this.#model.restated?.(o, t);
      else if (!done.includes(o)) done.push(o);
    }
    cut.length = 0;
    for (let i = 0; i < done.length; i++) this.#model.remove(done[i]!, t);
    done.length = 0;
  }

  #close(w: WorkingOrder, t: Nanos, execType: 'canceled' | 'expired', reason: string): void {
    this.#forget(w);
    this.#report(w, execType, t, { reason });
  }

  #forget(w: WorkingOrder): void {
    this.#working.delete(w.clientOrderId);
    this.#byInstrument.get(w.cmd.instrumentId)?.delete(w);
  }

  #report(
    w: WorkingOrder,
    execType: ExecutionReport['execType'],
    t: Nanos,
    extra: Partial<ExecutionReport> = {}
  ): void {
    const done =
      execType !== 'accepted' && execType !== 'replaced' && execType !== 'fill' && execType !== 'restated';
    const at = this.#deliveredAt(w, t + (execType === 'fill' ? this.#latency.fill() : this.#latency.ack()));
    if (t > w.lastEvent) w.lastEvent = t;
    const report: ExecutionReport = {
      type: 'exec.report',
      execType,
      venue: this.config.name,
      instrumentId: w.cmd.instrumentId,
      clientOrderId: w.clientOrderId,
      venueOrderId: w.venueOrderId,
      execId: `${this.config.name}-x${++this.#execSeq}`,
      side: w.cmd.side,
      ...NO_EXECUTION,
      cumQty: w.filled,
      leavesQty: done ? 0 : w.qty - w.filled,
      tsEvent: t,
      tsInit: at,
      ...extra
    };
    const seen = this.#seen.get(w.clientOrderId);
    if (seen !== undefined && seen.w === w) seen.last = report;
    else this.#seen.set(w.clientOrderId, { w, last: report });
    this.#deliver(report);
  }

  /**
   * Reject a command about `clientOrderId`. When the venue knows an order by that id (working, ended, or
   * replaced away from it), the reject is one of its reports: dated no earlier than its last report and delivered
   * after all of them (and before its later ones).
   */
  #reject(
    clientOrderId: string,
    instrumentId: string,
    execType: 'rejected' | 'cancel_rejected' | 'replace_rejected',
    t: Nanos,
    reason: string,
    side: 'buy' | 'sell' = 'buy',
    newId?: string
  ): void {
    const w = this.#seen.get(clientOrderId)?.w;
    if (w && t < w.lastEvent) t = w.lastEvent;
    const at = this.#deliveredAt(w, t + this.#latency.ack());
    this.#deliver({
      type: 'exec.report',
      execType,
      venue: this.config.name,
      instrumentId,
      clientOrderId: newId ?? clientOrderId,
      ...(newId ? { origClientOrderId: clientOrderId } : {}),
      execId: `${this.config.name}-x${++this.#execSeq}`,
      side,
      ...NO_EXECUTION,
      cumQty: 0,
      leavesQty: 0,
      reason,
      tsEvent: t,
      tsInit: at
    });
  }

  /**
   * When a report of order `w` leaving the venue for delivery at `at` is delivered: no earlier than the order's
   * previous report (reports of one order arrive in order), which it becomes. `at` as it is without an order.
   */
  #deliveredAt(w: WorkingOrder | undefined, at: Nanos): Nanos {
    if (w === undefined) return at;
    if (at < w.lastDelivery) at = w.lastDelivery;
    w.lastDelivery = at;
    return at;
  }

  /** Insert by delivery time, after every report due at the same time (stable). */
  #deliver(r: ExecutionReport): void {
    this.stats.reports++;
    const box = this.#outbox;
    let i = box.length;
    while (i > 0 && box[i - 1]!.tsInit > r.tsInit) i--;
    if (i === box.length) box.push(r);
    else box.splice(i, 0, r);
  }
}
