import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { OnlineLogisticRegression, sigmoid } from '../../src/ml/online-logistic.ts';

interface Example {
  x: Float64Array;
  y: 0 | 1;
}

/** Points uniform in [-1, 1]^n labelled by a fixed hyperplane, with a margin of 0.05 around it left empty. */
function separable(rng: Rng, count: number): Example[] {
  const w = [1.5, -2, 0.75];
  const b = 0.3;
  const out: Example[] = [];
  while (out.length < count) {
    const x = Float64Array.from(w, () => rng.next() * 2 - 1);
    let z = b;
    for (let i = 0; i < w.length; i++) z += w[i]! * x[i]!;
    if (Math.abs(z) < 0.05) continue;
    out.push({ x, y: z > 0 ? 1 : 0 });
  }
  return out;
}

function accuracy(m: OnlineLogisticRegression, set: readonly Example[]): number {
  let ok = 0;
  for (const e of set) if ((m.predict(e.x) > 0.5 ? 1 : 0) === e.y) ok++;
  return ok / set.length;
}

function bytes(a: ArrayLike<number>): number[] {
  return Array.from(new Uint8Array(Float64Array.from(a).buffer));
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('sigmoid', () => {
  it('is safe at the extremes and symmetric', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1e6)).toBe(1);
    expect(sigmoid(-1e6)).toBe(0);
    expect(sigmoid(Number.POSITIVE_INFINITY)).toBe(1);
    expect(sigmoid(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(sigmoid(Number.NaN)).toBe(0.5);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
    expect(sigmoid(-745)).toBeGreaterThan(0); // exp(-745) is the last subnormal: no 1 − 1 cancellation
  });
});

