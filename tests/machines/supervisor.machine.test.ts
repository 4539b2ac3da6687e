import { describe, expect, it } from 'vitest';
import { type AnyActorLogic, createActor, createMachine, fromCallback, fromPromise, setup } from 'xstate';
import { NS_PER_MS } from '../../src/core/nanos.ts';
import { killSwitchMachine } from '../../src/machines/kill-switch.machine.ts';
import {
  backoffMs,
  type ChildSpec,
  type RestartType,
  type SupervisorEmitted,
  type SupervisorInput,
  supervisorMachine
} from '../../src/machines/supervisor.machine.ts';
import { type SupervisionPolicy, supervisionPolicySchema } from '../../src/risk/risk-config.ts';
import { SimulatedClock } from '../../src/time/clock.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));
const ms = (n: number) => BigInt(n) * NS_PER_MS;

/** Child logics that count their starts and crash in the three ways XState children fail. */
function crashers() {
  const starts: Record<string, number> = {};
  const count = (id: string) => void (starts[id] = (starts[id] ?? 0) + 1);
  return {
    starts,
    rejecting: (id: string) =>
      fromPromise(async () => {
        count(id);
        throw new Error(`${id} rejected`);
      }),
    throwingCallback: (id: string) =>
      fromCallback(() => {
        count(id);
        throw new Error(`${id} threw`);
      }),
    throwingMachine: (id: string) =>
      createMachine({
        entry: () => {
          count(id);
          throw new Error(`${id} action threw`);
        }
      }),
    healthy: (id: string) =>
      fromCallback(() => {
        count(id);
        return () => {};
      }),
    finishing: (id: string) =>
      fromPromise(async () => {
        count(id);
        return 'done';
      })
  };
}

const policy = (over: Partial<SupervisionPolicy> = {}): SupervisionPolicy =>
  supervisionPolicySchema.parse({
    intensity: 10,
    periodMs: 60_000,
    backoff: { minMs: 100, maxMs: 1_000, factor: 2 },
    ...over
  });

const spec = (id: string, src: AnyActorLogic, restart: RestartType = 'permanent'): ChildSpec => ({
  id,
  src,
  restart
});

function startSupervisor(input: SupervisorInput) {
  const clock = new SimulatedClock(0n);
  const actor = createActor(supervisorMachine, { input, clock });
  const emitted: SupervisorEmitted[] = [];
  actor.on('*', (e) => void emitted.push(e as SupervisorEmitted));
  actor.start();
  return { actor, clock, emitted };
}

describe('supervisorMachine: restarts', () => {
  it('restarts a rejecting fromPromise child after an exponential backoff on the simulated clock', async () => {
    const c = crashers();
    const s = startSupervisor({
      name: 'md',
      children: [spec('feed', c.rejecting('feed'))],
      policy: policy()
    });
    await flush();
    expect(c.starts.feed).toBe(1);
    expect(s.emitted.map((e) => e.type)).toEqual(['supervisor.child_failed', 'supervisor.child_restarting']);
    s.clock.advanceTo(ms(99));
    expect(c.starts.feed).toBe(1);
    s.clock.advanceTo(ms(100)); // 1st restart after minMs
    await flush();
    expect(c.starts.feed).toBe(2);
    s.clock.advanceTo(ms(299));
    expect(c.starts.feed).toBe(2);
    s.clock.advanceTo(ms(300)); // 2nd after 200 ms
    await flush();
    s.clock.advanceTo(ms(700)); // 3rd after 400 ms
    await flush();
    s.clock.advanceTo(ms(1_500)); // 4th after 800 ms
    await flush();
    s.clock.advanceTo(ms(2_500)); // 5th: capped at maxMs = 1000
    await flush();
    expect(c.starts.feed).toBe(6);
    const delays = s.emitted.flatMap((e) => (e.type === 'supervisor.child_restarting' ? [e.delayMs] : []));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(s.actor.getSnapshot().value).toBe('RUNNING');
  });

  it('restarts a fromCallback child that throws and a machine child whose action throws', async () => {
    const c = crashers();
    const s = startSupervisor({
      name: 'x',
      children: [spec('cb', c.throwingCallback('cb')), spec('m', c.throwingMachine('m'), 'transient')],
      policy: policy({ backoff: { minMs: 10, maxMs: 10, factor: 1 } })
    });
    await flush();
    const failed = s.emitted.filter((e) => e.type === 'supervisor.child_failed');
    expect(
      failed.map((e) => (e.type === 'supervisor.child_failed' ? [e.childId, e.error] : [])).sort()
    ).toEqual([
      ['cb', 'Error: cb threw'],
      ['m', 'Error: m action threw']
    ]);
    s.clock.advanceTo(ms(10));
    await flush();
    expect([c.starts.cb, c.starts.m]).toEqual([2, 2]);
  });

  it('one_for_one restarts only the failed child; one_for_all restarts its siblings too', async () => {
    for (const strategy of ['one_for_one', 'one_for_all'] as const) {
      const c = crashers();
      let crash = true;
      const flaky = fromPromise(async () => {
        c.starts.flaky = (c.starts.flaky ?? 0) + 1;
        if (crash) throw new Error('flaky');
        return new Promise(() => {});
      });
      const s = startSupervisor({
        name: strategy,
        children: [spec('a', c.healthy('a')), spec('flaky', flaky), spec('b', c.healthy('b'))],
        policy: policy({ strategy })
      });
      await flush();
      crash = false;
      s.clock.advanceTo(ms(100));
      await flush();
      expect(c.starts.flaky).toBe(2);
      expect([c.starts.a, c.starts.b]).toEqual(strategy === 'one_for_one' ? [1, 1] : [2, 2]);
      expect(Object.keys(s.actor.getSnapshot().children).sort()).toEqual(['a', 'b', 'flaky']);
    }
  });

  it('follows restart types: transient and temporary children that complete are not restarted, permanent ones are', async () => {
    const c = crashers();
    const s = startSupervisor({
      name: 'types',
      children: [
        spec('perm', c.finishing('perm'), 'permanent'),
        spec('trans', c.finishing('trans'), 'transient'),
        spec('temp', c.rejecting('temp'), 'temporary')
      ],
      policy: policy({ intensity: 1 })
    });
    await flush();
    s.clock.advanceTo(ms(100));
    await flush();
    expect([c.starts.perm, c.starts.trans, c.starts.temp]).toEqual([2, 1, 1]);
    const exited = s.emitted.flatMap((e) => (e.type === 'supervisor.child_exited' ? [e.childId] : []));
    expect(exited.sort()).toEqual(['temp', 'trans']);
  });
});

