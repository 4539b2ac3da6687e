import { ErrorCode } from '../core/errors.ts';
import { type Instrument, moneyFromNumber, moneyToNumber } from '../core/instrument.ts';
import type { RiskDecision } from '../machines/order.types.ts';
import type { SubmitOrder } from '../messages/commands.ts';
import { RISK_VALIDATORS, type RiskEngineConfig, type RiskValidatorName } from './risk-config.ts';
import { type RiskView, worstCaseExposure } from './risk-view.ts';

/** A validator name, or `instrument` for the pre-check that the instrument is known. */
export type RiskCheckName = RiskValidatorName | 'instrument';

/** A failed pre-trade check: which validator, why, its `TRD_ERR_RISK_*` code, and the figures compared. */
export interface RiskRejection {
  readonly ok: false;
  readonly validator: RiskCheckName;
  readonly reason: string;
  readonly code: ErrorCode;
  readonly clientOrderId: string;
  readonly instrumentId: string;
  /** The value that broke the limit (lots, money units of 10^-8, bps, …; see docs/RISK.md). */
  readonly value: number;
  readonly limit: number;
}

/** The verdict of {@link RiskEngine.check}; assignable to the order machine's {@link RiskDecision}. */
export type RiskVerdict = { readonly ok: true } | RiskRejection;

/** Called for a passing order that uses at least `warnAt` (default 90 %) of a limit. */
export type RiskWarningListener = (
  validator: RiskValidatorName,
  instrumentId: string,
  fraction: number
) => void;

/** Counters of every decision. */
export interface RiskStats {
  readonly checks: number;
  readonly passed: number;
  readonly rejected: number;
  readonly warnings: number;
  /** Per validator: how often it ran and passed, and how often it rejected. */
  readonly byValidator: Readonly<
    Record<RiskCheckName, { readonly passed: number; readonly rejected: number }>
  >;
}

const PASS: RiskVerdict = Object.freeze({ ok: true });
/** The verdict value returned for every passing order (compare by identity if you like). */
export const RISK_PASS: RiskDecision = PASS;

const V_TRADING = 0;
const V_QTY = 1;
const V_NOTIONAL = 2;
const V_POSITION = 3;
const V_LEVERAGE = 4;
const V_BAND = 5;
const V_SELF = 6;
const V_THROTTLE = 7;
const V_INSTRUMENT = 8;
const NAMES: readonly RiskCheckName[] = [...RISK_VALIDATORS, 'instrument'];
const CODE_OF: Record<RiskValidatorName, number> = {
  tradingState: V_TRADING,
  maxOrderQty: V_QTY,
  maxNotional: V_NOTIONAL,
  maxPosition: V_POSITION,
  maxLeverage: V_LEVERAGE,
  priceBand: V_BAND,
  selfTrade: V_SELF,
  throttle: V_THROTTLE
};

/** One token, in bucket units (a token is 1e9 units; a bucket refills `ratePerSec` units per ns). */
const TOKEN = 1e9;
const TWO_53 = 2 ** 53;

/**
 * The pre-trade risk engine: validators composed in the configured order, failing fast. Plain TypeScript;
 * a passing check allocates nothing (limits are precomputed per instrument into typed arrays, per-check
 * values live in fields, warnings go through scratch arrays, the pass verdict is a shared frozen object).
 *
 * Validators (see docs/RISK.md for exact semantics): `tradingState` (HALTED rejects all; REDUCING only
 * position-reducing orders), `maxOrderQty`, `maxNotional` (exact), `maxPosition` (worst-case per symbol and
 * gross total), `maxLeverage` (gross worst-case notional over equity), `priceBand` (limit price within ±N bps of the mid), `selfTrade` (no crossing the strategy's
 * own resting orders), `throttle` (token buckets per instrument and per strategy, on the view's clock).
 */
