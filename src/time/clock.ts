import { type Nanos, NS_PER_MS } from '../core/nanos.ts';
import { clearLongTimeout, type LongTimeout, setLongTimeout } from './long-timeout.ts';

/**
 * The one source of time in tradestate. Also satisfies XState's `Clock` (setTimeout/clearTimeout in ms),
 * so `delays` in machines run on simulated time in a backtest.
 */
export interface Clock {
  /** Current time, epoch nanoseconds. */
  now(): Nanos;
  setTimeout(fn: (...args: unknown[]) => void, timeoutMs: number): unknown;
  clearTimeout(id: unknown): void;
}

interface Timer {
  readonly id: number;
  readonly at: Nanos;
  readonly fn: (...args: unknown[]) => void;
}

/**
 * A clock that moves only when told to. Timers fire in (due time, creation order) when the clock
 * advances past them, so a backtest is deterministic whatever the host is doing.
 */
export class SimulatedClock implements Clock {
  #now: Nanos;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start: Nanos = 0n) {
    this.#now = start;
  }

  now(): Nanos {
    return this.#now;
  }

  setTimeout(fn: (...args: unknown[]) => void, timeoutMs: number): number {
    const id = this.#nextId++;
    const at = this.#now + BigInt(Math.max(0, Math.round(timeoutMs))) * NS_PER_MS;
    // keep sorted by (at, id): insertion from the back, timers are few
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1]!.at > at) i--;
    this.#timers.splice(i, 0, { id, at, fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    const i = this.#timers.findIndex((t) => t.id === id);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** Time of the earliest pending timer, if any. */
  nextTimerAt(): Nanos | undefined {
    return this.#timers[0]?.at;
  }

  /** Pending timers. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Move to `t` (never backwards), firing every timer due at or before `t` at its own due time.
   * Timers set by firing timers are honoured in the same call.
   */
  advanceTo(t: Nanos): void {
    if (t < this.#now) return;
    for (;;) {
      const first = this.#timers[0];
      if (first === undefined || first.at > t) break;
      this.#timers.shift();
      if (first.at > this.#now) this.#now = first.at;
      first.fn();
    }
    this.#now = t;
  }
}

/** Wall-clock time with nanosecond resolution: an epoch anchor plus the monotonic high-resolution timer. */
export class LiveClock implements Clock {
  readonly #anchorEpoch: Nanos;
  readonly #anchorMono: bigint;

  constructor() {
    this.#anchorEpoch = BigInt(Date.now()) * NS_PER_MS;
    this.#anchorMono = process.hrtime.bigint();
  }

  now(): Nanos {
    return this.#anchorEpoch + (process.hrtime.bigint() - this.#anchorMono);
  }

  /** A wall-clock timer; a delay past Node's limit (~24.8 days) waits its whole length, as on a simulated clock. */
  setTimeout(fn: (...args: unknown[]) => void, timeoutMs: number): unknown {
    return setLongTimeout(fn, timeoutMs);
  }

  clearTimeout(id: unknown): void {
    if (id !== undefined) clearLongTimeout(id as LongTimeout);
  }
}
