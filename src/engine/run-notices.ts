import type { Nanos } from '../core/nanos.ts';
import type { EventLog, LogIds } from '../log/event-log.ts';

/** The kill switch leaving ACTIVE: to HALTED (`killswitch.tripped`) or REDUCING (`killswitch.reduced`). */
export interface KillSwitchNotice {
  readonly ts: Nanos;
  readonly to: 'HALTED' | 'REDUCING';
  readonly trigger: string;
  readonly reason: string;
}

/** A strategy its supervisor saw fail (`supervisor.child_failed`). */
export interface StrategyFailureNotice {
  readonly strategyId: string;
  readonly failures: number;
  /** Restarts made (`supervisor.child_restarted`). */
  readonly restarts: number;
  /** The supervisor gave up on it (`supervisor.escalated`): stopped for good, the kill switch tripped. */
  readonly escalated: boolean;
  /** The first failure's error. */
  readonly firstError: string;
}

/** What a run's log says that its metrics do not: the kill switch, strategy failures, intents not acted on. */
export interface RunNotices {
  /** The kill switch's first trip or reduction; undefined when it stayed ACTIVE. */
  readonly killSwitch: KillSwitchNotice | undefined;
  /** Trips and reductions in all (`killswitch.tripped`, `killswitch.reduced`). */
  readonly killSwitchTrips: number;
  /** Actions of halted strategies that were not acted on (`strategy.intents_discarded`, one per action). */
  readonly intentsDiscarded: number;
  /** Of those, the ones after the kill switch's first trip or reduction. */
  readonly intentsDiscardedAfterTrip: number;
  /** Per strategy that failed, in the order of their first failure. */
  readonly strategyFailures: readonly StrategyFailureNotice[];
}

const STRATEGY_CHILD = 'strategy:';

/**
 * An {@link EventLog} that passes every record on and notes the ones a run's user must hear of however well it did
 * ({@link RunNotices}): the backtest prints them as warnings at the end of the run.
 */
export class NoticingLog implements EventLog {
  readonly #log: EventLog;
  #killSwitch: KillSwitchNotice | undefined;
  #trips = 0;
  #discarded = 0;
  #discardedAfter = 0;
  readonly #failures = new Map<
    string,
    { failures: number; restarts: number; escalated: boolean; firstError: string }
  >();

  constructor(log: EventLog) {
    this.#log = log;
  }

  get count(): number {
    return this.#log.count;
  }

  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    this.#log.append(ts, type, component, ids, payload);
    // the records noted start with k or s: most records are passed on after one comparison
    const c = type.charCodeAt(0);
    if (c === 107 /* k */) this.#killSwitchRecord(ts, type, payload);
    else if (c === 115 /* s */) this.#strategyRecord(type, payload);
  }

  close(): void {
    this.#log.close();
  }

  get notices(): RunNotices {
    return {
      killSwitch: this.#killSwitch,
      killSwitchTrips: this.#trips,
      intentsDiscarded: this.#discarded,
      intentsDiscardedAfterTrip: this.#discardedAfter,
      strategyFailures: [...this.#failures].map(([strategyId, f]) => ({ strategyId, ...f }))
    };
  }

  #killSwitchRecord(ts: Nanos, type: string, payload: unknown): void {
    if (type !== 'killswitch.tripped' && type !== 'killswitch.reduced') return;
    this.#trips++;
    const p = payload as { trigger?: unknown; reason?: unknown; tsEvent?: unknown };
    this.#killSwitch ??= {
      ts: typeof p.tsEvent === 'bigint' ? p.tsEvent : ts,
      to: type === 'killswitch.tripped' ? 'HALTED' : 'REDUCING',
      trigger: String(p.trigger),
      reason: String(p.reason)
    };
  }

  #strategyRecord(type: string, payload: unknown): void {
    if (type === 'strategy.intents_discarded') {
      const n = (payload as { intents?: readonly unknown[] }).intents?.length ?? 0;
      this.#discarded += n;
      if (this.#killSwitch !== undefined) this.#discardedAfter += n;
      return;
    }
    if (!type.startsWith('supervisor.')) return;
    const p = payload as { childId?: unknown; error?: unknown };
    if (typeof p.childId !== 'string' || !p.childId.startsWith(STRATEGY_CHILD)) return;
    const id = p.childId.slice(STRATEGY_CHILD.length);
    if (type === 'supervisor.child_failed') {
      const f = this.#failures.get(id);
      if (f) f.failures++;
      else
        this.#failures.set(id, { failures: 1, restarts: 0, escalated: false, firstError: String(p.error) });
      return;
    }
    const f = this.#failures.get(id);
    if (!f) return;
    if (type === 'supervisor.child_restarted') f.restarts++;
    else if (type === 'supervisor.escalated') f.escalated = true;
  }
}
