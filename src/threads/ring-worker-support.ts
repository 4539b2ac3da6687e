/**
 * A ready-made worker thread at the other end of an {@link SpscRing}: it produces or consumes a known record
 * pattern and reports one summary by `postMessage` at the end. Tests use it to drive rings across a real
 * thread boundary; it doubles as a smoke check of a ring between two threads.
 *
 * This file is its own worker entry: {@link startRingWorker} runs `new Worker(new URL(import.meta.url))`, and
 * Node loads the file directly with its type stripping (no vitest or bundler transform in the worker), so
 * it and everything it imports must stay plain erasable TypeScript with `.ts` import specifiers. Imported on
 * any other thread (a vitest worker included), it only exports; the task runs only when `workerData` carries
 * this module's tag.
 *
 * The pattern (record `seq`, counting from 0; every word an integer below 2^32, so exact in a float64):
 * word 0 = seq, word j ≥ 2 = {@link patternWord}(seq, j), word 1 = {@link patternChecksum} of the rest.
 * The digest folds every word of every record, in order, through 32-bit FNV-1a ({@link foldDigest}).
 */
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { TradestateError } from '../core/errors.ts';
import { SpscRing } from './spsc-ring.ts';
import { startWorkerThread } from './worker-exec-argv.ts';
import { workerReport } from './worker-report.ts';

const TAG = 'tradestate:spsc-ring-worker';

/** What the worker does with the ring it attaches to. */
export type RingWorkerTask =
  /** Publish `count` pattern records (batches of `batch` when given), then close the ring. */
  | {
      readonly role: 'produce';
      readonly buffer: SharedArrayBuffer;
      readonly count: number;
      readonly batch?: number;
    }
  /** Consume until the ring is drained, checking order and checksums. */
  | { readonly role: 'consume'; readonly buffer: SharedArrayBuffer }
  /** Attach and report the layout and state it sees, nothing else. */
  | { readonly role: 'describe'; readonly buffer: SharedArrayBuffer };

/** The worker's one message. */
export interface RingWorkerReport {
  readonly role: RingWorkerTask['role'];
  /** Layout as seen by `SpscRing.attach` in the worker. */
  readonly capacity: number;
  readonly recordWords: number;
  readonly byteLength: number;
  /** Records published (produce) or consumed (consume); `size()` at attach (describe). */
  readonly count: number;
  /** Consume: records whose word 0 was not the next sequence number. */
  readonly outOfOrder: number;
  /** Consume: records whose checksum word did not match. */
  readonly badChecksum: number;
  /** FNV-1a over every word published or consumed. */
  readonly digest: number;
  /** Whether the ring was closed / drained when the worker finished. */
  readonly closed: boolean;
  readonly drained: boolean;
  /** Set when the worker gave up (a wait timed out or something threw). */
  readonly error?: string;
}

/** A started ring worker: the thread and its report (rejects if the thread dies without reporting). */
export interface RingWorkerHandle {
  readonly worker: Worker;
  readonly report: Promise<RingWorkerReport>;
}

/** Longest a worker waits for the other side before it reports an error instead of hanging. */
const STALL_MS = 10_000;

/** Payload word j (≥ 2) of record `seq`. */
export function patternWord(seq: number, j: number): number {
  return (seq * 40_503 + j * 2_654_435_761) % 2 ** 32;
}

/** Checksum word of record `seq` of `recordWords` words: the payload words' sum, mixed with seq, mod 2^32. */
export function patternChecksum(seq: number, recordWords: number): number {
  let s = (seq * 2_246_822_519) % 2 ** 32;
  for (let j = 2; j < recordWords; j++) s = (s + patternWord(seq, j)) % 2 ** 32;
  return s;
}

/** Fold one word (an integer below 2^32) into a 32-bit FNV-1a digest (start from 0x811c9dc5). */
export function foldDigest(d: number, word: number): number {
  return Math.imul(d ^ (word >>> 0), 0x01000193) >>> 0;
}

/** FNV-1a offset basis: the digest of nothing. */
export const DIGEST_START = 0x811c9dc5;

/**
 * Start a worker thread that runs `task` on the ring in `task.buffer` (Node's refusal to start it throws
 * `TRD_ERR_THREAD_WORKER_FAILED`).
 */