export class RiskEngine {
  readonly #chain: Uint8Array;
  readonly #index = new Map<string, number>();
  readonly #onWarning: RiskWarningListener | undefined;
  readonly #warnAt: number;
  readonly #maxQty: number;
  /** ⌊2 · maxNotional / tickLotValue⌋ per instrument: the largest |2·price| × lots allowed (NaN = off). */
  readonly #notional2: Float64Array;
  readonly #notional2Exact: bigint[];
  readonly #tickLot: bigint[];
  readonly #maxNotionalMoney: bigint | undefined;
  readonly #perSymbol: number;
  readonly #total: number;
  readonly #maxLeverage: number;
  /** Account currency per tick × lot, per instrument. */
  readonly #unit: Float64Array;
  readonly #bandBps: number;
  readonly #noMidPasses: boolean;
  readonly #selfTrade: boolean;
  // throttle: per-instrument and per-strategy token buckets
  readonly #symRate: number;
  readonly #stratRate: number;
  readonly #symCap: number;
  readonly #stratCap: number;
  readonly #symLevel: Float64Array;
  readonly #symLast: Float64Array;
  #stratLevel = new Float64Array(8);
  #stratLast = new Float64Array(8).fill(Number.NaN);
  readonly #strategies = new Map<string, number>();
  #t0: bigint | undefined;
  // counters
  readonly #passed = new Float64Array(NAMES.length);
  readonly #rejected = new Float64Array(NAMES.length);
  #checks = 0;
  #passes = 0;
  #warnings = 0;
  // per-check scratch
  #idx = 0;
  #strat = -1;
  #posLoaded = false;
  #pos = 0;
  #buy = 0;
  #sell = 0;
  /** Worst-case absolute position of the order's instrument before and after it ({@link #loadPosition}). */
  #before = 0;
  #after = 0;
  #warnN = 0;
  readonly #warnV = new Uint8Array(8);
  readonly #warnF = new Float64Array(8);
  #fail: RiskRejection | undefined;

  constructor(cfg: RiskEngineConfig, instruments: readonly Instrument[], onWarning?: RiskWarningListener) {
    this.#chain = Uint8Array.from(cfg.order.map((v) => CODE_OF[v]));
    instruments.forEach((inst, i) => void this.#index.set(inst.id, i));
    this.#onWarning = onWarning;
    this.#warnAt = cfg.warnAt;
    this.#maxQty = cfg.maxOrderQty;
    const n = instruments.length;
    this.#notional2 = new Float64Array(n).fill(Number.NaN);
    this.#tickLot = instruments.map((i) => i.tickLotValue);
    this.#maxNotionalMoney = cfg.maxNotional === undefined ? undefined : moneyFromNumber(cfg.maxNotional);
    this.#notional2Exact = instruments.map((inst) =>
      this.#maxNotionalMoney === undefined ? 0n : (2n * this.#maxNotionalMoney) / inst.tickLotValue
    );
    if (this.#maxNotionalMoney !== undefined) {
      for (let i = 0; i < n; i++) {
        const l = this.#notional2Exact[i]!;
        this.#notional2[i] = l >= BigInt(TWO_53) ? TWO_53 : Number(l);
      }
    }
    this.#perSymbol = cfg.maxPosition.perSymbol ?? Number.POSITIVE_INFINITY;
    this.#total = cfg.maxPosition.total ?? Number.POSITIVE_INFINITY;
    this.#maxLeverage = cfg.maxLeverage ?? Number.NaN;
    this.#unit = Float64Array.from(instruments, (inst) => moneyToNumber(inst.tickLotValue));
    this.#bandBps = cfg.priceBandBps ?? Number.NaN;
    this.#noMidPasses = cfg.whenNoMid === 'pass';
    this.#selfTrade = cfg.selfTrade;
    const t = cfg.throttle;
    this.#symRate = t?.perSymbolPerSec ?? Number.NaN;
    this.#stratRate = t?.perStrategyPerSec ?? Number.NaN;
    this.#symCap = (t?.burst ?? Math.max(1, Math.ceil(t?.perSymbolPerSec ?? 1))) * TOKEN;
    this.#stratCap = (t?.burst ?? Math.max(1, Math.ceil(t?.perStrategyPerSec ?? 1))) * TOKEN;
    this.#symLevel = new Float64Array(n);
    this.#symLast = new Float64Array(n).fill(Number.NaN);
  }

  /** The engine's index of an instrument (its position in the constructor's array), or −1. */
  instrumentIndex(instrumentId: string): number {
    return this.#index.get(instrumentId) ?? -1;
  }

