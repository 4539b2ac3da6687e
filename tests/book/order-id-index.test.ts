import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderIdIndex } from '../../src/book/order-id-index.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const BIG_JUMP = 10_000_000;

/**
 * `expect(actual).toBe(expected)`, but only built when the values differ: the example tests check a few
 * hundred thousand lookups, and an `expect` per lookup would dominate the run time.
 */
function is(actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}

// ---------------------------------------------------------------------------------------------------------
// Model-based property test. Ids come from a cursor that the ops move (so a run has a shape: an increasing
// stream with stragglers, jumps, sparse strides, extremes), and every op is checked against a Map model.
// ---------------------------------------------------------------------------------------------------------

type Step =
  | { s: 'next'; gap: number } // cursor += 1..3: the common, dense case
  | { s: 'recent'; back: number } // cursor - 0..64: an id near the head (window hits)
  | { s: 'straggler'; back: number } // below the cursor by up to ~1e6: below the window (hash)
  | { s: 'jump'; extra: number } // cursor += 10_000_000 + extra: far above the window
  | { s: 'sparse'; stride: number } // cursor += 1000..20_000: LOBSTER-like exchange-wide ids
  | { s: 'negative'; v: number; move: boolean } // a negative id (optionally restarting the stream there)
  | { s: 'extreme'; neg: boolean; off: number; move: boolean } // ±MAX_SAFE_INTEGER - off
  | { s: 'existing'; pick: number } // an id currently in the model (duplicates, hits)
  | { s: 'oldest' }; // the lowest id in the model (old orders filled first: the window slides, not grows)

type Kind = 'set' | 'findSet' | 'get' | 'find' | 'has' | 'delete' | 'size' | 'clear';
type Op = { k: Kind; step: Step; slot: number };
type Profile = 'dense' | 'mixed' | 'sparse' | 'extreme';

const stepArbs = {
  next: fc.record({ s: fc.constant('next' as const), gap: fc.integer({ min: 1, max: 3 }) }),
  recent: fc.record({ s: fc.constant('recent' as const), back: fc.integer({ min: 0, max: 64 }) }),
  straggler: fc.record({
    s: fc.constant('straggler' as const),
    back: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 1_000_000 }))
  }),
  jump: fc.record({ s: fc.constant('jump' as const), extra: fc.integer({ min: 0, max: 1_000 }) }),
  sparse: fc.record({ s: fc.constant('sparse' as const), stride: fc.integer({ min: 1_000, max: 20_000 }) }),
  negative: fc.record({
    s: fc.constant('negative' as const),
    v: fc.oneof(fc.integer({ min: -100, max: -1 }), fc.integer({ min: -(2 ** 40), max: -1 })),
    move: fc.boolean()
  }),
  extreme: fc.record({
    s: fc.constant('extreme' as const),
    neg: fc.boolean(),
    off: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 5_000 })),
    move: fc.boolean()
  }),
  existing: fc.record({ s: fc.constant('existing' as const), pick: fc.nat() }),
  oldest: fc.constant({ s: 'oldest' as const })
} satisfies Record<Step['s'], fc.Arbitrary<Step>>;

const stepWeights: Record<Profile, Partial<Record<Step['s'], number>>> = {
  dense: { next: 12, recent: 4, existing: 4, oldest: 4, straggler: 2 },
  mixed: {
    next: 8,
    recent: 3,
    existing: 3,
    oldest: 2,
    straggler: 2,
    jump: 1,
    sparse: 1,
    negative: 1,
    extreme: 1
  },
  sparse: { sparse: 8, next: 2, recent: 2, existing: 3, oldest: 2, straggler: 2 },
  extreme: { next: 8, recent: 3, existing: 3, oldest: 2, straggler: 2, negative: 2, extreme: 3 }
};

