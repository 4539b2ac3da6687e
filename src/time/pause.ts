/**
 * A wall-clock sleep that can be cut short: {@link sleep} waits `ms` (timers), {@link wake} ends the current
 * wait at once. For replay pumps that pace themselves and must stop promptly.
 */
export class Pause {
  #wake: (() => void) | undefined;

  /** Resolve after `ms`, or sooner on {@link wake}. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
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
