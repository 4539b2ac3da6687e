import { type AnyActorLogic, type AnyActorRef, assign, emit, enqueueActions, raise, setup } from 'xstate';
import type { Nanos } from '../core/nanos.ts';
import type { SupervisionPolicy } from '../risk/risk-config.ts';
import type { KillSwitchEvent } from './kill-switch.machine.ts';

/**
 * An OTP-style supervisor for XState actors (XState stops a failed actor and tells its parent; nothing
 * restarts it — this does).
 *
 * It spawns its children on start. When a child fails (`xstate.error.actor.<id>`) or ends
 * (`xstate.done.actor.<id>`), its restart type decides: `permanent` restarts after failure and after
 * normal completion, `transient` after failure only, `temporary` never. A restart waits for the named
 * delay `backoff` — `min(maxMs, minMs · factor^k)` where k is the number of restarts already made within the
 * current period — and then respawns the child with the same id and input (`one_for_one`), or stops every
 * child and respawns them all (`one_for_all`).
 *
 * Intensity: if a restart would make more than `intensity` restarts within `periodMs` (counted with the
 * named delay `period` on the actor's clock), the supervisor escalates instead: it stops every child, emits
 * `supervisor.escalated`, sends `killswitch.trip` to the actor registered as `killSwitchId` (default
 * `killSwitch`) when there is one, and ends in the final state ESCALATED.
 */

/** How a child is restarted (OTP). */
export type RestartType = 'permanent' | 'transient' | 'temporary';

export interface ChildSpec {
  /** The child's actor id (unique among the supervisor's children). */
  readonly id: string;
  readonly src: AnyActorLogic;
  readonly input?: unknown;
  /** Registers the child in the actor system under this id. */
  readonly systemId?: string;
  readonly restart: RestartType;
}

export interface SupervisorInput {
  /** The supervisor's name, in audit events and in the kill-switch trip's `by`. */
  readonly name: string;
  readonly children: readonly ChildSpec[];
  readonly policy: SupervisionPolicy;
  /** System id of the kill switch to trip on escalation; default `killSwitch`. */
  readonly killSwitchId?: string;
}

export interface SupervisorContext {
  readonly name: string;
  readonly children: readonly ChildSpec[];
  readonly policy: SupervisionPolicy;
  readonly killSwitchId: string;
  /** Restarts made within the current period. */
  readonly recent: number;
  /** Restarts made in total. */
  readonly restarts: number;
  /** Children waiting for their restart. */
  readonly pending: readonly string[];
}

/** The child events XState delivers, plus the supervisor's own timers (internal). */
export type SupervisorEvent =
  | { readonly type: `xstate.error.actor.${string}`; readonly error: unknown }
  | { readonly type: `xstate.done.actor.${string}`; readonly output?: unknown }
  | { readonly type: 'supervisor.restart_due'; readonly childIds: readonly string[] }
  | { readonly type: 'supervisor.restart_expired' };

/** Audit events. */
export type SupervisorEmitted =
  | {
      readonly type: 'supervisor.child_failed';
      readonly supervisor: string;
      readonly childId: string;
      readonly error: string;
    }
  | { readonly type: 'supervisor.child_exited'; readonly supervisor: string; readonly childId: string }
  | {
      readonly type: 'supervisor.child_restarting';
      readonly supervisor: string;
      readonly childIds: readonly string[];
      readonly delayMs: number;
      readonly recent: number;
    }
  | { readonly type: 'supervisor.child_restarted'; readonly supervisor: string; readonly childId: string }
  | {
      readonly type: 'supervisor.escalated';
      readonly supervisor: string;
      readonly childId: string;
      readonly restarts: number;
      readonly intensity: number;
      readonly periodMs: number;
      readonly error: string;
      readonly tsEvent: Nanos;
    };

type Ctx = SupervisorContext;
type Ev = SupervisorEvent;

const ERROR_PREFIX = 'xstate.error.actor.';
const DONE_PREFIX = 'xstate.done.actor.';

