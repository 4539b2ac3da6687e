import { sampleStd } from './moments.ts';

/** Sample standard deviation of periodic returns × √periodsPerYear (default 252); 0 with fewer than two returns. */
export function annualizedVolatility(returns: readonly number[], periodsPerYear = 252): number {
  return sampleStd(returns) * Math.sqrt(periodsPerYear);
}