  /**
   * Run the configured validators on `cmd` against `view`, in order, stopping at the first failure.
   * Passing orders consume throttle tokens and may raise warnings; every decision is counted.
   */
  check(cmd: SubmitOrder, view: RiskView): RiskVerdict {
    this.#checks++;
    const idx = this.#index.get(cmd.instrumentId);
    if (idx === undefined) {
      this.#rejected[V_INSTRUMENT]!++;
      return this.#reject(
        cmd,
        V_INSTRUMENT,
        ErrorCode.RISK_UNKNOWN_INSTRUMENT,
        `unknown instrument ${cmd.instrumentId}`,
        0,
        0
      );
    }
    this.#passed[V_INSTRUMENT]!++;
    this.#idx = idx;
    this.#strat = -1;
    this.#posLoaded = false;
    this.#warnN = 0;
    const chain = this.#chain;
    for (let k = 0; k < chain.length; k++) {
      const v = chain[k]!;
      if (this.#run(v, cmd, view)) {
        this.#passed[v]!++;
      } else {
        this.#rejected[v]!++;
        const f = this.#fail!;
        this.#fail = undefined;
        return f;
      }
    }
    this.#passes++;
    if (this.#strat >= 0) this.#consumeTokens();
    if (this.#warnN > 0 && this.#onWarning !== undefined) {
      for (let w = 0; w < this.#warnN; w++) {
        this.#warnings++;
        this.#onWarning(NAMES[this.#warnV[w]!] as RiskValidatorName, cmd.instrumentId, this.#warnF[w]!);
      }
    } else this.#warnings += this.#warnN;
    return PASS;
  }

  /** A snapshot of the counters (allocates; not for the hot path). */
  stats(): RiskStats {
    const byValidator = {} as Record<RiskCheckName, { passed: number; rejected: number }>;
    NAMES.forEach((name, i) => {
      byValidator[name] = { passed: this.#passed[i]!, rejected: this.#rejected[i]! };
    });
    return {
      checks: this.#checks,
      passed: this.#passes,
      rejected: this.#checks - this.#passes,
      warnings: this.#warnings,
      byValidator
    };
  }

  #run(v: number, cmd: SubmitOrder, view: RiskView): boolean {
    switch (v) {
      case V_TRADING:
        return this.#tradingState(cmd, view);
      case V_QTY:
        return this.#maxOrderQty(cmd);
      case V_NOTIONAL:
        return this.#maxNotional(cmd, view);
      case V_POSITION:
        return this.#maxPosition(cmd, view);
      case V_LEVERAGE:
        return this.#maxLeverageCheck(cmd, view);
      case V_BAND:
        return this.#priceBand(cmd, view);
      case V_SELF:
        return this.#selfTradeCheck(cmd, view);
      default:
        return this.#throttle(cmd, view);
    }
  }

  #loadPosition(cmd: SubmitOrder, view: RiskView): void {
    if (this.#posLoaded) return;
    this.#pos = view.position(cmd.instrumentId, this.#idx);
    this.#buy = view.openBuyQty(cmd.instrumentId, this.#idx);
    this.#sell = view.openSellQty(cmd.instrumentId, this.#idx);
    // the instrument's worst-case absolute position before and after the order (maxPosition, maxLeverage)
    const buy = cmd.side === 'buy' ? cmd.qty : 0;
    this.#before = worstCaseExposure(this.#pos, this.#buy, this.#sell);
    this.#after = worstCaseExposure(this.#pos, this.#buy + buy, this.#sell + cmd.qty - buy);
    this.#posLoaded = true;
  }

