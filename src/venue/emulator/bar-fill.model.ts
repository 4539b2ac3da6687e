import type { Nanos } from '../../core/nanos.ts';
import type { Bar } from '../../messages/market-data.ts';
import {
  type EmulatorHost,
  expiryOf,
  expiryReason,
  type FillModel,
  leavesOf,
  type WorkingOrder
} from './fill-model.ts';
import { participationCap } from './pricing.ts';

/** Where in a bar something happens: not at all, at its open, inside it (dated at its close). */
const NONE = 0;
const AT_OPEN = 1;
const INSIDE = 2;

/** Kinds of deferred work. */
const FILL = 0;
const TRIGGER = 1;
const EXPIRE = 2;

/** Something the model decided at a bar's open that happens later, inside the bar. Pooled: reused, never freed. */
interface Deferred {
  /** The order; undefined while the slot is spare. */
  w: WorkingOrder | undefined;
  t: Nanos;
  kind: number;
  px: number;
  qty: number;
  liquidity: 'maker' | 'taker';
  refVolume: number;
  /** A fill that is also the moment its stop triggers. */
  trigger: boolean;
  /** The order's prices when decided: a replace that changes them before `t` undoes a fill or trigger. */
  limitPx: number | undefined;
  stopPx: number | undefined;
}

/**
 * Bar fills (the skeleton's next-bar rules, plus liquidity limits). An order trades on a bar only if it reached
 * the venue at or before the bar's open:
 * - market: at the open (taker: slippage and impact apply);
 * - limit: at the open if the bar opens through the limit, else at the limit if the bar trades strictly through
 *   it (low < limit for a buy, high > limit for a sell), dated at the bar's close;
 * - stop / stop-limit: trigger when the bar reaches the stop. If the bar opens through the stop, it triggers at
 *   the open: a stop fills there as market, a stop-limit works as a limit from the open on (the limit rules
 *   above). If the stop is only reached inside the bar, nothing fills at the open (before the trigger): a stop
 *   fills as market at the stop, a stop-limit fills at its limit only if the bar traded strictly through the
 *   limit from the trigger on — at the stop itself, or at the close, the only prices known to come after the
 *   trigger (so a buy stop 105 / limit 106 fills at 106; a buy stop 105 / limit 104 only if the close is below
 *   104); both dated at the close. A stop-limit that does not fill works as a limit from the next bar on.
 * Liquidity: one order takes at most ⌊volume × maxParticipation⌋ of a bar, and all orders together at most the
 * bar's volume (orders served in arrival order); the rest works on later bars (partial fills). A market
 * remainder fills at the next bar's open. IOC takes what the first bar allows and cancels the rest (at the time
 * of its fill); FOK fills completely on its first bar or is cancelled. Neither can be replaced (its fill inside the
 * bar keeps it working until the close; a replace then would leave an IOC resting or fill a FOK in part).
 *
 * Time inside a bar. What happens inside a bar is dated at its close, and it happens then: the model decides it
 * at the open but defers it ({@link nextAt} / {@link runDue}), so a command that reaches the venue before the
 * close acts on the order as it is until then — a cancel arriving mid-bar cancels an order whose fill would be
 * dated at the close (that fill and its stop's trigger are dropped), a replace that changes the order's prices
 * drops them too (the replaced order trades from the next bar; a size-only replace keeps the fill, cut to the new
 * leaves). Commands arriving at the close itself come after it (a strategy shown the bar at its close cannot
 * undo what the bar did). A GTD or DAY order whose expiry falls inside the bar, before the close, does not fill
 * inside it: it expires at its expiry time (fills at the open, before it, stand).
 */
export class BarFillModel implements FillModel {
  readonly #host: EmulatorHost;
  /** Deferred work sorted by time (stable), in `[0, #n)`; the slots after it are spare. */
  readonly #due: Deferred[] = [];
  #n = 0;
  // #price's answer besides where: the price, the liquidity, and where the stop triggers (no allocation)
  #px = 0;
  #liq: 'maker' | 'taker' = 'maker';
  #trig = NONE;

  constructor(host: EmulatorHost) {
    this.#host = host;
  }

  arrive(): void {}

