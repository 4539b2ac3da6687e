/**
 * Order-book building on its own thread: LOBSTER (L3) messages come in through one {@link SpscRing}, the book
 * is kept by a {@link LobsterReplayer} in the worker, and every change of the best bid or ask goes back through
 * a second ring. No `postMessage` per message: the rings are shared memory, written and read with `Atomics`.
 *
 * Records in (6 words): time (ns since midnight), type (1–7), order id, size, price (1e-4 $), direction (±1).
 * Records out (5 words): index of the message that changed the top, best bid, its size, best ask, its size
 * (an empty side is NaN price, 0 size). The worker closes the output ring once the input is drained.
 *
 * This file is its own worker entry ({@link startBookWorker} runs `new Worker(new URL(import.meta.url))`);
 * imported anywhere else it only exports.
 */
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import type { LobsterMessages } from '../book/lobster.codec.ts';
import { LobsterReplayer } from '../book/lobster-replayer.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { SpscRing } from './spsc-ring.ts';
import { startWorkerThread } from './worker-exec-argv.ts';
import { workerReport } from './worker-report.ts';

const TAG = 'tradestate:book-worker';

/** Words per input record. */
export const BOOK_IN_WORDS = 6;
/** Words per output record. */
export const BOOK_OUT_WORDS = 5;

/**
 * What the worker reports when it is done. After a failure every change it counted is in the output ring
 * (published before the ring was closed), and `messages` are those handled before the failing one.
 */
export interface BookWorkerReport {
  /** Messages applied, each with its top-of-book change (if any) in the output. */
  readonly messages: number;
  /** Records published to the output ring. */
  readonly topChanges: number;
  /** Set when the worker gave up (the book refused a message, a wait timed out, something threw): its message. */
  readonly error?: string;
  /** With `error`, when it was a {@link TradestateError}: its code (e.g. `TRD_ERR_DUPLICATE_ORDER_ID`). */
  readonly errorCode?: ErrorCode;
  /** With `errorCode`: the error's context (JSON-safe). */
  readonly errorContext?: Readonly<Record<string, unknown>>;
  /** With `error`: index of the message being handled when it failed (= `messages`). */
  readonly errorIndex?: number;
}

/**
 * The failure a report carries as a {@link TradestateError}: the worker's code (`TRD_ERR_THREAD_WORKER_FAILED`
 * for an error that had none) and message, with the error's own context plus `messageIndex` (the failing
 * message), `messages` and `topChanges`, and `extra`. Undefined when the report has no error.
 */
export function bookWorkerError(
  report: BookWorkerReport,
  extra: Record<string, unknown> = {}
): TradestateError | undefined {
  if (report.error === undefined) return undefined;
  return new TradestateError(
    report.errorCode ?? ErrorCode.THREAD_WORKER_FAILED,
    `book worker, message ${report.errorIndex ?? report.messages}: ${report.error}`,
    {
      ...report.errorContext,
      messageIndex: report.errorIndex ?? report.messages,
      messages: report.messages,
      topChanges: report.topChanges,
      ...extra
    }
  );
}

/** A started book worker: its thread, when it is ready to read, and its final report. */
export interface BookWorkerHandle {
  readonly worker: Worker;
  /** Resolves once the worker has loaded its code and attached the rings (start-up is over). */
  readonly ready: Promise<void>;
  readonly report: Promise<BookWorkerReport>;
}

/** Longest the worker waits on a ring before giving up with an error instead of hanging. */
const STALL_MS = 10_000;

/**
 * Start a worker that builds the book from `input` and writes top-of-book changes to `output` (Node's refusal
 * to start it throws `TRD_ERR_THREAD_WORKER_FAILED`).
 */
export function startBookWorker(input: SpscRing, output: SpscRing): BookWorkerHandle {
  const worker = startWorkerThread(
    new URL(import.meta.url),
    { workerData: { tag: TAG, input: input.buffer, output: output.buffer } },
    'book worker'
  );
  const ready = new Promise<void>((resolve) => {
    const onMessage = (): void => {
      worker.off('message', onMessage);
      resolve(); // 'ready', or the report itself when the worker failed before it
    };
    worker.on('message', onMessage);
  });
  const report = workerReport<BookWorkerReport>(worker, 'book worker', (m) => m !== 'ready');
  return { worker, ready, report };
}

/** Write LOBSTER message `i` of `msgs` into the ring's record at word offset `off`. */
export function writeLobsterRecord(ring: SpscRing, off: number, msgs: LobsterMessages, i: number): void {
  const d = ring.data;
  d[off] = msgs.timeNs[i]!;
  d[off + 1] = msgs.type[i]!;
  d[off + 2] = msgs.orderId[i]!;
  d[off + 3] = msgs.size[i]!;
  d[off + 4] = msgs.price[i]!;
  d[off + 5] = msgs.direction[i]!;
}

