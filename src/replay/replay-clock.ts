import { MAX_TIMER_MS } from '../core/duration.ts';
import { ErrorCode, isTradestateError, TradestateError } from '../core/errors.ts';
import { type Nanos, NS_PER_MS } from '../core/nanos.ts';
import type { BarSource } from '../data/bar-source.ts';
import { nyLocal, nyseDay, nysePhase, nyseSessionUtc, type SessionPhase } from '../data/nyse-calendar.ts';
import type { Bar } from '../messages/market-data.ts';
import { SimulatedClock } from '../time/clock.ts';

/** What the replay delivers, in time order. */
export type ReplayEvent =
  /** Every bar whose tsEvent is `ts` (all symbols), delivered when the clock reads `ts`, never before. */
  | { readonly kind: 'bars'; readonly ts: Nanos; readonly bars: readonly Bar[] }
  /** An NYSE session boundary (pre-market 04:00, open, close, after-hours end), at its exact instant. */
  | {
      readonly kind: 'session';
      readonly ts: Nanos;
      readonly phase: SessionPhase;
      readonly previous: SessionPhase;
    }
  /**
   * Time-stepped mode: the step ending at `ts` (a multiple of `stepNs`) is complete — emitted after the
   * bars stamped `ts`, if any, and whether or not any came.
   */
  | { readonly kind: 'step'; readonly ts: Nanos };

/** Wall-clock timers, injected so tests run on fake time. */
export interface WallTimers {
  /** Wall time in ms. */
  now(): number;
  /** Never asked for more than {@link MAX_WALL_WAIT_MS}: the replay waits longer in chunks. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/**
 * The longest single wall wait the replay asks of {@link WallTimers.setTimeout}: Node's limit,
 * {@link MAX_TIMER_MS} (a longer delay fires after 1 ms, TimeoutOverflowWarning).
 */
export const MAX_WALL_WAIT_MS = MAX_TIMER_MS;

export const systemTimers: WallTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof globalThis.setTimeout>)
};

export interface ReplayOptions {
  /**
   * `fast` (default): as fast as the consumer goes. A number N: N× real time (1 = real time), simulated
   * time mapped to wall time through an anchor so waits never drift.
   */
  readonly speed?: 'fast' | number;
  /** The simulated clock to drive (default a new one at the first event). Its timers fire in order. */
  readonly clock?: SimulatedClock;
  readonly timers?: WallTimers;
  /** Time-stepped mode: also stop at every multiple of this many ns and emit a `step` event. */
  readonly stepNs?: Nanos;
  /** Emit NYSE session boundaries as `session` events. */
  readonly calendar?: 'nyse';
  /**
   * At N× speed, a stretch of simulated time longer than this with nothing in it (a night, a weekend)
   * is crossed without waiting (default: 1 hour; 0 = never compress). The stretch runs from the clock to
   * the next bar, timer or session boundary (to a `pauseAt` only when no bar follows), so a pause inside it
   * does not shorten it: a replay paused while crossing it (at a `pauseAt`, on a condition or on request)
   * carries on crossing it when resumed, however close to its far side it stopped. Time-stepped `step`
   * events do not count as something in it — they are all still emitted, without waiting. Pacing resumes at
   * the far side; a timer armed inside the stretch while it is crossed (by a `step` handler, or while
   * paused) is paced from the instant it was armed.
   */
  readonly compressGapsOverNs?: Nanos;
}

/** A component whose state can be captured at a point of the replay. */
export interface Snapshottable {
  snapshot(): unknown;
}

/**
 * `idle` (not run yet), `running`, `paused`, `done` (the source is exhausted), `failed` (a run threw: bad
 * data, a throwing source, subscriber or timer — terminal, the source is released) or `closed` (abandoned
 * with {@link ReplayClock.close}).
 */
export type ReplayState = 'idle' | 'running' | 'paused' | 'done' | 'failed' | 'closed';