  #warn(v: number, fraction: number): void {
    if (fraction >= this.#warnAt) {
      this.#warnV[this.#warnN] = v;
      this.#warnF[this.#warnN++] = fraction;
    }
  }

  #tradingState(cmd: SubmitOrder, view: RiskView): boolean {
    const s = view.tradingState();
    if (s === 'ACTIVE') return true;
    if (s === 'HALTED') {
      return this.#no(cmd, V_TRADING, ErrorCode.RISK_TRADING_HALTED, 'trading is HALTED', 0, 0);
    }
    this.#loadPosition(cmd, view);
    const reduces =
      cmd.side === 'buy'
        ? this.#pos < 0 && this.#pos + this.#buy + cmd.qty <= 0
        : this.#pos > 0 && this.#pos - this.#sell - cmd.qty >= 0;
    if (reduces) return true;
    return this.#no(
      cmd,
      V_TRADING,
      ErrorCode.RISK_TRADING_REDUCING,
      `trading is REDUCING: ${cmd.side} ${cmd.qty} does not reduce position ${this.#pos} (working buy ${this.#buy}, sell ${this.#sell})`,
      this.#pos,
      0
    );
  }

  #maxOrderQty(cmd: SubmitOrder): boolean {
    if (cmd.qty > this.#maxQty) {
      return this.#no(
        cmd,
        V_QTY,
        ErrorCode.RISK_MAX_ORDER_QTY,
        `order qty ${cmd.qty} exceeds maxOrderQty ${this.#maxQty}`,
        cmd.qty,
        this.#maxQty
      );
    }
    this.#warn(V_QTY, cmd.qty / this.#maxQty);
    return true;
  }

  /**
   * The order's reference price ×2 (mids may be half ticks), the highest it may trade at: a buy limit's (or
   * stop-limit's) limit, a sell stop's stop; a sell limit (or stop-limit) at its limit or the mid, whichever is
   * higher, and a buy stop at its stop or the mid (a marketable one trades at the market, not at its own price);
   * a market order at the mid. NaN without a price.
   */
  #ref2(cmd: SubmitOrder, view: RiskView): number {
    const m = view.mid(cmd.instrumentId, this.#idx);
    const own = cmd.limitPx ?? cmd.stopPx;
    if (own === undefined) return m === undefined ? Number.NaN : 2 * m;
    const upward = cmd.side === 'sell' ? cmd.limitPx !== undefined : cmd.limitPx === undefined;
    return upward && m !== undefined && m > own ? 2 * m : 2 * own;
  }

  /** A check that needs a reference price has none: passes with `whenNoMid: pass`, else rejects. */
  #noReference(cmd: SubmitOrder, v: number, what: string): boolean {
    if (this.#noMidPasses) return true;
    return this.#no(
      cmd,
      v,
      ErrorCode.RISK_NO_REFERENCE_PRICE,
      `no mid to price the ${cmd.orderType} order's ${what}`,
      0,
      0
    );
  }

  #maxNotional(cmd: SubmitOrder, view: RiskView): boolean {
    const limit2 = this.#notional2[this.#idx]!;
    if (Number.isNaN(limit2)) return true; // off
    const ref2 = this.#ref2(cmd, view);
    if (Number.isNaN(ref2)) return this.#noReference(cmd, V_NOTIONAL, 'notional');
    const tl2 = Math.abs(ref2) * cmd.qty;
    if (tl2 > limit2 && !this.#notionalWithinExact(tl2, ref2, cmd.qty)) {
      const money = (exactProduct2(ref2, cmd.qty) * this.#tickLot[this.#idx]!) / 2n;
      return this.#no(
        cmd,
        V_NOTIONAL,
        ErrorCode.RISK_MAX_NOTIONAL,
        `order notional ${money} (1e-8 units) exceeds maxNotional ${this.#maxNotionalMoney}`,
        Number(money),
        Number(this.#maxNotionalMoney)
      );
    }
    this.#warn(V_NOTIONAL, tl2 / limit2);
    return true;
  }

  /** Rare path: products or limits beyond 2^53, compared exactly in bigint. */
  #notionalWithinExact(tl2: number, ref2: number, qty: number): boolean {
    if (tl2 < TWO_53 && this.#notional2[this.#idx]! < TWO_53) return false;
    return exactProduct2(ref2, qty) <= this.#notional2Exact[this.#idx]!;
  }

  #maxPosition(cmd: SubmitOrder, view: RiskView): boolean {
    this.#loadPosition(cmd, view);
    const before = this.#before;
    const after = this.#after;
    if (after <= before) return true; // never blocks an order that does not add exposure
    if (after > this.#perSymbol) {
      return this.#no(
        cmd,
        V_POSITION,
        ErrorCode.RISK_MAX_POSITION,
        `worst-case position ${after} would exceed perSymbol ${this.#perSymbol}`,
        after,
        this.#perSymbol
      );
    }
    let fraction = after / this.#perSymbol;
    if (this.#total !== Number.POSITIVE_INFINITY) {
      const gross = view.grossExposure() - before + after;
      if (gross > this.#total) {
        return this.#no(
          cmd,
          V_POSITION,
          ErrorCode.RISK_MAX_POSITION,
          `gross exposure ${gross} would exceed total ${this.#total}`,
          gross,
          this.#total
        );
      }
      const g = gross / this.#total;
      if (g > fraction) fraction = g;
    }
    this.#warn(V_POSITION, fraction);
    return true;
  }

  /**
   * Gross worst-case notional after the order over equity: the view's gross notional with this instrument's worst
   * case revalued at the order's reference price. Like `maxPosition`, never blocks an order that adds no exposure.
   */
  #maxLeverageCheck(cmd: SubmitOrder, view: RiskView): boolean {
    const max = this.#maxLeverage;
    if (Number.isNaN(max)) return true; // off
    this.#loadPosition(cmd, view);
    if (this.#after <= this.#before) return true;
    const ref2 = this.#ref2(cmd, view);
    if (Number.isNaN(ref2)) return this.#noReference(cmd, V_LEVERAGE, 'notional for leverage');
    const unit = this.#unit[this.#idx]!;
    const m = view.mid(cmd.instrumentId, this.#idx);
    const mine = m === undefined ? 0 : this.#before * Math.abs(m) * unit;
    const gross = view.grossNotional() - mine + (this.#after * Math.abs(ref2) * unit) / 2;
    const equity = view.equity() ?? Number.NaN;
    const leverage = equity > 0 ? gross / equity : Number.POSITIVE_INFINITY;
    if (leverage > max) {
      return this.#no(
        cmd,
        V_LEVERAGE,
        ErrorCode.RISK_MAX_LEVERAGE,
        `gross notional ${gross.toFixed(2)} would be ${equity > 0 ? `${leverage.toFixed(2)}× equity ${equity.toFixed(2)}` : `against equity ${equity}`}, above maxLeverage ${max}`,
        leverage,
        max
      );
    }
    this.#warn(V_LEVERAGE, leverage / max);
    return true;
  }

  #priceBand(cmd: SubmitOrder, view: RiskView): boolean {
    const bps = this.#bandBps;
    if (Number.isNaN(bps) || cmd.limitPx === undefined) return true; // off, or nothing to band
    const m = view.mid(cmd.instrumentId, this.#idx);
    if (m === undefined) {
      if (this.#noMidPasses) return true;
      return this.#no(
        cmd,
        V_BAND,
        ErrorCode.RISK_NO_REFERENCE_PRICE,
        `no mid to check limit ${cmd.limitPx} against the price band`,
        0,
        0
      );
    }
    const dev = Math.abs(cmd.limitPx - m) * 10_000;
    const width = bps * Math.abs(m);
    if (dev > width) {
      return this.#no(
        cmd,
        V_BAND,
        ErrorCode.RISK_PRICE_BAND,
        `limit ${cmd.limitPx} is ${dev / Math.abs(m)} bps from mid ${m}, band ${bps} bps`,
        width === 0 ? Number.POSITIVE_INFINITY : dev / Math.abs(m),
        bps
      );
    }
    if (width > 0) this.#warn(V_BAND, dev / width);
    return true;
  }

  #selfTradeCheck(cmd: SubmitOrder, view: RiskView): boolean {
    if (!this.#selfTrade || cmd.orderType === 'stop' || cmd.orderType === 'stop_limit') return true;
    const market = cmd.orderType === 'market';
    if (cmd.side === 'buy') {
      const ask = view.bestOwnAsk(cmd.strategyId, cmd.instrumentId, this.#idx);
      if (ask !== undefined && (market || cmd.limitPx! >= ask)) {
        return this.#no(
          cmd,
          V_SELF,
          ErrorCode.RISK_SELF_TRADE,
          `buy ${market ? 'market' : `at ${cmd.limitPx}`} would cross own resting sell at ${ask}`,
          market ? Number.POSITIVE_INFINITY : cmd.limitPx!,
          ask
        );
      }
    } else {
      const bid = view.bestOwnBid(cmd.strategyId, cmd.instrumentId, this.#idx);
      if (bid !== undefined && (market || cmd.limitPx! <= bid)) {
        return this.#no(
          cmd,
          V_SELF,
          ErrorCode.RISK_SELF_TRADE,
          `sell ${market ? 'market' : `at ${cmd.limitPx}`} would cross own resting buy at ${bid}`,
          market ? Number.NEGATIVE_INFINITY : cmd.limitPx!,
          bid
        );
      }
    }
    return true;
  }

  /** Refill both buckets to `now` and require a token in each; tokens are taken only when the whole check passes. */
  #throttle(cmd: SubmitOrder, view: RiskView): boolean {
    const symOn = !Number.isNaN(this.#symRate);
    const stratOn = !Number.isNaN(this.#stratRate);
    if (!symOn && !stratOn) return true;
    const now = view.now();
    if (this.#t0 === undefined) this.#t0 = now;
    // elapsed ns since the first check: exact while the run is shorter than ~104 days
    const t = Number(now - this.#t0);
    const i = this.#idx;
    let s = this.#strategies.get(cmd.strategyId);
    if (s === undefined) s = this.#addStrategy(cmd.strategyId);
    let symLevel = Number.POSITIVE_INFINITY;
    if (symOn) {
      symLevel = refill(this.#symLevel, this.#symLast, i, t, this.#symRate, this.#symCap);
      if (symLevel < TOKEN) {
        return this.#no(
          cmd,
          V_THROTTLE,
          ErrorCode.RISK_THROTTLED,
          `more than ${this.#symRate}/s (burst ${this.#symCap / TOKEN}) on ${cmd.instrumentId}`,
          symLevel / TOKEN,
          this.#symRate
        );
      }
    }
    let stratLevel = Number.POSITIVE_INFINITY;
    if (stratOn) {
      stratLevel = refill(this.#stratLevel, this.#stratLast, s, t, this.#stratRate, this.#stratCap);
      if (stratLevel < TOKEN) {
        return this.#no(
          cmd,
          V_THROTTLE,
          ErrorCode.RISK_THROTTLED,
          `more than ${this.#stratRate}/s (burst ${this.#stratCap / TOKEN}) for strategy ${cmd.strategyId}`,
          stratLevel / TOKEN,
          this.#stratRate
        );
      }
    }
    this.#strat = s;
    const usedSym = symOn ? (this.#symCap - symLevel + TOKEN) / this.#symCap : 0;
    const usedStrat = stratOn ? (this.#stratCap - stratLevel + TOKEN) / this.#stratCap : 0;
    this.#warn(V_THROTTLE, usedSym > usedStrat ? usedSym : usedStrat);
    return true;
  }

  #consumeTokens(): void {
    if (!Number.isNaN(this.#symRate)) this.#symLevel[this.#idx] = this.#symLevel[this.#idx]! - TOKEN;
    if (!Number.isNaN(this.#stratRate))
      this.#stratLevel[this.#strat] = this.#stratLevel[this.#strat]! - TOKEN;
  }

  #addStrategy(id: string): number {
    const s = this.#strategies.size;
    this.#strategies.set(id, s);
    if (s >= this.#stratLevel.length) {
      const level = new Float64Array(s * 2);
      level.set(this.#stratLevel);
      const last = new Float64Array(s * 2).fill(Number.NaN);
      last.set(this.#stratLast);
      this.#stratLevel = level;
      this.#stratLast = last;
    }
    return s;
  }

  /** Record a rejection; returns false so validators can `return this.#no(…)`. */
  #no(cmd: SubmitOrder, v: number, code: ErrorCode, reason: string, value: number, limit: number): false {
    this.#fail = this.#reject(cmd, v, code, reason, value, limit);
    return false;
  }

  #reject(
    cmd: SubmitOrder,
    v: number,
    code: ErrorCode,
    reason: string,
    value: number,
    limit: number
  ): RiskRejection {
    return {
      ok: false,
      validator: NAMES[v]!,
      reason,
      code,
      clientOrderId: cmd.clientOrderId,
      instrumentId: cmd.instrumentId,
      value,
      limit
    };
  }
}

/** |2·price| × lots as an exact bigint (a fractional doubled mid is rounded up: conservative). */
function exactProduct2(ref2: number, qty: number): bigint {
  return BigInt(Math.ceil(Math.abs(ref2))) * BigInt(qty);
}

/** Refill bucket `i` to time `t` (ns since start); a bucket seen for the first time starts full. */
function refill(
  level: Float64Array,
  last: Float64Array,
  i: number,
  t: number,
  rate: number,
  cap: number
): number {
  const l0 = last[i]!;
  let l: number;
  if (Number.isNaN(l0)) l = cap;
  else if (t > l0) {
    l = level[i]! + (t - l0) * rate;
    if (l > cap) l = cap;
  } else {
    return level[i]!; // time did not move forward: no refill, keep the later stamp
  }
  level[i] = l;
  last[i] = t;
  return l;
}
