import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriceLadder } from '../../src/book/price-ladder.ts';

/** The ladder's best-first walk must be the model's prices sorted best first, with `best` and depth agreeing. */
function expectOrder(l: PriceLadder, model: Map<number, number>, isBid: boolean): void {
  const expected = [...model.keys()].sort((a, b) => (isBid ? b - a : a - b));
  const walked: number[] = [];
  for (let s = l.best; s >= 0 && walked.length <= model.size; s = l.worseThan(s)) walked.push(l.price[s]!);
  expect(walked).toEqual(expected);
  expect(l.bestPrice()).toBe(expected.length > 0 ? expected[0] : Number.NaN);
  const px = new Float64Array(3);
  const qty = new Float64Array(3);
  expect(l.depth(3, px, qty)).toBe(Math.min(3, expected.length));
  expect([...px.subarray(0, Math.min(3, expected.length))]).toEqual(expected.slice(0, 3));
  if (expected.length > 1) expect(l.price[l.slotAt(1)]).toBe(expected[1]);
}

// The ladder answers price → level from a dense window (4,096 ticks, centred on the touch and moved when a new
// best level falls outside it) and a hash for everything outside it. These checks drive prices across and far
// beyond the window's edges, walk the touch so the window moves, empty the side and compare every lookup with
// a plain Map.
// After every step the best-first walk (window bitmap plus the sorted out-of-window levels) is checked too.
describe('PriceLadder price window', () => {
  it('matches a Map model for prices inside, at the edges of and far outside the window', () => {
    const spread = fc.oneof(
      fc.integer({ min: -3_000, max: 3_000 }),
      fc.constantFrom(-2_049, -2_048, -2_047, 2_046, 2_047, 2_048, 2_049),
      fc.integer({ min: -1e12, max: 1e12 })
    );
    const op = fc.record({ remove: fc.boolean(), base: fc.constantFrom(0, 10_000, 1e9), d: spread });
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { maxLength: 300 }), (isBid, ops) => {
        const l = new PriceLadder(isBid, 2);
        const model = new Map<number, number>();
        for (const { remove, base, d } of ops) {
          const px = base + d;
          if (remove) {
            const s = l.find(px);
            expect(s).toBe(model.get(px) ?? -1);
            if (s >= 0) {
              l.removeSlot(s);
              model.delete(px);
            }
          } else {
            const s = l.findOrCreate(px);
            if (model.has(px)) expect(s).toBe(model.get(px));
            model.set(px, s);
          }
          expect(l.count).toBe(model.size);
          for (const [p, s] of model) {
            expect(l.find(p)).toBe(s);
            expect(l.price[s]).toBe(p);
          }
          expect(l.find(px + 1)).toBe(model.get(px + 1) ?? -1);
          expect(l.find(px - 1)).toBe(model.get(px - 1) ?? -1);
          expectOrder(l, model, isBid);
        }
        // empty the side, then reuse it around a far-away price (the window moves there)
        for (const s of [...model.values()]) l.removeSlot(s);
        expect(l.count).toBe(0);
        for (const [p] of model) expect(l.find(p)).toBe(-1);
        const a = l.findOrCreate(5e11);
        const b = l.findOrCreate(5e11 + 3_000);
        expect(l.find(5e11)).toBe(a);
        expect(l.find(5e11 + 3_000)).toBe(b);
        l.clear();
        expect(l.find(5e11)).toBe(-1);
      })
    );
  });

  it('matches a Map model while the touch walks far in both directions', () => {
    const step = fc.record({
      move: fc.integer({ min: -900, max: 900 }),
      depth: fc.nat(6_000),
      remove: fc.boolean()
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 400 }), (isBid, steps) => {
        const l = new PriceLadder(isBid, 2);
        const model = new Map<number, number>();
        let touch = 1_000_000;
        for (const { move, depth, remove } of steps) {
          touch += move;
          // mostly new best levels at the walking touch, sometimes deep ones behind it
          const px = depth % 3 === 0 ? (isBid ? touch - depth : touch + depth) : touch;
          if (remove && model.size > 0) {
            const [p, s] = model.entries().next().value as [number, number];
            l.removeSlot(s);
            model.delete(p);
          } else {
            const s = l.findOrCreate(px);
            if (model.has(px)) expect(s).toBe(model.get(px));
            model.set(px, s);
          }
          for (const [p, s] of model) expect(l.find(p)).toBe(s);
          expect(l.find(touch + 1)).toBe(model.get(touch + 1) ?? -1);
          expectOrder(l, model, isBid);
        }
      })
    );
  });
});
