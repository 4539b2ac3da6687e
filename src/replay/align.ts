import type { Nanos } from '../core/nanos.ts';
import type { FillPolicy } from '../data/clean.ts';
import type { Bar } from '../messages/market-data.ts';
import type { ReplayEvent } from './replay-clock.ts';

/** One instant across assets: each instrument's bar, a forward-filled stand-in, or nothing. */
export interface AlignedSlice {
  readonly ts: Nanos;
  /** Same order as the aligner's instruments; `undefined` = no data for it at `ts` (policy `none`). */
  readonly bars: readonly (Bar | undefined)[];
  /** `filled[i]` is true when `bars[i]` is a flat forward-filled bar, not data. */
  readonly filled: readonly boolean[];
}

/**
 * Aligns several instruments on common instants with an explicit missing-data policy:
 * - `none`: every instant where at least one instrument has a bar (or every step) is emitted; the others are `undefined`;
 * - `forward-fill`: the others get a flat bar at their last close (volume 0, `filled` = true); before an
 *   instrument's first bar it stays `undefined` — nothing is invented from the future;
 * - `skip`: an instant is emitted only when every instrument has a real bar.
 * Feed it the replay's events (`bars` and, in time-stepped mode, `step`); it only ever uses bars already
 * delivered, so alignment cannot look ahead.
 */
export class Aligner {
  readonly instruments: readonly string[];
  readonly policy: FillPolicy;
  readonly #index: Map<string, number>;
  readonly #last: (Bar | undefined)[];
  readonly #mode: 'event' | 'step';
  #pending: (Bar | undefined)[];

  /**
   * `event` (default): one slice per `bars` event (each distinct bar close). `step`: one slice per
   * `step` event of a time-stepped replay, holding each instrument's latest bar of that step.
   */
  constructor(instruments: readonly string[], policy: FillPolicy, mode: 'event' | 'step' = 'event') {
    this.instruments = [...instruments];
    this.policy = policy;
    this.#mode = mode;
    this.#index = new Map(this.instruments.map((id, i) => [id, i]));
    this.#last = this.instruments.map(() => undefined);
    this.#pending = this.instruments.map(() => undefined);
  }

  /** Consume a replay event; returns the slice it completes, or undefined (none completed, or the policy drops it). */
  onEvent(ev: ReplayEvent): AlignedSlice | undefined {
    if (ev.kind === 'session') return undefined;
    if (ev.kind === 'bars') {
      for (const b of ev.bars) {
        const i = this.#index.get(b.instrumentId);
        if (i !== undefined) this.#pending[i] = b;
      }
      if (this.#mode === 'step') return undefined;
    } else if (this.#mode === 'event') return undefined;
    const row = this.#pending;
    this.#pending = this.instruments.map(() => undefined);
    return this.#slice(ev.ts, row);
  }

  #slice(ts: Nanos, row: (Bar | undefined)[]): AlignedSlice | undefined {
    const filled = row.map(() => false);
    for (let i = 0; i < row.length; i++) if (row[i]) this.#last[i] = row[i];
    if (this.policy === 'skip')
      return row.every((b) => b !== undefined) ? { ts, bars: row, filled } : undefined;
    if (row.every((b) => b === undefined) && this.policy === 'none') return { ts, bars: row, filled };
    if (this.policy === 'forward-fill') {
      for (let i = 0; i < row.length; i++) {
        const prev = this.#last[i];
        if (row[i] === undefined && prev !== undefined) {
          row[i] = {
            type: 'market.bar',
            instrumentId: prev.instrumentId,
            tsOpen: prev.tsEvent > ts ? ts : prev.tsEvent,
            tsEvent: ts,
            tsInit: ts,
            open: prev.close,
            high: prev.close,
            low: prev.close,
            close: prev.close,
            volume: 0
          };
          filled[i] = true;
        }
      }
    }
    return { ts, bars: row, filled };
  }
}
