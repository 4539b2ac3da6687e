import { clearLongTimeout, setLongTimeout } from './long-timeout.ts';

/**
 * A wall-clock sleep that can be cut short: {@link sleep} waits `ms` (timers), {@link wake} ends the current
 * wait at once. For replay pumps that pace themselves and must stop promptly.
 */
export class Pause {
  #wake: (() => void) | undefined;

  /** Resolve after `ms` (past Node's timer limit too), or sooner on {@link wake}. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setLongTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearLongTimeout(t);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** End the wait in progress, if any. */
  wake(): void {
    this.#wake?.();
  }
}