/**
 * Drives a {@link SimulatedClock} through a {@link BarSource}: event-driven (jump to the next bar
 * close) or time-stepped (`stepNs`), fast-forward or N× real time. A bar is delivered only once the
 * clock reads its tsEvent (its close), after every timer due at or before that instant, so no consumer
 * — handler or timer — can observe a bar before it is knowable. Pause at a timestamp or on a condition,
 * resume, single-step, and snapshot registered components at the paused instant.
 *
 * One run at a time: {@link run}, {@link step}, {@link snapshotAt} and {@link close} while a run is in
 * progress throw `TRD_ERR_INVALID_TRANSITION`. Any error out of a run (a source out of order →
 * `TRD_ERR_DATA_INVALID`, a throwing source, subscriber or timer) is terminal: the state becomes `failed`,
 * the source's iterator is returned (a file-backed source closes its handle), and later runs and steps
 * throw again — the same code and context for a {@link TradestateError}, else `TRD_ERR_INVALID_TRANSITION`
 * with the original as `cause`. A replay abandoned before its end must be {@link close}d.
 */
export class ReplayClock {
  readonly clock: SimulatedClock;
  readonly #it: AsyncIterator<readonly Bar[]>;
  readonly #speed: 'fast' | number;
  readonly #timers: WallTimers;
  readonly #stepNs: Nanos | undefined;
  readonly #calendar: 'nyse' | undefined;
  readonly #compressNs: Nanos;
  readonly #subs = new Set<(ev: ReplayEvent) => void>();
  readonly #components = new Map<string, Snapshottable>();
  #batch: readonly Bar[] = [];
  #bi = 0;
  #eof = false;
  #state: ReplayState = 'idle';
  #pauseAt: Nanos | undefined;
  #pauseWhen: ((ev: ReplayEvent) => boolean) | undefined;
  #pauseRequested = false;
  #started = false;
  #phase: SessionPhase | undefined;
  #anchor: { wall: number; sim: Nanos } | undefined;
  #wake: { id: unknown; resolve: () => void } | undefined;
  #delivered = 0;
  #lastTs: Nanos | undefined;
  #failure: unknown;
  /** The pause of the {@link snapshotAt} under way is at most the data's last instant. */
  #pauseWithinData = false;

  constructor(source: BarSource, opts: ReplayOptions = {}) {
    this.#it = source[Symbol.asyncIterator]();
    this.#speed = opts.speed ?? 'fast';
    if (typeof this.#speed === 'number' && !(this.#speed > 0)) {
      throw new TradestateError(
        ErrorCode.CONFIG_INVALID,
        `replay speed must be positive, got ${this.#speed}`
      );
    }
    this.clock = opts.clock ?? new SimulatedClock();
    this.#started = opts.clock !== undefined;
    this.#timers = opts.timers ?? systemTimers;
    this.#stepNs = opts.stepNs;
    if (this.#stepNs !== undefined && this.#stepNs <= 0n) {
      throw new TradestateError(ErrorCode.CONFIG_INVALID, 'stepNs must be positive');
    }
    this.#calendar = opts.calendar;
    this.#compressNs = opts.compressGapsOverNs ?? 3_600_000_000_000n;
  }

  get state(): ReplayState {
    return this.#state;
  }

