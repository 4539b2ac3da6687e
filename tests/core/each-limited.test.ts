import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../src/core/each-limited.ts';

/** One macrotask turn, so calls in flight overlap. */
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('eachLimited', () => {
  it('calls f once per item, starting them in order, never more than `limit` at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 6 }),
        async (turns, limit) => {
          let inFlight = 0;
          let most = 0;
          const started: number[] = [];
          await eachLimited(
            turns.map((t, i) => [i, t] as const),
            limit,
            async ([i, t]) => {
              started.push(i);
              most = Math.max(most, ++inFlight);
              for (let k = 0; k < t; k++) await tick();
              inFlight--;
            }
          );
          expect(started).toEqual(turns.map((_, i) => i));
          expect(inFlight).toBe(0);
          expect(most).toBeLessThanOrEqual(limit);
          // every lane is used when the calls overlap
          if (turns.length > 0 && turns.every((t) => t > 0)) expect(most).toBe(Math.min(limit, turns.length));
        }
      ),
      { numRuns: 60 }
    );
  });

  it('a failed call does not stop the others; the first failure is rethrown once all have settled', async () => {
    const done: number[] = [];
    const run = eachLimited([1, 2, 3, 4, 5], 2, async (i) => {
      await tick();
      if (i === 2 || i === 4) throw new Error(`no ${i}`);
      done.push(i);
    });
    await expect(run).rejects.toThrow('no 2');
    expect(done.sort()).toEqual([1, 3, 5]);
  });

  it('a limit that is not an integer ≥ 1 is refused, typed, before any call', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let calls = 0;
      const run = eachLimited([1, 2], bad, async () => {
        calls++;
      });
      await expect(run, String(bad)).rejects.toMatchObject({
        code: 'TRD_ERR_NUMBER_INVALID',
        context: { limit: bad }
      });
      expect(calls).toBe(0);
    }
  });

  it('no items: resolves without calling f', async () => {
    let calls = 0;
    await eachLimited([], 3, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
