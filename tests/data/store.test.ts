import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { nsFromIso } from '../../src/core/nanos.ts';
import { getBars } from '../../src/data/access.ts';
import type { BarSource } from '../../src/data/bar-source.ts';
import { compareBars } from '../../src/data/bar-source.ts';
import { importFile } from '../../src/data/import/index.ts';
import { LruCache } from '../../src/data/lru.ts';
import { firstUnsorted, ParquetStore } from '../../src/data/store.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import { parseYahooCsv } from '../../src/data/yahoo-csv.codec.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { sharedData } from '../support/shared-data.ts';

let dir: string;
let store: ParquetStore;
const crypto = (f: string) => sharedData('ohlcv', 'crypto_1m', f);

async function collect(src: BarSource): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const b of src) out.push(...b);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tradestate-store-'));
  store = await ParquetStore.open(dir);
  await importFile(store, sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt'), {
    format: 'yahoo',
    symbol: 'ORCL'
  });
  await importFile(store, crypto('binanceus_BTCUSDT_1m_20230301_20230321.csv'), {
    format: 'crypto',
    symbol: 'BTCUSDT'
  });
  await importFile(store, crypto('kraken_BTCUSDC_1m_2023Q1_sparse.csv'), {
    format: 'crypto',
    symbol: 'BTCUSDC'
  });
  await importFile(store, sharedData('ohlcv', 'spy_yahoo', 'SPY_1min_20250708_20250714.csv'), {
    format: 'spy',
    symbol: 'SPY'
  });
});
afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Parquet store layout and round trip', () => {
  it('partitions by symbol and month (intraday) or year (daily), Hive-style', () => {
    expect(existsSync(join(dir, 'bars_1d', 'symbol=ORCL', 'year=2014', 'data.parquet'))).toBe(true);
    expect(existsSync(join(dir, 'bars_1m', 'symbol=BTCUSDC', 'month=2023-02', 'data.parquet'))).toBe(true);
    expect(store.partitions('bars_1d', 'ORCL')).toHaveLength(20);
    expect(JSON.parse(readFileSync(join(dir, '_meta', 'symbols.json'), 'utf8')).ORCL.calendar).toBe('nyse');
  });

  it('stores BIGINT ns and ticks, readable by any Hive-aware Parquet reader', async () => {
    const r = await store.sql(
      `SELECT symbol, count(*)::INTEGER AS n, min(close)::BIGINT AS lo FROM read_parquet('${dir}/bars_1d/*/*/data.parquet', hive_partitioning = true) GROUP BY symbol`
    );
    const cols = await store.loadBars('ORCL', parseTimeframe('1d'));
    expect(await r.getRowObjectsJS()).toEqual([
      { symbol: 'ORCL', n: 5036, lo: BigInt(Math.min(...cols.close)) }
    ]);
    const d = await store.sql(
      `DESCRIBE SELECT * FROM read_parquet('${dir}/bars_1d/symbol=ORCL/year=2014/data.parquet')`
    );
    const types = Object.fromEntries((await d.getRowObjectsJS()).map((x) => [x.column_name, x.column_type]));
    expect(types).toMatchObject({
      ts_open: 'BIGINT',
      ts_event: 'BIGINT',
      close: 'BIGINT',
      flags: 'UTINYINT'
    });
  });

  it('loads back exactly what was parsed, as typed arrays', async () => {
    const inst = makeInstrument({
      symbol: 'ORCL',
      venue: 'NYSE',
      tickSize: '0.01',
      lotSize: '1',
      currency: 'USD'
    });
    const parsed = parseYahooCsv(
      readFileSync(sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt'), 'utf8'),
      inst
    );
    const cols = await store.loadBars('ORCL', parseTimeframe('1d'));
    expect(cols.tsEvent).toBeInstanceOf(BigInt64Array);
    expect(cols.length).toBe(parsed.length);
    for (const i of [0, 1234, parsed.length - 1]) {
      const b = parsed[i]!;
      expect([
        cols.tsOpen[i],
        cols.tsEvent[i],
        cols.open[i],
        cols.high[i],
        cols.low[i],
        cols.close[i],
        cols.volume[i]
      ]).toEqual([b.tsOpen, b.tsEvent, b.open, b.high, b.low, b.close, b.volume]);
    }
  });

  it('re-importing is idempotent (a partition is merged, not appended)', async () => {
    const before = (await store.list()).find((x) => x.symbol === 'BTCUSDT')!.rows;
    await importFile(store, crypto('binanceus_BTCUSDT_1m_20230301_20230321.csv'), {
      format: 'crypto',
      symbol: 'BTCUSDT'
    });
    expect((await store.list()).find((x) => x.symbol === 'BTCUSDT')!.rows).toBe(before);
    expect(before).toBe(30240);
  });

  it('writes and reads L3 / L2 / quote / trade partitions with their declared types', async () => {
    const t = nsFromIso('2012-06-21T13:30:00Z');
    await store.writeTickPartition('quotes', 'X', '2012-06-21', [[t, 100, 5, 101, 7]]);
    await store.writeTickPartition('trades', 'X', '2012-06-21', [[t, 100, 5, 1, 'abc']]);
    await store.writeTickPartition('l2', 'X', '2012-06-21', [[t, 1, 0, 1, 100, 5, 0]]);
    await store.writeTickPartition('l3', 'X', '2012-06-21', [
      [t + 1n, 2, 1, 42, -1, 101, 3],
      [t, 1, 1, 41, 1, 100, 5]
    ]);
    const r = await store.sql(
      `SELECT order_id, ts_event FROM read_parquet('${dir}/l3/symbol=X/date=2012-06-21/data.parquet')`
    );
    expect(await r.getRowsJS()).toEqual([
      [41n, t],
      [42n, t + 1n]
    ]);
    expect((await store.list()).filter((x) => x.symbol === 'X').map((x) => x.dataset)).toEqual([
      'l2',
      'l3',
      'quotes',
      'trades'
    ]);
  });
});