describe('OnlineLogisticRegression', () => {
  it('learns a linearly separable problem', () => {
    const rng = new Rng(7);
    const train = separable(rng, 2_000);
    const test = separable(rng, 1_000);
    const m = new OnlineLogisticRegression(3, 0.5, 0);
    expect(accuracy(m, test)).toBeLessThan(0.9); // untrained: p = 0.5 everywhere, always "0"
    for (let epoch = 0; epoch < 5; epoch++) for (const e of train) m.update(e.x, e.y);
    expect(m.steps).toBe(10_000);
    expect(accuracy(m, test)).toBeGreaterThan(0.95);
  });

  it('takes exactly the documented SGD step: w ← w(1 − lr·l2) − lr(p − y)x, b ← b − lr(p − y)', () => {
    const lr = 0.1;
    const l2 = 0.5;
    const m = new OnlineLogisticRegression(2, lr, l2);
    expect(Array.from(m.weights)).toEqual([0, 0]);
    expect(m.bias).toBe(0);
    m.update([2, -1], 1);
    // p = 0.5 at zero weights
    const w1 = [-lr * (0.5 - 1) * 2, -lr * (0.5 - 1) * -1];
    const b1 = -lr * (0.5 - 1);
    expect(Array.from(m.weights)).toEqual(w1);
    expect(m.bias).toBe(b1);
    m.update([1, 3], 0);
    const p = sigmoid(b1 + w1[0]! * 1 + w1[1]! * 3);
    expect(m.predict([1, 3])).not.toBe(p); // the step changed the model
    const w2 = [w1[0]! * (1 - lr * l2) - lr * p * 1, w1[1]! * (1 - lr * l2) - lr * p * 3];
    expect(m.weights[0]).toBeCloseTo(w2[0]!, 15);
    expect(m.weights[1]).toBeCloseTo(w2[1]!, 15);
    expect(m.bias).toBeCloseTo(b1 - lr * p, 15);
    expect(m.snapshot()).toEqual({ n: 2, lr, l2, steps: 2, weights: Array.from(m.weights), bias: m.bias });
  });

  it('predict is in [0, 1] and never NaN for any finite input, also after training on huge inputs', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ x: fc.tuple(finite, finite, finite), y: fc.constantFrom(0 as const, 1 as const) }),
          {
            maxLength: 20
          }
        ),
        fc.double({ min: 1e-6, max: 100, noNaN: true }),
        fc.tuple(finite, finite, finite),
        (train, lr, probe) => {
          const m = new OnlineLogisticRegression(3, lr, 0.001);
          for (const e of train) m.update(e.x, e.y);
          for (let i = 0; i < 3; i++) expect(Number.isFinite(m.weights[i]!)).toBe(true);
          expect(Number.isFinite(m.bias)).toBe(true);
          const p = m.predict(probe);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('saturates instead of overflowing on the largest inputs', () => {
    const m = new OnlineLogisticRegression(2, 50, 0);
    m.update([Number.MAX_VALUE, -Number.MAX_VALUE], 1);
    expect(Array.from(m.weights)).toEqual([Number.MAX_VALUE, -Number.MAX_VALUE]);
    expect(m.predict([Number.MAX_VALUE, -Number.MAX_VALUE])).toBe(1);
    expect(m.predict([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(0.5); // +∞ − ∞: no opinion, not NaN
    expect(m.predict([-1, 1])).toBe(0);
  });

  it('is deterministic: the same inputs give bit-identical weights', () => {
    const data = separable(new Rng(11), 500);
    const a = new OnlineLogisticRegression(3, 0.3, 0.01);
    const b = new OnlineLogisticRegression(3, 0.3, 0.01);
    for (const e of data) a.update(e.x, e.y);
    for (const e of data) b.update(e.x, e.y);
    expect(bytes(a.weights)).toEqual(bytes(b.weights));
    expect(bytes([a.bias])).toEqual(bytes([b.bias]));
    // ...and the comparison is sharp enough to see a different order of the same examples
    const c = new OnlineLogisticRegression(3, 0.3, 0.01);
    for (const e of [...data].reverse()) c.update(e.x, e.y);
    expect(bytes(c.weights)).not.toEqual(bytes(a.weights));
  });

  it('L2 shrinks the weights but not the bias', () => {
    const data = separable(new Rng(3), 1_000);
    const plain = new OnlineLogisticRegression(3, 0.5, 0);
    const ridge = new OnlineLogisticRegression(3, 0.5, 0.05);
    for (const e of data) {
      plain.update(e.x, e.y);
      ridge.update(e.x, e.y);
    }
    expect(norm(ridge.weights)).toBeLessThan(0.8 * norm(plain.weights));

    // With all-zero features only the bias learns, and the penalty must not touch it.
    const zero = new Float64Array(3);
    const b0 = new OnlineLogisticRegression(3, 0.5, 0);
    const b1 = new OnlineLogisticRegression(3, 0.5, 0.5);
    for (let i = 0; i < 50; i++) {
      b0.update(zero, i % 4 === 0 ? 0 : 1);
      b1.update(zero, i % 4 === 0 ? 0 : 1);
    }
    expect(b1.bias).toBeGreaterThan(0.5);
    expect(b1.bias).toBe(b0.bias);
  });

  it('rejects bad constructor arguments', () => {
    const bad: [number, number, number][] = [
      [0, 0.1, 0],
      [-1, 0.1, 0],
      [1.5, 0.1, 0],
      [Number.NaN, 0.1, 0],
      [Number.POSITIVE_INFINITY, 0.1, 0],
      [2, 0, 0],
      [2, -0.1, 0],
      [2, Number.NaN, 0],
      [2, Number.POSITIVE_INFINITY, 0],
      [2, 0.1, -1e-9],
      [2, 0.1, Number.NaN],
      [2, 0.1, Number.POSITIVE_INFINITY],
      [2, 2, 0.5] // lr·l2 = 1 would flip the weights' sign every step
    ];
    for (const [n, lr, l2] of bad)
      expect(() => new OnlineLogisticRegression(n, lr, l2), `${n} ${lr} ${l2}`).toThrow(RangeError);
    expect(() => new OnlineLogisticRegression(1, 1e-9, 0)).not.toThrow();
    expect(() => new OnlineLogisticRegression(2, 2, 0.49)).not.toThrow();
  });

  it('rejects bad examples and leaves the model untouched', () => {
    const m = new OnlineLogisticRegression(2, 0.1, 0);
    m.update([1, 1], 1);
    const before = m.snapshot();
    expect(() => m.update([1], 1)).toThrow(RangeError);
    expect(() => m.update([1, Number.NaN], 1)).toThrow(RangeError);
    expect(() => m.update([Number.POSITIVE_INFINITY, 1], 0)).toThrow(RangeError);
    expect(() => m.update([1, 1], 2 as 0 | 1)).toThrow(RangeError);
    expect(() => m.predict([1, 2, 3])).toThrow(RangeError);
    expect(m.snapshot()).toEqual(before);
    m.reset();
    expect(m.snapshot()).toEqual({ ...before, steps: 0, weights: [0, 0], bias: 0 });
  });
});
