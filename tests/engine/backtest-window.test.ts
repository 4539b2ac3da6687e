import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isoFromNs, nsFromIso } from '../../src/core/nanos.ts';
import { barsFromArray } from '../../src/data/bar-source.ts';
import { windowed } from '../../src/data/windowed.ts';
import { backtestPart, runBacktest, runIdOf } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { smallConfig } from '../support/run-config.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;
const barRecords = (log: unknown) => records(log).filter((r) => r.type === 'market.bar');
/** A record without its sequence number, as JSON (bigints as strings). */
const canonical = (r: LogRecord) =>
  JSON.stringify({ ...r, seq: 0 }, (_k, v) => (typeof v === 'bigint' ? String(v) : v));

const FILE = 'test.yaml';
const FROM = nsFromIso('2024-03-05T15:00:00Z');
const TO = nsFromIso('2024-03-06T15:00:00Z');

describe('backtest window', () => {
  it('trades only the bars with from ≤ tsEvent < to', async () => {
    const config = smallConfig();
    const full = await runBacktest({ config, configFile: FILE });
    const r = await runBacktest({ config, configFile: FILE, window: { from: FROM, to: TO } });
    const bars = barRecords(r.log);
    expect(isoFromNs(bars[0]!.ts)).toBe('2024-03-05T15:00:00.000000000Z');
    expect(isoFromNs(bars.at(-1)!.ts)).toBe('2024-03-06T14:59:00.000000000Z');
    // the same bars the full run logged inside the window, and only those
    const inside = barRecords(full.log).filter((x) => x.ts >= FROM && x.ts < TO);
    expect(bars.map((x) => x.payload)).toEqual(inside.map((x) => x.payload));
    expect(r.bars).toBe(inside.length);
    expect(r.bars).toBe(2 * (361 + 29)); // 15:00–21:00 on the 5th, 14:31–14:59 on the 6th, 2 symbols
    expect(r.bars).toBeLessThan(full.bars);
    // it traded, and nothing before the window opened
    const submits = records(r.log).filter((x) => x.type === 'order.submit');
    expect(submits.length).toBeGreaterThan(0);
    expect(submits.every((x) => x.ts >= FROM)).toBe(true);
    expect(r.equity[0]!.ts).toBe(FROM - 60_000_000_000n); // the first bar's open
    expect(r.equity.at(-1)!.ts).toBe(bars.at(-1)!.ts);

    // open bounds: from only, to only
    const tail = await runBacktest({ config, configFile: FILE, window: { from: TO } });
    expect(barRecords(tail.log)[0]!.ts).toBe(TO);
    expect(tail.bars).toBe(barRecords(full.log).filter((x) => x.ts >= TO).length);
    const head = await runBacktest({ config, configFile: FILE, window: { to: FROM } });
    expect(barRecords(head.log).at(-1)!.ts).toBe(FROM - 60_000_000_000n);
    expect(head.bars + r.bars + tail.bars).toBe(full.bars);
  });

  it('no window leaves the run as it was; a window around all the data changes only the run id', async () => {
    const config = smallConfig();
    const plain = records((await runBacktest({ config, configFile: FILE })).log).map(canonical);
    const none = await runBacktest({ config, configFile: FILE, window: {} });
    expect(records(none.log).map(canonical)).toEqual(plain);
    expect(none.runId).toBe(runIdOf(config, 7));

    const all = await runBacktest({
      config,
      configFile: FILE,
      window: { from: nsFromIso('2024-03-01T00:00:00Z'), to: nsFromIso('2024-04-01T00:00:00Z') }
    });
    const rest = records(all.log).map(canonical);
    expect(all.runId).not.toBe(none.runId);
    expect(rest[0]).toContain(all.runId);
    expect(rest[0]).toContain('"window":{"from":"2024-03-01T00:00:00.000000000Z"');
    // the run.started record names the run and its window; everything after it is the same run
    expect(rest.slice(1)).toEqual(plain.slice(1));
    expect(rest.length).toBe(plain.length);
  });

  it('names the window in the run id, and keeps the id of a run without one', () => {
    const config = smallConfig();
    // the id of a run without a window is what it was before windows existed
    const hash = createHash('sha256')
      .update(JSON.stringify({ ...backtestPart(config), seed: 7 }))
      .digest('hex')
      .slice(0, 8);
    expect(runIdOf(config, 7)).toBe(`test-s7-${hash}`);
    expect(runIdOf(config, 7, {})).toBe(`test-s7-${hash}`);

    const a = runIdOf(config, 7, { from: FROM, to: TO });
    expect(a).toMatch(/^test-s7-w20240305T150000Z\.\.20240306T150000Z-[0-9a-f]{8}$/);
    expect(a.slice(-8)).not.toBe(hash);
    // two folds never share an id
    expect(runIdOf(config, 7, { from: TO, to: TO + (TO - FROM) })).not.toBe(a);
    expect(runIdOf(config, 7, { from: FROM, to: TO + 1n })).toMatch(
      /^test-s7-w20240305T150000Z\.\.20240306T150000\.000000001Z-/
    );
    expect(runIdOf(config, 7, { from: FROM })).toMatch(/^test-s7-w20240305T150000Z\.\.-[0-9a-f]{8}$/);
    expect(runIdOf(config, 7, { to: TO })).toMatch(/^test-s7-w\.\.20240306T150000Z-[0-9a-f]{8}$/);
    expect(runIdOf(config, 8, { from: FROM, to: TO })).not.toBe(a.replace('-s7-', '-s8-'));
  });

  it('refuses a window whose from is not before its to', async () => {
    await expect(
      runBacktest({ config: smallConfig(), configFile: FILE, window: { from: TO, to: TO } })
    ).rejects.toMatchObject({ code: 'TRD_ERR_CONFIG_INVALID' });
  });
});

describe('windowed', () => {
  const bar = (minute: number): Bar =>
    ({
      type: 'market.bar',
      instrumentId: 'X@SIM',
      tsEvent: BigInt(minute),
      tsOpen: BigInt(minute - 1)
    }) as Bar;

  it('filters on tsEvent, drops empty batches and stops reading at the first bar at or past to', async () => {
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        for (const batch of [[1, 2], [3, 4, 5], [6], [7, 8], [9]]) {
          pulled++;
          yield batch.map(bar);
        }
      } finally {
        closed = true;
      }
    }
    const out: number[][] = [];
    for await (const b of windowed(source(), 3n, 7n)) out.push(b.map((x) => Number(x.tsEvent)));
    expect(out).toEqual([[3, 4, 5], [6]]);
    expect(pulled).toBe(4); // the batch holding 7 ends it; 9 is never read
    expect(closed).toBe(true);

    const all: number[] = [];
    for await (const b of windowed(barsFromArray([1, 2, 3].map(bar), 2)))
      all.push(...b.map((x) => Number(x.tsEvent)));
    expect(all).toEqual([1, 2, 3]);
    const none: unknown[] = [];
    for await (const b of windowed(barsFromArray([1, 2, 3].map(bar)), 4n)) none.push(b);
    expect(none).toEqual([]);
  });
});
