/**
 * A single-producer single-consumer ring of fixed-size binary records in a `SharedArrayBuffer`, for handing
 * market data and commands between `worker_threads` without locks and without a `postMessage` per message.
 *
 * ## Memory layout
 *
 * One `SharedArrayBuffer`: a header of six 128-byte slots seen as an `Int32Array`, then the records as a
 * `Float64Array` (`capacity × recordWords` words, record k at words `[k·recordWords, (k+1)·recordWords)`).
 *
 * | slot (bytes)  | word             | written by                  | read by                                |
 * |---------------|------------------|-----------------------------|----------------------------------------|
 * | 0   (0–127)   | magic, version, capacity, recordWords, data offset | `create` only | `attach`          |
 * | 1 (128–255)   | tail             | producer, once per publish  | consumer, only when its copy says empty |
 * | 2 (256–383)   | head             | consumer, once per release  | producer, only when its copy says full  |
 * | 3 (384–511)   | consumer waiting | consumer, around a sleep    | producer, once per publish              |
 * | 4 (512–639)   | producer waiting | producer, around a sleep    | consumer, once per release              |
 * | 5 (640–767)   | closed           | producer, once              | consumer, when empty                    |
 * | 768 …         | records          | producer (claimed record)   | consumer (peeked record)                |
 *
 * Each hot word lives alone in its slot: any two words 64 or more bytes apart are on different 64-byte cache
 * lines whatever the buffer's base alignment, and the 128-byte stride also keeps them out of the line pairs
 * that x86's adjacent-line prefetcher fetches together. So a publish (tail) never invalidates the line that
 * holds head, and the producer's per-publish read of "consumer waiting" hits a line the consumer writes only
 * when it goes to sleep. Records are packed (`recordWords × 8` bytes, not padded), so neighbouring records
 * can share a line: a nearly empty ring moves record lines between the cores one by one, which the batch
 * calls (or a record of 8 words) reduce.
 *
 * ## Ordering
 *
 * Lamport's ring with cached indices (as in Vyukov's and Rigtorp's SPSC queues). The producer writes a record
 * with plain typed-array stores and then `Atomics.store`s the new tail; the consumer `Atomics.load`s the tail
 * before it reads the record. JS atomics are sequentially consistent, so the tail store/load pair is a
 * release/acquire edge: every record write happens-before the consumer's reads of it. Symmetrically the
 * consumer's reads of a record happen-before its head store, which the producer loads before reusing the slot.
 * Each side keeps a private copy of the other side's counter and re-reads the shared one only when its copy
 * says full (producer) or empty (consumer); so the common path is one `Atomics.store` plus one load of the
 * other side's waiting flag per publish or release, and the batch calls amortise even that.
 *
 * ## Counters and wraparound
 *
 * head and tail count records ever released and published, modulo 2^32 (stored in `Int32` slots, read back
 * signed; only their difference and low bits are used). The number of records in the ring is
 * `(tail − head) >>> 0`, exact because it never exceeds `capacity ≤ 2^30 < 2^32`; a record's slot is
 * `counter & (capacity − 1)`, consistent across the wrap because `capacity` divides 2^32. There is no limit on
 * the number of records over a ring's life. {@link SpscRingOptions.startCounter} starts both counters anywhere
 * (tests start them just below 2^32).
 *
 * ## Blocking
 *
 * {@link SpscRing.waitReadable} spins briefly, then sets "consumer waiting", re-checks, and `Atomics.wait`s on
 * that flag word while it still reads 1. A publish that then sees the flag set clears it and `Atomics.notify`s.
 * The flag store and the tail store are both sequentially consistent, so either the sleeper's re-check sees
 * the new tail or the producer sees the flag (Dekker's argument), and because the producer clears the very
 * word the sleeper waits on, a notify that lands before the sleeper enters `Atomics.wait` still makes that
 * wait return at once. {@link SpscRing.close} always clears the flag and notifies. The producer side is the
 * mirror image. Nothing on the hot path calls `notify` unless the other side is asleep or about to be.
 */
import { ErrorCode, TradestateError } from '../core/errors.ts';

/** Bytes per header slot: two 64-byte cache lines, so no two hot words share a line or a prefetched pair. */
const SLOT_BYTES = 128;
const SLOT = SLOT_BYTES / 4;
/** Header words (Int32 indices). */
const MAGIC = 0;
const VERSION = 1;
const CAPACITY = 2;
const RECORD_WORDS = 3;
const DATA_OFFSET = 4;
const TAIL = SLOT;
const HEAD = 2 * SLOT;
const CONSUMER_WAITING = 3 * SLOT;
const PRODUCER_WAITING = 4 * SLOT;
const CLOSED = 5 * SLOT;

