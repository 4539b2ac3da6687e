import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LastN } from '../../src/core/last-n.ts';

describe('LastN', () => {
  it('remembers the last max distinct keys; adding one again keeps its place; max 0 remembers nothing', () => {
    const s = new LastN(2);
    s.add('a');
    s.add('b');
    s.add('a'); // already there: 'a' is still the oldest
    s.add('c');
    expect(['a', 'b', 'c'].map((k) => s.has(k))).toEqual([false, true, true]);
    const none = new LastN(0);
    none.add('a');
    expect(none.has('a')).toBe(false);
  });

  it('property: agrees with a list model (distinct keys, oldest dropped first)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 6 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')),
        (max, keys) => {
          const s = new LastN(max);
          const model: string[] = [];
          for (const k of keys) {
            s.add(k);
            if (max > 0 && !model.includes(k)) {
              model.push(k);
              if (model.length > max) model.shift();
            }
            for (const q of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])
              expect(s.has(q)).toBe(model.includes(q));
          }
        }
      )
    );
  });
});
