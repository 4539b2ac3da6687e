import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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

/** Where events go. Appends are synchronous and ordered; `seq` is assigned by the log. */
export interface EventLog {
  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void;
  /** Records appended so far. */
  readonly count: number;
  close(): void;
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** Serialise a record as one JSON line (bigints as decimal strings, keys in a fixed order). */
export function formatRecord(r: LogRecord): string {
  return JSON.stringify(
    { seq: r.seq, ts: r.ts.toString(), type: r.type, component: r.component, ids: r.ids, payload: r.payload },
    bigintSafe
  );
}

/** How a {@link JsonlEventLog} trades speed for durability. */
export interface JsonlEventLogOptions {
  /**
   * `batch` (default): lines are buffered, written every 256 KiB and on close (with fsync) — a backtest's log,
   * complete when the run ends. `write-ahead`: every line is written to the file as it is appended, so a
   * crashed process loses nothing, and lines of the {@link syncTypes} are also fsynced before `append`
   * returns — they precede a venue call, so the record is on disk before the order leaves.
   */
  readonly durability?: 'batch' | 'write-ahead';
  /** Record types fsynced on append in `write-ahead` mode. Default {@link WRITE_AHEAD_SYNC_TYPES}. */
  readonly syncTypes?: readonly string[];
}

/** What a live session makes durable before acting: the orders, cancels and replaces it is about to send, mass cancels, start and end. */
export const WRITE_AHEAD_SYNC_TYPES: readonly string[] = [
  'run.started',
  'order.submit',
  'order.cancel',
  'order.replace',
  'oms.cancel_all_requested',
  'run.completed'
];

/**
 * JSON Lines event log on disk. In `batch` mode (backtests) lines are buffered and flushed every 256 KiB and on
 * close (with fsync), so a run's `events.jsonl` is complete when the run ends; it contains nothing from the
 * wall clock, so the same config and seed give a byte-identical file. In `write-ahead` mode (paper and live)
 * every line reaches the file at once and the records that precede a venue call are fsynced first.
 */
export class JsonlEventLog implements EventLog {
  readonly #fd: number;
  readonly #writeAhead: boolean;
  readonly #sync: ReadonlySet<string>;
  #buf: string[] = [];
  #bytes = 0;
  #seq = 0;
  #closed = false;

  constructor(path: string, opts: JsonlEventLogOptions = {}) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, 'w');
    this.#writeAhead = opts.durability === 'write-ahead';
    this.#sync = new Set(opts.syncTypes ?? WRITE_AHEAD_SYNC_TYPES);
  }

  get count(): number {
    return this.#seq;
  }

  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    const line = formatRecord({ seq: ++this.#seq, ts, type, component, ids, payload });
    if (this.#writeAhead) {
      writeSync(this.#fd, `${line}\n`);
      if (this.#sync.has(type)) fsyncSync(this.#fd);
      return;
    }
    this.#buf.push(line);
    this.#bytes += line.length + 1;
    if (this.#bytes >= 256 * 1024) this.flush();
  }

  /** Write buffered lines to the file. */
  flush(): void {
    if (this.#buf.length === 0) return;
    writeSync(this.#fd, `${this.#buf.join('\n')}\n`);
    this.#buf = [];
    this.#bytes = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#closed = true;
  }
}

/** An in-memory log, for tests and for runs that do not persist. */
export class MemoryEventLog implements EventLog {
  readonly records: LogRecord[] = [];

  get count(): number {
    return this.records.length;
  }

  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    this.records.push({ seq: this.records.length + 1, ts, type, component, ids, payload });
  }

  close(): void {}
}
