import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TradestateError } from '../../src/core/errors.ts';
import { type RingWorkerHandle, startRingWorker } from '../../src/threads/ring-worker-support.ts';
import { SPSC_RING_HEADER_BYTES, SpscRing } from '../../src/threads/spsc-ring.ts';

const INVALID = expect.objectContaining({ code: ErrorCode.THREAD_RING_INVALID });

// The worker's record pattern (src/threads/ring-worker-support.ts), written out again here so the worker's
// own helpers are checked rather than trusted.
const word = (seq: number, j: number): number => (seq * 40_503 + j * 2_654_435_761) % 2 ** 32;
const checksum = (seq: number, w: number): number => {
  let s = (seq * 2_246_822_519) % 2 ** 32;
  for (let j = 2; j < w; j++) s = (s + word(seq, j)) % 2 ** 32;
  return s;
};
const fnv = (d: number, x: number): number => Math.imul(d ^ x, 16_777_619) >>> 0;

const workers: RingWorkerHandle[] = [];
function worker(...args: Parameters<typeof startRingWorker>): RingWorkerHandle {
  const h = startRingWorker(...args);
  h.report.catch(() => undefined); // a test that never awaits its report ends the worker before it reports
  workers.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(workers.splice(0).map((h) => h.worker.terminate()));
});

// ---------------------------------------------------------------------------------------------------------
// single-thread model

type Op =
  | { k: 'push'; v: number }
  | { k: 'pop' }
  | { k: 'pushBatch'; n: number; v: number }
  | { k: 'popBatch'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('push' as const), v: fc.integer({ min: 0, max: 1e9 }) }),
  fc.record({ k: fc.constant('pop' as const) }),
  fc.record({
    k: fc.constant('pushBatch' as const),
    n: fc.integer({ min: 0, max: 20 }),
    v: fc.integer({ min: 0, max: 1e9 })
  }),
  fc.record({ k: fc.constant('popBatch' as const), n: fc.integer({ min: 0, max: 20 }) })
);

/** Counters start anywhere, mostly just below the 2^32 wrap or the 2^31 sign flip of the Int32 slots. */
const startArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 300 }).map((k) => 2 ** 32 - k),
  fc.integer({ min: 1, max: 300 }).map((k) => 2 ** 31 - k),
  fc.integer({ min: 0, max: 2 ** 32 - 1 })
);

