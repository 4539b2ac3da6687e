/** The walking skeleton's bar venue, kept as the oracle the execution emulator's bar model must reproduce (bar-venue-parity.test.ts). */
import { divRoundHalfEven } from '../../../src/core/decimal.ts';
import { type Instrument, type Money, notional } from '../../../src/core/instrument.ts';
import { type Nanos, NS_PER_DAY } from '../../../src/core/nanos.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../../src/messages/commands.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import type { Bar } from '../../../src/messages/market-data.ts';

/** Cost model of the simulated venue. */
export interface BarFillVenueConfig {
  readonly name: string;
  /** Commission in basis points of notional, with a per-fill minimum (Money). */
  readonly commissionBps: number;
  readonly commissionMin: Money;
  /** Adverse slippage in basis points applied to market and triggered stop fills. */
  readonly slippageBps: number;
}

interface Working {
  cmd: SubmitOrder;
  clientOrderId: string;
  venueOrderId: string;
  qty: number;
  limitPx: number | undefined;
  stopPx: number | undefined;
  filled: number;
  triggered: boolean;
  /** UTC day of the first bar the order could trade on: a DAY order lives through that session only. */
  sessionDay: bigint | undefined;
}

/**
 * The walking skeleton's in-process venue for bar data. An order can fill only on a bar that opens at or
 * after the order was sent (so a strategy acting on bar k's close trades on bar k+1):
 * - market: the next bar's open plus slippage;
 * - limit: at the open if the bar opens through the limit, else at the limit if the bar trades through it
 *   (strictly: low < limit for a buy, high > limit for a sell);
 * - stop / stop-limit: triggers when the bar reaches the stop, then fills as market (at the worse of open and
 *   stop, plus slippage) or works as a limit; one triggered inside the bar (the open short of the stop) cannot
 *   fill at the open, before its trigger: a stop-limit then fills at its limit only if the stop or the close (the
 *   prices known to come after the trigger) is strictly through the limit;
 * - DAY orders live through the first session they can trade in (an order sent after the close works the
 *   next session) and expire at its end; IOC/FOK that cannot fill on the next bar are canceled.
 * Reports go to an outbox the engine drains, so nothing re-enters an actor while it is processing. A bar's
 * reports at its open come first, then its fills inside it (dated at its close), each in order of the orders.
 */
export class BarFillVenue {
  readonly #cfg: BarFillVenueConfig;
  readonly #instruments: ReadonlyMap<string, Instrument>;
  readonly #working = new Map<string, Working>();
  #outbox: ExecutionReport[] = [];
  /** The last report of every order the venue has seen, for status queries. */
  readonly #last = new Map<string, ExecutionReport>();
  #execSeq = 0;
  #orderSeq = 0;

  constructor(cfg: BarFillVenueConfig, instruments: ReadonlyMap<string, Instrument>) {
    this.#cfg = cfg;
    this.#instruments = instruments;
  }

  get name(): string {
    return this.#cfg.name;
  }

  /** Orders currently working at the venue. */
  get workingCount(): number {
    return this.#working.size;
  }

  /** Take every report produced since the last call, in the order produced. */
  drain(): ExecutionReport[] {
    const out = this.#outbox;
    this.#outbox = [];
    return out;
  }

