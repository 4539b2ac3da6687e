import { z } from 'zod';
import type { Nanos } from '../core/nanos.ts';
import { RollingRegression } from '../indicators/rolling-regression.indicator.ts';
import { RollingStats } from '../indicators/rolling-stats.indicator.ts';
import type { Bar } from '../messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView } from './strategy.ts';
import { orderToTarget } from './target-position.ts';

export const pairsParamsSchema = z
  .strictObject({
    /**
     * The two legs, by symbol (`ALPHA`) or instrument id (`ALPHA@SIM`): [A, B]. They must name two instruments:
     * `ALPHA` and `ALPHA@SIM` are one (the symbol matches it on any venue); `ALPHA@SIM` and `ALPHA@XNAS` are two.
     */
    legs: z
      .tuple([z.string().min(1), z.string().min(1)])
      .refine(([a, b]) => !sameInstrument(a, b), { message: 'the two legs must name different instruments' }),
    /** Bars in the rolling hedge-ratio regression and in the spread's rolling z-score. */
    window: z.number().int().min(10).default(60),
    /** Enter when the spread's z-score is beyond ±entryZ. */
    entryZ: z.number().positive().default(2),
    /** Exit once the z-score is back within ±exitZ. Must be below entryZ. */
    exitZ: z.number().min(0).default(0.5),
    /** Lots of leg A per trade; leg B is sized by the hedge ratio. */
    qty: z.number().int().positive().default(100)
  })
  .refine((p) => p.exitZ < p.entryZ, { message: 'exitZ must be below entryZ', path: ['exitZ'] });
export type PairsParams = z.infer<typeof pairsParamsSchema>;

/** True when leg names `a` and `b` can match the same instrument (see {@link isLeg}). */
function sameInstrument(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.includes('@') && b.includes('@')) return false;
  const symbol = (n: string) => n.slice(0, n.includes('@') ? n.indexOf('@') : n.length);
  return symbol(a) === symbol(b);
}

interface Leg {
  readonly name: string;
  id: string | undefined;
  ts: Nanos;
  close: number;
}

/**
 * Statistical-arbitrage pairs trading on two instruments A and B. At each timestamp both legs have a bar for:
 * - the hedge ratio β is the slope of a rolling OLS of ln(A) on ln(B) over the previous `window` bars;
 * - the spread is ln(A) − β·ln(B), and its z-score is taken against the previous `window` spreads (today's
 *   point is in neither window when it is scored);
 * - z > `entryZ`: short the spread (sell `qty` A, buy B); z < −`entryZ`: long the spread (buy A, sell B);
 *   exit both legs once z is back within ±`exitZ`.
 * B's size is fixed at entry for dollar-neutral exposure scaled by β: round(β · qty · close_A / close_B) lots,
 * at least 1. Closes are compared in ticks, so both legs must share a tick size (same-currency stocks do).
 * No entry while β is not positive. Bars of one leg without the other at the same time are skipped, and so is
 * a time where a leg's close is not positive (no logarithm: a bad print): nothing learnt from it, nothing traded.
 */
export class PairsStrategy implements Strategy {
  readonly id: string;
  readonly #p: PairsParams;
  readonly #a: Leg;
  readonly #b: Leg;
  readonly #reg: RollingRegression;
  readonly #spread: RollingStats;
  #done: Nanos = -1n;
  #signal = 0;
  #hedgeQty = 0;
  #z = Number.NaN;

  constructor(id: string, params: PairsParams) {
    this.id = id;
    this.#p = params;
    this.#a = { name: params.legs[0], id: undefined, ts: -1n, close: 0 };
    this.#b = { name: params.legs[1], id: undefined, ts: -1n, close: 0 };
    this.#reg = new RollingRegression(params.window);
    this.#spread = new RollingStats(params.window);
  }

  onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
    const leg = this.#legOf(bar.instrumentId);
    if (leg === undefined) return [];
    leg.id = bar.instrumentId;
    leg.ts = bar.tsEvent;
    leg.close = bar.close;
    const a = this.#a;
    const b = this.#b;
    if (a.ts !== b.ts || a.ts <= this.#done || a.id === undefined || b.id === undefined) return [];
    this.#done = a.ts;
    if (!(a.close > 0 && b.close > 0)) {
      // ln of a bad print would poison the rolling regression and spread stats for good
      this.#z = Number.NaN;
      return [];
    }
    const x = Math.log(b.close);
    const y = Math.log(a.close);
    const beta = this.#reg.beta;
    let z = Number.NaN;
    if (this.#reg.ready && Number.isFinite(beta)) {
      const spread = y - beta * x;
      z = this.#spread.zScore(spread);
      this.#spread.update(spread);
    }
    this.#reg.update(x, y);
    this.#z = z;
    if (Number.isNaN(z)) return [];
    const p = this.#p;
    if (this.#signal === 0 && Math.abs(z) > p.entryZ && beta > 0) {
      this.#signal = z > 0 ? -1 : 1;
      this.#hedgeQty = Math.max(1, Math.round((beta * p.qty * a.close) / b.close));
    } else if (this.#signal !== 0 && Math.abs(z) <= p.exitZ) {
      this.#signal = 0;
      this.#hedgeQty = 0;
    }
    const reason =
      this.#signal > 0 ? 'pairs.long_spread' : this.#signal < 0 ? 'pairs.short_spread' : 'pairs.exit';
    const out: OrderIntent[] = [];
    const oa = orderToTarget(a.id, this.#signal * p.qty, view, reason);
    const ob = orderToTarget(b.id, -this.#signal * this.#hedgeQty, view, reason);
    if (oa) out.push(oa);
    if (ob) out.push(ob);
    return out;
  }

  #legOf(instrumentId: string): Leg | undefined {
    if (isLeg(this.#a, instrumentId)) return this.#a;
    if (isLeg(this.#b, instrumentId)) return this.#b;
    return undefined;
  }

  snapshot(): unknown {
    return {
      legs: [this.#a.id ?? this.#a.name, this.#b.id ?? this.#b.name],
      beta: this.#reg.beta,
      z: this.#z,
      signal: this.#signal,
      hedgeQty: this.#hedgeQty
    };
  }
}

/**
 * Once a leg has seen its instrument, only that id; before, a leg named by symbol matches `SYMBOL@VENUE` and
 * one named by instrument id only itself.
 */
function isLeg(leg: Leg, instrumentId: string): boolean {
  if (leg.id !== undefined) return leg.id === instrumentId;
  const name = leg.name;
  return instrumentId === name || (!name.includes('@') && instrumentId.startsWith(`${name}@`));
}
