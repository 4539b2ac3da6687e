import { fromCallback } from 'xstate';
import type { ChildSpec } from '../machines/supervisor.machine.ts';
import type { Clock } from '../time/clock.ts';

/** Options of {@link reconcilerActor}. */
export interface ReconcilerOptions {
  /** Reconcile every order with the venue by client order id (idempotent: GETs only). */
  readonly reconcile: () => Promise<void>;
  /** Time between two passes (ms of `clock`), counted from the end of the previous pass. */
  readonly everyMs: number;
  readonly clock: Clock;
  /**
   * A pass that failed, or an `onDone` that threw (the next pass still runs). Called from a promise callback:
   * it should not throw (what it throws is an unhandled rejection; the next pass still runs).
   */
  readonly onError: (e: unknown) => void;
  /** A pass that finished (for the audit log); what it throws goes to `onError`. */
  readonly onDone?: (pass: number) => void;
}

/**
 * Periodic reconciliation as an actor, so it runs under the trading node's gateway supervisor: a pass at
 * start, then one `everyMs` after each pass ends (never two at once). Stopping the actor cancels the next
 * pass; one in flight finishes but reports nothing.
 */
export function reconcilerActor(o: ReconcilerOptions) {
  return fromCallback(() => {
    let stopped = false;
    let timer: unknown;
    let pass = 0;
    const run = (): void => {
      timer = undefined;
      if (stopped) return;
      pass++;
      const n = pass;
      const next = (): void => {
        if (!stopped) timer = o.clock.setTimeout(run, o.everyMs); // onDone or onError may have stopped it
      };
      o.reconcile().then(
        () => {
          if (stopped) return;
          try {
            o.onDone?.(n);
          } catch (e) {
            o.onError(e); // an audit log that cannot take the record
          } finally {
            next();
          }
        },
        (e: unknown) => {
          if (stopped) return;
          try {
            o.onError(e);
          } finally {
            next();
          }
        }
      );
    };
    run();
    return () => {
      stopped = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
    };
  });
}

/** The reconciler as a permanent child of a supervisor. */
export function reconcilerChild(o: ReconcilerOptions): ChildSpec {
  return { id: 'reconciler', systemId: 'reconciler', src: reconcilerActor(o), restart: 'permanent' };
}
