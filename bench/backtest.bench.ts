// End-to-end backtest throughput: the embedded default config (synthetic 1-minute bars), and a tick backtest of
// the real LOBSTER hour (91,997 AAPL messages through the L3 emulator) with the market maker quoting on it.

import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../src/cli/run.command.ts';
import { loadRunConfig } from '../src/config/load.ts';
import { runBacktest } from '../src/engine/backtest.ts';
import type { Figure } from './figure.ts';

/** Median over three timed runs (after a warm-up) of `per(result) / seconds`. */
async function median(
  file: string,
  per: (r: Awaited<ReturnType<typeof runBacktest>>) => number
): Promise<number> {
  const config = loadRunConfig(file);
  await runBacktest({ config, configFile: file }); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const res = await runBacktest({ config, configFile: file });
    rates.push(per(res) / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[1]!;
}

export async function run(emit: (f: Figure) => void): Promise<void> {
  const bars = await median(DEFAULT_CONFIG, (r) => r.bars);
  emit({ suite: 'backtest', case: 'e2e', impl: 'tradestate', value: bars, unit: 'bars/s' });
  const lobster = join(import.meta.dirname, '..', 'config', 'lobster-aapl.yaml');
  const msgs = await median(lobster, (r) => r.messages);
  emit({ suite: 'backtest', case: 'lobster-mm', impl: 'tradestate', value: msgs, unit: 'msgs/s' });
}
