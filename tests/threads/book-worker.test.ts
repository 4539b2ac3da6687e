import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLobsterMessages, type LobsterMessages } from '../../src/book/lobster.codec.ts';
import { LobsterReplayer } from '../../src/book/lobster-replayer.ts';
import { ErrorCode, isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import {
  BOOK_IN_WORDS,
  BOOK_OUT_WORDS,
  bookWorkerError,
  runBookLoop,
  writeLobsterRecord
} from '../../src/threads/book.worker.ts';
import { replayInWorker } from '../../src/threads/book-pipeline.ts';
import { SpscRing } from '../../src/threads/spsc-ring.ts';
import { sharedData } from '../support/shared-data.ts';

const MSG1H = sharedData('lobster', 'AAPL_2012-06-21_34200000_37800000_message_50.csv');

/** Top-of-book changes of a plain single-thread replay: [index, bid, bidQty, ask, askQty] per change. */
function reference(msgs: LobsterMessages): number[] {
  const r = new LobsterReplayer();
  const b = r.book;
  const out: number[] = [];
  let last = [Number.NaN, 0, Number.NaN, 0];
  for (let i = 0; i < msgs.length; i++) {
    r.replay(msgs, i, i + 1);
    const now = [b.bestBid(), b.bestBidQty(), b.bestAsk(), b.bestAskQty()];
    if (!now.every((v, k) => Object.is(v, last[k]))) {
      out.push(i, ...now);
      last = now;
    }
  }
  return out;
}

describe('book building on a worker thread, fed through lock-free rings', () => {
  const msgs = decodeLobsterMessages(readFileSync(MSG1H));
  const expected = reference(msgs);

  it('the one-hour LOBSTER file: every top-of-book change, in order, equals a single-thread replay', async () => {
    expect(msgs.length).toBe(91_997);
    const r = await replayInWorker(msgs);
    expect(r.report).toEqual({ messages: 91_997, topChanges: expected.length / BOOK_OUT_WORDS });
    expect(Array.from(r.changes)).toEqual(expected);
  });

  it('tiny rings (8 records) wrap and push back thousands of times and still lose or reorder nothing', async () => {
    const part: LobsterMessages = {
      length: 20_000,
      timeNs: msgs.timeNs.subarray(0, 20_000),
      type: msgs.type.subarray(0, 20_000),
      orderId: msgs.orderId.subarray(0, 20_000),
      size: msgs.size.subarray(0, 20_000),
      price: msgs.price.subarray(0, 20_000),
      direction: msgs.direction.subarray(0, 20_000)
    };
    const r = await replayInWorker(part, { ringCapacity: 8 });
    expect(Array.from(r.changes)).toEqual(reference(part));
  });

  it('a stretch with no top-of-book change does not stall the feed: it waits on the input ring, which the worker frees', async () => {
    // two orders set the touch, then 20,000 adds deep in the book: nothing comes back on the output ring while
    // ~2,500 refills of an 8-record input ring go in (waiting on the output ring slept out 1 ms at each)
    const n = 20_002;
    const deep: LobsterMessages = {
      length: n,
      timeNs: Float64Array.from({ length: n }, (_, i) => 34_200e9 + i),
      type: new Uint8Array(n).fill(1),
      orderId: Float64Array.from({ length: n }, (_, i) => i + 1),
      size: new Float64Array(n).fill(100),
      price: Float64Array.from({ length: n }, (_, i) =>
        i === 0 ? 1_000_000 : i === 1 ? 1_010_000 : 900_000
      ),
      direction: Int8Array.from({ length: n }, (_, i) => (i === 1 ? -1 : 1))
    };
    const r = await replayInWorker(deep, { ringCapacity: 8 });
    expect(r.report).toEqual({ messages: n, topChanges: 2 });
    expect(Array.from(r.changes)).toEqual(reference(deep));
    expect(r.timedOutWaits).toBeLessThan(250);
  });

  it('the same loop on one thread (rings as plain queues) gives the same changes, and closes its output', () => {
    const n = 2_000;
    const input = SpscRing.create(4096, BOOK_IN_WORDS);
    const output = SpscRing.create(4096, BOOK_OUT_WORDS);
    for (let i = 0; i < n; i++) {
      writeLobsterRecord(input, input.claim(), msgs, i);
      input.publish();
    }
    input.close();
    const report = runBookLoop(input, output);
    const got: number[] = [];
    for (let o = output.peek(); o >= 0; o = output.peek()) {
      got.push(...output.data.subarray(o, o + BOOK_OUT_WORDS));
      output.release();
    }
    expect(output.drained).toBe(true);
    const part = { ...msgs, length: n };
    expect(got).toEqual(reference(part));
    expect(report.messages).toBe(n);
  });

  it('an empty input ends at once with nothing out', async () => {
    const r = await replayInWorker({ ...msgs, length: 0 });
    expect(r.count).toBe(0);
    expect(r.report).toEqual({ messages: 0, topChanges: 0 });
  });
});

/**
 * `n` adds, each bid one tick above the last (so each changes the top of book), with message `dup` adding
 * order 1 again: the book refuses it with `TRD_ERR_DUPLICATE_ORDER_ID`.
 */
function failingAt(n: number, dup: number): LobsterMessages {
  return {
    length: n,
    timeNs: Float64Array.from({ length: n }, (_, i) => 34_200e9 + i),
    type: new Uint8Array(n).fill(1),
    orderId: Float64Array.from({ length: n }, (_, i) => (i === dup ? 1 : i + 1)),
    size: new Float64Array(n).fill(100),
    price: Float64Array.from({ length: n }, (_, i) => 1_000_000 + i * 100),
    direction: new Int8Array(n).fill(1)
  };
}

describe('a message the book refuses, on the book worker', () => {
  it('one thread: the changes made before it are published, counted, and the error keeps its code', () => {
    const msgs = failingAt(3, 2);
    const input = SpscRing.create(16, BOOK_IN_WORDS);
    const output = SpscRing.create(16, BOOK_OUT_WORDS);
    for (let i = 0; i < msgs.length; i++) {
      writeLobsterRecord(input, input.claim(), msgs, i);
      input.publish();
    }
    input.close();
    const report = runBookLoop(input, output);
    expect(report).toMatchObject({
      messages: 2,
      topChanges: 2,
      errorCode: ErrorCode.DUPLICATE_ORDER_ID,
      errorIndex: 2
    });
    const got: number[] = [];
    for (let o = output.peek(); o >= 0; o = output.peek()) {
      got.push(...output.data.subarray(o, o + BOOK_OUT_WORDS));
      output.release();
    }
    expect(output.drained).toBe(true);
    expect(got).toEqual(reference({ ...msgs, length: 2 }));
    const err = bookWorkerError(report);
    expect(isTradestateError(err, ErrorCode.DUPLICATE_ORDER_ID)).toBe(true);
    expect(err?.context).toMatchObject({ messageIndex: 2, messages: 2, topChanges: 2 });
    expect(bookWorkerError({ messages: 3, topChanges: 2 })).toBeUndefined();
  });

  it('two threads: replayInWorker rejects with the typed error once every change before it is delivered', async () => {
    // 8-record rings: the failure comes mid-batch with records claimed and written but not yet published
    for (const [n, dup, cap] of [
      [3, 2, 4096],
      [5_000, 3_001, 8],
      [5_000, 4_999, 4096]
    ] as const) {
      const msgs = failingAt(n, dup);
      let caught: unknown;
      try {
        await replayInWorker(msgs, { ringCapacity: cap });
      } catch (e) {
        caught = e;
      }
      expect(isTradestateError(caught, ErrorCode.DUPLICATE_ORDER_ID), String(caught)).toBe(true);
      expect((caught as TradestateError).context).toMatchObject({
        messageIndex: dup,
        messages: dup,
        topChanges: dup,
        delivered: dup
      });
    }
  });
});