describe('SpscRing, one thread against a queue model', () => {
  it('random claim/publish/peek/release interleavings behave as a bounded FIFO', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 8, 16),
        fc.integer({ min: 1, max: 5 }),
        startArb,
        fc.array(opArb, { maxLength: 400 }),
        (cap, rw, start, ops) => {
          const prod = SpscRing.create(cap, rw, { startCounter: start });
          const cons = SpscRing.attach(prod.buffer); // separate instance: its cached counters go stale for real
          const model: number[] = [];
          const write = (off: number, v: number): void => {
            expect(off % rw).toBe(0);
            expect(off).toBeGreaterThanOrEqual(0);
            expect(off).toBeLessThan(cap * rw);
            for (let j = 0; j < rw; j++) prod.data[off + j] = v + j;
          };
          const read = (off: number): number => {
            const v = cons.data[off]!;
            for (let j = 1; j < rw; j++) expect(cons.data[off + j]).toBe(v + j);
            return v;
          };
          let published = 0; // the slot of record i is (start + i) mod cap
          let released = 0;
          for (const op of ops) {
            switch (op.k) {
              case 'push': {
                const off = prod.claim();
                if (model.length === cap) {
                  expect(off).toBe(-1);
                  expect(() => prod.publish()).toThrow(INVALID);
                } else {
                  expect(off).toBe(((start + published) % cap) * rw);
                  expect(prod.claim()).toBe(off); // claiming again before publishing: same record
                  write(off, op.v);
                  prod.publish();
                  model.push(op.v);
                  published++;
                }
                break;
              }
              case 'pop': {
                const off = cons.peek();
                if (model.length === 0) {
                  expect(off).toBe(-1);
                  expect(() => cons.release()).toThrow(INVALID);
                } else {
                  expect(off).toBe(((start + released) % cap) * rw);
                  expect(cons.peek()).toBe(off);
                  expect(read(off)).toBe(model.shift());
                  cons.release();
                  released++;
                }
                break;
              }
              case 'pushBatch': {
                const n = prod.claimBatch(op.n);
                expect(n).toBe(Math.min(op.n, cap - model.length));
                for (let i = 0; i < n; i++) {
                  expect(prod.claimedOffset(i)).toBe(((start + published + i) % cap) * rw);
                  write(prod.claimedOffset(i), op.v + i * 10);
                }
                expect(() => prod.publishBatch(cap - model.length + 1)).toThrow(INVALID); // more than is free
                prod.publishBatch(n);
                for (let i = 0; i < n; i++) model.push(op.v + i * 10);
                published += n;
                break;
              }
              case 'popBatch': {
                const n = cons.peekBatch(op.n);
                expect(n).toBe(Math.min(op.n, model.length));
                for (let i = 0; i < n; i++) expect(read(cons.peekedOffset(i))).toBe(model[i]);
                expect(() => cons.releaseBatch(model.length + 1)).toThrow(INVALID); // more than was published
                cons.releaseBatch(n);
                model.splice(0, n);
                released += n;
                break;
              }
            }
            expect(prod.size()).toBe(model.length);
            expect(cons.size()).toBe(model.length);
            expect(cons.drained).toBe(false);
          }
          prod.close();
          expect(() => prod.publish()).toThrow(INVALID);
          expect(cons.closed).toBe(true);
          expect(cons.drained).toBe(model.length === 0);
          for (let off = cons.peek(); off >= 0; off = cons.peek()) {
            expect(read(off)).toBe(model.shift());
            cons.release();
          }
          expect(model).toEqual([]);
          expect(cons.drained).toBe(true);
          expect(prod.drained).toBe(true);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('counts and slots stay right through the 2^31 sign flip and the 2^32 wrap of the counters', () => {
    for (const start of [2 ** 31 - 37, 2 ** 32 - 37]) {
      const cap = 8;
      const prod = SpscRing.create(cap, 1, { startCounter: start });
      const cons = SpscRing.attach(prod.buffer);
      expect(cons.size()).toBe(0);
      let next = 0;
      let expectOut = 0;
      let bad = 0; // counted, not expect()ed per record: ~110k expect calls would take seconds
      // 25,000 fills and drains of an 8-record ring: ~110k records, the counters cross the boundary early on
      for (let round = 0; round < 25_000; round++) {
        for (let off = prod.claim(); off >= 0; off = prod.claim()) {
          if (off !== (start + next) % cap) bad++;
          prod.data[off] = next++;
          prod.publish();
        }
        if (prod.size() !== cap || prod.claim() !== -1) bad++;
        const k = 1 + (round % cap); // drain a varying amount so the full and empty points move around
        for (let i = 0; i < k; i++) {
          const off = cons.peek();
          if (off !== (start + expectOut) % cap || cons.data[off] !== expectOut) bad++;
          expectOut++;
          cons.release();
        }
        if (cons.size() !== cap - k) bad++;
      }
      expect(bad).toBe(0);
      expect(next).toBeGreaterThan(100_000);
      expect(expectOut).toBe(next - cons.size());
    }
  });

  it('waits time out on an empty / full ring and return at once when there is work or the ring is closed', () => {
    const r = SpscRing.create(2, 1);
    let t0 = performance.now();
    expect(r.waitReadable(30)).toBe('timed-out');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(r.waitWritable(1000)).toBe('ok');
    r.claim();
    r.publish();
    expect(r.waitReadable(1000)).toBe('ok');
    r.claim();
    r.publish();
    t0 = performance.now();
    expect(r.waitWritable(30)).toBe('timed-out');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    r.peek();
    r.release();
    expect(r.waitWritable(0)).toBe('ok');
    r.peek();
    r.release();
    expect(r.waitReadable(0)).toBe('timed-out');
    r.close();
    expect(r.waitReadable(10_000)).toBe('ok'); // closed: nothing will ever come
    expect(r.drained).toBe(true);
  });

  it('the hot path never notifies; close always does', () => {
    const spy = vi.spyOn(Atomics, 'notify');
    try {
      const r = SpscRing.create(4, 2);
      for (let i = 0; i < 1000; i++) {
        const b = r.claimBatch(3);
        for (let j = 0; j < b; j++) r.data[r.claimedOffset(j)] = j;
        r.publishBatch(b);
        r.peekBatch(2);
        r.releaseBatch(r.peekBatch(2));
        if (r.claim() >= 0) r.publish();
        while (r.peek() >= 0) r.release();
      }
      expect(spy).not.toHaveBeenCalled();
      r.close();
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects bad layouts, buffers, counters and timeouts with typed errors', () => {
    for (const cap of [0, 1, 3, 6, 2.5, -4, Number.NaN, 2 ** 31, '8' as unknown as number])
      expect(() => SpscRing.create(cap, 1)).toThrow(INVALID);
    for (const rw of [0, -1, 1.5, Number.POSITIVE_INFINITY])
      expect(() => SpscRing.create(8, rw)).toThrow(INVALID);
    expect(() => SpscRing.create(2 ** 30, 4)).toThrow(INVALID); // 8 GiB of records
    for (const s of [-1, 2 ** 32, 0.5])
      expect(() => SpscRing.create(8, 1, { startCounter: s })).toThrow(INVALID);

    const good = SpscRing.create(8, 2);
    expect(() => SpscRing.attach(new ArrayBuffer(4096) as unknown as SharedArrayBuffer)).toThrow(INVALID);
    expect(() => SpscRing.attach(new SharedArrayBuffer(16))).toThrow(INVALID);
    expect(() => SpscRing.attach(new SharedArrayBuffer(4096))).toThrow(INVALID); // zeroes: no magic
    const copy = (bytes: number): SharedArrayBuffer => {
      const b = new SharedArrayBuffer(bytes);
      new Uint8Array(b).set(new Uint8Array(good.buffer, 0, Math.min(bytes, good.buffer.byteLength)));
      return b;
    };
    expect(SpscRing.attach(copy(good.buffer.byteLength)).capacity).toBe(8); // a faithful copy attaches…
    expect(() => SpscRing.attach(copy(good.buffer.byteLength - 8))).toThrow(INVALID); // …a truncated one not
    const corrupt = copy(good.buffer.byteLength);
    new Int32Array(corrupt)[2] = 12; // capacity word: not a power of two
    expect(() => SpscRing.attach(corrupt)).toThrow(INVALID);

    expect(() => good.waitReadable(-1)).toThrow(INVALID);
    expect(() => good.waitWritable(Number.NaN)).toThrow(INVALID);
    expect(() => good.publishBatch(1.5)).toThrow(INVALID);
    try {
      SpscRing.create(12, 1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TradestateError);
      expect((e as TradestateError).context).toMatchObject({ capacity: 12 });
    }
  });

  it('lays out the header in its own slots, records from the first byte after it', () => {
    const r = SpscRing.create(16, 3);
    expect(r.buffer.byteLength).toBe(SPSC_RING_HEADER_BYTES + 16 * 3 * 8);
    expect(r.data.byteOffset).toBe(SPSC_RING_HEADER_BYTES);
    expect(r.data.length).toBe(48);
    expect(SPSC_RING_HEADER_BYTES % 64).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------
// across a real worker thread

const N = 1_000_000;
/**
 * A blocking loop cannot be interrupted by vitest's test timeout, so each loop gives up on its own after this
 * long (or after any one wait times out) and the test fails on `stalls` instead of hanging the run.
 */
const BUDGET_MS = 10_000;

describe('SpscRing across worker threads', () => {
  it('attach() in a worker sees the creator’s layout and state; a bad buffer fails there with the typed code', async () => {
    const r = SpscRing.create(32, 3);
    for (let i = 0; i < 5; i++) {
      r.claim();
      r.publish();
    }
    const rep = await worker({ role: 'describe', buffer: r.buffer }).report;
    expect(rep).toMatchObject({
      capacity: 32,
      recordWords: 3,
      byteLength: r.buffer.byteLength,
      count: 5,
      closed: false
    });
    expect(rep.error).toBeUndefined();
    const bad = await worker({ role: 'describe', buffer: new SharedArrayBuffer(2048) }).report;
    expect(bad.error).toMatch(/^TRD_ERR_THREAD_RING_INVALID/);
  });

  it('worker → main: 1M records through a 64-record ring arrive once each, in order, intact; then drained', async () => {
    const ring = SpscRing.create(64, 2);
    const h = worker({ role: 'produce', buffer: ring.buffer, count: N });
    let next = 0;
    let badOrder = 0;
    let badSum = 0;
    let digest = 0x811c9dc5;
    let stalls = 0;
    const deadline = performance.now() + BUDGET_MS;
    const d = ring.data;
    for (;;) {
      const off = ring.peek();
      if (off >= 0) {
        const seq = d[off]!;
        const sum = d[off + 1]!;
        if (seq !== next) badOrder++;
        if (sum !== checksum(seq, 2)) badSum++;
        digest = fnv(fnv(digest, seq), sum);
        ring.release();
        next++;
      } else if (ring.drained) break;
      else if (ring.waitReadable(1000) === 'timed-out' || performance.now() > deadline) {
        stalls++;
        break;
      }
    }
    expect(stalls).toBe(0);
    expect(next).toBe(N);
    expect(badOrder).toBe(0);
    expect(badSum).toBe(0);
    expect(ring.drained).toBe(true);
    expect(ring.size()).toBe(0);
    const rep = await h.report;
    expect(rep).toMatchObject({ role: 'produce', count: N, closed: true });
    expect(rep.digest).toBe(digest); // the worker's digest of what it wrote = ours of what we read
  });

  it('worker → main in batches: peekBatch/releaseBatch against claimBatch/publishBatch, 1M records', async () => {
    const ring = SpscRing.create(64, 4);
    const h = worker({ role: 'produce', buffer: ring.buffer, count: N, batch: 16 });
    let next = 0;
    let bad = 0;
    let stalls = 0;
    const deadline = performance.now() + BUDGET_MS;
    const d = ring.data;
    for (;;) {
      const n = ring.peekBatch(64);
      if (n > 0) {
        for (let i = 0; i < n; i++) {
          const off = ring.peekedOffset(i);
          if (d[off] !== next || d[off + 1] !== checksum(next, 4) || d[off + 3] !== word(next, 3)) bad++;
          next++;
        }
        ring.releaseBatch(n);
      } else if (ring.drained) break;
      else if (ring.waitReadable(1000) === 'timed-out' || performance.now() > deadline) {
        stalls++;
        break;
      }
    }
    expect(stalls).toBe(0);
    expect(next).toBe(N);
    expect(bad).toBe(0);
    expect((await h.report).count).toBe(N);
  });

  it('main → worker: 1M records; the worker checks order and checksums and reports the digest of all of it', async () => {
    const ring = SpscRing.create(64, 3);
    const h = worker({ role: 'consume', buffer: ring.buffer });
    let digest = 0x811c9dc5;
    let stalls = 0;
    const deadline = performance.now() + BUDGET_MS;
    const d = ring.data;
    for (let seq = 0; seq < N; ) {
      const off = ring.claim();
      if (off < 0) {
        if (ring.waitWritable(1000) === 'timed-out' || performance.now() > deadline) {
          stalls++;
          break;
        }
        continue;
      }
      d[off] = seq;
      d[off + 1] = checksum(seq, 3);
      d[off + 2] = word(seq, 2);
      digest = fnv(fnv(fnv(digest, seq), d[off + 1]!), d[off + 2]!);
      ring.publish();
      seq++;
    }
    ring.close();
    expect(stalls).toBe(0);
    const rep = await h.report;
    expect(rep.error).toBeUndefined();
    expect(rep).toMatchObject({ role: 'consume', count: N, outOfOrder: 0, badChecksum: 0, drained: true });
    expect(rep.digest).toBe(digest);
  });

  it('a sleeping consumer is woken by the first publish and by close, not by its timeout', async () => {
    const ring = SpscRing.create(4, 2);
    // spins = 0: straight to Atomics.wait; the worker takes tens of ms to start, so we really sleep
    worker({ role: 'produce', buffer: ring.buffer, count: 1 });
    let t0 = performance.now();
    expect(ring.waitReadable(5000, 0)).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(ring.peek()).toBeGreaterThanOrEqual(0);
    ring.release();
    t0 = performance.now();
    while (!ring.closed) expect(ring.waitReadable(5000, 0)).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(ring.drained).toBe(true);

    const empty = SpscRing.create(4, 2);
    worker({ role: 'produce', buffer: empty.buffer, count: 0 }); // closes without publishing
    t0 = performance.now();
    expect(empty.waitReadable(5000, 0)).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(empty.drained).toBe(true);
  });
});
