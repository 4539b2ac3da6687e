import type { LobsterMessages } from '../book/lobster.codec.ts';
import {
  BOOK_IN_WORDS,
  BOOK_OUT_WORDS,
  type BookWorkerReport,
  bookWorkerError,
  startBookWorker,
  writeLobsterRecord
} from './book.worker.ts';
import { SpscRing } from './spsc-ring.ts';

/** Options of {@link replayInWorker}. */
export interface BookPipelineOptions {
  /** Records per ring (a power of two). Default 4096. */
  readonly ringCapacity?: number;
}

/** What a two-thread replay produced. */
export interface BookPipelineResult {
  /** Top-of-book changes, 5 words each: message index, bid, bid size, ask, ask size. */
  readonly changes: Float64Array;
  readonly count: number;
  readonly report: BookWorkerReport;
  /** Wall time from the first record in to the last change out (ms); the worker's start-up is not in it. */
  readonly elapsedMs: number;
  /**
   * Times this thread slept the whole 1 ms bound without the ring it waited on moving (diagnostics: it waits on
   * the ring the worker moves next, so these are only the worker's own stalls).
   */
  readonly timedOutWaits: number;
}

/**
 * Replay decoded LOBSTER messages with the book on a worker thread: this thread feeds the input ring and
 * collects the top-of-book changes from the output ring at the same time (it never blocks on one ring while
 * the other could move). The two threads share nothing but the rings.
 *
 * A worker that fails (a message the book refuses, such as a duplicate order id: `TRD_ERR_DUPLICATE_ORDER_ID`)
 * rejects with its error as a {@link TradestateError} of the same code, once every change it published before
 * the failure has been read from the output ring; its context names the failing message (`messageIndex`) and
 * how many changes came out (`delivered`). A worker Node refuses to start, or one that dies, rejects with
 * `TRD_ERR_THREAD_WORKER_FAILED`.
 *
 * When neither ring moved, the output ring is empty, so the worker is not blocked on it: while records remain to
 * go in, the input ring is full and the worker's next release wakes this thread (waiting on the output ring
 * instead would sleep out the bound whenever the book's top did not change); once all are in, its next change,
 * or its close of the output, does.
 */
export async function replayInWorker(
  msgs: LobsterMessages,
  opts: BookPipelineOptions = {}
): Promise<BookPipelineResult> {
  const cap = opts.ringCapacity ?? 4096;
  const input = SpscRing.create(cap, BOOK_IN_WORDS);
  const output = SpscRing.create(cap, BOOK_OUT_WORDS);
  const { worker, ready, report } = startBookWorker(input, output);
  await Promise.race([ready, report]); // a worker that dies while starting rejects here instead of hanging
  let changes = new Float64Array(1024 * BOOK_OUT_WORDS);
  let count = 0;
  let sent = 0;
  let timedOutWaits = 0;
  const outData = output.data;
  const t0 = performance.now();
  if (msgs.length === 0) input.close();
  try {
    while (!output.drained) {
      let moved = false;
      if (sent < msgs.length) {
        const n = input.claimBatch(Math.min(1024, msgs.length - sent));
        if (n > 0) {
          for (let k = 0; k < n; k++) writeLobsterRecord(input, input.claimedOffset(k), msgs, sent + k);
          input.publishBatch(n);
          sent += n;
          moved = true;
          if (sent === msgs.length) input.close();
        }
      }
      const m = output.peekBatch(1024);
      if (m > 0) {
        if ((count + m) * BOOK_OUT_WORDS > changes.length) {
          const grown = new Float64Array(Math.max(changes.length * 2, (count + m) * BOOK_OUT_WORDS));
          grown.set(changes);
          changes = grown;
        }
        for (let k = 0; k < m; k++) {
          const o = output.peekedOffset(k);
          changes.set(outData.subarray(o, o + BOOK_OUT_WORDS), (count + k) * BOOK_OUT_WORDS);
        }
        output.releaseBatch(m);
        count += m;
        moved = true;
      }
      if (!moved && (sent < msgs.length ? input.waitWritable(1) : output.waitReadable(1)) === 'timed-out')
        timedOutWaits++;
    }
    const elapsedMs = performance.now() - t0;
    const final = await report;
    // every change the worker published before it failed has been taken from the ring by now
    const failed = bookWorkerError(final, { delivered: count });
    if (failed !== undefined) throw failed;
    return {
      changes: changes.subarray(0, count * BOOK_OUT_WORDS),
      count,
      report: final,
      elapsedMs,
      timedOutWaits
    };
  } finally {
    await worker.terminate();
  }
}
