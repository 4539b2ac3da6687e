import {
  type Decimal,
  divRound,
  divRoundHalfEven,
  exactMultiple,
  formatDecimal,
  parseDecimal,
  pow10,
  type Rounding
} from './decimal.ts';
import { ErrorCode, TradestateError } from './errors.ts';

/**
 * Money is exact fixed point: a bigint count of 10^-8 currency units.
 * Cash, P&L and commissions are Money; prices and sizes in the book are integer ticks and lots.
 */
export type Money = bigint;
export const MONEY_SCALE = 8;
export const MONEY_ONE: Money = pow10(MONEY_SCALE);

/** Static description of a tradable instrument; prices are integer ticks of `tickSize`, sizes integer lots of `lotSize`. */
export interface InstrumentSpec {
  readonly symbol: string;
  readonly venue: string;
  /** Decimal string, e.g. `"0.01"`. */
  readonly tickSize: string;
  /** Decimal string, e.g. `"1"` for shares, `"0.00001"` for crypto. */
  readonly lotSize: string;
  readonly currency: string;
}

/** An instrument with its exact conversion factors precomputed. */
export interface Instrument extends InstrumentSpec {
  /** `symbol@venue`: the key used everywhere inside tradestate. */
  readonly id: string;
  readonly tick: Decimal;
  readonly lot: Decimal;
  /** Money units (10^-8) for one tick × one lot. */
  readonly tickLotValue: bigint;
  /** Fraction digits to print a price with. */
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
}

/** Build an {@link Instrument}; throws `TRD_ERR_NUMBER_INVALID` if one tick × one lot is not a whole number of money units. */
export function makeInstrument(spec: InstrumentSpec): Instrument {
  const tick = parseDecimal(spec.tickSize);
  const lot = parseDecimal(spec.lotSize);
  if (tick.mantissa <= 0n || lot.mantissa <= 0n) {
    throw new TradestateError(
      ErrorCode.NUMBER_INVALID,
      `tick and lot sizes must be positive for ${spec.symbol}`,
      { ...spec }
    );
  }
  const scale = tick.scale + lot.scale;
  if (scale > MONEY_SCALE) {
    throw new TradestateError(
      ErrorCode.NUMBER_INVALID,
      `tick × lot of ${spec.symbol} is finer than 10^-${MONEY_SCALE}`,
      {
        ...spec
      }
    );
  }
  const tickLotValue = tick.mantissa * lot.mantissa * pow10(MONEY_SCALE - scale);
  return {
    ...spec,
    id: `${spec.symbol}@${spec.venue}`,
    tick,
    lot,
    tickLotValue,
    priceDecimals: tick.scale,
    qtyDecimals: lot.scale
  };
}

/**
 * `"12.34"` → 1234 ticks for a 0.01 tick. Throws `TRD_ERR_PRICE_NOT_ON_TICK` when not exact (prices we send,
 * and books); {@link priceToTicksRounded} rounds instead.
 */
export function priceToTicks(inst: Instrument, price: string): number {
  return toSafe(exactMultiple(parseDecimal(price), inst.tick, ErrorCode.PRICE_NOT_ON_TICK, 'price'), 'price');
}

/** A price put onto the tick: its ticks, and whether it was on the tick already (nothing was rounded). */
export interface TickRounded {
  readonly ticks: number;
  readonly exact: boolean;
}

/**
 * A price of exactly `num/den` ticks put onto a whole tick, the `mode` way: to the nearest tick with ties
 * to even (`'half-even'`, the default), or down (`'floor'`) or up (`'ceil'`). The one rounding of a price
 * onto the tick: {@link priceToTicksRounded} and prices derived as fractions (a missed fill's from an
 * average) both go through it. Throws `TRD_ERR_NUMBER_INVALID` beyond the safe integer range.
 */
export function ticksRounded(num: bigint, den: bigint, mode: Rounding = 'half-even'): TickRounded {
  return { ticks: toSafe(divRound(num, den, mode), 'price'), exact: num % den === 0n };
}

/**
 * A decimal price onto the instrument's tick instead of refusing it when it is off the tick (for prices the
 * venue reports and we only record: market data, a fill's price improvement). `"388.985"` → 38898 ticks of
 * 0.01 (half-even: a tie goes to the even tick), 38898 with `'floor'`, 38899 with `'ceil'`; a price on the
 * tick is exact, as {@link priceToTicks}. Throws `TRD_ERR_NUMBER_INVALID` when not a plain decimal.
 */
