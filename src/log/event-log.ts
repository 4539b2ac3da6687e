import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync
} from 'node:fs';
import { dirname } from 'node:path';
import { MAX_TIMER_MS } from '../core/duration.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';

/** Correlation ids carried by a log record (only those that apply). */
export interface LogIds {
  readonly clientOrderId?: string;
  readonly venueOrderId?: string;
  readonly strategyId?: string;
  readonly instrumentId?: string;
  readonly commandId?: string;
}

/** One structured event: what happened, when (simulated or venue time, exact ns), where, about what. */
export interface LogRecord {
  readonly seq: number;
  readonly ts: Nanos;
  readonly type: string;
  readonly component: string;
  readonly ids: LogIds;
  readonly payload: unknown;
}

/**
 * Where events go. Appends are synchronous and ordered; `seq` is assigned by the log, one per record taken.
 * A log refuses a record appended after {@link close} (`TRD_ERR_LOG_WRITE_FAILED`) and one it cannot serialise
 * (`TRD_ERR_DATA_INVALID`: the file log always, the memory log when `strict`); a refused record uses no `seq`.
 */
export interface EventLog {
  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void;
  /** Records appended so far. */
  readonly count: number;
  /** Make everything appended durable and release the log; a second close does nothing. */
  close(): void;
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * Serialise a record as one JSON line (bigints as decimal strings, keys in a fixed order). A record that cannot
 * be (a circular payload, a `toJSON` that throws) is a `TRD_ERR_DATA_INVALID`.
 */
export function formatRecord(r: LogRecord): string {
  try {
    return JSON.stringify(
      {
        seq: r.seq,
        ts: r.ts.toString(),
        type: r.type,
        component: r.component,
        ids: r.ids,
        payload: r.payload
      },
      bigintSafe
    );
  } catch (e) {
    throw unserialisable(r, e);
  }
}

function unserialisable(r: LogRecord, e: unknown): TradestateError {
  return new TradestateError(
    ErrorCode.DATA_INVALID,
    `event log: a ${r.type} record from ${r.component} cannot be serialised as JSON: ${String(e)}`,
    { type: r.type, component: r.component },
    { cause: e }
  );
}

/**
 * End a run's log after failure `e`: its last record is `run.failed` (component `engine`: the error's code, message
 * and context when it is a {@link TradestateError}, else its name and message; without the context when that cannot
 * be serialised), then the log is closed. Never throws: the run's own error is the one to report, and a log that
 * cannot take the record (a full disk) is still closed.
 */
export function endLogFailed(log: EventLog, ts: Nanos, e: unknown): void {
  try {
    appendRunFailed(log, ts, e);
  } catch {
    // the run's own error is the one to report
  }
  try {
    log.close();
  } catch {
    // likewise
  }
}

function appendRunFailed(log: EventLog, ts: Nanos, e: unknown): void {
  const what = isTradestateError(e)
    ? { code: e.code, message: e.message }
    : e instanceof Error
      ? { error: e.name, message: e.message }
      : { error: String(e) };
  if (isTradestateError(e)) {
    try {
      log.append(ts, 'run.failed', 'engine', {}, { ...what, context: e.context });
      return;
    } catch (err) {
      if (!isTradestateError(err, ErrorCode.DATA_INVALID)) throw err;
    }
  }
  log.append(ts, 'run.failed', 'engine', {}, what);
}

/** What a closed log says to an append or flush. */
function closedError(path: string, what: string): TradestateError {
  return new TradestateError(ErrorCode.LOG_WRITE_FAILED, `event log ${path} is closed: ${what} refused`, {
    path,
    what
  });
}

/** A failed file operation of the log at `path` as a `TRD_ERR_LOG_WRITE_FAILED` (a typed error as it is). */
function ioError(path: string, what: string, e: unknown): TradestateError {
  if (isTradestateError(e)) return e;
  const errno = (e as { code?: unknown }).code;
  return new TradestateError(
    ErrorCode.LOG_WRITE_FAILED,
    `event log ${path}: cannot ${what}: ${String(e)}`,
    { path, what, ...(typeof errno === 'string' ? { errno } : {}) },
    { cause: e }
  );
}

/** Run a file operation of the log at `path`, its failure a `TRD_ERR_LOG_WRITE_FAILED`. */
function io<T>(path: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw ioError(path, what, e);
  }
}

