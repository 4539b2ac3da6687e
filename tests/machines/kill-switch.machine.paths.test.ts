import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { NS_PER_SEC } from '../../src/core/nanos.ts';
import {
  type KillSwitchEmitted,
  type KillSwitchEvent,
  type KillSwitchInput,
  killSwitchMachine
} from '../../src/machines/kill-switch.machine.ts';
import type { TradingState } from '../../src/risk/risk-view.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

type Snap = ReturnType<typeof killSwitchMachine.transition>;
const USD = 100_000_000n;
const T = 10n * NS_PER_SEC;

const input: KillSwitchInput = {
  maxLoss: 1_000n * USD,
  maxDrawdownBps: 1_000,
  maxPosition: { perSymbol: 100, total: 1_000 },
  rejects: { max: 1, windowMs: 1_000 },
  errors: { max: 1, windowMs: 1_000 },
  staleDataMs: 500,
  startedAt: 0n
};

const EVENTS: KillSwitchEvent[] = [
  { type: 'killswitch.trip', by: 'ops', reason: 'manual halt', tsEvent: T },
  { type: 'killswitch.trip', by: 'ops', reason: 'manual reduce', level: 'reduce', tsEvent: T },
  {
    type: 'killswitch.trip',
    by: 'supervisor:x',
    reason: 'supervisor escalation',
    trigger: 'supervisor',
    tsEvent: T
  },
  { type: 'killswitch.reset', by: 'ops', reason: 'checked', tsEvent: T },
  { type: 'pnl.updated', pnl: -1_000n * USD, equity: 99_000n * USD, tsEvent: T },
  { type: 'pnl.updated', pnl: 0n, equity: 100_000n * USD, tsEvent: T },
  { type: 'exposure.updated', maxAbsPosition: 101, grossPosition: 101, tsEvent: T },
  { type: 'exposure.updated', maxAbsPosition: 10, grossPosition: 10, tsEvent: T },
  { type: 'order.rejected', tsEvent: T },
  { type: 'error.raised', code: 'TRD_ERR_FIX_PARSE', tsEvent: T },
  { type: 'md.tick', tsEvent: T }
];
const TIMERS = ['xstate.after.staleData.killSwitch.ACTIVE', 'xstate.after.staleData.killSwitch.REDUCING'].map(
  (type) => ({ type }) as unknown as KillSwitchEvent
);
const eventsFor = (): KillSwitchEvent[] => [...EVENTS, ...TIMERS];

const serializeState = (s: Snap): string =>
  JSON.stringify([s.value, s.context.rejects.length, s.context.errors.length, String(s.context.peakEquity)]);
const serializeEvent = (e: KillSwitchEvent): string =>
  JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

const paths = getShortestPaths(killSwitchMachine, {
  events: eventsFor,
  input,
  serializeState,
  serializeEvent
});

function replay(events: readonly KillSwitchEvent[]) {
  const emitted: KillSwitchEmitted[] = [];
  let cancels = 0;
  const machine = killSwitchMachine.provide({ actions: { cancelAllOrders: () => void cancels++ } });
  const actor = createActor(machine, { input, clock: new SimulatedClock(0n) });
  actor.on('*', (e) => void emitted.push(e as KillSwitchEmitted));
  actor.start();
  for (const e of events) actor.send(e);
  return { actor, emitted, cancels: () => cancels };
}

const AUDIT_TYPE: Record<TradingState, KillSwitchEmitted['type']> = {
  ACTIVE: 'killswitch.reset',
  REDUCING: 'killswitch.reduced',
  HALTED: 'killswitch.tripped'
};

describe('killSwitchMachine: model-based paths (xstate/graph)', () => {
  it('reaches every state by a shortest path', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(['ACTIVE', 'HALTED', 'REDUCING']);
  });

  const labelled = paths.map((p) => ({
    name: `${serializeState(p.state)} via ${p.steps.map((s) => s.event.type).join(' → ') || '(start)'}`,
    p
  }));

  it.each(labelled)('every event in $name keeps the invariants', ({ p }) => {
    const prefix = p.steps.map((s) => s.event);
    for (const e of eventsFor()) {
      const r = replay(prefix);
      const from = r.actor.getSnapshot().value as TradingState;
      const n = r.emitted.length;
      const c = r.cancels();
      r.actor.send(e);
      const to = r.actor.getSnapshot().value as TradingState;
      const out = r.emitted.slice(n);
      if (to === from) {
        // no transition: nothing audited, nothing canceled
        expect(out).toEqual([]);
        expect(r.cancels()).toBe(c);
        continue;
      }
      // every transition is audited exactly once, with who, why and the states
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ type: AUDIT_TYPE[to], from, to });
      expect(out[0]!.by.length).toBeGreaterThan(0);
      expect(out[0]!.reason.length).toBeGreaterThan(0);
      // HALTED and REDUCING are left only by a manual reset
      if (from !== 'ACTIVE' && to === 'ACTIVE') expect(e.type).toBe('killswitch.reset');
      if (from === 'HALTED') expect(e.type).toBe('killswitch.reset');
      // it only escalates by itself: never HALTED → REDUCING
      expect([from, to]).not.toEqual(['HALTED', 'REDUCING']);
      // entering HALTED cancels every order, exactly once
      expect(r.cancels() - c).toBe(to === 'HALTED' ? 1 : 0);
      if (to !== 'ACTIVE') expect(r.actor.getSnapshot().context.lastTrip).toBeDefined();
    }
  });
});
