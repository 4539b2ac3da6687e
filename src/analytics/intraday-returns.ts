import { simpleReturn } from './daily-returns.ts';
import type { EquityPoint } from './types.ts';

/** A US equity session: 6.5 hours, in ns. */
export const SESSION_NS = 23_400_000_000_000n;

/**
 * Simple returns between consecutive points of an equity curve sampled within a day (a tick backtest's
 * per-second curve), and how many such periods one trading session of `sessionNs` holds (by the median step),
 * so that ratios annualise as `252 × periodsPerDay`. Undefined with fewer than three points or no time step.
 */
export function intradayReturns(
  equity: readonly EquityPoint[],
  sessionNs: bigint = SESSION_NS
): { readonly returns: number[]; readonly periodsPerDay: number } | undefined {
  if (equity.length < 3) return undefined;
  const steps: bigint[] = [];
  const returns: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const dt = equity[i]!.ts - equity[i - 1]!.ts;
    if (dt > 0n) steps.push(dt);
    returns.push(simpleReturn(equity[i - 1]!.equity, equity[i]!.equity));
  }
  if (steps.length === 0) return undefined;
  steps.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const median = steps[steps.length >> 1]!;
  return { returns, periodsPerDay: Number(sessionNs) / Number(median) };
}
