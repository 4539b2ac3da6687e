import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { parseRunConfig } from '../../src/config/load.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import { sharedData } from '../support/shared-data.ts';

const strategy = { type: 'sma-crossover', params: { fast: 20, slow: 100, qty: 1000 } };

describe('backtest over the Parquet data layer', () => {
  it('imports ORCL with `tradestate data import`, backtests it from the store, and trades exactly as from the CSV', async () => {
    const csv = sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt');
    const store = join(mkdtempSync(join(tmpdir(), 'ts-store-')), 'store');
    let err = '';
    const io = { out: () => {}, err: (s: string) => void (err += s), isTTY: false };
    expect(
      await runCli(['data', 'import', csv, '--format', 'yahoo', '--symbol', 'ORCL', '--store', store], io),
      err
    ).toBe(0);

    const fromStore = await runBacktest({
      config: parseRunConfig(
        JSON.stringify({
          name: 'pq',
          data: { kind: 'parquet', store, symbols: ['ORCL'], timeframe: '1d' },
          strategy
        }),
        'pq.yaml'
      ),
      configFile: 'pq.yaml'
    });
    const fromCsv = await runBacktest({
      config: parseRunConfig(
        JSON.stringify({
          name: 'pq',
          data: { kind: 'yahoo-csv', files: [{ symbol: 'ORCL', path: csv }] },
          strategy
        }),
        'csv.yaml'
      ),
      configFile: 'csv.yaml'
    });
    expect(fromStore.bars).toBe(5036);
    expect([fromStore.bars, fromStore.orders, fromStore.fills]).toEqual([
      fromCsv.bars,
      fromCsv.orders,
      fromCsv.fills
    ]);
    expect(fromStore.summary).toEqual(fromCsv.summary);
  });

  it('follows ticker changes when asked: a backtest of AABA runs on the YHOO history in the store', async () => {
    const csv = sharedData('ohlcv', 'backtrader', 'yhoo-1996-2015.txt');
    const store = join(mkdtempSync(join(tmpdir(), 'ts-store-')), 'store');
    const io = { out: () => {}, err: () => {}, isTTY: false };
    expect(
      await runCli(['data', 'import', csv, '--format', 'yahoo', '--symbol', 'YHOO', '--store', store], io)
    ).toBe(0);
    const cfg = (followRenames: boolean) =>
      parseRunConfig(
        JSON.stringify({
          name: 'aaba',
          data: { kind: 'parquet', store, symbols: ['AABA'], timeframe: '1d', followRenames },
          strategy
        }),
        'aaba.yaml'
      );
    const r = await runBacktest({ config: cfg(true), configFile: 'aaba.yaml' });
    expect(r.bars).toBeGreaterThan(4500);
    expect(r.fills).toBeGreaterThan(0);
    // without following renames AABA is simply not in the store
    await expect(runBacktest({ config: cfg(false), configFile: 'aaba.yaml' })).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_NOT_FOUND'
    });
  });
});
