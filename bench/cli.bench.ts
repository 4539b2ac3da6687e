// CLI start-up: wall time of whole `tradestate` processes, as a user runs them (Node start, the type-stripping
// preload, module loading, the work). Cases: `help` (`tradestate --help`: start-up alone), `chart` (the order
// chart: the machines and XState), `backtest` (`tradestate run` on the embedded default, 23,400 bars, results
// written to a temporary directory). Median of 7 runs after one warm-up run each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'cli', 'main.ts');
const preload = join(root, 'bin', 'strip-types.js');

function ms(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', preload, main, ...args], {
    cwd: root,
    encoding: 'utf8'
  });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`tradestate ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return elapsed;
}

function median(args: string[]): number {
  ms(args);
  const xs = Array.from({ length: 7 }, () => ms(args)).sort((a, b) => a - b);
  return xs[3]!;
}

export async function run(emit: (f: Figure) => void): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'ts-bench-cli-'));
  try {
    const cases: [string, string[]][] = [
      ['help', ['--help']],
      ['chart', ['chart', 'order']],
      ['backtest', ['run', '--out', out]]
    ];
    for (const [name, args] of cases)
      emit({ suite: 'cli', case: name, impl: 'tradestate', value: median(args), unit: 'ms' });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
