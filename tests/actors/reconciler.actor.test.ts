import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { reconcilerActor, reconcilerChild } from '../../src/actors/reconciler.actor.ts';
import { NS_PER_MS } from '../../src/core/nanos.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

/** Let settled promises' callbacks run. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A reconcile whose passes the test resolves or rejects by hand. */
function manual() {
  const pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  return {
    calls: () => pending.length,
    reconcile: () => new Promise<void>((resolve, reject) => void pending.push({ resolve, reject })),
    resolve: (i: number) => pending[i]!.resolve(),
    reject: (i: number, e: unknown) => pending[i]!.reject(e)
  };
}

/** Start a reconciler on `clock` over `m`, recording finished passes and errors. */
function start(m: ReturnType<typeof manual>, everyMs: number, clock: SimulatedClock) {
  const done: number[] = [];
  const errors: unknown[] = [];
  const actor = createActor(
    reconcilerActor({
      reconcile: m.reconcile,
      everyMs,
      clock,
      onError: (e) => errors.push(e),
      onDone: (n) => done.push(n)
    })
  ).start();
  return { actor, done, errors };
}

describe('reconciler actor', () => {
  it('reconciles at start, then everyMs after each pass ends, never two passes at once', async () => {
    const clock = new SimulatedClock(0n);
    const m = manual();
    const { actor: a, done } = start(m, 1_000, clock);
    expect(m.calls()).toBe(1);
    clock.advanceTo(5_000n * NS_PER_MS); // the first pass has not ended: no second one however long it takes
    expect(m.calls()).toBe(1);
    m.resolve(0);
    await flush();
    expect(done).toEqual([1]);
    clock.advanceTo(5_999n * NS_PER_MS);
    expect(m.calls()).toBe(1);
    clock.advanceTo(6_000n * NS_PER_MS); // 1 s after the first pass ended
    expect(m.calls()).toBe(2);
    a.stop();
  });

  it('a failed pass is reported and the next one still runs', async () => {
    const clock = new SimulatedClock(0n);
    const m = manual();
    const { actor: a, errors } = start(m, 100, clock);
    m.reject(0, new Error('venue down'));
    await flush();
    expect(errors).toEqual([new Error('venue down')]);
    clock.advanceTo(100n * NS_PER_MS);
    expect(m.calls()).toBe(2);
    a.stop();
  });

  it('an onDone that throws (a log that cannot take the record) goes to onError, and the next pass still runs', async () => {
    const clock = new SimulatedClock(0n);
    const m = manual();
    const errors: unknown[] = [];
    const actor = createActor(
      reconcilerActor({
        reconcile: m.reconcile,
        everyMs: 100,
        clock,
        onError: (e) => errors.push(e),
        onDone: () => {
          throw new Error('disk full');
        }
      })
    ).start();
    m.resolve(0);
    await flush();
    expect(errors).toEqual([new Error('disk full')]);
    clock.advanceTo(100n * NS_PER_MS);
    expect(m.calls()).toBe(2);
    actor.stop();
  });

  it('stopping cancels the next pass, and a pass in flight reports nothing', async () => {
    const clock = new SimulatedClock(0n);
    const m = manual();
    const { actor: a, done } = start(m, 100, clock);
    m.resolve(0);
    await flush();
    clock.advanceTo(100n * NS_PER_MS);
    expect(m.calls()).toBe(2);
    a.stop();
    m.resolve(1);
    await flush();
    expect(done).toEqual([1]);
    expect(clock.pendingTimers).toBe(0);
    clock.advanceTo(10_000n * NS_PER_MS);
    expect(m.calls()).toBe(2);
  });

  it('is a permanent, system-registered child for a supervisor', () => {
    const spec = reconcilerChild({
      reconcile: async () => {},
      everyMs: 1,
      clock: new SimulatedClock(0n),
      onError: () => {}
    });
    expect({ id: spec.id, systemId: spec.systemId, restart: spec.restart }).toEqual({
      id: 'reconciler',
      systemId: 'reconciler',
      restart: 'permanent'
    });
  });
});