/**
 * The worker's loop, also callable on one thread (tests compare it with a plain replay): apply each input
 * record, publish a record whenever the top of book changed, close the output when the input is drained.
 * It never throws: a failure (a message the book refuses, a stalled ring) ends it with the changes made so far
 * published, the output closed, and the error in the report ({@link bookWorkerError} makes it a typed error).
 */
export function runBookLoop(input: SpscRing, output: SpscRing): BookWorkerReport {
  const replayer = new LobsterReplayer();
  const book = replayer.book;
  // one-message view the replayer reads by index 0: no allocation per message
  const one: LobsterMessages = {
    length: 1,
    timeNs: new Float64Array(1),
    type: new Uint8Array(1),
    orderId: new Float64Array(1),
    size: new Float64Array(1),
    price: new Float64Array(1),
    direction: new Int8Array(1)
  };
  const inData = input.data;
  const outData = output.data;
  let bid = Number.NaN;
  let bidQty = 0;
  let ask = Number.NaN;
  let askQty = 0;
  let messages = 0;
  let changes = 0;
  // output records written since the last publish, and how many the last claimBatch granted
  let pending = 0;
  let granted = 0;
  // the batch being handled: its size and the record at hand (messages + k is the message's index)
  let n = 0;
  let k = 0;
  const flush = (): void => {
    if (pending > 0) output.publishBatch(pending);
    pending = 0;
    granted = 0;
  };
  try {
    for (;;) {
      n = input.peekBatch(1024);
      if (n === 0) {
        flush(); // nothing to read: let the consumer see what we have before waiting
        if (input.drained) break;
        if (input.waitReadable(STALL_MS) === 'timed-out' && input.size() === 0 && !input.closed) {
          throw new TradestateError(ErrorCode.THREAD_WORKER_FAILED, `no input for ${STALL_MS} ms`);
        }
        continue;
      }
      for (k = 0; k < n; k++) {
        const off = input.peekedOffset(k);
        one.timeNs[0] = inData[off]!;
        one.type[0] = inData[off + 1]!;
        one.orderId[0] = inData[off + 2]!;
        one.size[0] = inData[off + 3]!;
        one.price[0] = inData[off + 4]!;
        one.direction[0] = inData[off + 5]!;
        replayer.replay(one, 0, 1);
        const b = book.bestBid();
        const bq = book.bestBidQty();
        const a = book.bestAsk();
        const aq = book.bestAskQty();
        // an empty side is NaN, which equals nothing: compare "both empty" explicitly
        const same =
          (b === bid || (Number.isNaN(b) && Number.isNaN(bid))) &&
          bq === bidQty &&
          (a === ask || (Number.isNaN(a) && Number.isNaN(ask))) &&
          aq === askQty;
        if (same) continue;
        bid = b;
        bidQty = bq;
        ask = a;
        askQty = aq;
        if (pending === granted) {
          // out of claimed records: publish those, then claim more (waiting while the ring is full)
          flush();
          granted = output.claimBatch(n - k);
          while (granted === 0) {
            if (output.waitWritable(STALL_MS) === 'timed-out')
              throw new TradestateError(ErrorCode.THREAD_WORKER_FAILED, `output full for ${STALL_MS} ms`);
            granted = output.claimBatch(n - k);
          }
        }
        const o = output.claimedOffset(pending++);
        outData[o] = messages + k;
        outData[o + 1] = b;
        outData[o + 2] = bq;
        outData[o + 3] = a;
        outData[o + 4] = aq;
        changes++;
      }
      messages += n;
      k = 0;
      // changes first, then the input: a feeder woken by the release finds the changes too
      flush();
      input.releaseBatch(n);
    }
    return { messages, topChanges: changes };
  } catch (e) {
    // the records written for the messages before this one are counted in `changes`: publish them
    try {
      flush();
    } catch {
      // the ring refused the publish (the failure was its own): nothing more can go out
    }
    return failedReport(messages + k, changes, e);
  } finally {
    output.close();
  }
}

/** The report of a loop that failed at message `index`, having published `topChanges` records. */
function failedReport(index: number, topChanges: number, e: unknown): BookWorkerReport {
  if (e instanceof TradestateError) {
    const { code, message, context } = e.toJSON();
    return {
      messages: index,
      topChanges,
      error: message,
      errorCode: code,
      errorContext: context,
      errorIndex: index
    };
  }
  return {
    messages: index,
    topChanges,
    error: e instanceof Error ? e.message : String(e),
    errorIndex: index
  };
}

const data = workerData as { tag?: unknown; input?: SharedArrayBuffer; output?: SharedArrayBuffer } | null;
if (!isMainThread && parentPort && data?.tag === TAG && data.input && data.output) {
  const input = SpscRing.attach(data.input);
  const output = SpscRing.attach(data.output);
  parentPort.postMessage('ready');
  parentPort.postMessage(runBookLoop(input, output));
}