/** How a {@link JsonlEventLog} trades speed for durability. */
export interface JsonlEventLogOptions {
  /**
   * `batch` (default): lines are buffered, written every 256 KiB and on close (with fsync) — a backtest's log,
   * complete when the run ends; a file already at the path is overwritten (the same run writes the same bytes).
   * `write-ahead`: every line is written to the file as it is appended, so a crashed process loses nothing,
   * and lines of the {@link syncTypes} are also fsynced before `append` returns — they precede a venue call,
   * so the record is on disk before the order leaves. A non-empty file already at the path (the log of an
   * earlier, maybe crashed, session) is never truncated: it is moved to the first free `<path>.<n>`
   * (n = 1, 2, …) first, named by {@link JsonlEventLog.previousLog}.
   */
  readonly durability?: 'batch' | 'write-ahead';
  /** Record types fsynced on append in `write-ahead` mode. Default {@link WRITE_AHEAD_SYNC_TYPES}. */
  readonly syncTypes?: readonly string[];
  /**
   * `write-ahead` mode: the other records (fills, reports, reconciliations) are fsynced together at most this
   * long after they were appended (group commit; default {@link WRITE_AHEAD_GROUP_SYNC_MS}), so an operating
   * system crash loses at most this much of what the venue told us, for at most one fsync per interval. 0
   * fsyncs every record on append.
   */
  readonly syncEveryMs?: number;
  /**
   * `write-ahead` mode: called (once, from the timer) when a group fsync fails, so the owner can end the session
   * (a live session ends with `run.failed`). The failure is never thrown into an unrelated append: the records
   * that follow (a venue's fill) are still written. Without it, {@link JsonlEventLog.close} reports the failure.
   * It must not throw (what it throws is reported by close instead).
   */
  readonly onSyncFailure?: (e: TradestateError) => void;
}

/** How long a write-ahead log leaves records outside {@link WRITE_AHEAD_SYNC_TYPES} in the page cache, at most. */
export const WRITE_AHEAD_GROUP_SYNC_MS = 100;

/**
 * What a live session makes durable before acting: the orders, cancels and replaces it is about to send, the
 * cancels of orders an earlier session left open, mass cancels, start and end.
 */
export const WRITE_AHEAD_SYNC_TYPES: readonly string[] = [
  'run.started',
  'order.submit',
  'order.cancel',
  'order.replace',
  'recovery.stale_cancel',
  'oms.cancel_all_requested',
  'run.completed'
];

/**
 * JSON Lines event log on disk. In `batch` mode (backtests) lines are buffered and flushed every 256 KiB and on
 * close (with fsync), so a run's `events.jsonl` is complete when the run ends; it contains nothing from the
 * wall clock, so the same config and seed give a byte-identical file. In `write-ahead` mode (paper and live)
 * every line reaches the file at once and the records that precede a venue call are fsynced first; the rest
 * are fsynced within {@link JsonlEventLogOptions.syncEveryMs} (an fsync of that group that fails is reported
 * to {@link JsonlEventLogOptions.onSyncFailure}, else by close; never by an append, whose own record is still
 * written). The log's directory is fsynced once the file is created (write-ahead) or closed (batch), so the
 * file's name survives a crash as well as its bytes.
 *
 * Only whole lines count: each write goes on until all its bytes are in the file (a short write is
 * continued), and one that fails or makes no progress is a `TRD_ERR_LOG_WRITE_FAILED` — its partial bytes
 * are cut off again and the next line is written where it began, so no line ever follows a torn one. In
 * write-ahead mode the record that failed is not in the log and took no `seq` (an fsync that fails is reported
 * the same way, but its line was written and keeps its `seq`); in batch mode a failed flush keeps its lines
 * for the next one (close gives up on them, reporting the error). Close releases the file even when its last
 * flush or fsync fails.
 */
