import { NS_PER_MS } from '../../core/nanos.ts';
import type { ExecutionReport } from '../../messages/execution-report.ts';
import type { Clock } from '../../time/clock.ts';
import type { ExecutionEmulator } from './execution-emulator.venue.ts';

/**
 * Delivers an {@link ExecutionEmulator}'s reports on a live clock, for the loopback venues in front of it: each
 * {@link pump} hands over every report due by the clock's now, then sets one timer for the next due report
 * (emulator latency), which pumps again.
 */
export class ReportPump {
  readonly #emulator: ExecutionEmulator;
  readonly #clock: Clock;
  readonly #onReport: (r: ExecutionReport) => void;
  #timer: unknown;

  constructor(emulator: ExecutionEmulator, clock: Clock, onReport: (r: ExecutionReport) => void) {
    this.#emulator = emulator;
    this.#clock = clock;
    this.#onReport = onReport;
  }

  /** Deliver every report due now; re-arm the timer for the next one. Call after every command and market event. */
  pump(): void {
    const clock = this.#clock;
    const now = clock.now();
    for (const r of this.#emulator.drainDue(now)) this.#onReport(r);
    this.stop();
    const due = this.#emulator.nextDueAt();
    if (due === undefined) return;
    const ms = due <= now ? 0 : Number((due - now + NS_PER_MS - 1n) / NS_PER_MS);
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.pump();
    }, ms);
  }

  /** Cancel the pending timer (until the next {@link pump}). */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
