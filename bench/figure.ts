/** One benchmark figure, printed as one JSON line. */
export interface Figure {
  readonly suite: string;
  readonly case: string;
  readonly impl: string;
  readonly value: number;
  readonly unit: string;
}

/** Run `fn` `iterations` times after `warmup` runs; returns ns per call (median of `rounds` rounds). */
export function nsPerOp(
  fn: () => void,
  iterations: number,
  rounds = 5,
  warmup = Math.min(iterations, 1000)
): number {
  for (let i = 0; i < warmup; i++) fn();
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    results.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}