const kindArb: fc.Arbitrary<Kind> = fc.oneof(
  { arbitrary: fc.constant('set' as const), weight: 10 },
  { arbitrary: fc.constant('findSet' as const), weight: 4 },
  { arbitrary: fc.constant('delete' as const), weight: 6 },
  { arbitrary: fc.constant('get' as const), weight: 2 },
  { arbitrary: fc.constant('find' as const), weight: 2 },
  { arbitrary: fc.constant('has' as const), weight: 2 },
  { arbitrary: fc.constant('size' as const), weight: 1 },
  { arbitrary: fc.constant('clear' as const), weight: 1 }
);

// Slot 0 is the value right next to the "absent" sentinel; 2^31 - 1 is the largest an Int32Array holds.
const slotArb = fc.oneof(fc.nat(100), fc.constant(0), fc.constant(2 ** 31 - 1), fc.nat());

const startArb = fc.oneof(
  fc.constantFrom(0, 1, 1_000_000, -5_000_000, MAX - 3_000, -MAX, -MAX + 100, 2 ** 32 - 10),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 })
);

function opsFor(profile: Profile): fc.Arbitrary<Op[]> {
  const steps = Object.entries(stepWeights[profile]).map(([s, weight]) => ({
    arbitrary: stepArbs[s as Step['s']] as fc.Arbitrary<Step>,
    weight: weight!
  }));
  const op = fc.record({ k: kindArb, step: fc.oneof(...steps), slot: slotArb });
  return fc.array(op, { maxLength: 300, size: 'max' });
}

const scenarioArb = fc.constantFrom<Profile>('dense', 'mixed', 'sparse', 'extreme').chain((profile) =>
  fc.record({
    profile: fc.constant(profile),
    // small capacities keep the window small, so it grows, slides and turns off within a few hundred ops
    capacity: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(1, 1024, 5_000)),
    start:
      profile === 'extreme'
        ? fc.constantFrom(MAX - 3_000, -MAX, -MAX + 50, MAX - 100)
        : profile === 'dense'
          ? fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) // no wrap-around: keep the window open
          : startArb,
    // a run of consecutive ids first (keeping only the newest `tail` live, if set), so the window is open,
    // grown or sliding when the random ops start
    warmup: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 3_000 })),
    tail: fc.option(fc.integer({ min: 1, max: 40 })),
    ops: opsFor(profile)
  })
);

/**
 * `a + d` for a safe integer `a` and a small `d`, wrapping around the safe range (MAX_SAFE_INTEGER + 1 is
 * -MAX_SAFE_INTEGER): ids stay exact, and running off the top lands far below the window (a huge straggler).
 */
function add(a: number, d: number): number {
  if (d > 0 && a > MAX - d) return -MAX + (d - (MAX - a) - 1);
  if (d < 0 && a < -MAX - d) return MAX - (-d - (a + MAX) - 1);
  return a + d;
}

