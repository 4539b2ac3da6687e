import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
// the CLI loads the paper stack on demand: load it with the file, so the timed session does not pay for it
import '../../src/cli/paper.command.ts';
import { RUN_HELP } from '../../src/cli/run.command.ts';
import type { DashboardSnapshot } from '../../src/dashboard/dashboard-state.ts';
import { until } from '../support/until.ts';

describe('tradestate run --dashboard-port', () => {
  it('is a paper-mode option: a usage error (exit 2, one line) in backtest mode or with a bad port', async () => {
    expect(RUN_HELP).toMatch(/--dashboard-port N {2}paper mode: serve a live web dashboard/);
    for (const argv of [
      ['run', '--dashboard-port', '8088'],
      ['run', '--mode', 'paper', '--dashboard-port', 'x'],
      ['run', '--mode', 'paper', '--dashboard-port', '70000']
    ]) {
      let err = '';
      const code = await runCli(argv, { out: () => undefined, err: (s) => void (err += s), isTTY: false });
      expect(code, argv.join(' ')).toBe(2);
      expect(err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(err).toMatch(/--dashboard-port/);
    }
  });

  it('serves the dashboard of a local paper session while it runs, and prints its URL', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tradestate-dashboard-'));
    let stdout = '';
    const run = runCli(
      [
        'run',
        '--mode',
        'paper',
        '--venue',
        'local',
        '--duration',
        '2s',
        '--dashboard-port',
        '0',
        '--out',
        out
      ],
      { out: (s) => void (stdout += s), err: (s) => void (stdout += s), isTTY: false }
    );
    const line = /^ {2}dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m;
    await until(() => line.test(stdout), 10_000, 'the dashboard line');
    const url = line.exec(stdout)![1]!;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="positions"');
    let state: DashboardSnapshot | undefined;
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000) {
      state = (await (await fetch(`${url}api/state`)).json()) as DashboardSnapshot;
      if (state.bars > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toMatchObject({ status: 'running', venue: 'alpaca-local', strategy: 'sma-crossover' });
    expect(state!.bars).toBeGreaterThan(0);
    expect(state!.equity).toBeGreaterThan(0);
    expect(await run).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    // the dashboard saw the same session the summary describes
    expect(state!.runId).toBe(summary.runId);
    // stopped with the session
    await expect(fetch(url)).rejects.toThrow();
  }, 20_000);
});