export function startRingWorker(task: RingWorkerTask): RingWorkerHandle {
  const worker = startWorkerThread(
    new URL(import.meta.url),
    { workerData: { tag: TAG, task } },
    'ring worker'
  );
  const report = workerReport<RingWorkerReport>(worker, 'ring worker');
  return { worker, report };
}

function writePattern(ring: SpscRing, off: number, seq: number): void {
  const d = ring.data;
  const w = ring.recordWords;
  d[off] = seq;
  if (w > 1) d[off + 1] = patternChecksum(seq, w);
  for (let j = 2; j < w; j++) d[off + j] = patternWord(seq, j);
}

function produce(ring: SpscRing, count: number, batch: number): Omit<RingWorkerReport, 'role'> {
  let digest = DIGEST_START;
  const w = ring.recordWords;
  let seq = 0;
  let error: string | undefined;
  const fold = (off: number): void => {
    for (let j = 0; j < w; j++) digest = foldDigest(digest, ring.data[off + j]!);
  };
  while (seq < count) {
    if (batch > 1) {
      const n = ring.claimBatch(Math.min(batch, count - seq));
      if (n > 0) {
        for (let i = 0; i < n; i++) {
          const off = ring.claimedOffset(i);
          writePattern(ring, off, seq + i);
          fold(off);
        }
        ring.publishBatch(n);
        seq += n;
        continue;
      }
    } else {
      const off = ring.claim();
      if (off >= 0) {
        writePattern(ring, off, seq++);
        fold(off);
        ring.publish();
        continue;
      }
    }
    if (ring.waitWritable(STALL_MS) === 'timed-out') {
      error = `producer stalled at record ${seq}`;
      break;
    }
  }
  ring.close();
  return report(ring, seq, 0, 0, digest, error);
}

function consume(ring: SpscRing): Omit<RingWorkerReport, 'role'> {
  let digest = DIGEST_START;
  const w = ring.recordWords;
  let count = 0;
  let outOfOrder = 0;
  let badChecksum = 0;
  let error: string | undefined;
  for (;;) {
    const off = ring.peek();
    if (off >= 0) {
      const d = ring.data;
      const seq = d[off]!;
      if (seq !== count) outOfOrder++;
      if (w > 1 && d[off + 1] !== patternChecksum(seq, w)) badChecksum++;
      for (let j = 0; j < w; j++) digest = foldDigest(digest, d[off + j]!);
      ring.release();
      count++;
    } else if (ring.drained) break;
    else if (ring.waitReadable(STALL_MS) === 'timed-out') {
      error = `consumer stalled after record ${count}`;
      break;
    }
  }
  return report(ring, count, outOfOrder, badChecksum, digest, error);
}

function report(
  ring: SpscRing,
  count: number,
  outOfOrder: number,
  badChecksum: number,
  digest: number,
  error: string | undefined
): Omit<RingWorkerReport, 'role'> {
  return {
    capacity: ring.capacity,
    recordWords: ring.recordWords,
    byteLength: ring.buffer.byteLength,
    count,
    outOfOrder,
    badChecksum,
    digest,
    closed: ring.closed,
    drained: ring.drained,
    ...(error === undefined ? {} : { error })
  };
}

function runTask(task: RingWorkerTask): RingWorkerReport {
  try {
    const ring = SpscRing.attach(task.buffer);
    if (task.role === 'produce') return { role: task.role, ...produce(ring, task.count, task.batch ?? 1) };
    if (task.role === 'consume') return { role: task.role, ...consume(ring) };
    return { role: task.role, ...report(ring, ring.size(), 0, 0, DIGEST_START, undefined) };
  } catch (e) {
    return {
      role: task.role,
      capacity: 0,
      recordWords: 0,
      byteLength: 0,
      count: 0,
      outOfOrder: 0,
      badChecksum: 0,
      digest: 0,
      closed: false,
      drained: false,
      error: e instanceof TradestateError ? `${e.code}: ${e.message}` : String(e)
    };
  }
}

const data = workerData as { tag?: unknown; task?: RingWorkerTask } | null | undefined;
if (!isMainThread && parentPort && data?.tag === TAG && data.task) parentPort.postMessage(runTask(data.task));