export class JsonlEventLog implements EventLog {
  /** Where the log of an earlier session at this path was moved (write-ahead mode only), if there was one. */
  readonly previousLog: string | undefined;
  readonly #path: string;
  readonly #fd: number;
  readonly #writeAhead: boolean;
  readonly #sync: ReadonlySet<string>;
  readonly #syncEveryMs: number;
  /** The group fsync to come, when records are written that no fsync covers yet. */
  #groupSync: ReturnType<typeof setTimeout> | undefined;
  /** Told of the first group fsync that fails, if set. */
  readonly #onSyncFailure: ((e: TradestateError) => void) | undefined;
  /** A group fsync has failed (the owner was told, or is to be, once). */
  #groupSyncFailed = false;
  /** A group fsync failure that no one was told of yet: reported by close. */
  #groupSyncFailure: TradestateError | undefined;
  #buf: string[] = [];
  #bytes = 0;
  #seq = 0;
  /** Bytes of whole lines in the file: where the next write begins. */
  #size = 0;
  /** A failed write may have left bytes after {@link #size} that could not be cut off yet. */
  #torn = false;
  #closed = false;

  constructor(path: string, opts: JsonlEventLogOptions = {}) {
    this.#path = path;
    this.#writeAhead = opts.durability === 'write-ahead';
    this.#sync = new Set(opts.syncTypes ?? WRITE_AHEAD_SYNC_TYPES);
    const every = opts.syncEveryMs ?? WRITE_AHEAD_GROUP_SYNC_MS;
    if (!(Number.isSafeInteger(every) && every >= 0 && every <= MAX_TIMER_MS)) {
      throw new TradestateError(
        ErrorCode.CONFIG_INVALID,
        `event log ${path}: syncEveryMs must be a whole number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${every}`,
        { path, syncEveryMs: every }
      );
    }
    this.#syncEveryMs = every;
    this.#onSyncFailure = opts.onSyncFailure;
    io(path, 'create its directory', () => mkdirSync(dirname(path), { recursive: true }));
    this.previousLog = this.#writeAhead
      ? io(path, 'move the earlier log aside', () => moveAside(path))
      : undefined;
    this.#fd = io(path, 'open', () => openSync(path, 'w'));
    if (this.#writeAhead) {
      try {
        fsyncDirectory(path);
      } catch (e) {
        closeSync(this.#fd);
        throw e;
      }
    }
  }

  get count(): number {
    return this.#seq;
  }

  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    if (this.#closed) throw closedError(this.#path, `a ${type} record`);
    const line = formatRecord({ seq: this.#seq + 1, ts, type, component, ids, payload });
    if (this.#writeAhead) {
      this.#write(`${line}\n`);
      this.#seq++;
      if (this.#syncEveryMs === 0 || this.#sync.has(type)) this.#fsync();
      else this.#groupSync ??= setTimeout(this.#syncGroup, this.#syncEveryMs).unref();
      return;
    }
    this.#seq++;
    this.#buf.push(line);
    this.#bytes += line.length + 1;
    if (this.#bytes >= 256 * 1024) this.flush();
  }

  /** Write buffered lines to the file. */
  flush(): void {
    if (this.#closed) throw closedError(this.#path, 'a flush');
    this.#flush();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#flush();
      if (this.#torn) io(this.#path, 'cut off a torn line', () => ftruncateSync(this.#fd, this.#size));
      this.#fsync();
      this.#reportGroupSyncFailure();
      if (!this.#writeAhead) fsyncDirectory(this.#path);
    } finally {
      io(this.#path, 'close', () => closeSync(this.#fd));
    }
  }

  /** Make everything written so far durable; the group fsync to come is not needed any more. */
  #fsync(): void {
    if (this.#groupSync !== undefined) {
      clearTimeout(this.#groupSync);
      this.#groupSync = undefined;
    }
    io(this.#path, 'fsync', () => fsyncSync(this.#fd));
  }

  readonly #syncGroup = (): void => {
    this.#groupSync = undefined;
    if (this.#closed) return;
    try {
      this.#fsync();
    } catch (e) {
      if (this.#groupSyncFailed) return; // the owner has heard of the disk's failure already
      this.#groupSyncFailed = true;
      const err = e as TradestateError;
      if (this.#onSyncFailure === undefined) {
        this.#groupSyncFailure = err;
        return;
      }
      try {
        this.#onSyncFailure(err);
      } catch {
        this.#groupSyncFailure = err; // a timer callback must not throw: close reports it instead
      }
    }
  };

  #reportGroupSyncFailure(): void {
    const failure = this.#groupSyncFailure;
    if (failure === undefined) return;
    this.#groupSyncFailure = undefined;
    throw failure;
  }

  #flush(): void {
    if (this.#buf.length === 0) return;
    this.#write(`${this.#buf.join('\n')}\n`);
    this.#buf = [];
    this.#bytes = 0;
  }

  /** Put `text` in the file right after the last whole line, all of it, or throw with nothing of it kept. */
  #write(text: string): void {
    const data = Buffer.from(text, 'utf8');
    let done = 0;
    if (this.#torn) {
      try {
        this.#cutTorn();
      } catch {
        // this line is written over the torn bytes anyway, and close cuts off what is left
      }
    }
    try {
      while (done < data.length) {
        const n = writeSync(this.#fd, data, done, data.length - done, this.#size + done);
        if (!(n > 0)) {
          throw new TradestateError(
            ErrorCode.LOG_WRITE_FAILED,
            `event log ${this.#path}: a write made no progress (${done} of ${data.length} bytes written)`,
            { path: this.#path, bytes: data.length, written: done }
          );
        }
        done += n;
      }
    } catch (e) {
      if (done > 0) {
        this.#torn = true;
        try {
          this.#cutTorn();
        } catch {
          // tried again on the next write and on close
        }
      }
      throw ioError(this.#path, 'write', e);
    }
    this.#size += data.length;
  }

  #cutTorn(): void {
    ftruncateSync(this.#fd, this.#size);
    this.#torn = false;
  }
}

/**
 * What an fsync of a directory fails with where directories cannot be fsynced at all: Windows opens a directory
 * (libuv) but refuses to flush it (EPERM), some FUSE and network file systems refuse it (EINVAL, ENOTSUP,
 * EOPNOTSUPP), others refuse the descriptor (EBADF, EISDIR). PostgreSQL treats these the same way.
 */
const DIRECTORY_FSYNC_UNSUPPORTED: ReadonlySet<string> = new Set([
  'EPERM',
  'EINVAL',
  'EISDIR',
  'ENOTSUP',
  'EOPNOTSUPP',
  'EBADF'
]);

/**
 * fsync the directory holding `path`, so the file's name in it is durable (a new file, or one moved aside). A
 * platform that cannot open a directory (EISDIR, EPERM, EACCES) or refuses to fsync one
 * ({@link DIRECTORY_FSYNC_UNSUPPORTED}) has nothing to fsync: skipped. Any other failure (EIO) is a
 * `TRD_ERR_LOG_WRITE_FAILED`.
 */
function fsyncDirectory(path: string): void {
  const dir = dirname(path);
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return;
    throw ioError(path, 'open its directory', e);
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (!(typeof code === 'string' && DIRECTORY_FSYNC_UNSUPPORTED.has(code))) {
      throw ioError(path, 'fsync its directory', e);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Move a non-empty file at `path` to the first free `<path>.<n>` (n = 1, 2, …) and return where it went;
 * undefined when there is nothing to keep. A hard link never replaces a file, so a name taken meanwhile is skipped.
 */
function moveAside(path: string): string | undefined {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
  if (size === 0) return undefined;
  for (let n = 1; ; n++) {
    const to = `${path}.${n}`;
    try {
      linkSync(path, to);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'EEXIST') continue;
      // a file system without hard links (FAT, some network or VM shares): a rename to a name still free
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
      if (existsSync(to)) continue;
      renameSync(path, to);
      return to;
    }
    unlinkSync(path);
    return to;
  }
}

/**
 * An in-memory log, for tests and for runs that do not persist (sweeps, walk-forward folds). It keeps records as
 * objects. With `strict` it refuses what a {@link JsonlEventLog} would, by serialising each record (several times
 * the cost of the append itself, so in-memory runs leave it off); without, a record the file log would refuse
 * (a payload inside itself: a programming error) is kept as it is.
 */
export class MemoryEventLog implements EventLog {
  readonly records: LogRecord[] = [];
  readonly #strict: boolean;
  #closed = false;

  constructor(opts: { readonly strict?: boolean } = {}) {
    this.#strict = opts.strict ?? false;
  }

  get count(): number {
    return this.records.length;
  }

  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    if (this.#closed) throw closedError('(memory)', `a ${type} record`);
    const record: LogRecord = { seq: this.records.length + 1, ts, type, component, ids, payload };
    if (this.#strict) formatRecord(record); // refuses what the file log would, typed
    this.records.push(record);
  }

  close(): void {
    this.#closed = true;
  }
}
