/** Arithmetic mean; 0 for an empty sample. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator); 0 for fewer than two observations. */
export function sampleStd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (n - 1));
}

/**
 * Standard deviations below this are floating-point noise on a constant series (returns are fractions
 * of order 1e-2, whose rounding error is of order 1e-18); ratios divide by them only above it.
 */
export const STD_EPSILON = 1e-12;
