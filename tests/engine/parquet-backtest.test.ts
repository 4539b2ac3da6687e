import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annualizedVolatility } from '../../src/analytics/annualized-volatility.ts';
import { dailyReturns } from '../../src/analytics/daily-returns.ts';
import { runCli } from '../../src/cli/main.ts';
import { parseRunConfig } from '../../src/config/load.ts';
import { type BacktestResult, runBacktest } from '../../src/engine/backtest.ts';
import { instrumentsFor } from '../../src/engine/bar-sources.ts';
import { sharedData } from '../support/shared-data.ts';

const strategy = { type: 'sma-crossover', params: { fast: 20, slow: 100, qty: 1000 } };

/** `tradestate data import FILE ARGS` into a fresh store, which must succeed: the store and what went to stderr. */
async function importToStore(file: string, ...args: string[]): Promise<{ store: string; err: string }> {
  const store = join(mkdtempSync(join(tmpdir(), 'ts-store-')), 'store');
  let err = '';
  const io = { out: () => {}, err: (s: string) => void (err += s), isTTY: false };
  expect(await runCli(['data', 'import', file, ...args, '--store', store], io), err).toBe(0);
  return { store, err };
}

/** The strategy backtested on the daily ORCL bars of a store. */
function orclFrom(store: string): Promise<BacktestResult> {
  const config = parseRunConfig(
    JSON.stringify({
      name: 'pq',
      data: { kind: 'parquet', store, symbols: ['ORCL'], timeframe: '1d' },
      strategy
    }),
    'pq.yaml'
  );
  return runBacktest({ config, configFile: 'pq.yaml' });
}

function expectSameTrades(a: BacktestResult, b: BacktestResult): void {
  expect([a.bars, a.orders, a.fills]).toEqual([b.bars, b.orders, b.fills]);
  expect(a.summary).toEqual(b.summary);
}

describe('backtest over the Parquet data layer', () => {
  it('imports ORCL with `tradestate data import`, backtests it from the store, and trades exactly as from the CSV', async () => {
    const csv = sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt');
    const { store } = await importToStore(csv, '--format', 'yahoo', '--symbol', 'ORCL');
    const fromStore = await orclFrom(store);
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
    expectSameTrades(fromStore, fromCsv);

    // the same file read as a CSV of your own (--format csv: columns by name, Adj Close ignored) on the NYSE
    // calendar trades exactly the same
    const own = await importToStore(
      csv,
      '--format',
      'csv',
      '--calendar',
      'nyse',
      '--venue',
      'NYSE',
      '--symbol',
      'ORCL'
    );
    expect(own.err).toBe('warning: orcl-1995-2014.txt: ignored columns Adj Close\n');
    expectSameTrades(await orclFrom(own.store), fromCsv);
  });

  it('takes a crypto symbol’s lot from the store and annualises its round-the-clock returns over 365 days', async () => {
    const csv = sharedData('ohlcv', 'crypto_1m', 'binanceus_BTCUSDT_1m_20230301_20230321.csv');
    const { store } = await importToStore(csv, '--format', 'crypto', '--symbol', 'BTCUSDT');
    const cfg = (instruments?: object) =>
      parseRunConfig(
        JSON.stringify({
          name: 'btc',
          data: { kind: 'parquet', store, symbols: ['BTCUSDT'], timeframe: '1h' },
          // 0.05 BTC in lots of 0.000001
          strategy: { type: 'sma-crossover', params: { fast: 6, slow: 24, qty: 50_000 } },
          ...(instruments ? { instruments } : {})
        }),
        'btc.yaml'
      );
    // no tick, lot or currency in the config: the store's (0.01, 0.000001, USD)
    const [inst] = instrumentsFor(cfg());
    expect([inst!.tickSize, inst!.lotSize, inst!.currency]).toEqual(['0.01', '0.000001', 'USD']);
    const r = await runBacktest({ config: cfg(), configFile: 'btc.yaml' });
    expect(r.bars).toBe(21 * 24);
    expect(r.fills).toBeGreaterThan(0);
    // weekends trade too: 20 daily returns over 21 days, each year holding 365 of them, not 252
    const daily = dailyReturns(r.equity);
    expect(daily.length).toBeGreaterThanOrEqual(20);
    expect(r.summary.annualizedVolatility).toBeGreaterThan(0);
    expect(r.summary.annualizedVolatility / annualizedVolatility(daily, 252)).toBeCloseTo(
      Math.sqrt(365 / 252),
      9
    );
    // what the config says still wins, and a lot the data was not stored in is refused
    expect(instrumentsFor(cfg({ overrides: { BTCUSDT: { lotSize: '0.001' } } }))[0]!.lotSize).toBe('0.001');
    await expect(
      runBacktest({ config: cfg({ defaults: { lotSize: '1' } }), configFile: 'btc.yaml' })
    ).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
  });

  it('follows ticker changes when asked: a backtest of AABA runs on the YHOO history in the store', async () => {
    const csv = sharedData('ohlcv', 'backtrader', 'yhoo-1996-2015.txt');
    const { store } = await importToStore(csv, '--format', 'yahoo', '--symbol', 'YHOO');
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
