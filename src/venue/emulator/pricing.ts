import { divRoundHalfEven, pow10 } from '../../core/decimal.ts';
import { type Instrument, type Money, moneyFromNumber, notional } from '../../core/instrument.ts';

/** Impact model settings (the `impact` block of the emulator config). */
export interface ImpactSettings {
  readonly model: 'none' | 'sqrt' | 'kyle';
  readonly coefficient: number;
  readonly referenceVolume?: number | undefined;
}

/** Ceiling of a non-negative rational. */
function ceilDiv(num: bigint, den: bigint): bigint {
  return num / den + (num % den === 0n ? 0n : 1n);
}

/** Integer square root (floor) of a non-negative bigint, by Newton's method. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // correct the float estimate exactly
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/**
 * Adverse slippage in whole ticks: ⌈px × bps / 10 000⌉ (bps resolved to 0.01), 0 for 0 bps.
 * Same rounding as the skeleton's bar venue.
 */
export function slippageTicks(px: number, bps: number): number {
  if (bps === 0 || px <= 0) return 0;
  return Number(ceilDiv(BigInt(px) * BigInt(Math.round(bps * 100)), 1_000_000n));
}

/**
 * Market impact in whole ticks, rounded up (away from the trader):
 * - sqrt: ⌈px × c/10 000 × √(qty/V)⌉ with c in bps (resolved to 1e-6 bps), computed exactly as the least k
 *   with k² × 10²⁰ × V ≥ px² × C² × qty where C = round(c × 10⁶);
 * - kyle: ⌈λ × qty⌉ with λ in ticks per lot (resolved to 1e-9).
 * `refVolume` is V (ignored by kyle); V ≤ 0 gives no sqrt impact.
 */
export function impactTicks(s: ImpactSettings, px: number, qty: number, refVolume: number): number {
  if (s.model === 'none' || s.coefficient === 0 || qty <= 0) return 0;
  if (s.model === 'kyle') {
    return Number(ceilDiv(BigInt(Math.round(s.coefficient * 1e9)) * BigInt(qty), 1_000_000_000n));
  }
  const v = s.referenceVolume ?? refVolume;
  if (!(v > 0) || px <= 0) return 0;
  const c = BigInt(Math.round(s.coefficient * 1e6));
  const p = BigInt(px);
  const m = ceilDiv(p * p * c * c * BigInt(qty), 10n ** 20n * BigInt(v));
  const r = isqrt(m);
  return Number(r * r < m ? r + 1n : r);
}

/** Move `px` by `ticks` against the trader (up for a buy, down for a sell, never below 1 tick). */
export function adverse(px: number, ticks: number, buy: boolean): number {
  if (ticks === 0) return px;
  return buy ? px + ticks : Math.max(1, px - ticks);
}

/** A commission schedule in exact Money (see the emulator config's `commission`). */
export interface CommissionSchedule {
  /** Basis points of notional (resolved to 0.01 bps). */
  readonly bps: number;
  /** Money per unit of quantity. */
  readonly perUnit: Money;
  readonly minimum: Money;
  /** Cap in basis points of notional, or undefined for none. */
  readonly maximumBps: number | undefined;
}

/** The config's commission (account currency) as exact Money. */
export function commissionSchedule(c: {
  bps: number;
  perUnit?: number | undefined;
  minimum: number;
  maximumBps?: number | undefined;
}): CommissionSchedule {
  return {
    bps: c.bps,
    perUnit: moneyFromNumber(c.perUnit ?? 0),
    minimum: moneyFromNumber(c.minimum),
    maximumBps: c.maximumBps
  };
}

/** `bps` basis points of `m`, rounded half-even (bps resolved to 0.01). */
function bpsOf(m: Money, bps: number): Money {
  return divRoundHalfEven(m * BigInt(Math.round(bps * 100)), 1_000_000n);
}

/** The fee of one fill before the order's minimum and cap: bps of its notional plus `perUnit` × units. */
function rawFee(inst: Instrument, n: Money, qty: number, c: CommissionSchedule): Money {
  let fee = bpsOf(n, c.bps);
  if (c.perUnit !== 0n)
    fee += divRoundHalfEven(c.perUnit * BigInt(qty) * inst.lot.mantissa, pow10(inst.lot.scale));
  return fee;
}

/** An order's commission from its raw fees and notional so far: at least `minimum`, then at most `maximumBps`. */
function clampFee(raw: Money, n: Money, c: CommissionSchedule): Money {
  let fee = raw < c.minimum ? c.minimum : raw;
  if (c.maximumBps !== undefined) {
    const cap = bpsOf(n, c.maximumBps);
    if (fee > cap) fee = cap;
  }
  return fee;
}

/**
 * Commission of an order filled in one piece: bps of notional plus `perUnit` × units (lots × lot size), each
 * rounded half-even, at least `minimum`, then at most `maximumBps` of notional.
 */
export function commissionOf(inst: Instrument, px: number, qty: number, c: CommissionSchedule): Money {
  const n = notional(inst, px, qty);
  return clampFee(rawFee(inst, n, qty, c), n, c);
}

/**
 * What an order has been charged so far, for a schedule whose minimum and cap are per order (as at Interactive
 * Brokers): each fill adds its raw fee and notional, and is charged what takes the order's total to
 * `clamp(Σ raw, minimum, maximumBps × Σ notional)`. That total never falls, so no fill is charged a negative
 * amount; an order filled in one piece pays {@link commissionOf}.
 */
export interface OrderFees {
  raw: Money;
  notional: Money;
  charged: Money;
}

/**
 * Add a fill of `qty` at `px` to an order's fees; returns this fill's commission. A schedule with neither a
 * minimum nor a cap charges each fill its own fee and leaves `fees` as it is.
 */
export function chargeFill(
  fees: OrderFees,
  inst: Instrument,
  px: number,
  qty: number,
  c: CommissionSchedule
): Money {
  const n = notional(inst, px, qty);
  const raw = rawFee(inst, n, qty, c);
  // no minimum, no cap: every fill pays its own fee, and nothing need be added up
  if (c.minimum === 0n && c.maximumBps === undefined) return raw;
  fees.raw += raw;
  fees.notional += n;
  const total = clampFee(fees.raw, fees.notional, c);
  const fee = total - fees.charged;
  fees.charged = total;
  return fee;
}

/** ⌊v × p⌋ for a participation fraction p ∈ (0, 1], exact (p resolved to 1e-6). */
export function participationCap(v: number, p: number): number {
  if (p >= 1) return v;
  return Math.floor((v * Math.round(p * 1e6)) / 1e6);
}
