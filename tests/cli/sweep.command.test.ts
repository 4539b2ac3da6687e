import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

const CONFIG = `name: cli-sweep
seed: 11
data: { kind: synthetic, symbols: [AAA, BBB], start: "2024-03-04", sessions: 1, volatility: 0.6 }
strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 10 } }
execution: { slippage: { bps: 2 } }
`;

function configFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-sweep-'));
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, CONFIG);
  return { dir, file };
}

describe('tradestate sweep', () => {
  it('runs the grid, prints the ranking and writes sweep.json and sweep.csv', async () => {
    const { dir, file } = configFile();
    const out = join(dir, 'out');
    const r = await cli(
      'sweep',
      '--config',
      file,
      '--param',
      'strategy.params.fast=3,5,30',
      '--param',
      'execution.slippage.bps=0:4:4',
      '--workers',
      '2',
      '--top',
      '3',
      '--out',
      out
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('tradestate sweep cli-sweep: 6 points (fast × bps), ranked by sharpe');
    expect(lines[1]).toMatch(/^Rank\s+fast\s+bps\s+Sharpe\s+Total return\s+Max drawdown\s+Trades$/);
    expect(lines.filter((l) => /^\s+[1-9]\s/.test(l))).toHaveLength(3); // --top 3
    expect(r.out).toMatch(
      /4 backtests in .* on 2 workers; 2 failed \(first: #4 fast=30 bps=0: .*TRD_ERR_CONFIG_INVALID/
    );

    const doc = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(doc.objective).toBe('sharpe');
    expect(doc.axes).toEqual([
      { path: 'strategy.params.fast', values: [3, 5, 30] },
      { path: 'execution.slippage.bps', values: [0, 4] }
    ]);
    expect(doc.results.map((x: { params: object }) => Object.values(x.params))).toEqual([
      [3, 0],
      [3, 4],
      [5, 0],
      [5, 4],
      [30, 0],
      [30, 4]
    ]);
    expect(doc.failed).toBe(2);
    expect(doc.ranking).toHaveLength(4);

    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toMatch(/^index,rank,strategy\.params\.fast,execution\.slippage\.bps,runId,totalReturn,/);
    expect(csv[5]).toMatch(/^4,,30,0,,.*TRD_ERR_CONFIG_INVALID/);
    // the best point's row carries rank 1
    expect(csv[doc.ranking[0] + 1]).toMatch(new RegExp(`^${doc.ranking[0]},1,`));
  });

  it('--from/--to backtest every point on that window only, as tradestate run does; --objective informationRatio', async () => {
    const { dir, file } = configFile();
    const window = ['--from', '2024-03-04T15:00:00Z', '--to', '2024-03-04T18:00:00Z'];
    const r = await cli(
      'sweep',
      '--config',
      file,
      '--param',
      'strategy.params.fast=5',
      ...window,
      '--objective',
      'informationRatio',
      '--out',
      dir
    );
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out.split('\n')[1]).toMatch(
      /^Rank\s+fast\s+Sharpe\s+Info ratio\s+Total return\s+Max drawdown\s+Trades$/
    );
    const doc = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    expect(doc.window).toEqual({
      from: '2024-03-04T15:00:00.000000000Z',
      to: '2024-03-04T18:00:00.000000000Z'
    });
    const point = doc.results[0];
    // two symbols, three hours of minute bars
    expect(point.counts.bars).toBe(2 * 180);
    const run = await cli(
      'run',
      '--config',
      file,
      ...window,
      '--monte-carlo',
      '0',
      '--out',
      join(dir, 'run')
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    expect(point.runId).toBe(summary.runId);
    expect(point.metrics.totalReturn).toBe(summary.metrics.totalReturn);
    expect(point.metrics.sharpe).toBe(summary.metrics.sharpe);
    // against the run's benchmark, as the run itself reports it
    expect(point.metrics.informationRatio).toBe(summary.benchmark.relative.informationRatio);
    expect(point.metrics.alpha).toBe(summary.benchmark.relative.alpha);
    expect(typeof point.metrics.informationRatio).toBe('number');
  });

  it('prints its help and is listed in the main help', async () => {
    const h = await cli('sweep', '--help');
    expect([h.code, h.out]).toEqual([0, expect.stringMatching(/^Usage: tradestate sweep/)]);
    expect((await cli('--help')).out).toMatch(/\n {2}sweep +backtest a grid/);
  });

  it('bad usage exits 2 with a one-line reason', async () => {
    const { file } = configFile();
    for (const argv of [
      ['sweep', '--param', 'strategy.params.fast=3,5'],
      ['sweep', '--config', file],
      ['sweep', '--config', file, '--param', 'strategy.params.fast'],
      ['sweep', '--config', file, '--param', 'strategy.params.fast=3,,5'],
      ['sweep', '--config', file, '--param', 'a.b=1', '--param', 'a.b=2'],
      ['sweep', '--config', file, '--param', 'strategy.params.fast=3', '--workers', '0'],
      ['sweep', '--config', file, '--param', 'strategy.params.fast=3', '--objective', 'profit'],
      ['sweep', '--config', file, '--param', 'strategy.params.fast=3', '--top', 'x'],
      ['sweep', '--config', file, '--param', 'seed=1,2', '--seed', '3'],
      ['sweep', '--config', file, '--param', 'strategy.params.fast=3', '--from', 'yesterday'],
      [
        'sweep',
        '--config',
        file,
        '--param',
        'strategy.params.fast=3',
        '--from',
        '2024-03-05',
        '--to',
        '2024-03-04'
      ],
      ['sweep', '--config', file, '--bogus'],
      ['sweep', 'positional']
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('an unknown config path exits 1 naming the path', async () => {
    const { file } = configFile();
    const r = await cli('sweep', '--config', file, '--param', 'execution.slipage.bps=1,2');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sweep\.yaml: execution\.slipage\.bps: .*\[TRD_ERR_CONFIG_INVALID\]/);
  });

  it('a sweep where no point ran exits 1 with a one-line reason, its files written', async () => {
    const { dir, file } = configFile();
    const r = await cli('sweep', '--config', file, '--param', 'strategy.params.fast=20,30', '--out', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^tradestate: no point of the sweep ran; #0 fast=20: .*\[TRD_ERR_CONFIG_INVALID\]\n$/
    );
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))).toMatchObject({
      failed: 2,
      ranking: []
    });
  });
});

describe('tradestate sweep --redis / sweep-worker', () => {
  it('distributes the points to a sweep-worker through a real Redis; usage errors are exit 2', async () => {
    const { startRedis } = await import('../support/redis.ts');
    const server = await startRedis();
    const { dir, file } = configFile();
    try {
      const worker = cli('sweep-worker', '--redis', server.url, '--idle-exit', '2s');
      const r = await cli(
        'sweep',
        '--config',
        file,
        '--param',
        'strategy.params.fast=3,5',
        '--redis',
        server.url,
        '--lease',
        '30s',
        '--out',
        join(dir, 'out')
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/2 backtests in [\d.]+ s \([\d.]+\/s\) on 1 worker; none failed/);
      const w = await worker;
      expect(w.code).toBe(0);
      expect(w.out).toMatch(/^tradestate sweep-worker: 1 thread on redis:\/\/127\.0\.0\.1:\d+$/m);
      expect(w.out).toMatch(/#0 .*fast=3.*: sharpe/);
      expect(w.out).toMatch(/2 points run; stopped/);
      const local = await cli(
        'sweep',
        '--config',
        file,
        '--param',
        'strategy.params.fast=3,5',
        '--out',
        join(dir, 'local')
      );
      expect(local.code).toBe(0);
      expect(readFileSync(join(dir, 'out', 'sweep.json'), 'utf8')).toBe(
        readFileSync(join(dir, 'local', 'sweep.json'), 'utf8')
      );
    } finally {
      await server.stop();
    }
    expect((await cli('sweep-worker')).code).toBe(2);
    const lease = await cli('sweep', '--config', file, '--param', 'strategy.params.fast=3', '--lease', '1m');
    expect(lease.code).toBe(2);
    expect(lease.err).toContain('--lease needs --redis');
  });
});
