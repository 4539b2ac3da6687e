/**
 * Calmar ratio: annualised return over maximum drawdown (a positive fraction); 0 when there is no drawdown;
 * ±Infinity with an infinite annualised return (see `annualizedReturn`), so a ranking keeps it first.
 */
export function calmarRatio(annualizedReturn: number, maxDrawdown: number): number {
  if (!(maxDrawdown > 0)) return 0;
  const c = annualizedReturn / maxDrawdown;
  return Number.isNaN(c) ? 0 : c;
}
