import type { Nanos } from '../core/nanos.ts';
import { SimulatedClock } from '../time/clock.ts';

/** When the venue next has something to do that may be done now, and doing it. */
export interface VenueSteps {
  /** The time of the venue's next piece of business (a command arriving, a report reaching us), if it may run. */
  due(): Nanos | undefined;
  /** Do the venue's business due by `t` (the clock reads `t`). */
  run(t: Nanos): void;
}

/**
 * The simulated clock of a bar backtest. Besides its timers it stops at the execution emulator's due times (see
 * docs/EMULATOR.md: an engine steps its clock to `nextDueAt()` between data events), so latency plays out between
 * bars in time order with the timers: an order's ack that reaches us 1 ms after it was sent arrives before its 2 s
 * in-flight timeout, instead of the timeout firing while the clock jumps to the next bar. {@link nextTimerAt} counts
 * the venue's due times, so the replay clock stops (and at N× speed waits) at them as at any timer. At one instant,
 * the timers due then fire first, as they do before the bars of that instant. Without {@link attach} it is a plain
 * {@link SimulatedClock}.
 */
export class VenueClock extends SimulatedClock {
  #steps: VenueSteps | undefined;

  attach(steps: VenueSteps): void {
    this.#steps = steps;
  }

  override nextTimerAt(): Nanos | undefined {
    const t = super.nextTimerAt();
    const d = this.#steps?.due();
    if (d === undefined) return t;
    return t === undefined || d < t ? d : t;
  }

  override advanceTo(t: Nanos): void {
    const steps = this.#steps;
    if (steps !== undefined) {
      for (;;) {
        const d = steps.due();
        const timer = super.nextTimerAt();
        if (d !== undefined && d <= t && (timer === undefined || d < timer)) {
          if (d > this.now()) super.advanceTo(d);
          steps.run(this.now());
        } else if (timer !== undefined && timer <= t) {
          // the timers at that instant (and those they set for it), then look again: they may have sent a command
          super.advanceTo(timer);
        } else break;
      }
    }
    super.advanceTo(t);
  }
}