/** Bytes before the first record (six slots). */
export const SPSC_RING_HEADER_BYTES = 6 * SLOT_BYTES;
/** `'SPSC'` in ASCII: marks a buffer laid out by {@link SpscRing.create}. */
const MAGIC_VALUE = 0x53505343;
const LAYOUT_VERSION = 1;
/** Largest capacity: the occupied count `(tail − head) >>> 0` must stay below 2^31. */
export const SPSC_RING_MAX_CAPACITY = 2 ** 30;
/** Largest record storage (2 GiB), so a slip in the arguments fails fast instead of reserving the machine. */
export const SPSC_RING_MAX_DATA_BYTES = 2 ** 31;
/** Default number of re-checks {@link SpscRing.waitReadable}/{@link SpscRing.waitWritable} spin before sleeping. */
export const SPSC_RING_DEFAULT_SPINS = 200;

/** Options of {@link SpscRing.create}. */
export interface SpscRingOptions {
  /**
   * Initial value of both counters, an integer in [0, 2^32) (default 0). Any value works; tests start just
   * below 2^32 to drive the counters through their wraparound.
   */
  readonly startCounter?: number;
}

/** Result of a bounded wait. */
export type SpscRingWaitResult = 'ok' | 'timed-out';

function invalid(message: string, context: Record<string, unknown>): TradestateError {
  return new TradestateError(ErrorCode.THREAD_RING_INVALID, message, context);
}

function checkLayout(capacity: unknown, recordWords: unknown): void {
  if (
    typeof capacity !== 'number' ||
    !Number.isInteger(capacity) ||
    capacity < 2 ||
    capacity > SPSC_RING_MAX_CAPACITY ||
    (capacity & (capacity - 1)) !== 0
  )
    throw invalid(`ring capacity must be a power of two in [2, 2^30], got ${String(capacity)}`, { capacity });
  if (typeof recordWords !== 'number' || !Number.isInteger(recordWords) || recordWords < 1)
    throw invalid(`ring recordWords must be a positive integer, got ${String(recordWords)}`, { recordWords });
  if (capacity * recordWords * 8 > SPSC_RING_MAX_DATA_BYTES)
    throw invalid('ring record storage exceeds 2 GiB', { capacity, recordWords });
}

function checkTimeout(timeoutMs: number): void {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))
    throw invalid(`wait timeout must be a non-negative number of ms, got ${String(timeoutMs)}`, {
      timeoutMs
    });
}

/**
 * A lock-free single-producer single-consumer ring of `capacity` records of `recordWords` float64 words in a
 * `SharedArrayBuffer`. One thread produces ({@link claim}, {@link publish}, {@link close}), one consumes
 * ({@link peek}, {@link release}); each thread holds its own `SpscRing` over the same buffer
 * ({@link SpscRing.create} on one side, {@link SpscRing.attach} on the other). See the module comment for the
 * layout and the ordering argument.
 *
 * Producer loop: `const o = ring.claim(); if (o < 0) ring.waitWritable(ms); else { ring.data[o] = …; ring.publish(); }`.
 * Consumer loop: `const o = ring.peek(); if (o >= 0) { use(ring.data[o]); ring.release(); } else if (ring.drained) break; else ring.waitReadable(ms);`.
 */
export class SpscRing {
  /** The shared memory: pass it to the other thread (`workerData`, `postMessage`) and {@link attach} there. */
  readonly buffer: SharedArrayBuffer;
  /** Records the ring holds (a power of two). */
  readonly capacity: number;
  /** float64 words per record. */
  readonly recordWords: number;
  /** Record storage: record k occupies `data[k*recordWords … (k+1)*recordWords)`. */
  readonly data: Float64Array;

  readonly #hdr: Int32Array;
  readonly #mask: number;
  /** Producer: next counter to publish (own copy of tail). */
  #tail: number;
  /** Producer: last head read from the header. */
  #cachedHead: number;
  /** Producer: close() was called through this instance. */
  #closed = false;
  /** Consumer: next counter to release (own copy of head). */
  #head: number;
  /** Consumer: last tail read from the header. */
  #cachedTail: number;

  private constructor(buffer: SharedArrayBuffer, capacity: number, recordWords: number) {
    this.buffer = buffer;
    this.capacity = capacity;
    this.recordWords = recordWords;
    this.#mask = capacity - 1;
    this.#hdr = new Int32Array(buffer, 0, SPSC_RING_HEADER_BYTES / 4);
    this.data = new Float64Array(buffer, SPSC_RING_HEADER_BYTES, capacity * recordWords);
    this.#tail = this.#cachedTail = Atomics.load(this.#hdr, TAIL);
    this.#head = this.#cachedHead = Atomics.load(this.#hdr, HEAD);
  }

