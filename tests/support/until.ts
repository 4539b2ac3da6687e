/**
 * Poll until `pred` holds, every 5 ms, for at most `ms`; rejects with `timed out waiting for <what>`.
 * Tests over sockets wait for conditions this way, never for fixed times.
 */
export function until(pred: () => boolean, ms = 5000, what = 'a condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - t0 > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
