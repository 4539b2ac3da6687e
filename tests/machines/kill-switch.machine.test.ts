import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { NS_PER_MS, NS_PER_SEC } from '../../src/core/nanos.ts';
import {
  type KillSwitchEmitted,
  type KillSwitchInput,
  killSwitchInputFromConfig,
  killSwitchMachine,
  tradingStateOf
} from '../../src/machines/kill-switch.machine.ts';
import { killSwitchConfigSchema } from '../../src/risk/risk-config.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

const T0 = 1_000n * NS_PER_SEC;

function start(input: KillSwitchInput) {
  const clock = new SimulatedClock(T0);
  let cancels = 0;
  const machine = killSwitchMachine.provide({ actions: { cancelAllOrders: () => void cancels++ } });
  const actor = createActor(machine, { input: { startedAt: T0, ...input }, clock });
  const emitted: KillSwitchEmitted[] = [];
  actor.on('*', (e) => void emitted.push(e as KillSwitchEmitted));
  actor.start();
  return { actor, clock, emitted, cancels: () => cancels, state: () => tradingStateOf(actor.getSnapshot()) };
}

const USD = 100_000_000n;

describe('killSwitchMachine', () => {
  it('trips to HALTED on a loss threshold, cancels all orders once, and audits who and why', () => {
    const k = start({ maxLoss: 1_000n * USD });
    k.actor.send({ type: 'pnl.updated', pnl: -999n * USD, equity: 99_001n * USD, tsEvent: T0 + 1n });
    expect(k.state()).toBe('ACTIVE');
    k.actor.send({ type: 'pnl.updated', pnl: -1_000n * USD, equity: 99_000n * USD, tsEvent: T0 + 2n });
    expect(k.state()).toBe('HALTED');
    expect(k.cancels()).toBe(1);
    expect(k.emitted).toEqual([
      expect.objectContaining({
        type: 'killswitch.tripped',
        from: 'ACTIVE',
        to: 'HALTED',
        trigger: 'loss',
        by: 'kill-switch',
        tsEvent: T0 + 2n
      })
    ]);
    // still losing: no second trip, no second cancel
    k.actor.send({ type: 'pnl.updated', pnl: -2_000n * USD, equity: 98_000n * USD, tsEvent: T0 + 3n });
    expect([k.emitted.length, k.cancels()]).toEqual([1, 1]);
  });

  it('trips on a drawdown from peak equity (exact bps)', () => {
    const k = start({ maxDrawdownBps: 1_000 });
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 100n * USD, tsEvent: T0 });
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 200n * USD, tsEvent: T0 + 1n });
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 180n * USD + 1n, tsEvent: T0 + 2n });
    expect(k.state()).toBe('ACTIVE');
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 180n * USD, tsEvent: T0 + 3n });
    expect(k.state()).toBe('HALTED');
    expect(k.emitted[0]).toMatchObject({ trigger: 'drawdown' });
  });

  it('reduces on a position breach by default, and halts on it when configured', () => {
    const k = start({ maxPosition: { perSymbol: 100, total: 300 } });
    k.actor.send({ type: 'exposure.updated', maxAbsPosition: 100, grossPosition: 300, tsEvent: T0 });
    expect(k.state()).toBe('ACTIVE');
    k.actor.send({ type: 'exposure.updated', maxAbsPosition: 90, grossPosition: 301, tsEvent: T0 + 1n });
    expect(k.state()).toBe('REDUCING');
    expect(k.emitted[0]).toMatchObject({ type: 'killswitch.reduced', to: 'REDUCING', trigger: 'position' });
    expect(k.cancels()).toBe(0);
    const h = start({ maxPosition: { perSymbol: 100 }, onTrip: { position: 'halt' } });
    h.actor.send({ type: 'exposure.updated', maxAbsPosition: 101, grossPosition: 0, tsEvent: T0 });
    expect(h.state()).toBe('HALTED');
  });

  it('trips on a reject spike within a sliding window of event time, not on rejects spread out', () => {
    const k = start({ rejects: { max: 2, windowMs: 1_000 } });
    const rej = (ms: number) =>
      k.actor.send({ type: 'order.rejected', tsEvent: T0 + BigInt(ms) * NS_PER_MS });
    rej(0);
    rej(600);
    rej(1_000); // the window is (t − 1000 ms, t]: 600 and 1000 → 2, not more than 2
    rej(1_601); // 1000 and 1601
    expect(k.state()).toBe('ACTIVE');
    rej(1_700); // 1000, 1601 and 1700 → 3
    expect(k.state()).toBe('HALTED');
    expect(k.emitted[0]).toMatchObject({ trigger: 'rejects', tsEvent: T0 + 1_700n * NS_PER_MS });
  });

  it('trips on an error spike', () => {
    const k = start({ errors: { max: 1, windowMs: 10_000 } });
    k.actor.send({ type: 'error.raised', code: 'TRD_ERR_FIX_PARSE', tsEvent: T0 });
    expect(k.state()).toBe('ACTIVE');
    k.actor.send({ type: 'error.raised', code: 'TRD_ERR_FIX_PARSE', tsEvent: T0 + NS_PER_SEC });
    expect(k.emitted[0]).toMatchObject({ type: 'killswitch.tripped', trigger: 'errors' });
  });

  it('trips on stale market data after staleDataMs of clock time without md.tick', () => {
    const k = start({ staleDataMs: 500 });
    k.clock.advanceTo(T0 + 400n * NS_PER_MS);
    k.actor.send({ type: 'md.tick', tsEvent: T0 + 400n * NS_PER_MS }); // restarts the timer
    k.clock.advanceTo(T0 + 899n * NS_PER_MS);
    expect(k.state()).toBe('ACTIVE');
    k.clock.advanceTo(T0 + 900n * NS_PER_MS);
    expect(k.state()).toBe('HALTED');
    expect(k.emitted[0]).toMatchObject({ trigger: 'staleData', tsEvent: T0 + 900n * NS_PER_MS });
  });

  it('never trips on stale data when staleDataMs is not configured', () => {
    const k = start({});
    k.clock.advanceTo(T0 + 30n * 86_400n * NS_PER_SEC);
    expect(k.state()).toBe('ACTIVE');
  });

  it('trips on a manual command, escalates REDUCING → HALTED, and leaves only by an audited reset', () => {
    const k = start({});
    k.actor.send({ type: 'killswitch.trip', by: 'ops:alice', reason: 'news', level: 'reduce', tsEvent: T0 });
    expect(k.state()).toBe('REDUCING');
    k.actor.send({
      type: 'killswitch.trip',
      by: 'supervisor:md',
      reason: 'supervisor escalation',
      trigger: 'supervisor',
      tsEvent: T0 + 1n
    });
    expect(k.state()).toBe('HALTED');
    k.actor.send({
      type: 'killswitch.trip',
      by: 'ops:alice',
      reason: 'again',
      level: 'reduce',
      tsEvent: T0 + 2n
    });
    expect(k.state()).toBe('HALTED'); // never de-escalates by itself
    k.actor.send({ type: 'killswitch.reset', by: 'ops:bob', reason: 'feed restored', tsEvent: T0 + 3n });
    expect(k.state()).toBe('ACTIVE');
    expect(k.emitted.map((e) => [e.type, e.from, e.to, e.by])).toEqual([
      ['killswitch.reduced', 'ACTIVE', 'REDUCING', 'ops:alice'],
      ['killswitch.tripped', 'REDUCING', 'HALTED', 'supervisor:md'],
      ['killswitch.reset', 'HALTED', 'ACTIVE', 'ops:bob']
    ]);
    expect(k.actor.getSnapshot().context.trips).toBe(2);
  });

  it('a reset rearms the windows and re-bases the drawdown peak', () => {
    const k = start({ rejects: { max: 1, windowMs: 60_000 }, maxDrawdownBps: 500 });
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 100n * USD, tsEvent: T0 });
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 90n * USD, tsEvent: T0 + 1n });
    k.actor.send({ type: 'killswitch.reset', by: 'ops', reason: 'reviewed', tsEvent: T0 + 2n });
    k.actor.send({ type: 'pnl.updated', pnl: 0n, equity: 89n * USD, tsEvent: T0 + 3n });
    expect(k.state()).toBe('ACTIVE'); // 89 vs new peak 90: 111 bps
    k.actor.send({ type: 'order.rejected', tsEvent: T0 + 4n });
    expect(k.state()).toBe('ACTIVE');
  });

  it('a stale-data trip after a reset is dated after the reset (the stale clock starts again there)', () => {
    const k = start({ staleDataMs: 500 });
    k.clock.advanceTo(T0 + 500n * NS_PER_MS);
    expect(k.state()).toBe('HALTED');
    const resetAt = T0 + 60n * NS_PER_SEC;
    k.clock.advanceTo(resetAt);
    k.actor.send({ type: 'killswitch.reset', by: 'ops', reason: 'feed back', tsEvent: resetAt });
    expect(k.actor.getSnapshot().context.lastTickTs).toBe(resetAt);
    k.clock.advanceTo(resetAt + 500n * NS_PER_MS); // still no data
    expect(k.emitted.map((e) => [e.type, e.tsEvent])).toEqual([
      ['killswitch.tripped', T0 + 500n * NS_PER_MS],
      ['killswitch.reset', resetAt],
      ['killswitch.tripped', resetAt + 500n * NS_PER_MS]
    ]);
    // a tick newer than the reset stays the stale clock's origin
    const t = start({ staleDataMs: 500 });
    t.actor.send({ type: 'killswitch.trip', by: 'ops', reason: 'x', tsEvent: T0 });
    t.actor.send({ type: 'md.tick', tsEvent: T0 + 9n });
    t.actor.send({ type: 'killswitch.reset', by: 'ops', reason: 'ok', tsEvent: T0 + 5n });
    expect(t.actor.getSnapshot().context.lastTickTs).toBe(T0 + 9n);
  });

  it('a reset runs resumeTrading (the wiring resumes what the halt stopped), once per reset', () => {
    let resumes = 0;
    const machine = killSwitchMachine.provide({ actions: { resumeTrading: () => void resumes++ } });
    const actor = createActor(machine, { input: { startedAt: T0 }, clock: new SimulatedClock(T0) });
    actor.start();
    actor.send({ type: 'killswitch.trip', by: 'ops', reason: 'x', tsEvent: T0 });
    expect(resumes).toBe(0);
    actor.send({ type: 'killswitch.reset', by: 'ops', reason: 'ok', tsEvent: T0 + 1n });
    actor.send({ type: 'killswitch.reset', by: 'ops', reason: 'ok', tsEvent: T0 + 2n }); // ACTIVE: not taken
    expect(resumes).toBe(1);
  });

  it('builds its exact input from YAML config', () => {
    const input = killSwitchInputFromConfig(
      killSwitchConfigSchema.parse({ maxLoss: 1234.5, staleDataMs: 100 }),
      7n
    );
    expect(input).toMatchObject({ maxLoss: 123_450_000_000n, staleDataMs: 100, startedAt: 7n });
  });
});