describe('OrderIdIndex', () => {
  it('behaves like a Map<number, number> under random set/find/get/has/delete/size/clear sequences', () => {
    fc.assert(
      fc.property(scenarioArb, ({ capacity, start, warmup, tail, ops }) => {
        const ix = new OrderIdIndex(capacity);
        const model = new Map<number, number>();
        is(ix.windowed, false);
        is(ix.size, 0);

        for (let i = 0; i < warmup; i++) {
          const id = add(start, i);
          is(ix.set(id, i), true);
          model.set(id, i);
          if (tail !== null && i >= tail) {
            const old = add(start, i - tail);
            is(ix.delete(old), i - tail);
            model.delete(old);
          }
        }
        is(ix.size, model.size);
        for (const [key, v] of model) is(ix.get(key), v);
        // consecutive ids never turn the window off (unless the run wrapped past MAX_SAFE_INTEGER)
        if (warmup > 0 && start <= MAX - (warmup - 1)) is(ix.windowed, true);
        let cursor = warmup > 0 ? add(start, warmup - 1) : start;
        let setsSinceClear = warmup;
        let turnedOff = false;

        const idFor = (step: Step): number => {
          switch (step.s) {
            case 'next':
              return (cursor = add(cursor, step.gap));
            case 'recent':
              return add(cursor, -step.back);
            case 'straggler':
              return add(cursor, -step.back);
            case 'jump':
              return (cursor = add(cursor, BIG_JUMP + step.extra));
            case 'sparse':
              return (cursor = add(cursor, step.stride));
            case 'negative':
              if (step.move) cursor = step.v;
              return step.v;
            case 'extreme': {
              const id = step.neg ? -MAX + step.off : MAX - step.off;
              if (step.move) cursor = id;
              return id;
            }
            case 'existing': {
              if (model.size === 0) return cursor;
              const keys = [...model.keys()];
              return keys[step.pick % keys.length]!;
            }
            case 'oldest': {
              let low = cursor;
              for (const key of model.keys()) if (key < low) low = key;
              return low;
            }
          }
        };

        let n = 0;
        for (const { k, step, slot } of ops) {
          const id = idFor(step);
          const want = model.get(id) ?? -1;
          switch (k) {
            case 'set': {
              const fresh = !model.has(id);
              is(ix.set(id, slot), fresh);
              if (fresh) model.set(id, slot);
              setsSinceClear++;
              break;
            }
            case 'findSet': {
              // the L3 book's check-then-insert: find, then set only if absent, nothing in between
              is(ix.find(id), want);
              if (want < 0) {
                is(ix.set(id, slot), true);
                model.set(id, slot);
                setsSinceClear++;
              }
              break;
            }
            case 'get':
              is(ix.get(id), want);
              break;
            case 'find':
              is(ix.find(id), want);
              break;
            case 'has':
              is(ix.has(id), want >= 0);
              break;
            case 'delete':
              is(ix.delete(id), want);
              model.delete(id);
              is(ix.delete(id), -1);
              break;
            case 'size':
              break;
            case 'clear':
              if (step.s !== 'existing') break; // keep clears rare
              ix.clear();
              model.clear();
              setsSinceClear = 0;
              turnedOff = false;
              break;
          }

          // exact size, the touched id and its neighbours, then every live entry
          is(ix.size, model.size);
          for (const probe of [id, add(id, -1), add(id, 1)]) {
            is(ix.get(probe), model.get(probe) ?? -1);
          }
          if (model.size <= 256 || n % 32 === 0) for (const [key, v] of model) is(ix.get(key), v);
          n++;

          // windowed: false before the first set since clear; once turned off it stays off until clear
          if (setsSinceClear === 0) is(ix.windowed, false);
          else if (turnedOff) is(ix.windowed, false);
          else if (!ix.windowed) turnedOff = true;
        }

        // final sweep: every live id via all readers, and a duplicate set of each is refused without change
        for (const [key, v] of model) {
          is(ix.has(key), true);
          is(ix.find(key), v);
          is(ix.set(key, v + 1), false);
          is(ix.get(key), v);
        }
        is(ix.size, model.size);
        // and everything deletes back to empty
        for (const [key, v] of model) is(ix.delete(key), v);
        is(ix.size, 0);
        for (const key of model.keys()) is(ix.get(key), -1);
      }),
      { numRuns: 150 }
    );
  });

  it('keeps a long run of increasing ids 1..200_000 windowed while old ids are deleted (window slides)', () => {
    const ix = new OrderIdIndex(); // span 2048: the run slides it ~130 times
    const LIVE = 500;
    for (let id = 1; id <= 200_000; id++) {
      is(ix.set(id, id * 3), true);
      if (id > LIVE) is(ix.delete(id - LIVE), (id - LIVE) * 3);
      if (!ix.windowed) expect.fail(`window turned off at id ${id}`);
      if (id % 997 === 0) {
        is(ix.size, Math.min(id, LIVE));
        is(ix.get(id), id * 3);
        is(ix.get(id - LIVE + 1), (id - LIVE + 1) * 3);
        is(ix.get(id - LIVE), -1);
        is(ix.get(id + 1), -1);
      }
    }
    is(ix.windowed, true);
    is(ix.size, LIVE);
    for (let id = 200_000 - LIVE + 1; id <= 200_000; id++) is(ix.get(id), id * 3);
    for (let id = 1; id <= 200_000 - LIVE; id += 37) is(ix.get(id), -1);
    is(ix.get(0), -1);
    is(ix.get(200_001), -1);
    // a sliding window does not grow without bound (the live set is small)
    expect(ix.bytes).toBeLessThan(64 * 1024);
    // absent ids just above the newest (around and past the window's top edge) read and delete as absent
    for (let id = 200_001; id <= 205_000; id++) {
      is(ix.get(id), -1);
      is(ix.find(id), -1);
      is(ix.delete(id), -1);
    }
    is(ix.size, LIVE);
  });

  it('grows the window for a run of increasing ids that all stay live', () => {
    const ix = new OrderIdIndex(16);
    const N = 100_000;
    for (let id = 1; id <= N; id++) is(ix.set(id, N - id), true);
    is(ix.windowed, true);
    is(ix.size, N);
    for (let id = 1; id <= N; id++) is(ix.get(id), N - id);
    is(ix.get(0), -1);
    for (let id = N + 1; id <= N + 5_000; id++) is(ix.delete(id), -1);
    is(ix.size, N);
    for (let id = 1; id <= N; id += 2) is(ix.delete(id), N - id);
    is(ix.size, N / 2);
    for (let id = 1; id <= N; id++) is(ix.get(id), id % 2 === 1 ? -1 : N - id);
  });

  it('turns the window off for sparse ids (stride 5_000) and keeps every id findable', () => {
    const ix = new OrderIdIndex(); // span 2048 < stride
    const first = 1_000_000;
    const expected = new Map<number, number>();
    const put = (id: number, slot: number) => {
      is(ix.set(id, slot), true);
      expected.set(id, slot);
    };
    put(first, 0);
    is(ix.windowed, true);
    for (let i = 1; i <= 10; i++) put(first - i, i); // stragglers next to the first id (in the window)
    put(first - 100_000, 11); // far below: hash
    put(first + 5_000, 12); // the first sparse step: window off
    is(ix.windowed, false);
    for (let i = 2; i <= 2_000; i++) {
      put(first + i * 5_000, 100 + i);
      is(ix.windowed, false);
    }
    // stragglers and a duplicate after the switch
    put(first - 7_777, 5_000);
    is(ix.set(first + 5_000, 1), false);
    is(ix.set(first - 3, 1), false);
    is(ix.size, expected.size);
    for (const [id, slot] of expected) is(ix.get(id), slot);
    for (const id of [first + 1, first + 5_001, first - 11, first + 2_001 * 5_000]) is(ix.get(id), -1);
    // deletes work for ids inserted before and after the switch
    for (const id of [first, first - 10, first - 100_000, first + 5_000, first + 1_000 * 5_000]) {
      is(ix.delete(id), expected.get(id));
      expected.delete(id);
      is(ix.get(id), -1);
    }
    is(ix.size, expected.size);
    for (const [id, slot] of expected) is(ix.get(id), slot);
    is(ix.windowed, false);
  });

  it('clear() empties the index, forgets the window until the next set, and the index works again', () => {
    const ix = new OrderIdIndex(8);
    const ids = [500, 501, 502, 400, -7, 520, 10_000_000, 10_000_001];
    ids.forEach((id, i) => {
      is(ix.set(id, i), true);
    });
    is(ix.size, ids.length);
    ix.clear();
    is(ix.size, 0);
    is(ix.windowed, false);
    for (const id of ids) {
      is(ix.get(id), -1);
      is(ix.find(id), -1);
      is(ix.has(id), false);
      is(ix.delete(id), -1);
    }
    is(ix.windowed, false);

    // re-placed at a new (lower) first id; old ids stay absent; the window is back on
    is(ix.set(3, 30), true);
    is(ix.windowed, true);
    for (let id = 4; id < 2_000; id++) is(ix.set(id, id * 10), true);
    is(ix.set(500, 1), false);
    is(ix.windowed, true);
    is(ix.size, 1_997);
    for (let id = 3; id < 2_000; id++) is(ix.get(id), id * 10);
    is(ix.get(10_000_000), -1);
    is(ix.get(-7), -1);

    // a window turned off by sparse ids comes back after clear
    ix.clear();
    for (let i = 0; i < 50; i++) is(ix.set(i * 100_000, i), true);
    is(ix.windowed, false);
    ix.clear();
    is(ix.windowed, false);
    is(ix.size, 0);
    is(ix.get(100_000), -1);
    for (let id = 1; id <= 10_000; id++) is(ix.set(id, id), true);
    is(ix.windowed, true);
    is(ix.size, 10_000);
    for (let id = 1; id <= 10_000; id++) is(ix.get(id), id);
    is(ix.get(0), -1);
  });

  it('stores an absent id below the window via find-then-set (the hashed check-then-insert path)', () => {
    const ix = new OrderIdIndex(64);
    for (let id = 1_000_000; id < 1_000_100; id++) is(ix.set(id, id - 1_000_000), true);
    is(ix.find(10), -1);
    is(ix.set(10, 77), true);
    is(ix.get(10), 77);
    is(ix.find(10), 77);
    is(ix.set(10, 5), false);
    is(ix.get(10), 77);
    is(ix.size, 101);

    // many stragglers through find-then-set: the hash grows under them
    for (let i = 0; i < 1_000; i++) {
      const id = -i * 7 - 1;
      is(ix.find(id), -1);
      is(ix.set(id, 1_000 + i), true);
    }
    is(ix.size, 1_101);
    for (let i = 0; i < 1_000; i++) is(ix.get(-i * 7 - 1), 1_000 + i);

    // find, then a window insert (the hash does not change), then set of the found id
    is(ix.find(20), -1);
    is(ix.set(1_000_100, 100), true);
    is(ix.set(20, 200), true);
    is(ix.get(20), 200);

    // find, then a set that slides the window (live ids move into the hash), then set of the found id
    const model = new Map<number, number>([
      [10, 77],
      [20, 200]
    ]);
    for (let i = 0; i < 1_000; i++) model.set(-i * 7 - 1, 1_000 + i);
    for (let id = 1_000_000; id <= 1_000_100; id++) model.set(id, id - 1_000_000);
    for (let id = 1_000_000; id < 1_000_090; id++) {
      is(ix.delete(id), id - 1_000_000);
      model.delete(id);
    }
    is(ix.find(30), -1);
    for (let id = 1_000_101; id <= 1_000_400; id++) {
      is(ix.set(id, id - 1_000_000), true);
      model.set(id, id - 1_000_000);
      if (id - 10 > 1_000_100) {
        is(ix.delete(id - 10), id - 10 - 1_000_000);
        model.delete(id - 10);
      }
    }
    is(ix.windowed, true);
    is(ix.set(30, 300), true);
    model.set(30, 300);
    is(ix.size, model.size);
    for (const [id, slot] of model) is(ix.get(id), slot);
    for (let id = 1_000_000; id < 1_000_090; id++) is(ix.get(id), -1);
    for (let id = 1_000_101; id <= 1_000_390; id++) is(ix.get(id), -1);
    is(ix.get(1_000_401), -1);

    // find of an absent id before the first id ever, then the first set of it opens the window at it
    const fresh = new OrderIdIndex();
    is(fresh.find(-42), -1);
    is(fresh.set(-42, 9), true);
    is(fresh.windowed, true);
    is(fresh.get(-42), 9);
    is(fresh.delete(-42), 9);
    is(fresh.size, 0);
  });

  it('finds, deletes and reinserts live old ids that slid out of the window while ids advanced far', () => {
    const ix = new OrderIdIndex(16); // span 64
    const old = new Map<number, number>();
    for (let id = 1; id <= 20; id++) {
      is(ix.set(id, 1_000 + id), true);
      old.set(id, 1_000 + id);
    }
    // advance 100_000 ids with a small live tail: the window slides far beyond the old orders
    const TAIL = 8;
    for (let id = 21; id <= 100_020; id++) {
      is(ix.set(id, id % 50_000), true);
      if (id - TAIL > 20) is(ix.delete(id - TAIL), (id - TAIL) % 50_000);
    }
    is(ix.windowed, true);
    is(ix.size, old.size + TAIL);
    for (const [id, slot] of old) {
      is(ix.get(id), slot);
      is(ix.find(id), slot);
      is(ix.has(id), true);
      is(ix.set(id, 0), false);
    }
    is(ix.get(21), -1);
    is(ix.get(0), -1);

    // delete some, reinsert them with new slots (they are below the window now)
    for (const id of [1, 7, 20]) {
      is(ix.delete(id), 1_000 + id);
      is(ix.get(id), -1);
      is(ix.delete(id), -1);
    }
    is(ix.size, old.size - 3 + TAIL);
    is(ix.find(7), -1);
    is(ix.set(7, 0), true);
    is(ix.set(1, 2 ** 31 - 1), true);
    is(ix.get(7), 0);
    is(ix.get(1), 2 ** 31 - 1);
    is(ix.get(20), -1);
    for (const id of [2, 3, 19]) is(ix.get(id), 1_000 + id);
    for (let id = 100_020 - TAIL + 1; id <= 100_020; id++) is(ix.get(id), id % 50_000);
    is(ix.size, old.size - 1 + TAIL);
    is(ix.windowed, true);

    // the window keeps moving after that, and the old ids stay put
    for (let id = 100_021; id <= 110_000; id++) {
      is(ix.set(id, 1), true);
      is(ix.delete(id - TAIL), id - TAIL <= 100_020 ? (id - TAIL) % 50_000 : 1);
    }
    is(ix.get(7), 0);
    is(ix.get(1), 2 ** 31 - 1);
    is(ix.get(19), 1_019);
    is(ix.size, old.size - 1 + TAIL);
  });

  it('keeps an id at every offset from the first id when a far id turns the window off', () => {
    // whatever the window's layout, some offset lands on its lowest and highest slots and just outside them
    for (const capacity of [1, 16, 100]) {
      for (let k = -300; k <= 300; k++) {
        if (k === 0) continue;
        const ix = new OrderIdIndex(capacity);
        const first = 50_000;
        is(ix.set(first, 1), true);
        is(ix.set(first + k, 2), true);
        is(ix.set(first + 1_000_000, 3), true); // 2 ids in 1_000_000: sparse, the window turns off
        is(ix.windowed, false);
        is(ix.size, 3);
        is(ix.get(first), 1);
        is(ix.get(first + k), 2);
        is(ix.get(first + 1_000_000), 3);
        is(ix.get(first + k + (k > 0 ? 1 : -1)), -1);
        is(ix.delete(first + k), 2);
        is(ix.delete(first), 1);
        is(ix.delete(first + 1_000_000), 3);
        is(ix.size, 0);
      }
    }
  });

  it('handles ids at ±Number.MAX_SAFE_INTEGER as the first id and as neighbours', () => {
    for (const first of [MAX, -MAX, MAX - 1, -MAX + 1]) {
      const ix = new OrderIdIndex(4);
      const ids = [first, first - 1, first + 1, first - 3, first + 3, first - 70, first + 70, 0, -first]
        .filter((id) => Number.isSafeInteger(id))
        .filter((id, i, a) => a.indexOf(id) === i);
      ids.forEach((id, i) => {
        is(ix.set(id, i), true);
      });
      is(ix.size, ids.length);
      ids.forEach((id, i) => {
        is(ix.get(id), i);
        is(ix.set(id, 99), false);
      });
      for (const id of [first - 2, first + 2, first - 69, 1].filter((x) => Number.isSafeInteger(x))) {
        is(ix.get(id), -1);
      }
      ids.forEach((id, i) => {
        is(ix.delete(id), i);
      });
      is(ix.size, 0);
    }
  });
});