  /**
   * Allocate a ring of `capacity` records (a power of two ≥ 2, ≤ 2^30) of `recordWords` float64 words each.
   * @throws TradestateError `TRD_ERR_THREAD_RING_INVALID` on a bad capacity, record size or start counter.
   */
  static create(capacity: number, recordWords: number, options: SpscRingOptions = {}): SpscRing {
    checkLayout(capacity, recordWords);
    const start = options.startCounter ?? 0;
    if (!Number.isInteger(start) || start < 0 || start >= 2 ** 32)
      throw invalid(`ring startCounter must be an integer in [0, 2^32), got ${String(start)}`, {
        startCounter: start
      });
    let buffer: SharedArrayBuffer;
    try {
      buffer = new SharedArrayBuffer(SPSC_RING_HEADER_BYTES + capacity * recordWords * 8);
    } catch (e) {
      throw new TradestateError(
        ErrorCode.THREAD_RING_INVALID,
        'cannot allocate ring memory',
        { capacity, recordWords },
        { cause: e }
      );
    }
    const h = new Int32Array(buffer, 0, SPSC_RING_HEADER_BYTES / 4);
    h[VERSION] = LAYOUT_VERSION;
    h[CAPACITY] = capacity;
    h[RECORD_WORDS] = recordWords;
    h[DATA_OFFSET] = SPSC_RING_HEADER_BYTES;
    h[TAIL] = start | 0;
    h[HEAD] = start | 0;
    // Magic last: a buffer attached (after a postMessage, which orders everything before it) is complete.
    Atomics.store(h, MAGIC, MAGIC_VALUE);
    return new SpscRing(buffer, capacity, recordWords);
  }

  /**
   * The same ring seen from another thread: the layout is read from the buffer's header. The new instance
   * starts from the counters as they are now, so it may take either role at any time.
   * @throws TradestateError `TRD_ERR_THREAD_RING_INVALID` when `buffer` is not a ring made by {@link create}.
   */
  static attach(buffer: SharedArrayBuffer): SpscRing {
    if (!(buffer instanceof SharedArrayBuffer))
      throw invalid('ring buffer must be a SharedArrayBuffer', { type: typeof buffer });
    if (buffer.byteLength < SPSC_RING_HEADER_BYTES)
      throw invalid('buffer too small for a ring header', { byteLength: buffer.byteLength });
    const h = new Int32Array(buffer, 0, SPSC_RING_HEADER_BYTES / 4);
    if (Atomics.load(h, MAGIC) !== MAGIC_VALUE || h[VERSION] !== LAYOUT_VERSION)
      throw invalid('buffer is not an SPSC ring (bad magic or version)', {
        magic: h[MAGIC],
        version: h[VERSION]
      });
    const capacity = h[CAPACITY]!;
    const recordWords = h[RECORD_WORDS]!;
    checkLayout(capacity, recordWords);
    if (
      h[DATA_OFFSET] !== SPSC_RING_HEADER_BYTES ||
      buffer.byteLength < SPSC_RING_HEADER_BYTES + capacity * recordWords * 8
    )
      throw invalid('ring buffer shorter than its header says', {
        byteLength: buffer.byteLength,
        capacity,
        recordWords
      });
    return new SpscRing(buffer, capacity, recordWords);
  }

  // ------------------------------------------------------------------------------------------------------
  // producer

