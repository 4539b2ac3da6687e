import { ErrorCode, TradestateError } from './errors.ts';

/** An exact decimal as an integer mantissa and a power-of-ten scale: value = mantissa / 10^scale. */
export interface Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
}

const DEC_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parse `"12.3400"` exactly. Rejects exponents, NaN, empty strings and anything not plain decimal. */
export function parseDecimal(s: string): Decimal {
  const m = DEC_RE.exec(s);
  if (!m) throw new TradestateError(ErrorCode.NUMBER_INVALID, `not a plain decimal: "${s}"`, { value: s });
  const [, sign, int = '0', frac = ''] = m;
  const mantissa = BigInt(int + frac) * (sign === '-' ? -1n : 1n);
  return { mantissa, scale: frac.length };
}

/** Format mantissa/10^scale as a plain decimal string with exactly `scale` fraction digits. */
export function formatDecimal(mantissa: bigint, scale: number): string {
  const neg = mantissa < 0n;
  const digits = (neg ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${neg ? '-' : ''}${int}${frac}`;
}

/** 10^n as a bigint. */
export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * How many whole `step`s fit in `value` exactly; throws if `value` is not a multiple of `step`.
 * Both are decimals; the answer is a bigint.
 */
export function exactMultiple(value: Decimal, step: Decimal, code: ErrorCode, what: string): bigint {
  const scale = Math.max(value.scale, step.scale);
  const v = value.mantissa * pow10(scale - value.scale);
  const s = step.mantissa * pow10(scale - step.scale);
  if (s <= 0n) throw new TradestateError(ErrorCode.NUMBER_INVALID, `${what} step must be positive`, { what });
  if (v % s !== 0n) {
    throw new TradestateError(
      code,
      `${what} ${formatDecimal(value.mantissa, value.scale)} is not a multiple of ${formatDecimal(step.mantissa, step.scale)}`,
      {
        value: formatDecimal(value.mantissa, value.scale),
        step: formatDecimal(step.mantissa, step.scale)
      }
    );
  }
  return v / s;
}

/**
 * How a rational is put onto an integer: `'half-even'` to the nearest, ties to even (banker's rounding,
 * {@link divRoundHalfEven}); `'floor'` down, toward −∞; `'ceil'` up, toward +∞.
 */
export type Rounding = 'half-even' | 'floor' | 'ceil';

/** Round a rational `num/den` to an integer the `mode` way (see {@link Rounding}). */
export function divRound(num: bigint, den: bigint, mode: Rounding): bigint {
  if (mode === 'half-even') return divRoundHalfEven(num, den);
  if (den === 0n) throw new TradestateError(ErrorCode.NUMBER_INVALID, 'division by zero');
  if (den < 0n) return divRound(-num, -den, mode);
  const q = num / den; // truncated toward zero; the remainder has the sign of num
  const r = num % den;
  if (mode === 'floor') return r < 0n ? q - 1n : q;
  return r > 0n ? q + 1n : q;
}

/** `a + b × k` exactly (k an integer), at the larger of their scales. */
export function addTimes(a: Decimal, b: Decimal, k: bigint): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return {
    mantissa: a.mantissa * pow10(scale - a.scale) + b.mantissa * k * pow10(scale - b.scale),
    scale
  };
}

/** Round a rational `num/den` to the nearest integer, ties to even (banker's rounding): deterministic and unbiased. */
export function divRoundHalfEven(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new TradestateError(ErrorCode.NUMBER_INVALID, 'division by zero');
  if (den < 0n) return divRoundHalfEven(-num, -den);
  let q = num / den;
  let r = num % den;
  if (r < 0n) {
    q -= 1n;
    r += den;
  }
  const twice = 2n * r;
  if (twice > den || (twice === den && q % 2n !== 0n)) q += 1n;
  return q;
}
