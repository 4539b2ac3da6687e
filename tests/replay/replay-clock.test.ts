import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nsFromIso } from '../../src/core/nanos.ts';
import { type BarSource, barsFromArray, compareBars } from '../../src/data/bar-source.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { Aligner } from '../../src/replay/align.ts';
import { ReplayClock, type ReplayEvent, type WallTimers } from '../../src/replay/replay-clock.ts';
import { caught } from '../support/caught.ts';

const MIN = 60_000_000_000n;
const bar = (id: string, tsEvent: bigint, close = 100): Bar => ({
  type: 'market.bar',
  instrumentId: id,
  tsOpen: tsEvent - MIN,
  tsEvent,
  tsInit: tsEvent,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1
});

/** Node's setTimeout limit: a longer delay (TimeoutOverflowWarning) is set to 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Fake wall time: timers fire only when the test advances it. */
class FakeTimers implements WallTimers {
  t = 0;
  waits: number[] = [];
  #q: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  /** With `node`, a delay over 2^31−1 ms fires after 1 ms, as Node's setTimeout does. */
  readonly overflow: 'node' | 'exact';
  constructor(overflow: 'node' | 'exact' = 'exact') {
    this.overflow = overflow;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.waits.push(ms);
    const id = ++this.#id;
    const delay = this.overflow === 'node' && ms > MAX_TIMEOUT_MS ? 1 : ms;
    this.#q.push({ at: this.t + delay, fn, id });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.#q = this.#q.filter((x) => x.id !== id);
  }
  /** Timers set and not yet fired. */
  get pending(): number {
    return this.#q.length;
  }
  /** Fire the earliest timer (jumping wall time to it), then let the replay react. */
  async fireNext(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.#q.sort((a, b) => a.at - b.at);
    const next = this.#q.shift();
    if (!next) throw new Error('no timer pending');
    this.t = Math.max(this.t, next.at);
    next.fn();
    await new Promise((r) => setImmediate(r));
  }
  /** Run every timer (jumping wall time) until none is left. */
  async drain(): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      await new Promise((r) => setImmediate(r));
      this.#q.sort((a, b) => a.at - b.at);
      const next = this.#q.shift();
      if (!next) {
        await new Promise((r) => setImmediate(r));
        if (this.#q.length === 0) return;
        continue;
      }
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
  }
}

