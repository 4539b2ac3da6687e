/**
 * Price bands: orders priced further than `bps` basis points from a reference price are refused.
 * The band half-width in ticks is `floor(ref · bps / 10 000)`, computed in integers, so the band edges are
 * exact ticks: `[ref − w, ref + w]`.
 */
export function bandHalfWidth(ref: number, bps: number): number {
  return Math.floor((Math.abs(ref) * bps) / 10_000);
}

/** True when `price` lies within the band of `bps` around `ref` (always true without a reference). */
export function withinBand(price: number, ref: number, bps: number): boolean {
  if (!(bps > 0) || Number.isNaN(ref)) return true;
  const w = bandHalfWidth(ref, bps);
  return price >= ref - w && price <= ref + w;
}
