import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig, parseRunConfig } from '../../src/config/load.ts';

import { importFile } from '../../src/data/import/index.ts';
import { ParquetStore } from '../../src/data/store.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import { caught } from '../support/caught.ts';
import { REPO_ROOT, sharedData } from '../support/shared-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'ts-config-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const strategy = { type: 'sma-crossover', params: { fast: 12, slow: 48, qty: 100 } };
const config = (data: object) => parseRunConfig(JSON.stringify({ name: 'data', data, strategy }), 'c.yaml');

/** Bars, orders, fills and the DAY orders that expired unfilled ("DAY order past its session"). */
async function counts(c: ReturnType<typeof config>) {
  const r = await runBacktest({ config: c, configFile: 'c.yaml', monteCarloPaths: 0 });
  const expired = (r.log as MemoryEventLog).records.filter(
    (x) => x.type === 'exec.report' && (x.payload as { execType: string }).execType === 'expired'
  ).length;
  return { bars: r.bars, orders: r.orders, fills: r.fills, expired, summary: r.summary };
}

describe('config data section', () => {
  it('parquet: symbols are what an instrument id can hold (ES=F, ^GSPC yes; "@", spaces no)', () => {
    const parquet = (symbols: string[]) => ({ kind: 'parquet', store: 's', symbols });
    expect(config(parquet(['ES=F', '^GSPC', 'BTC/USD'])).data).toMatchObject({
      symbols: ['ES=F', '^GSPC', 'BTC/USD']
    });
    for (const bad of ['A@B', 'A B', 'x'.repeat(33)]) {
      const e = caught(() => config(parquet([bad])));
      expect([e.code, e.context.path]).toEqual(['TRD_ERR_CONFIG_INVALID', 'data.symbols.0']);
      // the CSV kinds' file symbols follow the same rule
      for (const kind of ['csv', 'yahoo-csv']) {
        const f = caught(() => config({ kind, files: [{ symbol: bad, path: 'x.csv' }] }));
        expect([f.code, f.context.path], kind).toEqual(['TRD_ERR_CONFIG_INVALID', 'data.files.0.symbol']);
      }
    }
    expect(config({ kind: 'csv', files: [{ symbol: 'ES=F', path: 'x.csv' }] }).data).toMatchObject({
      files: [{ symbol: 'ES=F' }]
    });
  });

  it('parquet: timeframe left out stays out (the finest stored applies); a stated one is kept', () => {
    const parquet = { kind: 'parquet', store: 's', symbols: ['ORCL'] };
    expect(config(parquet).data).not.toHaveProperty('timeframe');
    expect(config({ ...parquet, timeframe: '1d' }).data).toMatchObject({ timeframe: '1d' });
    const e = caught(() => config({ ...parquet, timeframe: '2d' }));
    expect([e.code, e.context['path']]).toEqual(['TRD_ERR_CONFIG_INVALID', 'data.timeframe']);
  });

  it('csv: session regular by default, all to keep extended hours, nothing else', () => {
    const csv = { kind: 'csv', files: [{ symbol: 'SPY', path: 'x.csv' }], calendar: 'nyse' };
    expect(config(csv).data).toMatchObject({ session: 'regular' });
    expect(config({ ...csv, session: 'all' }).data).toMatchObject({ session: 'all' });
    const e = caught(() => config({ ...csv, session: 'extended' }));
    expect([e.code, e.context['path']]).toEqual(['TRD_ERR_CONFIG_INVALID', 'data.session']);
  });

  it('a parquet config without timeframe backtests daily-only data (it was read as 1m and refused)', async () => {
    const store = join(dir, 'orcl');
    const s = await ParquetStore.open(store);
    await importFile(s, sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt'), {
      format: 'yahoo',
      symbol: 'ORCL'
    });
    s.close();
    const parquet = { kind: 'parquet', store, symbols: ['ORCL'] };
    const implied = await counts(config(parquet));
    expect(implied.bars).toBe(5036);
    expect(implied).toEqual(await counts(config({ ...parquet, timeframe: '1d' })));
  });

  it('config/spy-csv.yaml trades the regular session only, as the same file imported with --format spy', async () => {
    const shipped = loadRunConfig(join(REPO_ROOT, 'config', 'spy-csv.yaml'));
    const csv = await counts(shipped);
    // 7,143 bars 04:00–20:00 New York before: 188 orders, 44 of them DAY orders expired after hours
    expect([csv.bars, csv.orders, csv.fills, csv.expired]).toEqual([2926, 77, 77, 0]);
    const store = join(dir, 'spy');
    const s = await ParquetStore.open(store);
    await importFile(s, sharedData('ohlcv', 'spy_yahoo', 'SPY_5min_20250519_20250714.csv'), {
      format: 'spy',
      symbol: 'SPY',
      meta: { venue: 'ARCA' }
    });
    s.close();
    const viaStore = await counts({
      ...shipped,
      data: config({ kind: 'parquet', store, symbols: ['SPY'] }).data
    });
    expect(viaStore).toEqual(csv);
  });
});