/** The child an `xstate.error.actor.*` / `xstate.done.actor.*` event is about. */
function childOf(ctx: Ctx, e: Ev): ChildSpec | undefined {
  const id = e.type.startsWith(ERROR_PREFIX)
    ? e.type.slice(ERROR_PREFIX.length)
    : e.type.startsWith(DONE_PREFIX)
      ? e.type.slice(DONE_PREFIX.length)
      : undefined;
  return id === undefined ? undefined : ctx.children.find((c) => c.id === id);
}

const failed = (e: Ev): boolean => e.type.startsWith(ERROR_PREFIX);

/** Whether the child's end calls for a restart under its restart type. */
function wantsRestart(ctx: Ctx, e: Ev): boolean {
  const c = childOf(ctx, e);
  if (c === undefined || c.restart === 'temporary') return false;
  return c.restart === 'permanent' || failed(e);
}

function describeError(e: Ev): string {
  if (!('error' in e)) return 'completed';
  const err = e.error;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Which children a restart brings back. */
function restartSet(ctx: Ctx, e: Ev): string[] {
  const c = childOf(ctx, e)!;
  if (ctx.policy.strategy === 'one_for_one') return [c.id];
  return ctx.children.filter((s) => s.restart !== 'temporary' || s.id === c.id).map((s) => s.id);
}

/** Backoff before the next restart, from the restarts already made in this period. */
export function backoffMs(policy: SupervisionPolicy, recentBefore: number): number {
  const b = policy.backoff;
  return Math.min(b.maxMs, Math.round(b.minMs * b.factor ** recentBefore));
}

/**
 * Spawn options for a child given as logic (not registered in `setup({ actors })`): XState types `id` as
 * `undefined` for such logic, but accepts an id at run time — which is how the parent learns which child failed.
 */
function spawnOptions(c: ChildSpec): { id?: undefined; input?: unknown; systemId?: string } {
  const o = { id: c.id, input: c.input, ...(c.systemId ? { systemId: c.systemId } : {}) };
  return o as unknown as { id?: undefined; input?: unknown; systemId?: string };
}

/** Event time from the actor's clock when it has one (tradestate's clocks do), else 0. */
function clockNow(system: { readonly _clock: unknown }): Nanos {
  const c = system._clock as { now?: () => Nanos };
  return typeof c.now === 'function' ? c.now() : 0n;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    emitted: {} as SupervisorEmitted
  },
  delays: {
    /** Wait before restarting: grows with the restarts made within the current period. */
    backoff: ({ context }) => backoffMs(context.policy, Math.max(0, context.recent - 1)),
    /** How long one restart counts against the intensity. */
    period: ({ context }) => context.policy.periodMs
  },
  guards: {
    wantsRestart: ({ context, event }) => wantsRestart(context, event),
    exceedsIntensity: ({ context, event }) =>
      wantsRestart(context, event) && context.recent + 1 > context.policy.intensity,
    isChildEvent: ({ context, event }) => childOf(context, event) !== undefined
  },
  actions: {
    startChildren: enqueueActions(({ context, enqueue }) => {
      for (const c of context.children) {
        enqueue.spawnChild(c.src, spawnOptions(c));
      }
    }),
    /**
     * XState stops a failed actor but not its children (its invoked sockets, timers, callbacks keep running).
     * Stop them, so a restarted child does not compete with its predecessor's leftovers.
     */
    reapFailed: ({ event, self }) => {
      const id = event.type.startsWith(ERROR_PREFIX) ? event.type.slice(ERROR_PREFIX.length) : undefined;
      const failedRef =
        id === undefined ? undefined : (self.getSnapshot().children as Record<string, AnyActorRef>)[id];
      const kids = (failedRef?.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined)
        ?.children;
      // a parent stops its children by sending them XState's stop event; the failed parent no longer can
      for (const kid of Object.values(kids ?? {})) kid.send({ type: 'xstate.stop' });
    },
    reportFailure: emit(({ context, event }) => ({
      type: 'supervisor.child_failed' as const,
      supervisor: context.name,
      childId: childOf(context, event)!.id,
      error: describeError(event)
    })),
    reportExit: enqueueActions(({ context, event, enqueue }) => {
      const c = childOf(context, event)!;
      enqueue.stopChild(c.id);
      enqueue.emit({ type: 'supervisor.child_exited', supervisor: context.name, childId: c.id });
    }),
    /** Count the restart, stop what must be stopped, and schedule the restart and the count's expiry. */
    scheduleRestart: enqueueActions(({ context, event, enqueue }) => {
      const ids = restartSet(context, event);
      const delayMs = backoffMs(context.policy, context.recent);
      for (const id of ids) enqueue.stopChild(id);
      enqueue.assign({
        recent: context.recent + 1,
        restarts: context.restarts + 1,
        pending: [...context.pending.filter((p) => !ids.includes(p)), ...ids]
      });
      enqueue.emit({
        type: 'supervisor.child_restarting',
        supervisor: context.name,
        childIds: ids,
        delayMs,
        recent: context.recent + 1
      });
      enqueue(raise({ type: 'supervisor.restart_due', childIds: ids }, { delay: 'backoff' }));
      enqueue(raise({ type: 'supervisor.restart_expired' }, { delay: 'period' }));
    }),
    restartChildren: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'supervisor.restart_due') return;
      for (const id of event.childIds) {
        const c = context.children.find((s) => s.id === id);
        if (c === undefined) continue;
        enqueue.stopChild(id);
        enqueue.spawnChild(c.src, spawnOptions(c));
        enqueue.emit({ type: 'supervisor.child_restarted', supervisor: context.name, childId: id });
      }
      enqueue.assign({ pending: context.pending.filter((p) => !event.childIds.includes(p)) });
    }),
    expireRestart: assign({ recent: ({ context }) => Math.max(0, context.recent - 1) }),
    /** Stop every child, audit, and trip the kill switch if one is registered (sendTo to a missing actor would throw). */
    escalate: enqueueActions(({ context, event, enqueue, system }) => {
      for (const c of context.children) enqueue.stopChild(c.id);
      const tsEvent = clockNow(system);
      const error = describeError(event);
      const childId = childOf(context, event)!.id;
      enqueue.emit({
        type: 'supervisor.escalated',
        supervisor: context.name,
        childId,
        restarts: context.recent + 1,
        intensity: context.policy.intensity,
        periodMs: context.policy.periodMs,
        error,
        tsEvent
      });
      const killSwitch = system.get(context.killSwitchId);
      if (killSwitch !== undefined) {
        const trip: KillSwitchEvent = {
          type: 'killswitch.trip',
          by: `supervisor:${context.name}`,
          reason: `supervisor escalation: ${childId} restarted more than ${context.policy.intensity} times in ${context.policy.periodMs} ms (${error})`,
          trigger: 'supervisor',
          tsEvent
        };
        enqueue.sendTo(killSwitch, trip);
      }
    })
  }
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    name: input.name,
    children: input.children,
    policy: input.policy,
    killSwitchId: input.killSwitchId ?? 'killSwitch',
    recent: 0,
    restarts: 0,
    pending: []
  }),
  initial: 'RUNNING',
  states: {
    RUNNING: {
      entry: 'startChildren',
      on: {
        'xstate.error.actor.*': [
          {
            guard: 'exceedsIntensity',
            target: 'ESCALATED',
            actions: ['reapFailed', 'reportFailure', 'escalate']
          },
          { guard: 'wantsRestart', actions: ['reapFailed', 'reportFailure', 'scheduleRestart'] },
          { guard: 'isChildEvent', actions: ['reapFailed', 'reportFailure', 'reportExit'] }
        ],
        'xstate.done.actor.*': [
          { guard: 'exceedsIntensity', target: 'ESCALATED', actions: 'escalate' },
          { guard: 'wantsRestart', actions: 'scheduleRestart' },
          { guard: 'isChildEvent', actions: 'reportExit' }
        ],
        'supervisor.restart_due': { actions: 'restartChildren' },
        'supervisor.restart_expired': { actions: 'expireRestart' }
      }
    },
    ESCALATED: { type: 'final' }
  }
});
