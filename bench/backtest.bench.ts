// End-to-end backtest throughput on the embedded default config (synthetic 1-minute bars).

import { DEFAULT_CONFIG } from '../src/cli/run.command.ts';
import { loadRunConfig } from '../src/config/load.ts';
import { runBacktest } from '../src/engine/backtest.ts';
import type { Figure } from './figure.ts';

export async function run(emit: (f: Figure) => void): Promise<void> {
  const config = loadRunConfig(DEFAULT_CONFIG);
  await runBacktest({ config, configFile: DEFAULT_CONFIG }); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const res = await runBacktest({ config, configFile: DEFAULT_CONFIG });
    rates.push(res.bars / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  emit({ suite: 'backtest', case: 'e2e', impl: 'tradestate', value: rates[1]!, unit: 'bars/s' });
}
