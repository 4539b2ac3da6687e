import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import { REPO_ROOT, sharedData } from '../support/shared-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'ts-strategies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run a config file from config/ into `dir/<name>-<tag>`; the result and its events.jsonl bytes. */
async function run(file: string, tag: string) {
  const path = join(REPO_ROOT, 'config', file);
  const outDir = join(dir, `${file}-${tag}`);
  const r = await runBacktest({ config: loadRunConfig(path), configFile: path, outDir });
  return { r, events: readFileSync(join(outDir, 'events.jsonl')) };
}

describe('the example strategy configs', () => {
  for (const file of ['momentum.yaml', 'mean-reversion.yaml', 'pairs.yaml', 'ml-logistic.yaml']) {
    it(`${file}: trades, and the same config gives a byte-identical event log`, async () => {
      const a = await run(file, 'a');
      const b = await run(file, 'b');
      expect(a.r.orders).toBeGreaterThan(10);
      expect(a.r.fills).toBeGreaterThanOrEqual(a.r.orders); // partial fills under the volume cap count once each
      expect(a.r.rejected).toBe(0);
      expect(a.events.equals(b.events)).toBe(true);
    });
  }

  it('pairs-orcl-yhoo.yaml (real daily data): every entry and exit trades both legs in opposite directions', async () => {
    sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt');
    sharedData('ohlcv', 'backtrader', 'yhoo-1996-2015.txt');
    const { events } = await run('pairs-orcl-yhoo.yaml', 'a');
    const submits = events
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; payload: Record<string, string> })
      .filter((x) => x.type === 'order.submit')
      .map((x) => x.payload as { instrumentId: string; side: string; reason: string; tsInit: string });
    expect(submits.length).toBeGreaterThan(20);
    const byTime = new Map<string, typeof submits>();
    for (const s of submits) byTime.set(s.tsInit, [...(byTime.get(s.tsInit) ?? []), s]);
    for (const legs of byTime.values()) {
      expect(legs.map((l) => l.instrumentId).sort()).toEqual(['ORCL@SIM', 'YHOO@SIM']);
      expect(new Set(legs.map((l) => l.side)).size).toBe(2);
    }
  });
});
