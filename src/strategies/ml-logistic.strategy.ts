import { z } from 'zod';
import type { Bar } from '../messages/market-data.ts';
import { OnlineLogisticRegression } from '../ml/online-logistic.ts';
import type { OrderIntent, Strategy, StrategyView } from './strategy.ts';
import { orderToTarget } from './target-position.ts';

export const mlLogisticParamsSchema = z
  .strictObject({
    /** Features: the last `lags` volatility-scaled log returns of closes. */
    lags: z.number().int().min(1).max(20).default(5),
    /** SGD step size of the online logistic regression. */
    learningRate: z.number().positive().default(0.05),
    /** L2 penalty on the weights (not the bias). `learningRate · l2` must be below 1. */
    l2: z.number().min(0).default(0.0001),
    /** Training steps (labelled bars) per instrument before the strategy may trade it. */
    warmup: z.number().int().min(1).default(50),
    /** Trade only when the predicted probability of an up move is further than this from 0.5. */
    threshold: z.number().gt(0).lt(0.5).default(0.05),
    /** Target position in lots. */
    qty: z.number().int().positive().default(100),
    /** Also go short when a down move is predicted (otherwise flat). */
    allowShort: z.boolean().default(false)
  })
  .refine((p) => p.learningRate * p.l2 < 1, {
    message: 'learningRate * l2 must be below 1',
    path: ['l2']
  });
export type MlLogisticParams = z.infer<typeof mlLogisticParamsSchema>;

/**
 * Decay λ of the exponentially weighted mean square of log returns used to scale the features (the RiskMetrics
 * daily value: an effective memory of about 1 / (1 − λ) ≈ 17 bars).
 */
const VOL_LAMBDA = 0.94;

/** Per-instrument state; allocated once, on the instrument's first bar. */
class InstrumentState {
  readonly model: OnlineLogisticRegression;
  /** Features known after the latest bar: x[k] is the scaled log return k bars back. */
  readonly x: Float64Array;
  /** Consecutive returns held in `x`; the features are complete once it reaches `lags`. */
  count = 0;
  /** The previous close (NaN before the first bar). */
  lastClose = Number.NaN;
  /** Exponentially weighted mean square of log returns (NaN before the first return). */
  meanSq = Number.NaN;
  /** The latest predicted probability of an up move (NaN while the features are incomplete). */
  p = Number.NaN;

  constructor(p: MlLogisticParams) {
    this.model = new OnlineLogisticRegression(p.lags, p.learningRate, p.l2);
    this.x = new Float64Array(p.lags);
  }
}

/**
 * Machine-learning direction classifier, per instrument: an online logistic regression predicts whether the
 * next close will be above the current one from the last `lags` log returns, learning walk-forward.
 *
 * When bar t closes, the strategy first trains on the features it had after bar t−1 with the label
 * y = 1 if c_t > c_{t−1} else 0 (a move that was unknown until now), then shifts in the new return and predicts
 * p = P(c_{t+1} > c_t). It never sees a bar before its close, so there is no look-ahead. After `warmup` training
 * steps it targets +`qty` when p > 0.5 + `threshold`, −`qty` when p < 0.5 − `threshold` (with `allowShort`),
 * else flat, trading the difference with a market order; before that it sends nothing.
 *
 * Feature scaling: each log return r_t = ln(c_t / c_{t−1}) is divided by √v_t, where v is an exponentially
 * weighted mean square of returns (λ = 0.94, seeded with the first squared return, mean taken as 0 as in
 * RiskMetrics; unlike a centred variance it cannot collapse to 0 on a steady drift). v_t already includes r_t,
 * so |feature| ≤ 1/√(1 − λ) ≈ 4.1 and one shock cannot blow up an SGD step; v_t = 0 only when every return so
 * far was 0, and then the feature is 0. Each return is scaled once, when it arrives, and keeps that value.
 * A non-positive close (no log return: a bad print) is not learnt from, and restarts the return history: no
 * prediction, so flat, until `lags` new returns have been seen.
 */
export class MlLogisticStrategy implements Strategy {
  readonly id: string;
  readonly #p: MlLogisticParams;
  readonly #state = new Map<string, InstrumentState>();

  constructor(id: string, params: MlLogisticParams) {
    this.id = id;
    this.#p = params;
  }

  onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
    const p = this.#p;
    let s = this.#state.get(bar.instrumentId);
    if (s === undefined) {
      s = new InstrumentState(p);
      this.#state.set(bar.instrumentId, s);
    }
    const close = bar.close;
    const prev = s.lastClose;
    s.lastClose = close;
    const x = s.x;
    const lags = x.length;

    // 1. Learn from the move that just completed, using only what was known before it (not from a bad print).
    if (s.count >= lags && close > 0) s.model.update(x, close > prev ? 1 : 0);

    // 2. Shift in the new scaled return.
    if (prev > 0 && close > 0) {
      const r = Math.log1p((close - prev) / prev);
      const r2 = r * r;
      s.meanSq = Number.isNaN(s.meanSq) ? r2 : VOL_LAMBDA * s.meanSq + (1 - VOL_LAMBDA) * r2;
      const sd = Math.sqrt(s.meanSq);
      for (let k = lags - 1; k > 0; k--) x[k] = x[k - 1]!;
      x[0] = sd > 0 ? r / sd : 0;
      if (s.count < lags) s.count++;
    } else {
      s.count = 0;
    }

    // 3. Predict the next move.
    s.p = s.count >= lags ? s.model.predict(x) : Number.NaN;

    if (s.model.steps < p.warmup) return [];
    const target = s.p > 0.5 + p.threshold ? p.qty : s.p < 0.5 - p.threshold && p.allowShort ? -p.qty : 0;
    const order = orderToTarget(
      bar.instrumentId,
      target,
      view,
      target > 0 ? 'ml.long' : target < 0 ? 'ml.short' : 'ml.flat'
    );
    return order ? [order] : [];
  }

  /** Per instrument: training steps, the latest probability (null when none), the model's weights and bias. */
  snapshot(): unknown {
    return Object.fromEntries(
      [...this.#state].map(([k, s]) => [
        k,
        {
          steps: s.model.steps,
          p: Number.isNaN(s.p) ? null : s.p,
          weights: Array.from(s.model.weights),
          bias: s.model.bias,
          volatility: Number.isNaN(s.meanSq) ? null : Math.sqrt(s.meanSq)
        }
      ])
    );
  }
}
