/** A chart point: `x` typically epoch milliseconds, `y` the value. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * Reduce a series to at most `maxPoints` (≥ 4) points for plotting, keeping its shape: the first and last
 * points always, and from each of ⌊(maxPoints − 2) / 2⌋ equal-count buckets of the interior its minimum
 * and maximum in their original order, so spikes (e.g. drawdown troughs) survive. Returns a copy when the
 * series is already short enough.
 */
export function downsampleMinMax(points: readonly XY[], maxPoints = 2000): XY[] {
  const n = points.length;
  const max = Math.max(4, Math.floor(maxPoints));
  if (n <= max) return points.slice();
  const out: XY[] = [points[0]!];
  const interior = n - 2;
  const buckets = Math.floor((max - 2) / 2);
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * interior) / buckets);
    const end = 1 + Math.floor(((b + 1) * interior) / buckets);
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      const y = points[i]!.y;
      if (y < points[lo]!.y) lo = i;
      if (y > points[hi]!.y) hi = i;
    }
    if (lo === hi) out.push(points[lo]!);
    else if (lo < hi) out.push(points[lo]!, points[hi]!);
    else out.push(points[hi]!, points[lo]!);
  }
  out.push(points[n - 1]!);
  return out;
}
