import { parseRunConfig } from '../../src/config/load.ts';
import type { RunConfig } from '../../src/config/schema.ts';

/** A small synthetic run config (3 sessions, 2 symbols) for fast engine tests. */
export function smallConfig(over: Partial<Record<string, unknown>> = {}): RunConfig {
  const base = {
    name: 'test',
    seed: 7,
    data: {
      kind: 'synthetic',
      symbols: ['AAA', 'BBB'],
      start: '2024-03-04',
      sessions: 3,
      volatility: 0.6
    },
    strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } },
    execution: { commission: { bps: 1, minimum: 0.5 }, slippage: { bps: 2 } },
    ...over
  };
  return parseRunConfig(JSON.stringify(base), 'test.yaml');
}
