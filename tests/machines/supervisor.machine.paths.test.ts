import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createActor, fromCallback } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  type SupervisorEmitted,
  type SupervisorEvent,
  type SupervisorInput,
  supervisorMachine
} from '../../src/machines/supervisor.machine.ts';
import { supervisionPolicySchema } from '../../src/risk/risk-config.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

type Snap = ReturnType<typeof supervisorMachine.transition>;
const idle = fromCallback(() => () => {});
const INTENSITY = 2;

const input: SupervisorInput = {
  name: 'model',
  children: [
    { id: 'a', src: idle, restart: 'permanent' },
    { id: 'b', src: idle, restart: 'transient' },
    { id: 't', src: idle, restart: 'temporary' }
  ],
  policy: supervisionPolicySchema.parse({ intensity: INTENSITY, periodMs: 1_000 })
};

const EVENTS = [
  { type: 'xstate.error.actor.a', error: new Error('a') },
  { type: 'xstate.error.actor.b', error: new Error('b') },
  { type: 'xstate.error.actor.t', error: new Error('t') },
  { type: 'xstate.done.actor.a' },
  { type: 'xstate.done.actor.b' },
  { type: 'supervisor.restart_due', childIds: ['a'] },
  { type: 'supervisor.restart_due', childIds: ['b'] },
  { type: 'supervisor.restart_expired' }
] as SupervisorEvent[];

const serializeState = (s: Snap): string =>
  JSON.stringify([s.value, s.context.recent, [...s.context.pending].sort()]);
const serializeEvent = (e: SupervisorEvent): string => JSON.stringify(e);

const paths = getShortestPaths(supervisorMachine, { events: EVENTS, input, serializeState, serializeEvent });

function replay(events: readonly SupervisorEvent[]) {
  const emitted: SupervisorEmitted[] = [];
  const actor = createActor(supervisorMachine, { input, clock: new SimulatedClock(0n) });
  actor.on('*', (e) => void emitted.push(e as SupervisorEmitted));
  actor.start();
  for (const e of events) actor.send(e);
  return { actor, emitted };
}

const restartWorthy = (e: SupervisorEvent): boolean =>
  e.type === 'xstate.error.actor.a' || e.type === 'xstate.error.actor.b' || e.type === 'xstate.done.actor.a';

describe('supervisorMachine: model-based paths (xstate/graph)', () => {
  beforeAll(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));

  it('reaches RUNNING at every restart count and ESCALATED', () => {
    const reached = new Set(paths.map((p) => `${p.state.value}:${p.state.context.recent}`));
    expect([...reached].sort()).toEqual(['ESCALATED:2', 'RUNNING:0', 'RUNNING:1', 'RUNNING:2']);
  });

  const labelled = paths.map((p) => ({
    name: `${serializeState(p.state)} via ${p.steps.map((s) => s.event.type).join(' → ') || '(start)'}`,
    p
  }));

  it.each(labelled)('every event in $name keeps the invariants', ({ p }) => {
    const prefix = p.steps.map((s) => s.event);
    for (const e of EVENTS) {
      const { actor, emitted } = replay(prefix);
      const before = actor.getSnapshot();
      const n = emitted.length;
      actor.send(e);
      const after = actor.getSnapshot();
      const out = emitted.slice(n);
      if (before.value === 'ESCALATED') {
        // final: nothing moves, nothing is emitted
        expect([after.value, out.length]).toEqual(['ESCALATED', 0]);
        continue;
      }
      // the intensity is never exceeded while running, and the count never goes negative
      expect(after.context.recent).toBeGreaterThanOrEqual(0);
      if (after.value === 'RUNNING') expect(after.context.recent).toBeLessThanOrEqual(INTENSITY);
      // escalation happens exactly when a restart-worthy end meets a full intensity, and is audited once
      const escalates = restartWorthy(e) && before.context.recent === INTENSITY;
      expect(after.value).toBe(escalates ? 'ESCALATED' : 'RUNNING');
      expect(out.filter((o) => o.type === 'supervisor.escalated')).toHaveLength(escalates ? 1 : 0);
      if (escalates) expect(Object.keys(after.children)).toEqual([]);
      // every failure is reported; a restart-worthy end below intensity schedules exactly one restart
      if (e.type.startsWith('xstate.error.actor.')) {
        expect(out.filter((o) => o.type === 'supervisor.child_failed')).toHaveLength(1);
      }
      if (restartWorthy(e) && !escalates) {
        expect(out.filter((o) => o.type === 'supervisor.child_restarting')).toHaveLength(1);
        expect(after.context.recent).toBe(before.context.recent + 1);
      }
      // a temporary child, or a transient one ending normally, exits for good
      if (e.type === 'xstate.error.actor.t' || e.type === 'xstate.done.actor.b') {
        expect(out.map((o) => o.type)).toContain('supervisor.child_exited');
        expect(after.context.recent).toBe(before.context.recent);
      }
    }
  });
});