describe('supervisorMachine: intensity and escalation', () => {
  const root = (children: ChildSpec[], p: SupervisionPolicy, withKillSwitch: boolean) =>
    setup({ actors: { killSwitch: killSwitchMachine, supervisor: supervisorMachine } }).createMachine({
      invoke: [
        ...(withKillSwitch
          ? [{ src: 'killSwitch' as const, id: 'ks', systemId: 'killSwitch', input: {} }]
          : []),
        { src: 'supervisor' as const, id: 'sup', input: { name: 'md', children, policy: p } }
      ]
    });

  async function crashLoop(withKillSwitch: boolean) {
    const c = crashers();
    const clock = new SimulatedClock(ms(5_000));
    const actor = createActor(
      root([spec('feed', c.rejecting('feed'))], policy({ intensity: 2, periodMs: 1_000 }), withKillSwitch),
      { clock }
    );
    actor.start();
    const sup = actor.getSnapshot().children.sup!;
    const emitted: SupervisorEmitted[] = [];
    sup.on('*', (e: SupervisorEmitted) => void emitted.push(e));
    await flush(); // crash 1 → restart in 100 ms
    clock.advanceTo(ms(5_100));
    await flush(); // crash 2 → restart in 200 ms
    clock.advanceTo(ms(5_300));
    await flush(); // crash 3: a 3rd restart within 1000 ms exceeds intensity 2
    return { actor, sup, emitted, c, clock };
  }

  it('escalates after more than `intensity` restarts within `periodMs`, and trips the kill switch', async () => {
    const r = await crashLoop(true);
    expect(r.sup.getSnapshot().status).toBe('done');
    const esc = r.emitted.filter((e) => e.type === 'supervisor.escalated');
    expect(esc).toEqual([
      expect.objectContaining({
        childId: 'feed',
        restarts: 3,
        intensity: 2,
        periodMs: 1_000,
        tsEvent: ms(5_300)
      })
    ]);
    const ks = r.actor.system.get('killSwitch')!;
    expect(ks.getSnapshot().value).toBe('HALTED');
    expect(ks.getSnapshot().context.lastTrip).toMatchObject({ trigger: 'supervisor', by: 'supervisor:md' });
    r.clock.advanceTo(ms(60_000));
    await flush();
    expect(r.c.starts.feed).toBe(3); // no restart after escalation
  });

  it('escalates safely when no kill switch is registered', async () => {
    const r = await crashLoop(false);
    expect(r.sup.getSnapshot().status).toBe('done');
    expect(r.emitted.some((e) => e.type === 'supervisor.escalated')).toBe(true);
    expect(r.actor.getSnapshot().status).toBe('active');
  });

  it('does not escalate when the crashes are spread wider than the period', async () => {
    const c = crashers();
    const s = startSupervisor({
      name: 'slow',
      children: [spec('feed', c.rejecting('feed'))],
      policy: policy({ intensity: 1, periodMs: 1_000, backoff: { minMs: 1_500, maxMs: 1_500, factor: 1 } })
    });
    for (let k = 1; k <= 5; k++) {
      await flush();
      s.clock.advanceTo(ms(1_500 * k));
    }
    await flush();
    expect(c.starts.feed).toBe(6);
    expect(s.actor.getSnapshot().value).toBe('RUNNING');
  });

  it('computes the backoff as min(maxMs, minMs · factor^k)', () => {
    const p = policy({ backoff: { minMs: 50, maxMs: 300, factor: 3 } });
    expect([0, 1, 2, 3].map((k) => backoffMs(p, k))).toEqual([50, 150, 300, 300]);
  });
});
