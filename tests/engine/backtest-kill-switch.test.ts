import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/load.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import { smallConfig } from '../support/run-config.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;
const ofType = (log: unknown, type: string): LogRecord[] => records(log).filter((r) => r.type === type);
/** The fills of a run as (time, order, qty, price). */
const fillsOf = (log: unknown): unknown[] =>
  ofType(log, 'order.filled').map((r) => {
    const p = r.payload as { clientOrderId: string; lastQty: number; lastPx: number };
    return [r.ts, p.clientOrderId, p.lastQty, p.lastPx];
  });

/** The YAML block of README's "Configuration" section, as a user pastes it. */
function readmeConfigYaml(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const m = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README has no YAML block under "## Configuration"');
  return m[1]!;
}

describe('the kill switch in a backtest', () => {
  it('killSwitch.staleDataMs is a live feed check, not armed in a backtest: the clock starting before the data and the nights do not halt it', async () => {
    const plain = await runBacktest({ config: smallConfig(), configFile: 'test.yaml' });
    // one minute: the gap from the clock's start to the first bar, and every night between the sessions, are longer
    for (const staleDataMs of [60_000, 300_000]) {
      const r = await runBacktest({
        config: smallConfig({ killSwitch: { staleDataMs } }),
        configFile: 'test.yaml'
      });
      expect(ofType(r.log, 'killswitch.tripped')).toEqual([]);
      expect(ofType(r.log, 'strategy.intents_discarded')).toEqual([]);
      expect(r.notices.killSwitch).toBeUndefined();
      // the run is the one without it
      expect(r.orders).toBeGreaterThan(10);
      expect([r.orders, r.fills, fillsOf(r.log)]).toEqual([plain.orders, plain.fills, fillsOf(plain.log)]);
    }
  });

  it('every other trigger still trips it (staleDataMs configured beside them): loss, drawdown halt; position reduces', async () => {
    const cases = [
      { killSwitch: { maxLoss: 20 }, trigger: 'loss', to: 'HALTED', type: 'killswitch.tripped' },
      { killSwitch: { maxDrawdownBps: 1 }, trigger: 'drawdown', to: 'HALTED', type: 'killswitch.tripped' },
      {
        killSwitch: { maxPosition: { perSymbol: 5 } },
        trigger: 'position',
        to: 'REDUCING',
        type: 'killswitch.reduced'
      }
    ] as const;
    for (const c of cases) {
      const r = await runBacktest({
        config: smallConfig({ killSwitch: { ...c.killSwitch, staleDataMs: 300_000 } }),
        configFile: 'test.yaml'
      });
      const trips = records(r.log).filter((x) => x.type.startsWith('killswitch.'));
      expect(trips.length, c.trigger).toBeGreaterThan(0);
      expect(trips[0]).toMatchObject({ type: c.type, payload: { trigger: c.trigger, to: c.to } });
      // during the data, not before it
      const firstBar = records(r.log).find((x) => x.type === 'market.bar')!;
      expect(trips[0]!.ts).toBeGreaterThan(firstBar.ts);
      expect(r.notices.killSwitch).toMatchObject({ trigger: c.trigger, to: c.to, ts: trips[0]!.ts });
      if (c.to === 'HALTED') {
        // halted: the strategy's later intents are discarded, and counted
        const discarded = ofType(r.log, 'strategy.intents_discarded');
        expect(discarded.length).toBeGreaterThan(0);
        expect(r.notices.intentsDiscardedAfterTrip).toBe(
          discarded.reduce((n, x) => n + (x.payload as { intents: unknown[] }).intents.length, 0)
        );
      }
    }
  });

  it('the README "Configuration" example backtests: no kill-switch trip, no status queries, orders filled', async () => {
    const config = parseRunConfig(readmeConfigYaml(), 'README.md');
    expect(config.killSwitch.staleDataMs).toBeGreaterThan(0);
    expect(config.execution.latency.networkMs).toBeGreaterThan(0);
    const r = await runBacktest({ config, configFile: 'README.md', monteCarloPaths: 0 });
    expect(records(r.log).filter((x) => x.type.startsWith('killswitch.'))).toEqual([]);
    expect(ofType(r.log, 'order.status_queried')).toEqual([]);
    expect(r.orders).toBeGreaterThan(100);
    expect(r.fills).toBeGreaterThanOrEqual(r.orders);
  });
});
