import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { RiskRejection } from '../../src/risk/risk-engine.ts';
import { smallConfig } from '../support/run-config.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

/** The largest gross value of the positions (at the last bar's close, $0.01 a tick) right after any fill. */
function worstGross(log: unknown): number {
  const px = new Map<string, number>();
  const pos = new Map<string, number>();
  let worst = 0;
  for (const r of records(log)) {
    if (r.type === 'market.bar') {
      const b = r.payload as { instrumentId: string; close: number };
      px.set(b.instrumentId, b.close);
    }
    if (r.type === 'order.filled') {
      const e = r.payload as { instrumentId: string; side: string; lastQty: number };
      pos.set(e.instrumentId, (pos.get(e.instrumentId) ?? 0) + (e.side === 'buy' ? e.lastQty : -e.lastQty));
      let gross = 0;
      for (const [id, q] of pos) gross += Math.abs(q) * (px.get(id) ?? 0) * 0.01;
      worst = Math.max(worst, gross);
    }
  }
  return worst;
}

describe('risk.maxLeverage in a backtest: the account cannot buy more than its buying power', () => {
  it('a cash account of $15,000 trading 100-lot orders of a ~$100 stock on two symbols is held to 1× equity', async () => {
    // two symbols × 100 lots × ~$100 is ~$20,000 of worst-case exposure against $15,000
    const over = {
      portfolio: { cash: 15_000 },
      strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 100 } }
    };
    const free = await runBacktest({ config: smallConfig(over), configFile: 't.yaml', monteCarloPaths: 0 });
    const cash = await runBacktest({
      config: smallConfig({ ...over, risk: { maxLeverage: 1 } }),
      configFile: 't.yaml',
      monteCarloPaths: 0
    });
    const failed = records(cash.log)
      .filter((r) => r.type === 'risk.failed')
      .map((r) => r.payload as RiskRejection);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f).toMatchObject({ validator: 'maxLeverage', code: 'TRD_ERR_RISK_MAX_LEVERAGE', limit: 1 });
      expect(f.value).toBeGreaterThan(1);
    }
    expect(records(free.log).some((r) => r.type === 'risk.failed')).toBe(false);
    expect(cash.rejected).toBe(failed.length);
    // what passed stayed within buying power: the gross position value at every fill ≤ equity (+ a bar's move);
    // without the limit it goes well past it
    expect(worstGross(cash.log)).toBeGreaterThan(5_000);
    expect(worstGross(cash.log)).toBeLessThan(15_000 * 1.05);
    expect(worstGross(free.log)).toBeGreaterThan(15_000 * 1.2);
  });
});
