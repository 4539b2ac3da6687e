import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../src/book/id-index.ts';

describe('IdIndex', () => {
  it('stores, finds, rejects duplicates and deletes', () => {
    const ix = new IdIndex(4);
    expect(ix.set(42, 7)).toBe(true);
    expect(ix.set(42, 8)).toBe(false);
    expect(ix.get(42)).toBe(7);
    expect(ix.get(43)).toBe(-1);
    expect(ix.delete(42)).toBe(7);
    expect(ix.delete(42)).toBe(-1);
    expect(ix.size).toBe(0);
  });

  it('handles negative, huge and colliding ids across growth', () => {
    const ix = new IdIndex(2);
    const ids = [-1, -(2 ** 40), 2 ** 53 - 1, 0, 1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32)];
    ids.forEach((id, i) => {
      ix.set(id, i);
    });
    ids.forEach((id, i) => {
      expect(ix.get(id)).toBe(i);
    });
    expect(ix.size).toBe(ids.length);
  });

  it('behaves like a Map under random insert/delete sequences (backward-shift deletion keeps probes intact)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -50, max: 50 })), { maxLength: 400 }),
        (ops) => {
          const ix = new IdIndex(2);
          const m = new Map<number, number>();
          let v = 0;
          for (const [ins, key] of ops) {
            const id = key * 1024; // many ids share low bits: forces long probe runs
            if (ins) {
              const fresh = !m.has(id);
              expect(ix.set(id, v)).toBe(fresh);
              if (fresh) m.set(id, v);
              v++;
            } else {
              expect(ix.delete(id)).toBe(m.get(id) ?? -1);
              m.delete(id);
            }
            expect(ix.size).toBe(m.size);
          }
          for (let k = -50; k <= 50; k++) expect(ix.get(k * 1024)).toBe(m.get(k * 1024) ?? -1);
        }
      ),
      { numRuns: 200 }
    );
  });
});
