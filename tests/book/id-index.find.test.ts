import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../src/book/id-index.ts';

// `find` remembers where an absent id would go so that the next `set` of that id skips its probe; any other
// change in between must invalidate that hint. Random interleavings against a Map model.
describe('IdIndex.find + set', () => {
  it('matches a Map model under any interleaving of find, set, delete, clear and growth', () => {
    const id = fc.integer({ min: 0, max: 40 });
    const op = fc.oneof(
      fc.record({ k: fc.constant('find' as const), id }),
      fc.record({ k: fc.constant('set' as const), id }),
      fc.record({ k: fc.constant('delete' as const), id }),
      fc.record({ k: fc.constant('clear' as const), id })
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const ix = new IdIndex(2);
        const model = new Map<number, number>();
        let n = 0;
        for (const { k, id } of ops) {
          if (k === 'find') expect(ix.find(id)).toBe(model.get(id) ?? -1);
          else if (k === 'set') {
            const ok = ix.set(id, n);
            expect(ok).toBe(!model.has(id));
            if (ok) model.set(id, n);
            n++;
          } else if (k === 'delete') {
            expect(ix.delete(id)).toBe(model.get(id) ?? -1);
            model.delete(id);
          } else if (id % 8 === 0) {
            ix.clear();
            model.clear();
          }
          expect(ix.size).toBe(model.size);
          for (const [key, v] of model) expect(ix.get(key)).toBe(v);
        }
      })
    );
  });
});
