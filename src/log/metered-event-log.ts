import type { Nanos } from '../core/nanos.ts';
import type { EventLog, LogIds } from './event-log.ts';

/** Something that derives state from every log record (a `TradingMetrics` is one). */
export interface EventLogObserver {
  /** Called after each record was appended, with the same arguments. */
  observe(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void;
  /** Called when {@link observe} threw for a record (the record itself was logged). */
  observeFailed(error: unknown): void;
}

/**
 * An {@link EventLog} that forwards every append to `inner`, then shows the record to an observer (the
 * session's metrics). The log comes first: the record is appended before the observer sees it, an observer
 * that throws never loses or blocks a line (the error is caught and reported to `observeFailed`, which counts
 * it in `tradestate_metrics_errors_total`), and an append that throws is not observed.
 */
export class MeteredEventLog implements EventLog {
  /** The log records go to. */
  readonly inner: EventLog;
  readonly #observer: EventLogObserver;

  constructor(inner: EventLog, observer: EventLogObserver) {
    this.inner = inner;
    this.#observer = observer;
  }

  get count(): number {
    return this.inner.count;
  }

  append(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    this.inner.append(ts, type, component, ids, payload);
    try {
      this.#observer.observe(ts, type, component, ids, payload);
    } catch (e) {
      try {
        this.#observer.observeFailed(e);
      } catch {
        // counting the failure failed too: the line is logged, nothing more to do
      }
    }
  }

  close(): void {
    this.inner.close();
  }
}

/**
 * One observer that shows every record to each of `observers` in turn (the session's metrics and its
 * dashboard share one {@link MeteredEventLog}). Each is isolated: one that throws has the error reported to its
 * own `observeFailed` and never keeps the others from seeing the record.
 */
export function fanOut(...observers: readonly EventLogObserver[]): EventLogObserver {
  return {
    observe(ts, type, component, ids, payload): void {
      for (const o of observers) {
        try {
          o.observe(ts, type, component, ids, payload);
        } catch (e) {
          try {
            o.observeFailed(e);
          } catch {
            // counting the failure failed too: the others still see the record
          }
        }
      }
    },
    observeFailed(error: unknown): void {
      for (const o of observers) {
        try {
          o.observeFailed(error);
        } catch {
          // nothing more to do
        }
      }
    }
  };
}
