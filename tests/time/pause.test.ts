import { describe, expect, it } from 'vitest';
import { Pause } from '../../src/time/pause.ts';

describe('Pause', () => {
  it('sleeps the time asked for, and wake() ends a sleep at once', async () => {
    const p = new Pause();
    let t0 = performance.now();
    await p.sleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    t0 = performance.now();
    const long = p.sleep(10_000);
    setTimeout(() => p.wake(), 20);
    await long;
    expect(performance.now() - t0).toBeLessThan(1_000);
    p.wake(); // nothing to wake: no effect
    t0 = performance.now();
    await p.sleep(20); // a wake before a sleep does not cut it short
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
  });
});
