import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nsFromIso } from '../../src/core/nanos.ts';
import { type BarSource, barsFromArray, compareBars } from '../../src/data/bar-source.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { Aligner } from '../../src/replay/align.ts';
import { ReplayClock, type ReplayEvent, type WallTimers } from '../../src/replay/replay-clock.ts';

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

/** Fake wall time: timers fire only when the test advances it. */
class FakeTimers implements WallTimers {
  t = 0;
  waits: number[] = [];
  #q: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.waits.push(ms);
    const id = ++this.#id;
    this.#q.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.#q = this.#q.filter((x) => x.id !== id);
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
    expect(() => replay.register('counter', { snapshot: () => 0 })).toThrow();
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
