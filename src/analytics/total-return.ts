import type { EquityPoint } from './types.ts';

/** `end / start − 1` of an equity curve, as a fraction; 0 with fewer than two points or a non-positive start. */
export function totalReturn(equity: readonly EquityPoint[]): number {
  const first = equity[0];
  const last = equity[equity.length - 1];
  if (first === undefined || last === undefined || equity.length < 2 || !(first.equity > 0)) return 0;
  const r = last.equity / first.equity - 1;
  return Number.isFinite(r) ? r : 0;
}
