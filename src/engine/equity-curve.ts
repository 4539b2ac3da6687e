import { BuyAndHold } from '../analytics/benchmark.ts';
import type { EquityPoint } from '../analytics/types.ts';
import { type Money, moneyToNumber } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import type { Portfolio } from '../portfolio/portfolio.ts';

/**
 * A backtest's equity curve and, sampled at the same instants, its benchmark's (when it has one), so the two
 * give aligned returns. The curve starts with one point, the starting equity, until {@link begin} dates it.
 */
export class EquityCurve {
  readonly points: EquityPoint[];
  /** The benchmark's curve, point for point with {@link points}; undefined without a benchmark. */
  readonly benchmark: EquityPoint[] | undefined;
  /** The gross value of the positions (account currency) at each point of {@link points}. */
  readonly gross: number[] = [0];
  readonly #portfolio: Portfolio;
  readonly #hold: BuyAndHold | undefined;

  /** Starts at the portfolio's equity; with `benchmark` symbols, also a {@link BuyAndHold} of them from there. */
  constructor(portfolio: Portfolio, benchmark?: readonly string[]) {
    this.#portfolio = portfolio;
    const start = moneyToNumber(portfolio.equity());
    this.#hold = benchmark ? new BuyAndHold(benchmark, start) : undefined;
    this.points = [{ ts: 0n, equity: start }];
    this.benchmark = benchmark ? [{ ts: 0n, equity: start }] : undefined;
  }

  /** The time of the last point. */
  get lastTs(): Nanos {
    return this.points[this.points.length - 1]!.ts;
  }

  /** Date the starting point `ts` (the first data's time); a no-op once the curve has more than one point. */
  begin(ts: Nanos): void {
    if (this.points.length !== 1) return;
    this.points[0] = { ts, equity: this.points[0]!.equity };
    if (this.benchmark) this.benchmark[0] = { ts, equity: this.benchmark[0]!.equity };
  }

  /** A new price of an instrument, for the benchmark (the portfolio is marked by the runtime). */
  mark(instrumentId: string, px: number): void {
    this.#hold?.mark(instrumentId, px);
  }

  /** Sample both curves at `ts`; returns the portfolio's equity. */
  sample(ts: Nanos): Money {
    const eq = this.#portfolio.equity();
    this.points.push({ ts, equity: moneyToNumber(eq) });
    this.gross.push(moneyToNumber(this.#portfolio.grossValue()));
    if (this.benchmark) this.benchmark.push({ ts, equity: this.#hold!.value() });
    return eq;
  }
}
