import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig, parseRunConfig } from '../../src/config/load.ts';
import { NS_PER_DAY } from '../../src/core/nanos.ts';
import { dataFilesOf } from '../../src/data/data-digest.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import { dataCalendars } from '../../src/engine/bar-sources.ts';
import { liveBars } from '../../src/engine/live-bars.ts';
import { summaryOptionsFor } from '../../src/engine/summary-basis.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import { caught } from '../support/caught.ts';
import { cli } from '../support/cli.ts';
import { REPO_ROOT, sharedData } from '../support/shared-data.ts';

const strategy = { type: 'sma-crossover', params: { fast: 20, slow: 100, qty: 1000 } };
const config = (data: object, file = 'csv.yaml') =>
  parseRunConfig(JSON.stringify({ name: 'csv', data, strategy }), file);

describe('data.kind csv: a backtest straight from CSV files of any layout', () => {
  it('ORCL read as a CSV of your own on the NYSE calendar trades exactly as the Yahoo reader', async () => {
    const path = sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt');
    const own = await runBacktest({
      config: config({ kind: 'csv', files: [{ symbol: 'ORCL', path }], calendar: 'nyse' }),
      configFile: 'csv.yaml'
    });
    const yahoo = await runBacktest({
      config: config({ kind: 'yahoo-csv', files: [{ symbol: 'ORCL', path }] }),
      configFile: 'csv.yaml'
    });
    expect(own.bars).toBe(5036);
    expect([own.bars, own.orders, own.fills]).toEqual([yahoo.bars, yahoo.orders, yahoo.fills]);
    expect(own.summary).toEqual(yahoo.summary);
  });

  it('config/spy-csv.yaml: its file found beside the config, 5-minute bars inferred, the NYSE basis', async () => {
    const c = loadRunConfig(join(REPO_ROOT, 'config', 'spy-csv.yaml'));
    const r = await runBacktest({ config: c, configFile: 'spy-csv.yaml', monteCarloPaths: 0 });
    expect(r.bars).toBe(2926); // the regular session of the file's 7,143 bars (04:00–20:00 New York)
    expect(r.fills).toBeGreaterThan(0);
    const all = await runBacktest({
      config: { ...c, data: { ...c.data, session: 'all' } as typeof c.data },
      configFile: 'spy-csv.yaml',
      monteCarloPaths: 0
    });
    expect(all.bars).toBe(7143);
    expect(dataFilesOf(c.data)).toEqual([sharedData('ohlcv', 'spy_yahoo', 'SPY_5min_20250519_20250714.csv')]);
    expect(liveBars(c).timeframe.label).toBe('5m');
    expect(summaryOptionsFor(c)).toEqual({ riskFree: 0, periodsPerYear: 252 });
    expect([...dataCalendars(c)]).toEqual([['SPY@ARCA', 'nyse']]);
    // round the clock: 365 days a year
    const crypto = config({ kind: 'csv', files: [{ symbol: 'BTC', path: 'x.csv' }] });
    expect(summaryOptionsFor(crypto)).toEqual({ riskFree: 0, periodsPerYear: 365, sessionNs: NS_PER_DAY });
    expect(
      liveBars(config({ kind: 'csv', files: [{ symbol: 'BTC', path: 'x.csv' }], timeframe: '1h' })).timeframe
        .label
    ).toBe('1h');
  });

  it('a missing file is TRD_ERR_DATA_NOT_FOUND; a bad row names file, line and column; a bad option is a config error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-csv-'));
    const missing = config({ kind: 'csv', files: [{ symbol: 'X', path: join(dir, 'nope.csv') }] });
    await expect(runBacktest({ config: missing, configFile: 'csv.yaml' })).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_NOT_FOUND'
    });
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'ts,o,h,l,c,v\n1704205800,1,1,1,1,1\n1704205860,1,x,1,1,1\n');
    const e = await runBacktest({
      config: config({ kind: 'csv', files: [{ symbol: 'X', path: bad }] }),
      configFile: 'csv.yaml'
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: 'TRD_ERR_DATA_INVALID',
      message: `${bad}:3 column h: expected a non-negative decimal price`
    });
    const opt = caught(() => config({ kind: 'csv', files: [{ symbol: 'X', path: bad }], stamp: 'middle' }));
    expect(opt.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(opt.message).toMatch(/data\.stamp/);
  });

  it('what the reader worked around is a warning: in the result, the log (data.warning) and on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-csv-'));
    const file = join(dir, 'newest-first.csv');
    // newest first, with a column the reader does not use
    writeFileSync(file, 'ts,o,h,l,c,v,oi\n1704205860,2,2,2,2,1,9\n1704205800,1,1,1,1,1,9\n');
    const expected = [`${file}: ignored columns oi`, `${file}: rows were newest first; read oldest first`];
    const r = await runBacktest({
      config: config({ kind: 'csv', files: [{ symbol: 'X', path: file }] }),
      configFile: 'csv.yaml',
      monteCarloPaths: 0
    });
    expect(r.bars).toBe(2);
    expect(r.warnings).toEqual(expected);
    const logged = (r.log as MemoryEventLog).records.filter((x) => x.type === 'data.warning');
    expect(logged.map((x) => (x.payload as { message: string }).message)).toEqual(expected);
    const yaml = join(dir, 'c.yaml');
    writeFileSync(
      yaml,
      JSON.stringify({ name: 'csv', data: { kind: 'csv', files: [{ symbol: 'X', path: file }] }, strategy })
    );
    const run = await cli('run', '--config', yaml, '--out', join(dir, 'out'));
    expect(run.code).toBe(0);
    expect(run.err).toContain(expected.map((w) => `warning: ${w}\n`).join(''));
  });
});
