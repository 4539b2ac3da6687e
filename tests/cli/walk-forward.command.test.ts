import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

/** 12 one-hour sessions, 2024-03-04 to 03-19. */
const CONFIG = `name: cli-wf
seed: 11
data: { kind: synthetic, symbols: [AAA, BBB], start: "2024-03-04", sessions: 12, sessionCloseUtc: "15:30", volatility: 0.6 }
strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 10 } }
execution: { slippage: { bps: 2 } }
`;

function configFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-wf-'));
  const file = join(dir, 'wf.yaml');
  writeFileSync(file, CONFIG);
  return { dir, file };
}

const GRID = ['--param', 'strategy.params.fast=3,5', '--param', 'strategy.params.slow=10,20'];

describe('tradestate walk-forward', () => {
  it('runs every fold, prints the fold table and the overall line, and writes walk-forward.json', async () => {
    const { dir, file } = configFile();
    const out = join(dir, 'out');
    const r = await cli(
      'walk-forward',
      '--config',
      file,
      ...GRID,
      '--train',
      '5d',
      '--test',
      '5d',
      '--workers',
      '2',
      '--out',
      out
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(
      'tradestate walk-forward cli-wf: 2 folds (train 5d, test 5d), 4 points each, chosen by sharpe'
    );
    expect(lines[1]).toMatch(/^Fold\s+Train\s+Test\s+Best params\s+IS Sharpe\s+OOS return\s+OOS Sharpe$/);
    expect(lines[3]).toMatch(
      /^ {3}1 {2}2024-03-04 14:31 → 2024-03-09 14:31 {2}2024-03-09 14:31 → 2024-03-14 14:31 {2}fast=\d slow=\d\d\s+-?[\d.]+\s+-?[\d.]+%\s+-?[\d.]+$/
    );
    expect(lines[4]).toMatch(
      /^ {3}2 {2}2024-03-09 14:31 → 2024-03-14 14:31 {2}2024-03-14 14:31 → 2024-03-19 14:31 /
    );
    expect(r.out).toMatch(
      /\nOut of sample \(2 of 2 folds\): return -?[\d.]+%, Sharpe -?[\d.]+, max drawdown [\d.]+%, efficiency (-?[\d.]+%|n\/a), positive folds (0\.00|50\.00|100\.00)%\n/
    );
    expect(r.out).toMatch(
      /\n\nBenchmark: buy and hold of AAA@SIM, BBB@SIM in equal parts from each one's first price, no costs\n/
    );
    expect(r.out).toMatch(/\nAlpha \(annualized\)\s+-?[\d.]+%/);
    expect(r.out).toMatch(/\n10 backtests in [\d.]+ s on 2 workers\n/);
    expect(r.out).toContain(`results: ${out}/walk-forward.json\n`);

    const doc = JSON.parse(readFileSync(join(out, 'walk-forward.json'), 'utf8'));
    expect(doc).toMatchObject({
      configFile: file,
      seed: null,
      objective: 'sharpe',
      train: '5d',
      test: '5d',
      step: '5d',
      anchored: false,
      range: { from: '2024-03-04T14:31:00.000000000Z', to: '2024-03-19T15:30:00.000000001Z' },
      overall: {
        completed: 2,
        failed: 0,
        benchmark: { kind: 'equal-weight', symbols: ['AAA@SIM', 'BBB@SIM'] }
      }
    });
    expect(doc.folds.map((f: { status: string }) => f.status)).toEqual(['completed', 'completed']);
    // the table shows what the file holds
    const best = doc.folds[0].best.params;
    expect(lines[3]).toContain(`fast=${best['strategy.params.fast']} slow=${best['strategy.params.slow']}`);
    expect(doc.overall.equity.length).toBeGreaterThan(1);
  });

  it('prints its help and is listed in the main help', async () => {
    const h = await cli('walk-forward', '--help');
    expect([h.code, h.out]).toEqual([0, expect.stringMatching(/^Usage: tradestate walk-forward/)]);
    expect((await cli('--help')).out).toMatch(/\n {2}walk-forward +optimise on rolling train windows/);
  });

  it('bad usage exits 2 with a one-line reason', async () => {
    const { file } = configFile();
    const ok = ['--config', file, ...GRID, '--train', '5d', '--test', '5d'];
    for (const argv of [
      ['walk-forward', ...GRID, '--train', '5d', '--test', '5d'],
      ['walk-forward', '--config', file, '--train', '5d', '--test', '5d'],
      ['walk-forward', '--config', file, ...GRID, '--test', '5d'],
      ['walk-forward', '--config', file, ...GRID, '--train', '5d'],
      ['walk-forward', ...ok, '--train', '5x'],
      ['walk-forward', ...ok, '--test', '0d'],
      ['walk-forward', ...ok, '--train', '5'],
      ['walk-forward', ...ok, '--step=-1d'],
      ['walk-forward', ...ok, '--objective', 'profit'],
      ['walk-forward', ...ok, '--workers', '0'],
      ['walk-forward', ...ok, '--from', 'yesterday'],
      ['walk-forward', ...ok, '--from', '2024-03-05', '--to', '2024-03-05T00:00:00Z'],
      [
        'walk-forward',
        '--config',
        file,
        '--param',
        'seed=1,2',
        '--seed',
        '3',
        '--train',
        '5d',
        '--test',
        '5d'
      ],
      ['walk-forward', '--config', file, '--param', 'strategy.params.fast', '--train', '5d', '--test', '5d'],
      ['walk-forward', ...ok, '--bogus'],
      ['walk-forward', 'positional']
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('a range too short for one fold, or no fold completing, exits 1 with a one-line reason', async () => {
    const { dir, file } = configFile();
    const short = await cli('walk-forward', '--config', file, ...GRID, '--train', '10d', '--test', '6d');
    expect(short.code).toBe(1);
    expect(short.err).toMatch(
      /^tradestate: walk-forward range .* too short for one fold .*\[TRD_ERR_WALK_FORWARD_INVALID\]\n$/
    );
    // every point refused (fast ≥ slow): every fold fails, the file is still written
    const none = await cli(
      'walk-forward',
      '--config',
      file,
      '--param',
      'strategy.params.fast=20,30',
      '--train',
      '5d',
      '--test',
      '5d',
      '--out',
      dir
    );
    expect(none.code).toBe(1);
    expect(none.err).toMatch(
      /^tradestate: no fold of the walk-forward completed; fold 1: every point of the train sweep failed .*\[TRD_ERR_CONFIG_INVALID\]\n$/
    );
    expect(none.out).toMatch(/fold 2 failed: every point/);
    expect(JSON.parse(readFileSync(join(dir, 'walk-forward.json'), 'utf8')).overall).toMatchObject({
      completed: 0,
      failed: 2,
      efficiency: 'NaN'
    });
  });
});