export function priceToTicksRounded(
  inst: Instrument,
  price: string,
  mode: Rounding = 'half-even'
): TickRounded {
  const d = parseDecimal(price);
  // price / tick = (d.m / 10^d.s) / (t.m / 10^t.s)
  return ticksRounded(d.mantissa * pow10(inst.tick.scale), inst.tick.mantissa * pow10(d.scale), mode);
}

/** `"100"` → 100 lots for a lot of 1. Throws `TRD_ERR_QTY_NOT_ON_LOT` when not exact. */
export function qtyToLots(inst: Instrument, qty: string): number {
  return toSafe(exactMultiple(parseDecimal(qty), inst.lot, ErrorCode.QTY_NOT_ON_LOT, 'quantity'), 'quantity');
}

/**
 * A decimal quantity onto the instrument's lot instead of refusing it (for volumes a data file reports and we
 * only record): the nearest lot, ties to even, and whether it was on the lot already. Throws
 * `TRD_ERR_NUMBER_INVALID` when not a plain decimal or beyond the safe integer range.
 */
export function qtyToLotsRounded(inst: Instrument, qty: string): { lots: number; exact: boolean } {
  const d = parseDecimal(qty);
  // qty / lot = (d.m / 10^d.s) / (l.m / 10^l.s)
  const num = d.mantissa * pow10(inst.lot.scale);
  const den = inst.lot.mantissa * pow10(d.scale);
  return { lots: toSafe(divRoundHalfEven(num, den), 'quantity'), exact: num % den === 0n };
}

/** Ticks back to a decimal string with the instrument's precision. */
export function ticksToPrice(inst: Instrument, ticks: number): string {
  return formatDecimal(BigInt(ticks) * inst.tick.mantissa, inst.tick.scale);
}

/** Lots back to a decimal string with the instrument's precision. */
export function lotsToQty(inst: Instrument, lots: number): string {
  return formatDecimal(BigInt(lots) * inst.lot.mantissa, inst.lot.scale);
}

/**
 * Nearest tick to a floating-point price (for data sources that only give floats, e.g. CSV bars
 * or a synthetic generator). Rounds half to even on the decimal expansion; never used on the book's own prices.
 */
export function ticksFromFloat(inst: Instrument, price: number): number {
  if (!Number.isFinite(price))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `price is not finite: ${price}`);
  const scaled = BigInt(Math.round(price * 1e9));
  return toSafe(divRoundHalfEven(scaled * pow10(inst.tick.scale), inst.tick.mantissa * pow10(9)), 'price');
}

/** Exact notional in Money units: ticks × lots × tick-lot value. */
export function notional(inst: Instrument, ticks: number, lots: number): Money {
  return BigInt(ticks) * BigInt(lots) * inst.tickLotValue;
}

/** Money as a decimal string with 8 fraction digits, or `digits` (rounded half-even) when given. */
export function formatMoney(m: Money, digits = MONEY_SCALE): string {
  const r = digits >= MONEY_SCALE ? m : divRoundHalfEven(m, pow10(MONEY_SCALE - digits));
  return formatDecimal(r, Math.min(digits, MONEY_SCALE));
}

/** Money to a float, for analytics only (ratios, returns); never compared for equality. */
export function moneyToNumber(m: Money): number {
  return Number(m) / 1e8;
}

/** A decimal string (e.g. a venue's `"100012.3456"`) to exact Money, rounded half-even at 10^-8. */
export function moneyFromDecimal(s: string): Money {
  const d = parseDecimal(s);
  return d.scale <= MONEY_SCALE
    ? d.mantissa * pow10(MONEY_SCALE - d.scale)
    : divRoundHalfEven(d.mantissa, pow10(d.scale - MONEY_SCALE));
}

/**
 * A float amount (e.g. from config) to exact Money: the decimal the float is written as (its shortest form, so
 * `0.1` is 0.1 and `123456789012.34567` keeps its last digits, which `x × 1e8` in floats loses), rounded
 * half-even at 10^-8. A non-finite amount, or one of 1e21 or more, is `TRD_ERR_NUMBER_INVALID`.
 */
export function moneyFromNumber(x: number): Money {
  if (!(Math.abs(x) < 1e21)) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `amount ${x} is not a finite number below 1e21`, {
      value: String(x)
    });
  }
  const s = String(x);
  // below 1e-6 a float is written with an exponent: its first 20 decimals hold all that rounds at 10^-8
  return moneyFromDecimal(s.includes('e') ? x.toFixed(20) : s);
}

function toSafe(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `${what} out of safe integer range: ${v}`);
  }
  return Number(v);
}