  remove(w: WorkingOrder): void {
    if (this.#n > 0) this.#drop(w, false);
  }

  replaceRefusal(w: WorkingOrder): string | undefined {
    const tif = w.cmd.tif;
    // its first bar answers it, at the open or (a fill inside the bar) at the close: a replace meanwhile would make
    // an IOC rest past that bar, or a FOK fill in part
    return tif === 'ioc' || tif === 'fok' ? `${tif} order cannot be replaced` : undefined;
  }

  replaced(w: WorkingOrder, _oldPx: number | undefined, _oldLeaves: number, t: Nanos): void {
    if (this.#n === 0 || !this.#drop(w, true)) return;
    // an IOC/FOK whose fill the replace undid does not rest: it ends now (it cannot be replaced: see replaceRefusal)
    const tif = w.cmd.tif;
    if (tif === 'ioc' || tif === 'fok') this.#host.close(w, t, 'canceled', `${tif} fill undone by a replace`);
  }

  nextAt(): Nanos | undefined {
    return this.#n > 0 ? this.#due[0]!.t : undefined;
  }

  runDue(t: Nanos): void {
    const host = this.#host;
    const due = this.#due;
    const n = this.#n;
    let k = 0;
    for (; k < n && due[k]!.t <= t; k++) {
      const d = due[k]!;
      const w = d.w!;
      d.w = undefined;
      if (d.kind === EXPIRE) {
        host.close(w, d.t, 'expired', expiryReason(w));
        continue;
      }
      if (d.trigger || d.kind === TRIGGER) w.triggered = true;
      if (d.kind !== FILL) continue;
      const left = host.fill(w, d.px, d.qty, d.t, d.liquidity, d.refVolume);
      const tif = w.cmd.tif;
      if (left > 0 && (tif === 'ioc' || tif === 'fok'))
        host.close(w, d.t, 'canceled', `${tif} remainder not fillable`);
    }
    if (k === 0) return;
    // the done slots become spares after the rest
    for (let i = k; i < n; i++) {
      const d = due[i - k]!;
      due[i - k] = due[i]!;
      due[i] = d;
    }
    this.#n = n - k;
  }

  onBar(bar: Bar): void {
    const host = this.#host;
    let budget = bar.volume;
    const cap = participationCap(bar.volume, host.maxParticipation);
    const close = bar.tsEvent;
    for (const w of host.workingOf(bar.instrumentId)) {
      if (w.arrivedAt > bar.tsOpen) continue;
      const tif = w.cmd.tif;
      const ioc = tif === 'ioc' || tif === 'fok';
      const at = this.#price(w, bar);
      if (this.#trig === AT_OPEN) w.triggered = true;
      // the emulator expired the orders past their time at the open; this one may expire before the close
      const exp = expiryOf(w);
      const expires = exp !== undefined && exp < close;
      if (at !== NONE) {
        const leaves = leavesOf(w);
        let q = Math.min(leaves, cap, budget);
        if (tif === 'fok' && q < leaves) q = 0;
        if (q > 0 && at === AT_OPEN) {
          budget -= q;
          const left = host.fill(w, this.#px, q, bar.tsOpen, this.#liq, bar.volume);
          if (left > 0) {
            if (ioc) host.close(w, bar.tsOpen, 'canceled', `${tif} remainder not fillable`);
            else if (expires) this.#defer(w, exp, EXPIRE);
          }
          continue;
        }
        if (q > 0 && !expires) {
          budget -= q;
          const d = this.#defer(w, close, FILL);
          d.px = this.#px;
          d.qty = q;
          d.liquidity = this.#liq;
          d.refVolume = bar.volume;
          d.trigger = this.#trig === INSIDE;
          continue;
        }
      }
      if (ioc) host.close(w, bar.tsOpen, 'canceled', `${tif} not fillable`);
      else if (expires) this.#defer(w, exp, EXPIRE);
      else if (this.#trig === INSIDE) this.#defer(w, close, TRIGGER);
    }
  }

  /**
   * Where on `bar` order `w` fills ({@link NONE}, {@link AT_OPEN}, {@link INSIDE}), at `#px` with `#liq`;
   * `#trig` says where its stop triggers. Changes nothing.
   */
  #price(w: WorkingOrder, bar: Bar): number {
    const buy = w.buy;
    const type = w.cmd.orderType;
    this.#trig = NONE;
    if (!w.triggered && w.stopPx !== undefined) {
      const stop = w.stopPx;
      if (buy ? bar.high < stop : bar.low > stop) return NONE;
      if (buy ? bar.open < stop : bar.open > stop) {
        // reached inside the bar, trading at the stop: nothing fills at the open, before the trigger
        this.#trig = INSIDE;
        if (type === 'stop') return this.#at(stop, 'taker', INSIDE);
        // a limit from the trigger on: through it at the stop or at the close, the prices known to follow it
        const limit = w.limitPx!;
        const after = buy ? Math.min(stop, bar.close) : Math.max(stop, bar.close);
        return (buy ? after < limit : after > limit) ? this.#at(limit, 'maker', INSIDE) : NONE;
      }
      this.#trig = AT_OPEN; // the bar opens through the stop
    }
    if (type === 'market' || type === 'stop') return this.#at(bar.open, 'taker', AT_OPEN);
    const limit = w.limitPx!;
    if (buy ? bar.open <= limit : bar.open >= limit) return this.#at(bar.open, 'maker', AT_OPEN);
    if (buy ? bar.low < limit : bar.high > limit) return this.#at(limit, 'maker', INSIDE);
    return NONE;
  }

  #at(px: number, liquidity: 'maker' | 'taker', where: number): number {
    this.#px = px;
    this.#liq = liquidity;
    return where;
  }

  /** A slot for deferred work on `w` at `t`, in time order (after the work already due at `t`). */
  #defer(w: WorkingOrder, t: Nanos, kind: number): Deferred {
    const due = this.#due;
    let d = due[this.#n];
    if (d === undefined) {
      d = {
        w: undefined,
        t,
        kind,
        px: 0,
        qty: 0,
        liquidity: 'maker',
        refVolume: 0,
        trigger: false,
        limitPx: undefined,
        stopPx: undefined
      };
      due.push(d);
    }
    let i = this.#n++;
    for (; i > 0 && due[i - 1]!.t > t; i--) due[i] = due[i - 1]!;
    due[i] = d;
    d.w = w;
    d.t = t;
    d.kind = kind;
    d.trigger = false;
    d.limitPx = w.limitPx;
    d.stopPx = w.stopPx;
    return d;
  }

  /**
   * Drop `w`'s deferred work: all of it, or (`repriced`) its fill and trigger if its prices changed. True when a
   * fill was dropped.
   */
  #drop(w: WorkingOrder, repriced: boolean): boolean {
    const due = this.#due;
    const n = this.#n;
    let j = 0;
    let fill = false;
    for (let i = 0; i < n; i++) {
      const d = due[i]!;
      if (
        d.w === w &&
        (!repriced || (d.kind !== EXPIRE && (d.limitPx !== w.limitPx || d.stopPx !== w.stopPx)))
      ) {
        if (d.kind === FILL) fill = true;
        d.w = undefined;
        continue;
      }
      due[i] = due[j]!;
      due[j++] = d;
    }
    this.#n = j;
    return fill;
  }
}
