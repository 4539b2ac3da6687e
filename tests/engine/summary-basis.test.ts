import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/load.ts';
import { NS_PER_DAY, NS_PER_HOUR } from '../../src/core/nanos.ts';
import { summaryOptionsFor } from '../../src/engine/summary-basis.ts';

const strategy = { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 1 } };
const config = (data: object) => parseRunConfig(JSON.stringify({ data, strategy }), 'basis.yaml');

/** A store whose `symbols.json` lists the given symbols on the given calendars (no bars needed to choose a basis). */
function store(calendars: Record<string, 'nyse' | '24x7'>): string {
  const root = join(mkdtempSync(join(tmpdir(), 'ts-basis-')), 'store');
  mkdirSync(join(root, '_meta'), { recursive: true });
  const meta = Object.fromEntries(
    Object.entries(calendars).map(([symbol, calendar]) => [
      symbol,
      { symbol, venue: 'X', tickSize: '0.01', lotSize: '1', currency: 'USD', calendar }
    ])
  );
  writeFileSync(join(root, '_meta', 'symbols.json'), JSON.stringify(meta));
  return root;
}

describe('summaryOptionsFor: how a run annualises, from its data’s calendar', () => {
  it('365 days of 24 hours when any symbol trades round the clock, else 252 NYSE sessions', () => {
    const root = store({ BTCUSD: '24x7', ORCL: 'nyse' });
    const parquet = (symbols: string[]) => config({ kind: 'parquet', store: root, symbols, timeframe: '1h' });
    expect(summaryOptionsFor(parquet(['BTCUSD']))).toEqual({
      riskFree: 0,
      periodsPerYear: 365,
      sessionNs: NS_PER_DAY
    });
    expect(summaryOptionsFor(parquet(['ORCL', 'BTCUSD']))).toEqual({
      riskFree: 0,
      periodsPerYear: 365,
      sessionNs: NS_PER_DAY
    });
    expect(summaryOptionsFor(parquet(['ORCL']))).toEqual({ riskFree: 0, periodsPerYear: 252 });
    // a symbol the store does not list has no calendar of its own
    expect(summaryOptionsFor(parquet(['XYZ']))).toEqual({ riskFree: 0, periodsPerYear: 252 });
  });

  it('synthetic weekday sessions annualise with their configured length', () => {
    const synthetic = config({
      kind: 'synthetic',
      symbols: ['A'],
      start: '2024-01-02',
      sessions: 1,
      sessionOpenUtc: '08:00',
      sessionCloseUtc: '16:30'
    });
    expect(summaryOptionsFor(synthetic)).toEqual({
      riskFree: 0,
      periodsPerYear: 252,
      sessionNs: 8n * NS_PER_HOUR + NS_PER_HOUR / 2n
    });
  });
});
