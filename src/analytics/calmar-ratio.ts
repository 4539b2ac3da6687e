/** Calmar ratio: annualised return over maximum drawdown (a positive fraction); 0 when there is no drawdown. */
export function calmarRatio(annualizedReturn: number, maxDrawdown: number): number {
  if (!(maxDrawdown > 0)) return 0;
  const c = annualizedReturn / maxDrawdown;
  return Number.isFinite(c) ? c : 0;
}
