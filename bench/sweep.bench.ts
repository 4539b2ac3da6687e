// Parameter-sweep throughput: a 4-point grid (strategy.params.fast=5,10 × strategy.params.slow=30,50) of the
// embedded default config (3 symbols × 20 sessions, 23,400 bars a point), on 1 and on 2 worker threads.
// Figure: backtests per second over the whole runSweep call, worker start-up included (what a user waits for).
// One uncounted warm-up sweep, then the median of three rounds, the two worker counts' rounds interleaved.

import { DEFAULT_CONFIG } from '../src/cli/run.command.ts';
import { parseParamSpecs, readBaseConfig } from '../src/sweep/param-grid.ts';
import { runSweep } from '../src/sweep/sweep-runner.ts';
import type { Figure } from './figure.ts';

const ROUNDS = 3;
const WORKERS = [1, 2] as const;

export async function run(emit: (f: Figure) => void): Promise<void> {
  const { raw: config } = readBaseConfig(DEFAULT_CONFIG);
  const axes = parseParamSpecs(['strategy.params.fast=5,10', 'strategy.params.slow=30,50']);
  const sweep = async (workers: number): Promise<number> => {
    const s = await runSweep({ config, configFile: DEFAULT_CONFIG, axes, workers });
    if (s.failed > 0) throw new Error(`sweep bench: ${s.failed} points failed`);
    return s.results.length / (s.elapsedMs / 1000);
  };
  await sweep(2);
  const rates = WORKERS.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, workers] of WORKERS.entries()) rates[k]!.push(await sweep(workers));
  }
  for (const [k, workers] of WORKERS.entries()) {
    const xs = rates[k]!.sort((a, b) => a - b);
    emit({
      suite: 'sweep',
      case: 'grid-4',
      impl: `tradestate-${workers}w`,
      value: xs[Math.floor(xs.length / 2)]!,
      unit: 'backtests/s'
    });
  }
}
