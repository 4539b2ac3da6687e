import { MAX_TIMER_MS } from '../core/duration.ts';

/** A pending {@link setLongTimeout}: hand it to {@link clearLongTimeout} to cancel it. */
export interface LongTimeout {
  /** The Node timer of the chunk under way; undefined once fired or cleared. */
  id: ReturnType<typeof setTimeout> | undefined;
}

/**
 * `setTimeout` without Node's limit: Node fires any delay past {@link MAX_TIMER_MS} (~24.8 days) after 1 ms,
 * so a longer one is waited in chunks of at most that, re-armed one after another. A delay that is not a
 * positive number fires on the next turn, as Node's own does.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  const timer: LongTimeout = { id: undefined };
  let left = ms;
  const arm = (): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    left -= step;
    timer.id = setTimeout(
      left > 0
        ? arm
        : () => {
            timer.id = undefined;
            fn();
          },
      step
    );
  };
  arm();
  return timer;
}

/** Cancel a {@link setLongTimeout}; one that fired or was cleared already is left as it is. */
export function clearLongTimeout(timer: LongTimeout): void {
  if (timer.id !== undefined) clearTimeout(timer.id);
  timer.id = undefined;
}
