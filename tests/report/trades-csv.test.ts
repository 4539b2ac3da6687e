import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MONEY_ONE, makeInstrument } from '../../src/core/instrument.ts';
import { nsFromIso } from '../../src/core/nanos.ts';
import { splitCsvLine } from '../../src/data/csv.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { ClosedTrip } from '../../src/portfolio/portfolio.ts';
import { TRADE_COLUMNS, tradesCsv } from '../../src/report/trades-csv.ts';
import { smallConfig } from '../support/run-config.ts';

const odd = makeInstrument({
  symbol: 'A,B',
  venue: 'SIM',
  tickSize: '0.0001',
  lotSize: '0.5',
  currency: 'USD'
});
const map = new Map([[odd.id, odd]]);

describe('tradesCsv', () => {
  it('writes one row per round trip in the instrument’s own units, quoting what needs it', () => {
    const trip: ClosedTrip = {
      instrumentId: odd.id,
      side: 'short',
      entryTs: nsFromIso('2024-03-04T14:30:00.000000001Z'),
      exitTs: nsFromIso('2024-03-04T15:00:00Z'),
      qty: 3, // 1.5 units
      pnl: -(MONEY_ONE * 12n + 34_500_000n), // −12.345, rounded half-even to −12.34
      entryPx: 1_000_123 / 3, // ticks, fractional
      exitPx: 333_000
    };
    const lines = tradesCsv([trip], map).trimEnd().split('\n');
    expect(lines[0]).toBe(TRADE_COLUMNS.join(','));
    const cells = splitCsvLine(lines[1]!, ',');
    expect(cells).toEqual([
      'A,B@SIM',
      'short',
      '2024-03-04T14:30:00.000000001Z',
      '2024-03-04T15:00:00.000000000Z',
      '1.5',
      '33.33743333',
      '33.3',
      '-12.34',
      (-12.345 / ((1_000_123 / 3) * 3 * 0.00005)).toFixed(6)
    ]);
    expect(lines[1]!.startsWith('"A,B@SIM",')).toBe(true);
  });

  it('a backtest writes trades.csv: its round trips, net P&L summing to the realized P&L after commissions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-trades-'));
    const r = await runBacktest({
      config: smallConfig(),
      configFile: 't.yaml',
      outDir: dir,
      monteCarloPaths: 0
    });
    const rows = readFileSync(join(dir, 'trades.csv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(r.summary.tradeCount);
    expect(rows.length).toBeGreaterThan(10);
    const pnl = rows.reduce((a, l) => a + Number(splitCsvLine(l, ',')[7]), 0);
    const trips = r.portfolio.trips.reduce((a, t) => a + Number(t.pnl), 0) / 1e8;
    expect(pnl).toBeCloseTo(trips, 1);
    for (const l of rows) {
      const [, side, entry, exit, , entryPx, exitPx] = splitCsvLine(l, ',');
      expect(['long', 'short']).toContain(side);
      expect(entry! <= exit!).toBe(true);
      expect(Number(entryPx)).toBeGreaterThan(0);
      expect(Number(exitPx)).toBeGreaterThan(0);
    }
  });
});
