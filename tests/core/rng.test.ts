import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';

describe('Rng (xoshiro128** seeded by splitmix32)', () => {
  it('gives the same numbers it always gave: the event logs of old runs replay only if it does', () => {
    // known answers, taken from the implementation that kept its state unsigned
    const r = new Rng(42);
    expect([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([
      2837322924, 544945897, 479756282, 3500138142
    ]);
    const zero = new Rng(0);
    expect([zero.nextU32(), zero.nextU32()]).toEqual([3809008728, 1133695204]);
    const max = new Rng(0xffffffff);
    expect([max.next(), max.int(1000), max.gaussian(), max.gaussian()]).toEqual([
      0.19461841469507213, 548, -0.4019053010782091, 0.5268735540518286
    ]);
    const venue = new Rng(42).fork('venue');
    expect([venue.nextU32(), venue.nextU32()]).toEqual([3975272437, 738117079]);
    const long = new Rng(7);
    let v = 0;
    for (let i = 0; i < 10_000; i++) v = long.nextU32();
    expect(v).toBe(1322833685);
  });

  it('draws in range: nextU32 an unsigned 32-bit integer, next in [0, 1), int(n) in [0, n)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (seed, n) => {
          const r = new Rng(seed);
          for (let i = 0; i < 50; i++) {
            const u = r.nextU32();
            const x = r.next();
            const k = r.int(n);
            if (!(Number.isInteger(u) && u >= 0 && u <= 0xffffffff)) return false;
            if (!(x >= 0 && x < 1)) return false;
            if (!(Number.isInteger(k) && k >= 0 && k < n)) return false;
          }
          return true;
        }
      )
    );
  });

  it('is uniform enough for a bootstrap, and gaussian draws have mean 0 and variance 1', () => {
    const r = new Rng(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[r.int(10)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 100_000; i++) {
      const g = r.gaussian();
      sum += g;
      sq += g * g;
    }
    expect(Math.abs(sum / 100_000)).toBeLessThan(0.02);
    expect(Math.abs(sq / 100_000 - 1)).toBeLessThan(0.02);
  });

  it('forks streams that depend on the label and do not repeat the parent', () => {
    const a = new Rng(9).fork('a');
    const b = new Rng(9).fork('b');
    const parent = new Rng(9);
    parent.nextU32(); // a fork consumes one draw of its parent
    const xs = [a.nextU32(), a.nextU32()];
    expect(xs).not.toEqual([b.nextU32(), b.nextU32()]);
    expect(xs).not.toEqual([parent.nextU32(), parent.nextU32()]);
  });
});