const barsArb = fc
  .array(fc.record({ sym: fc.constantFrom('A@X', 'B@X', 'C@X'), t: fc.integer({ min: 1, max: 500 }) }), {
    maxLength: 80
  })
  .map((xs) => {
    const seen = new Set<string>();
    const out: Bar[] = [];
    for (const x of xs) {
      const k = `${x.sym}${x.t}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(bar(x.sym, BigInt(x.t) * MIN));
      }
    }
    return out.sort(compareBars);
  });

describe('ReplayClock: no look-ahead (property)', () => {
  it('no handler or timer ever sees a bar before its tsEvent, and sees every bar at or before now', async () => {
    await fc.assert(
      fc.asyncProperty(
        barsArb,
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 9 }),
        fc.option(fc.integer({ min: 0, max: 520 })),
        async (bars, timerMinutes, batch, pauseMin) => {
          const replay = new ReplayClock(barsFromArray(bars, batch));
          const seen: Bar[] = [];
          const violations: string[] = [];
          const check = (where: string) => {
            const now = replay.now();
            for (const b of seen)
              if (b.tsEvent > now) violations.push(`${where}: saw ${b.tsEvent} at ${now}`);
            const due = bars.filter((b) => b.tsEvent < now).length;
            const got = seen.filter((b) => b.tsEvent < now).length;
            if (got !== due) violations.push(`${where}: ${due - got} bars due before ${now} not delivered`);
          };
          let armed = false;
          replay.subscribe((ev) => {
            if (ev.kind !== 'bars') return;
            for (const b of ev.bars)
              if (b.tsEvent !== replay.now())
                violations.push(`bar ${b.tsEvent} delivered at ${replay.now()}`);
            seen.push(...ev.bars);
            check('handler');
            if (!armed) {
              armed = true;
              // a strategy arms timers relative to the first bar it sees
              for (const m of timerMinutes) replay.clock.setTimeout(() => check('timer'), m * 60_000);
            }
          });
          if (pauseMin !== null) {
            const T = BigInt(pauseMin) * MIN;
            if (bars.length > 0 && T >= bars[0]!.tsEvent) {
              const st = await replay.pauseAt(T).run();
              expect(st).toBe('paused');
              expect(replay.now()).toBe(T);
              expect(seen).toEqual(bars.filter((b) => b.tsEvent <= T));
              check('paused');
            }
          }
          expect(await replay.run()).toBe('done');
          expect(seen).toEqual(bars);
          expect(violations).toEqual([]);
        }
      ),
      { numRuns: 200 }
    );
  });
});

describe('ReplayClock: speed, pause, snapshot, sessions, steps', () => {
  const day = nsFromIso('2025-07-08T13:31:00Z');
  const source = (): BarSource =>
    barsFromArray([bar('A@X', day), bar('B@X', day), bar('A@X', day + MIN), bar('A@X', day + 3n * MIN)]);

  it('N× speed waits (Δsim / N) of wall time per event, anchored so nothing drifts', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(source(), { speed: 2, timers });
    const run = replay.run();
    await timers.drain();
    expect(await run).toBe('done');
    expect(timers.waits).toEqual([30_000, 60_000]); // 1 min at 2× = 30 s, then 2 min = 60 s
    expect(timers.t).toBe(90_000);
    const rt = new FakeTimers();
    const r1 = new ReplayClock(source(), { speed: 1, timers: rt });
    const p1 = r1.run();
    await rt.drain();
    await p1;
    expect(rt.t).toBe(180_000); // real time: 3 simulated minutes = 3 wall minutes
  });

  it('real time crosses nights without waiting (overnight gap compression)', async () => {
    const timers = new FakeTimers();
    const src = barsFromArray([
      bar('A@X', day),
      bar('A@X', day + 20n * 60n * MIN),
      bar('A@X', day + 20n * 60n * MIN + MIN)
    ]);
    const replay = new ReplayClock(src, { speed: 1, timers });
    const p = replay.run();
    await timers.drain();
    await p;
    expect(timers.waits).toEqual([60_000]);
  });

  it('fast-forward never touches wall timers', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(source(), { timers });
    expect(await replay.run()).toBe('done');
    expect(timers.waits).toEqual([]);
    expect(replay.delivered).toBe(4);
  });

  it('pauses at a timestamp, on a condition, and snapshots registered components', async () => {
    const replay = new ReplayClock(source());
    let count = 0;
    let lastClose = 0;
    replay.subscribe((ev) => {
      if (ev.kind === 'bars') {
        count += ev.bars.length;
        lastClose = ev.bars[ev.bars.length - 1]!.close;
      }
    });
    replay.register('counter', { snapshot: () => ({ count, lastClose }) });
    const snap = await replay.snapshotAt(day + MIN);
    expect(snap).toEqual({ ts: day + MIN, components: { counter: { count: 3, lastClose: 100 } } });
    expect(replay.state).toBe('paused');
    replay.pauseWhen((ev) => ev.kind === 'bars' && ev.ts === day + 3n * MIN);
    expect(await replay.run()).toBe('paused');
    expect(count).toBe(4);
    replay.pauseWhen(undefined);
    expect(await replay.run()).toBe('done');
    expect(caught(() => replay.register('counter', { snapshot: () => 0 })).code).toBe(
      'TRD_ERR_CONFIG_INVALID'
    );
  });

  it('steps one event at a time', async () => {
    const replay = new ReplayClock(source());
    const seen: number[] = [];
    replay.subscribe((ev) => ev.kind === 'bars' && seen.push(ev.bars.length));
    await replay.step();
    expect(seen).toEqual([2]);
    await replay.step();
    expect(seen).toEqual([2, 1]);
  });

  it('emits NYSE session boundaries at their instants, skipping the holiday and the weekend', async () => {
    // Thu 2025-07-03 (early close 13:00 EDT) → Fri 07-04 holiday → Mon 07-07
    const src = barsFromArray([
      bar('A@X', nsFromIso('2025-07-03T16:00:00Z')),
      bar('A@X', nsFromIso('2025-07-07T14:00:00Z'))
    ]);
    const replay = new ReplayClock(src, { calendar: 'nyse' });
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    await replay.run();
    const sessions = evs
      .filter((e) => e.kind === 'session')
      .map((e) => [new Date(Number(e.ts / 1_000_000n)).toISOString(), e.kind === 'session' && e.phase]);
    expect(sessions).toEqual([
      ['2025-07-03T17:00:00.000Z', 'post'],
      ['2025-07-03T21:00:00.000Z', 'closed'],
      ['2025-07-07T08:00:00.000Z', 'pre'],
      ['2025-07-07T13:30:00.000Z', 'regular']
    ]);
  });

  it('time-stepped mode closes every step, bars or not; the aligner applies the missing-data policy', async () => {
    const run = async (policy: 'none' | 'forward-fill' | 'skip', mode: 'event' | 'step') => {
      const replay = new ReplayClock(
        barsFromArray([
          bar('A@X', 1n * MIN, 10),
          bar('B@X', 1n * MIN, 20),
          bar('A@X', 2n * MIN, 11),
          bar('B@X', 4n * MIN, 21)
        ]),
        { stepNs: MIN }
      );
      const al = new Aligner(['A@X', 'B@X'], policy, mode);
      const rows: string[] = [];
      const order: string[] = [];
      replay.subscribe((ev) => {
        order.push(`${ev.kind}${ev.ts / MIN}`);
        const s = al.onEvent(ev);
        if (s)
          rows.push(
            `${s.ts / MIN}:${s.bars.map((b, i) => (b ? `${b.close}${s.filled[i] ? '*' : ''}` : '-')).join(',')}`
          );
      });
      await replay.run();
      return { rows, order };
    };
    const none = await run('none', 'step');
    // every minute is closed by a step, after the bars stamped at that minute
    expect(none.order).toEqual(['bars1', 'step1', 'bars2', 'step2', 'step3', 'bars4', 'step4']);
    expect(none.rows).toEqual(['1:10,20', '2:11,-', '3:-,-', '4:-,21']);
    expect((await run('forward-fill', 'step')).rows).toEqual([
      '1:10,20',
      '2:11,20*',
      '3:11*,20*',
      '4:11*,21'
    ]);
    expect((await run('skip', 'step')).rows).toEqual(['1:10,20']);
    // event-driven alignment: one slice per distinct bar close, no slice for the empty minute
    expect((await run('none', 'event')).rows).toEqual(['1:10,20', '2:11,-', '4:-,21']);
    expect((await run('forward-fill', 'event')).rows).toEqual(['1:10,20', '2:11,20*', '4:11*,21']);
  });

  it('rejects a source that is not in order', async () => {
    const replay = new ReplayClock(barsFromArray([bar('A@X', 5n * MIN), bar('A@X', 3n * MIN)], 1));
    await expect(replay.run()).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
  });
});

/** Every bar as `id@minute`, in delivery order. */
const barLabels = (evs: readonly ReplayEvent[]): string[] =>
  evs.flatMap((e) => (e.kind === 'bars' ? e.bars.map((b) => `${b.instrumentId}@${b.tsEvent / MIN}`) : []));

/** A source holding a resource (a file handle) until its iterator ends or is returned. */
function fileLike(batches: readonly Bar[][], handle: { open: boolean }): BarSource {
  return (async function* () {
    handle.open = true;
    try {
      for (const b of batches) yield b;
    } finally {
      handle.open = false;
    }
  })();
}

/** The code a promise rejects with ('resolved' when it does not). */
const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code
  );

describe('ReplayClock: a failure is terminal and releases the source', () => {
  it('a bar going back in time inside a group: nothing at or after it is delivered, and run/step/snapshotAt keep refusing', async () => {
    const replay = new ReplayClock(
      barsFromArray([bar('A@X', 5n * MIN), bar('B@X', 10n * MIN), bar('A@X', 7n * MIN)])
    );
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    expect(await codeOf(replay.run())).toBe('TRD_ERR_DATA_INVALID');
    expect(replay.state).toBe('failed');
    expect(await codeOf(replay.run())).toBe('TRD_ERR_DATA_INVALID');
    expect(await codeOf(replay.step())).toBe('TRD_ERR_DATA_INVALID');
    expect(await codeOf(replay.snapshotAt(20n * MIN))).toBe('TRD_ERR_DATA_INVALID');
    // B@10 is neither lost-then-skipped nor followed by A@7 delivered with the clock at 10
    expect(barLabels(evs)).toEqual(['A@X@5']);
    expect(replay.delivered).toBe(1);
    expect(replay.state).toBe('failed');
  });

  it('a duplicate instrument inside a group: no bar of the group is delivered, even after another run', async () => {
    const replay = new ReplayClock(
      barsFromArray(
        [bar('A@X', 5n * MIN), bar('B@X', 5n * MIN), bar('A@X', 5n * MIN), bar('C@X', 6n * MIN)],
        1
      )
    );
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    expect(await codeOf(replay.run())).toBe('TRD_ERR_DATA_INVALID');
    expect(await codeOf(replay.run())).toBe('TRD_ERR_DATA_INVALID');
    expect(barLabels(evs)).toEqual([]);
  });

  it('a throwing subscriber fails the replay: later calls throw a typed error carrying the original', async () => {
    const handle = { open: false };
    const replay = new ReplayClock(fileLike([[bar('A@X', 5n * MIN)], [bar('A@X', 6n * MIN)]], handle));
    const bug = new Error('consumer bug');
    replay.subscribe(() => {
      throw bug;
    });
    await expect(replay.run()).rejects.toBe(bug);
    expect(handle.open).toBe(false);
    expect(replay.state).toBe('failed');
    await expect(replay.run()).rejects.toMatchObject({ code: 'TRD_ERR_INVALID_TRANSITION', cause: bug });
    await expect(replay.step()).rejects.toMatchObject({ code: 'TRD_ERR_INVALID_TRANSITION', cause: bug });
  });

  it('bad data: the source is returned (its handle closed) when the replay fails', async () => {
    const handle = { open: false };
    const replay = new ReplayClock(
      fileLike([[bar('A@X', 5n * MIN)], [bar('A@X', 4n * MIN)], [bar('A@X', 9n * MIN)]], handle)
    );
    await expect(replay.run()).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
    expect(handle.open).toBe(false);
  });

  it('a source that throws fails the replay; it is not read again', async () => {
    let reads = 0;
    const source: BarSource = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          reads++;
          if (reads === 2) throw new Error('disk error');
          if (reads > 3) return { done: true, value: undefined };
          return { done: false, value: [bar('A@X', BigInt(reads) * MIN)] };
        }
      })
    };
    const replay = new ReplayClock(source);
    await expect(replay.run()).rejects.toThrow('disk error');
    expect(await codeOf(replay.run())).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(reads).toBe(2);
  });

  it('close() releases the source of a replay abandoned while paused; the replay then refuses to run', async () => {
    const handle = { open: false };
    const replay = new ReplayClock(
      fileLike([[bar('A@X', 1n * MIN)], [bar('A@X', 2n * MIN)], [bar('A@X', 3n * MIN)]], handle)
    );
    expect(await replay.step()).toBe('paused');
    expect(handle.open).toBe(true);
    await replay.close();
    expect(handle.open).toBe(false);
    expect(replay.state).toBe('closed');
    await replay.close(); // idempotent
    expect(await codeOf(replay.run())).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(await codeOf(replay.step())).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(replay.delivered).toBe(1);
  });

  it('close() is refused while running, and leaves a finished or failed replay as it is', async () => {
    const handle = { open: false };
    const replay = new ReplayClock(fileLike([[bar('A@X', 1n * MIN)], [bar('A@X', 2n * MIN)]], handle));
    const running = replay.run();
    expect(await codeOf(replay.close())).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(await running).toBe('done');
    expect(replay.delivered).toBe(2);
    await replay.close();
    expect(replay.state).toBe('done');
    const bad = new ReplayClock(barsFromArray([bar('A@X', 5n * MIN), bar('A@X', 3n * MIN)], 1));
    await expect(bad.run()).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
    await bad.close();
    expect(bad.state).toBe('failed');
  });
});

describe('ReplayClock: step() and snapshotAt() during a run', () => {
  const three = () => barsFromArray([bar('A@X', 1n * MIN), bar('A@X', 2n * MIN), bar('A@X', 3n * MIN)], 1);

  it('step() while running is refused without side effects: no bar lost, the run not re-targeted', async () => {
    const replay = new ReplayClock(three());
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    const running = replay.run();
    expect(await codeOf(replay.step())).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(await running).toBe('done');
    expect(barLabels(evs)).toEqual(['A@X@1', 'A@X@2', 'A@X@3']);
  });

  it('snapshotAt() while running is refused without side effects', async () => {
    const replay = new ReplayClock(three());
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    const running = replay.run();
    expect(await codeOf(replay.snapshotAt(1n * MIN))).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(await running).toBe('done');
    expect(barLabels(evs)).toEqual(['A@X@1', 'A@X@2', 'A@X@3']);
  });

  it('a second step() before the first resolved is refused; the first delivers exactly one group', async () => {
    const replay = new ReplayClock(three());
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    const first = replay.step();
    expect(await codeOf(replay.step())).toBe('TRD_ERR_INVALID_TRANSITION');
    expect(await first).toBe('paused');
    expect(barLabels(evs)).toEqual(['A@X@1']);
    expect(await replay.run()).toBe('done');
    expect(barLabels(evs)).toEqual(['A@X@1', 'A@X@2', 'A@X@3']);
  });
});

describe('ReplayClock: wall waits', () => {
  const DAY = 1440n * MIN;

  it('a wait longer than 2^31−1 ms is made in chunks, so Node’s overflow to 1 ms cannot race ahead', async () => {
    const timers = new FakeTimers('node');
    const replay = new ReplayClock(barsFromArray([bar('A@X', DAY), bar('A@X', 31n * DAY)]), {
      speed: 1,
      timers,
      compressGapsOverNs: 0n
    });
    const at: number[] = [];
    replay.subscribe((ev) => ev.kind === 'bars' && at.push(timers.t));
    const run = replay.run();
    await timers.drain();
    expect(await run).toBe('done');
    // 30 days of real time, to the millisecond
    expect(at).toEqual([0, 30 * 86_400_000]);
    expect(Math.max(...timers.waits)).toBeLessThanOrEqual(MAX_TIMEOUT_MS);
  });

  it('pause() during a chunked wait stops it: the far bar is not delivered', async () => {
    const timers = new FakeTimers('node');
    const replay = new ReplayClock(barsFromArray([bar('A@X', DAY), bar('A@X', 31n * DAY)]), {
      speed: 1,
      timers,
      compressGapsOverNs: 0n
    });
    const run = replay.run();
    await timers.fireNext(); // the first chunk ends; the replay waits the next one
    expect(replay.delivered).toBe(1);
    expect(timers.pending).toBe(1);
    replay.pause();
    expect(await run).toBe('paused');
    expect(timers.pending).toBe(0);
    expect(replay.delivered).toBe(1);
    expect(replay.now()).toBe(DAY);
  });
});

describe('ReplayClock: gap compression in time-stepped mode', () => {
  const fri = nsFromIso('2025-07-11T19:59:00Z');
  const mon = nsFromIso('2025-07-14T13:31:00Z');
  const weekend = () => barsFromArray([bar('A@X', fri), bar('A@X', mon)]);

  it('a weekend without data is crossed without waiting; its steps are all still emitted', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(weekend(), { speed: 60, timers, stepNs: MIN });
    const steps: bigint[] = [];
    replay.subscribe((ev) => ev.kind === 'step' && steps.push(ev.ts));
    const run = replay.run();
    await timers.drain();
    expect(await run).toBe('done');
    expect(timers.waits.filter((w) => w > 0)).toEqual([]);
    expect(steps.length).toBe(Number((mon - fri) / MIN) + 1);
    expect(steps[0]).toBe(fri);
    expect(steps.at(-1)).toBe(mon);
  });

  it('the gap is measured to the next session boundary: the minutes next to one are paced', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(weekend(), { speed: 60, timers, stepNs: MIN, calendar: 'nyse' });
    const run = replay.run();
    await timers.drain();
    await run;
    // Fri 19:59 → 20:00 (close of after-hours) and Mon 13:30 (open) → 13:31: one minute each, 1 s at 60×;
    // 20:00 → Mon 04:00 pre-market and 04:00 → 09:30 are crossed
    expect(timers.waits.filter((w) => w > 0)).toEqual([1000, 1000]);
  });

  it('short gaps are still paced step by step', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(barsFromArray([bar('A@X', MIN), bar('A@X', 4n * MIN)]), {
      speed: 60,
      timers,
      stepNs: MIN
    });
    const run = replay.run();
    await timers.drain();
    await run;
    expect(timers.waits).toEqual([1000, 1000, 1000]);
  });

  it('a timer armed by a step inside a crossed gap is paced from that step, then the rest is crossed', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(weekend(), { speed: 60, timers, stepNs: MIN });
    const sat = nsFromIso('2025-07-12T12:00:00Z');
    let fired: number | undefined;
    replay.subscribe((ev) => {
      if (ev.kind === 'step' && ev.ts === sat)
        replay.clock.setTimeout(() => {
          fired = timers.t;
        }, 5 * 60_000);
    });
    const run = replay.run();
    await timers.drain();
    await run;
    expect(timers.waits.filter((w) => w > 0)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(fired).toBe(5000);
  });

  it('a pause inside a gap does not split it: the waits are those of a straight run', async () => {
    const waits = async (pause: boolean) => {
      const timers = new FakeTimers();
      const replay = new ReplayClock(weekend(), { speed: 60, timers });
      if (pause) {
        replay.pauseAt(fri + 31n * MIN);
        const p = replay.run();
        await timers.drain();
        expect(await p).toBe('paused');
      }
      const p = replay.run();
      await timers.drain();
      expect(await p).toBe('done');
      return timers.waits.filter((w) => w > 0);
    };
    expect(await waits(false)).toEqual([]);
    expect(await waits(true)).toEqual([]);
  });

  it('a pause near the far side of a gap does not turn the rest of it into a paced wait', async () => {
    const waits = async (pause: 'none' | 'pauseAt' | 'pauseWhen') => {
      const timers = new FakeTimers();
      const replay = new ReplayClock(weekend(), { speed: 60, timers, stepNs: MIN });
      // 30 min before Monday's bar: less than the 1 h threshold is left of the weekend
      if (pause === 'pauseAt') replay.pauseAt(mon - 30n * MIN);
      if (pause === 'pauseWhen') replay.pauseWhen((ev) => ev.kind === 'step' && ev.ts === mon - 30n * MIN);
      if (pause !== 'none') {
        const p = replay.run();
        await timers.drain();
        expect(await p).toBe('paused');
        expect(replay.now()).toBe(mon - 30n * MIN);
        replay.pauseWhen(undefined);
        timers.t += 3_600_000; // an hour of wall time goes by while paused
      }
      const p = replay.run();
      await timers.drain();
      expect(await p).toBe('done');
      return timers.waits.filter((w) => w > 0);
    };
    expect(await waits('none')).toEqual([]);
    expect(await waits('pauseAt')).toEqual([]);
    expect(await waits('pauseWhen')).toEqual([]);
  });

  it('pacing resumes at the far side after such a pause, from the wall time of the resume', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(barsFromArray([bar('A@X', fri), bar('A@X', mon), bar('A@X', mon + MIN)]), {
      speed: 60,
      timers
    });
    const at: number[] = [];
    replay.subscribe((ev) => ev.kind === 'bars' && at.push(timers.t));
    replay.pauseAt(mon - 30n * MIN);
    const p = replay.run();
    await timers.drain();
    expect(await p).toBe('paused');
    timers.t = 50_000;
    const q = replay.run();
    await timers.drain();
    expect(await q).toBe('done');
    // Monday's first bar at once, the next one a paced second later: no catching up on the paused time
    expect(at).toEqual([0, 50_000, 51_000]);
  });

  it('a timer armed while paused inside a crossed gap is paced from the pause, then the rest is crossed', async () => {
    const timers = new FakeTimers();
    const replay = new ReplayClock(weekend(), { speed: 60, timers });
    replay.pauseAt(nsFromIso('2025-07-12T12:00:00Z'));
    const p = replay.run();
    await timers.drain();
    expect(await p).toBe('paused');
    let fired: number | undefined;
    replay.clock.setTimeout(() => {
      fired = timers.t;
    }, 5 * 60_000);
    const q = replay.run();
    await timers.drain();
    expect(await q).toBe('done');
    expect(timers.waits.filter((w) => w > 0)).toEqual([5000]);
    expect(fired).toBe(5000);
  });
});

describe('ReplayClock: step() and a pending pauseAt', () => {
  const five = () => barsFromArray([1n, 2n, 3n, 4n, 5n].map((k) => bar('A@X', k * MIN)));

  it('a pauseAt later than the step’s group is kept for the next run', async () => {
    const replay = new ReplayClock(five());
    replay.pauseAt(3n * MIN);
    expect(await replay.step()).toBe('paused');
    expect(replay.delivered).toBe(1);
    expect(await replay.step()).toBe('paused');
    expect(replay.delivered).toBe(2);
    expect(await replay.run()).toBe('paused');
    expect(replay.now()).toBe(3n * MIN);
    expect(replay.delivered).toBe(3);
    expect(await replay.run()).toBe('done');
    expect(replay.delivered).toBe(5);
  });

  it('a pauseAt before the step’s group stops the step there, the group undelivered; it is then spent', async () => {
    const replay = new ReplayClock(five());
    const evs: ReplayEvent[] = [];
    replay.subscribe((e) => evs.push(e));
    expect(await replay.step()).toBe('paused');
    replay.pauseAt(MIN + MIN / 2n);
    expect(await replay.step()).toBe('paused');
    expect(replay.now()).toBe(MIN + MIN / 2n);
    expect(barLabels(evs)).toEqual(['A@X@1']);
    expect(await replay.step()).toBe('paused');
    expect(barLabels(evs)).toEqual(['A@X@1', 'A@X@2']);
    expect(await replay.run()).toBe('done');
    expect(replay.delivered).toBe(5);
  });

  it('a pauseAt at the step’s group stops the step after the group, and is spent', async () => {
    const replay = new ReplayClock(five());
    replay.pauseAt(MIN);
    expect(await replay.step()).toBe('paused');
    expect(replay.now()).toBe(MIN);
    expect(replay.delivered).toBe(1);
    expect(await replay.run()).toBe('done');
    expect(replay.delivered).toBe(5);
  });
});