  submit(cmd: SubmitOrder, now: Nanos): void {
    if (!this.#instruments.has(cmd.instrumentId)) {
      this.#report(cmd, cmd.clientOrderId, undefined, 'rejected', now, {
        reason: `unknown instrument ${cmd.instrumentId}`
      });
      return;
    }
    if (this.#working.has(cmd.clientOrderId)) {
      this.#report(cmd, cmd.clientOrderId, undefined, 'rejected', now, {
        reason: 'duplicate client order id'
      });
      return;
    }
    const w: Working = {
      cmd,
      clientOrderId: cmd.clientOrderId,
      venueOrderId: `${this.#cfg.name}-${++this.#orderSeq}`,
      qty: cmd.qty,
      limitPx: cmd.limitPx,
      stopPx: cmd.stopPx,
      filled: 0,
      triggered: cmd.orderType !== 'stop' && cmd.orderType !== 'stop_limit',
      sessionDay: undefined
    };
    this.#working.set(cmd.clientOrderId, w);
    this.#report(cmd, w.clientOrderId, w, 'accepted', now);
  }

  cancel(cmd: CancelOrder, now: Nanos): void {
    const w = this.#working.get(cmd.clientOrderId);
    if (!w) {
      this.#reportFor(cmd.clientOrderId, cmd.instrumentId, 'cancel_rejected', now, 'order not working');
      return;
    }
    this.#working.delete(cmd.clientOrderId);
    this.#report(w.cmd, w.clientOrderId, w, 'canceled', now, { reason: cmd.reason ?? 'canceled on request' });
  }

  replace(cmd: ReplaceOrder, now: Nanos): void {
    const w = this.#working.get(cmd.clientOrderId);
    if (!w || (cmd.qty !== undefined && cmd.qty <= w.filled)) {
      this.#reportFor(
        cmd.clientOrderId,
        cmd.instrumentId,
        'replace_rejected',
        now,
        w ? 'new qty not above filled' : 'order not working',
        cmd.newClientOrderId
      );
      return;
    }
    this.#working.delete(cmd.clientOrderId);
    w.clientOrderId = cmd.newClientOrderId;
    w.qty = cmd.qty ?? w.qty;
    w.limitPx = cmd.limitPx ?? w.limitPx;
    w.stopPx = cmd.stopPx ?? w.stopPx;
    this.#working.set(w.clientOrderId, w);
    this.#report(w.cmd, w.clientOrderId, w, 'replaced', now, { origClientOrderId: cmd.clientOrderId });
  }

  query(clientOrderId: string, instrumentId: string, now: Nanos): void {
    const last = this.#last.get(clientOrderId);
    if (last) {
      this.#outbox.push(last);
      return;
    }
    this.#reportFor(clientOrderId, instrumentId, 'rejected', now, 'unknown order');
  }

  /** Match working orders of the bar's instrument against the bar. Call when the bar opens (its data is then used as it unfolds). */
  onBar(bar: Bar): void {
    const inside: [Working, number][] = [];
    for (const w of [...this.#working.values()]) {
      if (w.cmd.instrumentId !== bar.instrumentId || w.cmd.tsInit > bar.tsOpen) continue;
      w.sessionDay ??= dayOf(bar.tsOpen);
      if (w.cmd.tif === 'day' && dayOf(bar.tsOpen) > w.sessionDay) {
        this.#working.delete(w.clientOrderId);
        this.#report(w.cmd, w.clientOrderId, w, 'expired', bar.tsOpen, {
          reason: 'DAY order past its session'
        });
        continue;
      }
      const px = this.#fillPrice(w, bar);
      if (px !== undefined) {
        // a fill at the open happens when the bar opens; one at the order's own price, somewhere inside the bar
        if (this.#atOpen) this.#fillAll(w, px, bar.tsOpen);
        else inside.push([w, px]);
      } else if (w.cmd.tif === 'ioc' || w.cmd.tif === 'fok') {
        this.#working.delete(w.clientOrderId);
        this.#report(w.cmd, w.clientOrderId, w, 'canceled', bar.tsOpen, {
          reason: `${w.cmd.tif} not fillable`
        });
      }
    }
    for (const [w, px] of inside) this.#fillAll(w, px, bar.tsEvent);
  }

  #fillAll(w: Working, px: number, now: Nanos): void {
    const qty = w.qty - w.filled;
    w.filled += qty;
    this.#working.delete(w.clientOrderId);
    this.#fill(w, px, qty, now);
  }

  #atOpen = false;

  #fillPrice(w: Working, bar: Bar): number | undefined {
    const buy = w.cmd.side === 'buy';
    this.#atOpen = true;
    let atMarket = w.cmd.orderType === 'market';
    let base = bar.open;
    if (!w.triggered && w.stopPx !== undefined) {
      const hit = buy ? bar.high >= w.stopPx : bar.low <= w.stopPx;
      if (!hit) return undefined;
      w.triggered = true;
      if (w.cmd.orderType === 'stop') {
        atMarket = true;
        base = buy ? Math.max(bar.open, w.stopPx) : Math.min(bar.open, w.stopPx);
      } else if (buy ? bar.open < w.stopPx : bar.open > w.stopPx) {
        // a stop-limit triggered inside the bar: a limit from the trigger (at the stop) to the close
        this.#atOpen = false;
        const limit = w.limitPx!;
        const after = buy ? Math.min(w.stopPx, bar.close) : Math.max(w.stopPx, bar.close);
        return (buy ? after < limit : after > limit) ? limit : undefined;
      }
    }
    if (atMarket) {
      this.#atOpen = base === bar.open;
      return this.#slip(base, buy, w.cmd.instrumentId);
    }
    const limit = w.limitPx!;
    if (buy ? bar.open <= limit : bar.open >= limit) return bar.open;
    this.#atOpen = false;
    if (buy ? bar.low < limit : bar.high > limit) return limit;
    return undefined;
  }

  /** Adverse slippage, rounded to whole ticks away from the trader. */
  #slip(px: number, buy: boolean, _instrumentId: string): number {
    if (this.#cfg.slippageBps === 0) return px;
    const num = BigInt(px) * BigInt(Math.round(this.#cfg.slippageBps * 100));
    const den = 1_000_000n;
    const q = num / den + (num % den === 0n ? 0n : 1n);
    const ticks = Number(q);
    return buy ? px + ticks : Math.max(1, px - ticks);
  }

  #fill(w: Working, px: number, qty: number, now: Nanos): void {
    const inst = this.#instruments.get(w.cmd.instrumentId)!;
    const value = notional(inst, px, qty);
    const bpsCommission = divRoundHalfEven(
      value * BigInt(Math.round(this.#cfg.commissionBps * 100)),
      1_000_000n
    );
    const commission = bpsCommission > this.#cfg.commissionMin ? bpsCommission : this.#cfg.commissionMin;
    this.#report(w.cmd, w.clientOrderId, w, 'fill', now, {
      lastPx: px,
      lastQty: qty,
      commission,
      liquidity: w.cmd.orderType === 'limit' ? 'maker' : 'taker'
    });
  }

  #report(
    cmd: SubmitOrder,
    clientOrderId: string,
    w: Working | undefined,
    execType: ExecutionReport['execType'],
    now: Nanos,
    extra: Partial<ExecutionReport> = {}
  ): void {
    const filled = w?.filled ?? 0;
    const qty = w?.qty ?? cmd.qty;
    const done = execType !== 'accepted' && execType !== 'replaced' && execType !== 'fill';
    const report: ExecutionReport = {
      type: 'exec.report',
      execType,
      venue: this.#cfg.name,
      instrumentId: cmd.instrumentId,
      clientOrderId,
      ...(w ? { venueOrderId: w.venueOrderId } : {}),
      execId: `${this.#cfg.name}-x${++this.#execSeq}`,
      side: cmd.side,
      lastQty: 0,
      lastPx: 0,
      cumQty: filled,
      leavesQty: done ? 0 : qty - filled,
      commission: 0n,
      liquidity: 'none',
      tsEvent: now,
      tsInit: now,
      ...extra
    };
    this.#outbox.push(report);
    this.#last.set(clientOrderId, report);
  }

  #reportFor(
    clientOrderId: string,
    instrumentId: string,
    execType: 'rejected' | 'cancel_rejected' | 'replace_rejected',
    now: Nanos,
    reason: string,
    newId?: string
  ): void {
    this.#outbox.push({
      type: 'exec.report',
      execType,
      venue: this.#cfg.name,
      instrumentId,
      clientOrderId: newId ?? clientOrderId,
      ...(newId ? { origClientOrderId: clientOrderId } : {}),
      execId: `${this.#cfg.name}-x${++this.#execSeq}`,
      side: 'buy',
      lastQty: 0,
      lastPx: 0,
      cumQty: 0,
      leavesQty: 0,
      commission: 0n,
      liquidity: 'none',
      reason,
      tsEvent: now,
      tsInit: now
    });
  }
}

function dayOf(ns: Nanos): bigint {
  return ns / NS_PER_DAY;
}
