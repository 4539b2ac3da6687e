import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LastN, LastNMap } from '../../src/core/last-n.ts';

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

describe('LastNMap', () => {
  it('keeps the values of the last max distinct keys; a key set again takes the new value in its first place; clear forgets all', () => {
    const m = new LastNMap<number, string>(2);
    m.set(1, 'a');
    m.set(2, 'b');
    m.set(1, 'A'); // still the oldest, with its new value
    expect(m.get(1)).toBe('A');
    m.set(3, 'c');
    expect([1, 2, 3].map((k) => m.get(k))).toEqual([undefined, 'b', 'c']);
    m.clear();
    expect([m.has(2), m.has(3)]).toEqual([false, false]);
    m.set(4, 'd');
    m.set(5, 'e');
    m.set(6, 'f');
    expect([4, 5, 6].map((k) => m.get(k))).toEqual([undefined, 'e', 'f']);
    const none = new LastNMap<number, string>(0);
    none.set(1, 'a');
    expect(none.has(1)).toBe(false);
  });
});