  /**
   * Word offset in {@link data} of the next free record to write, or -1 when the ring is full. Calling it
   * again before {@link publish} returns the same record. Producer thread only.
   */
  claim(): number {
    const t = this.#tail;
    if ((t - this.#cachedHead) >>> 0 === this.capacity) {
      this.#cachedHead = Atomics.load(this.#hdr, HEAD);
      if ((t - this.#cachedHead) >>> 0 === this.capacity) return -1;
    }
    return (t & this.#mask) * this.recordWords;
  }

  /**
   * Make the claimed record visible to the consumer (and wake it if it waits). Producer thread only.
   * @throws TradestateError `TRD_ERR_THREAD_RING_INVALID` when no record was claimed (the ring is full) or
   * after {@link close}.
   */
  publish(): void {
    const t = this.#tail;
    if ((t - this.#cachedHead) >>> 0 >= this.capacity || this.#closed) throw this.#misuse('publish', 1);
    this.#tail = (t + 1) | 0;
    Atomics.store(this.#hdr, TAIL, this.#tail);
    if (Atomics.load(this.#hdr, CONSUMER_WAITING) !== 0) this.#wake(CONSUMER_WAITING);
  }

  /**
   * How many records (at most `max`) can be written now; they are at {@link claimedOffset}(0 … n−1) and go
   * out together with {@link publishBatch}. Re-reads the consumer's head only when its copy shows fewer than
   * `max` free. Producer thread only.
   */
  claimBatch(max: number): number {
    const cap = this.capacity;
    let free = cap - ((this.#tail - this.#cachedHead) >>> 0);
    if (free < max) {
      this.#cachedHead = Atomics.load(this.#hdr, HEAD);
      free = cap - ((this.#tail - this.#cachedHead) >>> 0);
    }
    return free < max ? free : max > 0 ? max : 0;
  }

  /** Word offset in {@link data} of the i-th record after the last published one (i from 0). Producer only. */
  claimedOffset(i: number): number {
    return ((this.#tail + i) & this.#mask) * this.recordWords;
  }

  /**
   * Publish the next `n` records (those {@link claimBatch} granted, written) with one counter store, and wake
   * a waiting consumer. Producer thread only.
   * @throws TradestateError `TRD_ERR_THREAD_RING_INVALID` when `n` is not an integer ≥ 0, exceeds the free
   * records last seen (so at most what was claimed is safe), or after {@link close}.
   */
  publishBatch(n: number): void {
    const t = this.#tail;
    if (!Number.isInteger(n) || n < 0 || n > this.capacity - ((t - this.#cachedHead) >>> 0) || this.#closed)
      throw this.#misuse('publishBatch', n);
    if (n === 0) return;
    this.#tail = (t + n) | 0;
    Atomics.store(this.#hdr, TAIL, this.#tail);
    if (Atomics.load(this.#hdr, CONSUMER_WAITING) !== 0) this.#wake(CONSUMER_WAITING);
  }

  /**
   * Producer is done: once the consumer has released what is left it sees {@link drained}; a consumer asleep
   * in {@link waitReadable} wakes now. Idempotent. Producer thread only.
   */
  close(): void {
    this.#closed = true;
    Atomics.store(this.#hdr, CLOSED, 1);
    this.#wake(CONSUMER_WAITING);
  }

  /**
   * Block until a record can be claimed, at most `timeoutMs` (may be `Infinity`): spins `spins` re-checks,
   * then sleeps in `Atomics.wait` until a release wakes it. Producer thread only.
   */
  waitWritable(timeoutMs: number, spins: number = SPSC_RING_DEFAULT_SPINS): SpscRingWaitResult {
    checkTimeout(timeoutMs);
    for (let i = 0; i <= spins; i++) if (this.#writable()) return 'ok';
    return this.#sleep(PRODUCER_WAITING, timeoutMs, false);
  }

  // ------------------------------------------------------------------------------------------------------
  // consumer

  /**
   * Word offset in {@link data} of the next record to read, or -1 when empty. Calling it again before
   * {@link release} returns the same record. Consumer thread only.
   */
  peek(): number {
    const h = this.#head;
    if (h === this.#cachedTail) {
      this.#cachedTail = Atomics.load(this.#hdr, TAIL);
      if (h === this.#cachedTail) return -1;
    }
    return (h & this.#mask) * this.recordWords;
  }

  /**
   * Free the record returned by {@link peek} (and wake a producer waiting for space). Consumer thread only.
   * @throws TradestateError `TRD_ERR_THREAD_RING_INVALID` when nothing was peeked.
   */
  release(): void {
    const h = this.#head;
    if (h === this.#cachedTail) throw this.#misuse('release', 1);
    this.#head = (h + 1) | 0;
    Atomics.store(this.#hdr, HEAD, this.#head);
    if (Atomics.load(this.#hdr, PRODUCER_WAITING) !== 0) this.#wake(PRODUCER_WAITING);
  }

  /**
   * How many records (at most `max`) can be read now, at {@link peekedOffset}(0 … n−1); free them together
   * with {@link releaseBatch}. Re-reads the producer's tail only when its copy shows fewer than `max`.
   * Consumer thread only.
   */
  peekBatch(max: number): number {
    let avail = (this.#cachedTail - this.#head) >>> 0;
    if (avail < max) {
      this.#cachedTail = Atomics.load(this.#hdr, TAIL);
      avail = (this.#cachedTail - this.#head) >>> 0;
    }
    return avail < max ? avail : max > 0 ? max : 0;
  }

  /** Word offset in {@link data} of the i-th unreleased record (i from 0). Consumer thread only. */
  peekedOffset(i: number): number {
    return ((this.#head + i) & this.#mask) * this.recordWords;
  }

  /**
   * Free the next `n` records (those {@link peekBatch} granted, read) with one counter store, and wake a
   * waiting producer. Consumer thread only.
   * @throws TradestateError `TRD_ERR_THREAD_RING_INVALID` when `n` is not an integer ≥ 0 or exceeds the
   * records last seen published.
   */
  releaseBatch(n: number): void {
    const h = this.#head;
    if (!Number.isInteger(n) || n < 0 || n > (this.#cachedTail - h) >>> 0)
      throw this.#misuse('releaseBatch', n);
    if (n === 0) return;
    this.#head = (h + n) | 0;
    Atomics.store(this.#hdr, HEAD, this.#head);
    if (Atomics.load(this.#hdr, PRODUCER_WAITING) !== 0) this.#wake(PRODUCER_WAITING);
  }

  /**
   * Block until a record is readable or the ring is closed, at most `timeoutMs` (may be `Infinity`): spins
   * `spins` re-checks, then sleeps in `Atomics.wait` until a publish or close wakes it. Consumer thread only.
   */
  waitReadable(timeoutMs: number, spins: number = SPSC_RING_DEFAULT_SPINS): SpscRingWaitResult {
    checkTimeout(timeoutMs);
    for (let i = 0; i <= spins; i++) if (this.#readable()) return 'ok';
    return this.#sleep(CONSUMER_WAITING, timeoutMs, true);
  }

  // ------------------------------------------------------------------------------------------------------
  // either side

  /** True once the producer closed and everything published has been released. */
  get drained(): boolean {
    const h = this.#hdr;
    // closed first: the producer stores its last tail before closed, so a closed ring's tail is final here.
    return Atomics.load(h, CLOSED) !== 0 && Atomics.load(h, TAIL) === Atomics.load(h, HEAD);
  }

  /** True once the producer called {@link close}. */
  get closed(): boolean {
    return Atomics.load(this.#hdr, CLOSED) !== 0;
  }

  /**
   * Records published and not yet released, in [0, capacity]. Either side may call it; under concurrency it
   * is a snapshot that may already be stale (head is read before tail, so it never goes below 0).
   */
  size(): number {
    const head = Atomics.load(this.#hdr, HEAD);
    const n = (Atomics.load(this.#hdr, TAIL) - head) >>> 0;
    return n > this.capacity ? this.capacity : n;
  }

  // ------------------------------------------------------------------------------------------------------
  // internals

  /** Consumer: something to read, or the producer closed (refreshes the cached tail). */
  #readable(): boolean {
    if (this.#head !== this.#cachedTail) return true;
    this.#cachedTail = Atomics.load(this.#hdr, TAIL);
    return this.#head !== this.#cachedTail || Atomics.load(this.#hdr, CLOSED) !== 0;
  }

  /** Producer: a record can be claimed (refreshes the cached head). */
  #writable(): boolean {
    if ((this.#tail - this.#cachedHead) >>> 0 !== this.capacity) return true;
    this.#cachedHead = Atomics.load(this.#hdr, HEAD);
    return (this.#tail - this.#cachedHead) >>> 0 !== this.capacity;
  }

  /**
   * Flag `word` (this side's waiting flag), re-check, and `Atomics.wait` on the flag while it reads 1; the
   * other side clears it before notifying, so a wake-up that races ahead of the wait is never lost.
   */
  #sleep(word: number, timeoutMs: number, consumer: boolean): SpscRingWaitResult {
    const h = this.#hdr;
    const deadline = performance.now() + timeoutMs;
    try {
      for (;;) {
        Atomics.store(h, word, 1);
        if (consumer ? this.#readable() : this.#writable()) return 'ok';
        const left = deadline - performance.now();
        if (left <= 0) return 'timed-out';
        Atomics.wait(h, word, 1, left);
      }
    } finally {
      Atomics.store(h, word, 0);
    }
  }

  /** Clear the other side's waiting flag and wake it. */
  #wake(word: number): void {
    Atomics.store(this.#hdr, word, 0);
    Atomics.notify(this.#hdr, word);
  }

  #misuse(op: string, n: number): TradestateError {
    const why = this.#closed && op.startsWith('publish') ? 'after close' : 'beyond the records it may take';
    return invalid(`ring ${op}(${n}) ${why}`, {
      op,
      n,
      closed: this.#closed,
      size: this.size()
    });
  }
}