  /** Bars delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  now(): Nanos {
    return this.clock.now();
  }

  /** Listen to every event; returns an unsubscribe function. */
  subscribe(fn: (ev: ReplayEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  /** Register a component for {@link snapshot}. */
  register(name: string, component: Snapshottable): void {
    if (this.#components.has(name)) {
      throw new TradestateError(ErrorCode.CONFIG_INVALID, `component ${name} already registered`, { name });
    }
    this.#components.set(name, component);
  }

  /** Every registered component's state, now. */
  snapshot(): { ts: Nanos; components: Record<string, unknown> } {
    const components: Record<string, unknown> = {};
    for (const [k, c] of this.#components) components[k] = structuredClone(c.snapshot());
    return { ts: this.clock.now(), components };
  }

  /**
   * Pause once the clock reaches `ts` (events at `ts` included, nothing later). One target at a time (a
   * new call replaces it); it is spent once reached, whether by {@link run} or by {@link step}.
   */
  pauseAt(ts: Nanos): this {
    this.#pauseAt = ts;
    return this;
  }

  /** Pause right after delivering the first event for which `pred` is true. */
  pauseWhen(pred: ((ev: ReplayEvent) => boolean) | undefined): this {
    this.#pauseWhen = pred;
    return this;
  }

  /** Ask a running replay to pause after the current event. */
  pause(): void {
    this.#pauseRequested = true;
    if (this.#wake) {
      this.#timers.clearTimeout(this.#wake.id);
      const w = this.#wake;
      this.#wake = undefined;
      w.resolve();
    }
  }

  /**
   * Run until the end of the data or a pause. Resolves with the state reached (`paused` or `done`);
   * rejects with the error that failed the replay (see the class doc).
   */
  async run(): Promise<ReplayState> {
    if (this.#enter()) return 'done';
    return this.#drive(false);
  }

  /**
   * Deliver exactly the next group of bars (with the timers and boundaries before it), then pause.
   * Resolves `done` at once when no bar is left. A pending {@link pauseAt} is kept apart from the step's
   * own target, and the step stops at whichever comes first: a `pauseAt` before the group stops it there,
   * the group undelivered; one at the group's instant stops it after the group. Either way the `pauseAt`
   * is reached, so it is spent; one later than the group stays pending for the next run or step.
   */
  async step(): Promise<ReplayState> {
    if (this.#enter()) return 'done';
    return this.#drive(true);
  }

  /**
   * Run to `ts` and snapshot the registered components there. With `withinData`, a `ts` past the end of the data
   * is taken at the last bar's instant instead (the clock is not moved on, so no timer fires for the snapshot).
   */
  async snapshotAt(
    ts: Nanos,
    o: { readonly withinData?: boolean } = {}
  ): Promise<{ ts: Nanos; components: Record<string, unknown> }> {
    this.#enter(true);
    this.pauseAt(ts);
    this.#pauseWithinData = o.withinData === true;
    try {
      await this.run();
    } finally {
      this.#pauseWithinData = false;
    }
    return this.snapshot();
  }

  /**
   * Abandon the replay: return the source's iterator (a file-backed source closes its handle) and end in
   * state `closed`; later runs and steps throw `TRD_ERR_INVALID_TRANSITION`. Call it on a replay left idle
   * or paused before its end. A replay that is `done` or `failed` has already released its source: no-op,
   * its state is kept; so is a second close. Refused (`TRD_ERR_INVALID_TRANSITION`) while running —
   * {@link pause} and await the run first.
   */
  async close(): Promise<void> {
    const st = this.#state;
    if (st === 'done' || st === 'failed' || st === 'closed') return;
    if (st === 'running') {
      throw new TradestateError(ErrorCode.INVALID_TRANSITION, 'replay running: pause it first', {
        state: st
      });
    }
    this.#state = 'closed';
    await this.#it.return?.();
  }

  // ------------------------------------------------------------------ internals

  /**
   * Checks that a run may start: throws when running, failed or closed; true when done. Unless `peek`,
   * the state becomes `running` (synchronously, so a second call before the first awaits is refused).
   */
  #enter(peek = false): boolean {
    const st = this.#state;
    if (st === 'done') return true;
    if (st === 'running') {
      throw new TradestateError(ErrorCode.INVALID_TRANSITION, 'replay already running', { state: st });
    }
    if (st === 'closed')
      throw new TradestateError(ErrorCode.INVALID_TRANSITION, 'replay closed', { state: st });
    if (st === 'failed') {
      const e = this.#failure;
      if (isTradestateError(e)) {
        throw new TradestateError(e.code, `replay failed: ${e.message}`, { ...e.context }, { cause: e });
      }
      throw new TradestateError(
        ErrorCode.INVALID_TRANSITION,
        `replay failed: ${e instanceof Error ? e.message : String(e)}`,
        { state: st },
        { cause: e }
      );
    }
    if (!peek) this.#state = 'running';
    return false;
  }

  /**
   * The run loop (state already `running`); with `step`, pause after the next group of bars, or at a
   * pending `pauseAt` before it.
   */
  async #drive(step: boolean): Promise<ReplayState> {
    this.#pauseRequested = false;
    // wall time went by while paused: re-anchor. A gap being crossed (anchor beyond the clock) is still
    // crossed to its far side, so a pause inside it neither shortens nor lengthens it
    const a = this.#anchor;
    this.#anchor =
      a !== undefined && a.sim > this.clock.now() ? { wall: this.#timers.now(), sim: a.sim } : undefined;
    try {
      // the step's own target, kept apart from the user's pauseAt
      let stepTo: Nanos | undefined;
      if (step) {
        stepTo = await this.#peekTs();
        if (stepTo === undefined) return (this.#state = 'done');
      }
      for (;;) {
        const ts = await this.#peekTs();
        let pauseAt = this.#pauseAt;
        if (pauseAt !== undefined && ts === undefined && this.#pauseWithinData) {
          const end = this.#lastTs ?? this.clock.now();
          if (end < pauseAt) pauseAt = end;
        }
        // stop at whichever comes first; the pauseAt is spent when it is the one reached
        const atPause = pauseAt !== undefined && (stepTo === undefined || pauseAt <= stepTo);
        const stopAt = atPause ? pauseAt : stepTo;
        if (stopAt !== undefined && (ts === undefined || ts > stopAt)) {
          if (!(await this.#advanceTo(stopAt, ts))) return (this.#state = 'paused');
          if (atPause) this.#pauseAt = undefined;
          return (this.#state = 'paused');
        }
        if (ts === undefined) return (this.#state = 'done');
        if (this.#lastTs !== undefined && ts <= this.#lastTs) this.#outOfOrder(ts);
        if (!(await this.#advanceTo(ts, ts))) return (this.#state = 'paused');
        const bars = await this.#takeGroup(ts);
        let stop = this.#emit({ kind: 'bars', ts, bars });
        // the step ending at this instant closes after its bars
        if (this.#stepNs !== undefined && ts % this.#stepNs === 0n)
          stop = this.#emit({ kind: 'step', ts }) || stop;
        if (stop || this.#pauseRequested) return (this.#state = 'paused');
      }
    } catch (e) {
      // terminal: bars of the failing group may be consumed already, so resuming would lose or reorder them
      this.#state = 'failed';
      this.#failure = e;
      try {
        await this.#it.return?.();
      } catch {
        // the error that failed the replay is the one to report
      }
      throw e;
    }
  }

  #emit(ev: ReplayEvent): boolean {
    for (const s of this.#subs) s(ev);
    return this.#pauseWhen?.(ev) === true;
  }

  async #peekTs(): Promise<Nanos | undefined> {
    while (this.#bi >= this.#batch.length) {
      if (this.#eof) return undefined;
      const r = await this.#it.next();
      if (r.done) {
        this.#eof = true;
        return undefined;
      }
      this.#batch = r.value;
      this.#bi = 0;
    }
    const ts = this.#batch[this.#bi]!.tsEvent;
    if (!this.#started) {
      this.clock.advanceTo(ts);
      this.#started = true;
    }
    if (this.#calendar && this.#phase === undefined) this.#phase = nysePhase(this.clock.now());
    return ts;
  }

  /** All bars at `ts`, across source batches; checks the source's order. */
  async #takeGroup(ts: Nanos): Promise<Bar[]> {
    const out: Bar[] = [];
    let prev: Bar | undefined;
    for (;;) {
      while (this.#bi < this.#batch.length) {
        const b = this.#batch[this.#bi]!;
        if (b.tsEvent !== ts) {
          if (b.tsEvent < ts) this.#outOfOrder(b.tsEvent);
          return this.#done(out, ts);
        }
        if (prev && b.instrumentId <= prev.instrumentId) this.#outOfOrder(b.tsEvent);
        out.push(b);
        prev = b;
        this.#bi++;
      }
      if (this.#eof) return this.#done(out, ts);
      const r = await this.#it.next();
      if (r.done) {
        this.#eof = true;
        return this.#done(out, ts);
      }
      this.#batch = r.value;
      this.#bi = 0;
    }
  }

  #done(out: Bar[], ts: Nanos): Bar[] {
    this.#lastTs = ts;
    this.#delivered += out.length;
    return out;
  }

  #outOfOrder(ts: Nanos): never {
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `replay source is not in strict (tsEvent, instrumentId) order at ${ts}`,
      { tsEvent: ts.toString(), last: this.#lastTs?.toString() }
    );
  }

  /**
   * Move the clock to `target`, stopping at every timer, session boundary and step on the way
   * (waiting wall time at N× speed). `dataTs` is the next bar's tsEvent (undefined at the end of the
   * data): when it is `target`, a step at `target` itself is left to the caller, to follow the bars
   * stamped `target`; gap compression measures to it. Returns false when it stopped early (a pause was
   * requested or a `pauseWhen` matched a step/session event), true when the clock reads `target`.
   */
  async #advanceTo(target: Nanos, dataTs: Nanos | undefined): Promise<boolean> {
    for (;;) {
      const now = this.clock.now();
      if (now >= target && (now > target || this.#startedAt(target))) return true;
      // the next instant with something in it (steps aside): the far side of a gap
      let horizon = dataTs ?? target;
      const timerAt = this.clock.nextTimerAt();
      if (timerAt !== undefined && timerAt < horizon) horizon = timerAt;
      const boundary = this.#nextBoundary(now, horizon);
      if (boundary !== undefined && boundary.ts < horizon) horizon = boundary.ts;
      // a step at the instant of data is emitted after the data (see #drive)
      const step = this.#nextStep(now, dataTs === target ? target - 1n : target);
      let next = horizon < target ? horizon : target;
      if (step !== undefined && step < next) next = step;
      if (next < now) next = now;
      await this.#waitWall(next, horizon);
      if (this.#pauseRequested) return false;
      this.clock.advanceTo(next);
      let stop = false;
      if (boundary !== undefined && boundary.ts === next) {
        const previous = this.#phase ?? boundary.phase;
        this.#phase = boundary.phase;
        stop = this.#emit({ kind: 'session', ts: next, phase: boundary.phase, previous }) || stop;
      }
      if (step !== undefined && step === next) stop = this.#emit({ kind: 'step', ts: next }) || stop;
      if (stop || this.#pauseRequested) return false;
      if (next === target) return true;
    }
  }

  /** The clock already reads `target` and nothing is due there: no stop needed. */
  #startedAt(target: Nanos): boolean {
    const t = this.clock.nextTimerAt();
    return t === undefined || t > target;
  }

  #nextStep(now: Nanos, target: Nanos): Nanos | undefined {
    const s = this.#stepNs;
    if (s === undefined) return undefined;
    const k = now / s;
    let t = k * s;
    if (t <= now) t += s;
    if (t === now) t += s;
    return t <= target ? t : undefined;
  }

  /** The next NYSE phase change in (now, target]. */
  #nextBoundary(now: Nanos, target: Nanos): { ts: Nanos; phase: SessionPhase } | undefined {
    if (!this.#calendar) return undefined;
    let day = nyLocal(now);
    for (let i = 0; i < 10; i++) {
      if (nyseDay(day.y, day.m, day.d).tradingDay) {
        const s = nyseSessionUtc(day.y, day.m, day.d);
        const cands: [Nanos, SessionPhase][] = [
          [s.preOpen, 'pre'],
          [s.open, 'regular'],
          [s.close, 'post'],
          [s.postClose, 'closed']
        ];
        for (const [ts, phase] of cands) {
          if (ts > now && ts <= target) return { ts, phase };
          if (ts > target) return undefined;
        }
      }
      const next = new Date(Date.UTC(day.y, day.m - 1, day.d + 1));
      day = { y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate(), minute: 0 };
      const dayStart = BigInt(next.getTime()) * NS_PER_MS;
      if (dayStart > target + 86_400_000_000_000n) return undefined;
    }
    // more than 10 days without a trading day in range: jump (a long gap); boundaries resume after it
    return undefined;
  }

  /**
   * At N× speed, wait until the wall time of `simTs` (through the anchor). `horizon` is the next instant
   * with something in it: when it is more than `compressNs` away, the stretch up to it is crossed at once.
   */
  async #waitWall(simTs: Nanos, horizon: Nanos): Promise<void> {
    if (this.#speed === 'fast') return;
    const speed = this.#speed;
    const wallNow = this.#timers.now();
    const now = this.clock.now();
    if (!this.#anchor) this.#anchor = { wall: wallNow, sim: now };
    if (this.#compressNs > 0n && horizon - now > this.#compressNs) {
      // a night or weekend: cross it at once (the steps inside it too), re-anchor at the far side
      this.#anchor = { wall: wallNow, sim: horizon };
    } else if (this.#anchor.sim > now && this.#anchor.sim !== horizon) {
      // inside a stretch being crossed, something new came before its far side (a timer a step armed): pace from here
      this.#anchor = { wall: wallNow, sim: now };
    }
    const due = this.#anchor.wall + Number(simTs - this.#anchor.sim) / 1e6 / speed;
    for (;;) {
      const ms = due - this.#timers.now();
      if (ms <= 0 || this.#pauseRequested) return;
      // Node's setTimeout fires a longer delay after 1 ms: wait in chunks, re-checking the deadline
      const chunk = Math.min(ms, MAX_WALL_WAIT_MS);
      await new Promise<void>((resolve) => {
        const id = this.#timers.setTimeout(() => {
          this.#wake = undefined;
          resolve();
        }, chunk);
        this.#wake = { id, resolve };
      });
      if (chunk === ms) return;
    }
  }
}
