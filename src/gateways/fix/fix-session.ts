import { type Actor, createActor } from 'xstate';
import { fixTcpTransport } from '../../actors/fix-tcp.actor.ts';
import { fixSessionMachine } from '../../machines/fix-session.machine.ts';
import type { Clock } from '../../time/clock.ts';
import type { FixSessionConfig } from './session.ts';
import type { FixSessionStore } from './session-store.ts';

export type FixSessionActor = Actor<typeof fixSessionMachine>;

/** A FIX session actor over TCP: the pure session machine with the node:net transport provided. Call `.start()` then send `session.start`. */
export function createFixSession(
  config: FixSessionConfig,
  store: FixSessionStore,
  clock: Clock
): FixSessionActor {
  const machine = fixSessionMachine.provide({ actors: { transport: fixTcpTransport } });
  return createActor(machine, { input: { config, store, clock }, clock });
}
