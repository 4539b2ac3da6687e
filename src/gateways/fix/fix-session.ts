import { type Actor, createActor } from 'xstate';
import { fixTcpTransport } from '../../actors/fix-tcp.actor.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import { fixSessionMachine } from '../../machines/fix-session.machine.ts';
import type { Clock } from '../../time/clock.ts';
import type { FixMessage } from './parser.ts';
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

/**
 * Stop `session` cleanly: a logged-on session sends Logout (`text`) and waits for the peer's Logout (or its own
 * logout timeout) before it closes; an acceptor with no client just stops listening. Resolves once the session
 * has stopped, or after `waitMs` at most, and then stops the actor in any case.
 */
export async function stopFixSession(session: FixSessionActor, text: string, waitMs = 1000): Promise<void> {
  if (session.getSnapshot().status === 'active') {
    const stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(finish, waitMs);
      function finish(): void {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      }
      const sub = session.subscribe({ complete: finish, error: finish });
    });
    session.send({ type: 'session.stop', text });
    await stopped;
  }
  session.stop();
}

/**
 * Handle every application message `session` delivers with `handle`; whatever it throws goes to `errors` as a
 * typed error (an untyped one becomes `TRD_ERR_FIX_VALIDATION` naming the MsgType), so one bad message never
 * stops a gateway.
 */
export function onFixApp(
  session: FixSessionActor,
  errors: { next(e: TradestateError): void },
  handle: (msg: FixMessage) => void
): void {
  session.on('fix.app', (e) => {
    try {
      handle(e.msg);
    } catch (err) {
      errors.next(
        isTradestateError(err)
          ? err
          : new TradestateError(ErrorCode.FIX_VALIDATION, String(err), { msgType: e.msg.msgType })
      );
    }
  });
}
