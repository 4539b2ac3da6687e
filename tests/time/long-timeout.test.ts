import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS } from '../../src/core/duration.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { clearLongTimeout, setLongTimeout } from '../../src/time/long-timeout.ts';
import { Pause } from '../../src/time/pause.ts';

// Node fires a setTimeout past MAX_TIMER_MS after 1 ms; vitest's fake timers do the same, so these fail where the
// chunking is missing.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const LONG = 3 * MAX_TIMER_MS + 5; // three full chunks and a short one

describe('setLongTimeout', () => {
  it('fires once, after the whole delay, however many chunks it takes', () => {
    let fired = 0;
    setLongTimeout(() => fired++, LONG);
    vi.advanceTimersByTime(LONG - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(4 * MAX_TIMER_MS);
    expect(fired).toBe(1);
  });

  it('a short delay is one timer, as setTimeout', () => {
    let fired = 0;
    const t = setLongTimeout(() => fired++, 10);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10);
    expect([fired, t.id, vi.getTimerCount()]).toEqual([1, undefined, 0]);
  });

  it('clearLongTimeout cancels it in any chunk, and twice is harmless', () => {
    let fired = 0;
    const t = setLongTimeout(() => fired++, LONG);
    vi.advanceTimersByTime(2 * MAX_TIMER_MS + 1); // in the third chunk
    clearLongTimeout(t);
    clearLongTimeout(t);
    vi.advanceTimersByTime(LONG);
    expect([fired, vi.getTimerCount()]).toEqual([0, 0]);
  });
});

describe('wall-clock waits past Node’s timer limit', () => {
  it('LiveClock.setTimeout waits the whole delay (a simulated clock does too)', () => {
    const clock = new LiveClock();
    let fired = false;
    const id = clock.setTimeout(() => {
      fired = true;
    }, LONG);
    vi.advanceTimersByTime(MAX_TIMER_MS + 1);
    expect(fired).toBe(false);
    clock.clearTimeout(id);
    clock.clearTimeout(undefined); // as XState may: nothing to clear
    vi.advanceTimersByTime(LONG);
    expect(fired).toBe(false);
    clock.setTimeout(() => {
      fired = true;
    }, LONG);
    vi.advanceTimersByTime(LONG);
    expect(fired).toBe(true);
  });

  it('Pause.sleep waits the whole delay, and wake() still ends it at once', async () => {
    const p = new Pause();
    let done = false;
    void p.sleep(LONG).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1);
    expect(done).toBe(false);
    p.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect([done, vi.getTimerCount()]).toEqual([true, 0]);
  });
});
