import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import { smallConfig } from '../support/run-config.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

describe('snapshot of every component at time T', () => {
  it('captures portfolio, strategy and risk exactly at T, and pausing for it does not change the run', async () => {
    const plain = await runBacktest({ config: smallConfig(), configFile: 't.yaml' });
    const bars = records(plain.log).filter((r) => r.type === 'market.bar');
    const t = bars[Math.floor(bars.length / 2)]!.ts;
    const snapped = await runBacktest({ config: smallConfig(), configFile: 't.yaml', snapshotAt: t });
    const snap = snapped.snapshot!;
    expect(snap.ts).toBe(t);
    expect(Object.keys(snap.components).sort()).toEqual(['portfolio', 'risk', 'strategy']);
    // the portfolio at T equals the last position record the log shows at or before T
    const lastPos = records(plain.log).findLast((r) => r.type === 'portfolio.position_changed' && r.ts <= t);
    const cash = (snap.components['portfolio'] as { cash: string }).cash;
    expect(cash).toBe(String((lastPos!.payload as { cash: bigint }).cash));
    // risk counted only the checks made up to T
    const checksAtT = (snap.components['risk'] as { checks: number }).checks;
    expect(checksAtT).toBe(records(plain.log).filter((r) => r.type === 'order.submit' && r.ts <= t).length);
    expect(checksAtT).toBeLessThan(plain.orders);
    // the run itself is unchanged
    expect(records(snapped.log).map((r) => [r.type, r.ts])).toEqual(
      records(plain.log).map((r) => [r.type, r.ts])
    );
    expect(snapped.summary).toEqual(plain.summary);
  });

  it('a snapshot after the end of the data is taken at the last bar and leaves events.jsonl byte-identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-snap-'));
    const run = (out: string, snapshotAt?: bigint) =>
      runBacktest({
        config: smallConfig(),
        configFile: 't.yaml',
        outDir: join(dir, out),
        ...(snapshotAt === undefined ? {} : { snapshotAt })
      });
    const plain = await run('plain');
    const late = await run('late', 1_720_000_000_000_000_000n); // July 2024, long after the 3 sessions of March
    const events = (out: string) => readFileSync(join(dir, out, 'events.jsonl'));
    expect(events('late').equals(events('plain'))).toBe(true);
    const lastBar = readFileSync(join(dir, 'plain', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"market.bar"'))
      .at(-1)!;
    expect(late.snapshot?.ts).toBe(BigInt(JSON.parse(lastBar).ts));
    expect(Object.keys(late.snapshot?.components ?? {}).sort()).toEqual(['portfolio', 'risk', 'strategy']);
    expect(late.summary).toEqual(plain.summary);
  });
});