describe('getBars', () => {
  it('merges symbols in strict (tsEvent, instrumentId) order', async () => {
    const bars = await collect(
      getBars(
        store,
        ['BTCUSDT', 'BTCUSDC'],
        nsFromIso('2023-03-01T00:00:00Z'),
        nsFromIso('2023-03-02T00:00:00Z'),
        '1m',
        {
          batchSize: 500
        }
      )
    );
    for (let i = 1; i < bars.length; i++) expect(compareBars(bars[i - 1]!, bars[i]!)).toBeLessThan(0);
    expect(bars.filter((b) => b.instrumentId === 'BTCUSDT@CRYPTO')).toHaveLength(1440);
    expect(bars[0]!.tsOpen).toBe(nsFromIso('2023-03-01T00:00:00Z'));
  });

  it('resamples 1m → 5m and 1h exactly (checked against DuckDB SQL aggregation)', async () => {
    for (const [tf, w] of [
      ['5m', 300],
      ['1h', 3600]
    ] as const) {
      const ours = await collect(getBars(store, ['BTCUSDC'], undefined, undefined, tf));
      const r = await store.sql(
        `SELECT (ts_open // ${w}000000000) * ${w}000000000 AS b, arg_min(open, ts_open), max(high), min(low), arg_max(close, ts_open), sum(volume)::BIGINT
         FROM read_parquet('${dir}/bars_1m/symbol=BTCUSDC/*/data.parquet') GROUP BY b ORDER BY b`
      );
      const sql = (await r.getRowsJS()).map((x) => x.map(Number));
      expect(ours.map((b) => [Number(b.tsOpen), b.open, b.high, b.low, b.close, b.volume])).toEqual(sql);
      expect(ours.every((b) => b.tsEvent === b.tsOpen + BigInt(w) * 1_000_000_000n)).toBe(true);
    }
  });

  it('resamples SPY 1m → 1d over the regular session only, stamped at the close', async () => {
    const days = await collect(getBars(store, ['SPY'], undefined, undefined, '1d'));
    expect(days).toHaveLength(5);
    expect(days[0]).toMatchObject({
      tsOpen: nsFromIso('2025-07-08T13:30:00Z'),
      tsEvent: nsFromIso('2025-07-08T20:00:00Z')
    });
    const r = await store.sql(
      `SELECT arg_min(open, ts_open), max(high), min(low), arg_max(close, ts_open), sum(volume)::BIGINT
       FROM read_parquet('${dir}/bars_1m/symbol=SPY/*/data.parquet') WHERE flags & 8 = 0
       GROUP BY (ts_open - 14400000000000) // 86400000000000 ORDER BY 1`
    );
    const sql = (await r.getRowsJS()).map((x) => x.map(Number)).sort((a, b) => a[0]! - b[0]!);
    expect(days.map((b) => [b.open, b.high, b.low, b.close, b.volume]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      sql
    );
    const all = await collect(getBars(store, ['SPY'], undefined, undefined, '1d', { session: 'all' }));
    expect(all[0]!.tsEvent).toBe(nsFromIso('2025-07-09T00:00:00Z')); // 20:00 EDT
    expect(all[0]!.volume).toBeGreaterThan(days[0]!.volume);
  });

  it('NYSE 1m bars: regular hours by default, extended hours on request', async () => {
    const reg = await collect(getBars(store, ['SPY'], undefined, undefined, '1m'));
    const all = await collect(getBars(store, ['SPY'], undefined, undefined, '1m', { session: 'all' }));
    expect(all).toHaveLength(4696);
    expect(reg.length).toBeLessThan(all.length);
    expect(reg.length).toBe(5 * 390 - 10); // 5 sessions less the 10 minutes Yahoo has no bar for
  });

  it('streams lazily: the first batch reads only the first partition', async () => {
    store.cache.clear();
    const missesBefore = store.cache.misses;
    const it = getBars(store, ['BTCUSDC'], undefined, undefined, '1m', { batchSize: 1000 })[
      Symbol.asyncIterator
    ]();
    await it.next();
    expect(store.cache.misses - missesBefore).toBe(1);
    let n = 1000;
    for (let r = await it.next(); !r.done; r = await it.next()) n += r.value.length;
    expect(n).toBe(56717);
    expect(store.cache.misses - missesBefore).toBe(3);
    // a second pass is served from the cache of hot ranges
    await collect(getBars(store, ['BTCUSDC'], undefined, undefined, '1m'));
    expect(store.cache.misses - missesBefore).toBe(3);
  });

  it('reports a missing symbol or timeframe as DATA_NOT_FOUND', () => {
    expect(() => getBars(store, ['NOPE'], undefined, undefined, '1m')).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_NOT_FOUND' })
    );
    expect(() => getBars(store, ['ORCL'], undefined, undefined, '1h')).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_NOT_FOUND' })
    );
  });
});

describe('firstUnsorted (int64 order through 32-bit words)', () => {
  it('agrees with a BigInt comparison, across word boundaries and signs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 40 }),
        (xs) => {
          const a = BigInt64Array.from(xs);
          const expected = xs.findIndex((x, i) => i > 0 && x < xs[i - 1]!);
          expect(firstUnsorted(a)).toBe(expected);
          const sorted = BigInt64Array.from([...xs].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0)));
          expect(firstUnsorted(sorted)).toBe(-1);
        }
      )
    );
    expect(firstUnsorted(BigInt64Array.from([0xffffffffn, 0x100000000n, 0xfffffffen]))).toBe(2);
  });
});

describe('LruCache', () => {
  it('evicts least-recently-used entries to stay within its weight bound', () => {
    const c = new LruCache<string, number>(10, (v) => v);
    c.set('a', 4);
    c.set('b', 4);
    c.get('a');
    c.set('c', 4); // evicts b, the least recent
    expect(c.keys()).toEqual(['a', 'c']);
    expect(c.weight).toBe(8);
    c.set('huge', 11); // heavier than the bound: not cached
    expect(c.has('huge')).toBe(false);
  });
});
