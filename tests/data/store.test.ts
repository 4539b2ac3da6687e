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
import { allocBarColumns, columnsBytes } from '../../src/data/columns.ts';
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

describe('paths are read literally, never as DuckDB globs', () => {
  it('symbols and a store directory with * ? [ ] read, merge and list only their own files', async () => {
    const tf = parseTimeframe('1d');
    const day = (iso: string, px: number) => {
      const c = allocBarColumns(1);
      c.tsOpen[0] = nsFromIso(`${iso}T00:00:00Z`);
      c.tsEvent[0] = c.tsOpen[0] + 86_400_000_000_000n;
      c.open[0] = c.high[0] = c.low[0] = c.close[0] = px;
      return c;
    };
    const parent = mkdtempSync(join(tmpdir(), 'tradestate-glob-'));
    // a store the root's name matches as a glob, holding the same paths
    const decoy = await ParquetStore.open(join(parent, 'sXY'));
    for (const sym of ['AB', 'A*']) await decoy.writeBars(sym, tf, day('2014-01-10', 999));
    decoy.close();
    const glob = await ParquetStore.open(join(parent, 's*?'));
    try {
      const symbols = ['AB', 'A*', 'A?', 'A[B]', 'A]'];
      for (const [i, sym] of symbols.entries())
        await glob.writeBars(sym, tf, day(`2014-01-0${i + 2}`, 100 + i));
      await glob.writeBars('A*', tf, day('2014-01-20', 200)); // merges with A*'s own file alone
      glob.cache.clear();
      expect(Array.from((await glob.loadBars('A*', tf)).close)).toEqual([101, 200]);
      for (const [i, sym] of symbols.entries()) {
        if (sym === 'A*') continue;
        expect([sym, Array.from((await glob.loadBars(sym, tf)).close)]).toEqual([sym, [100 + i]]);
      }
      expect((await glob.list()).map((x) => [x.symbol, x.rows])).toEqual([
        ['A*', 2],
        ['A?', 1],
        ['AB', 1],
        ['A[B]', 1],
        ['A]', 1]
      ]);
    } finally {
      glob.close();
      rmSync(parent, { recursive: true, force: true });
    }
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

  it('resampling from a start inside a bucket: only whole bars opening at or after start', async () => {
    const t = (iso: string) => nsFromIso(`2023-03-01T${iso}:00Z`);
    const full = await collect(getBars(store, ['BTCUSDT'], t('00:00'), t('01:00'), '5m'));
    expect(full).toHaveLength(12);
    const late = await collect(getBars(store, ['BTCUSDT'], t('00:02'), t('01:00'), '5m'));
    expect(late[0]!.tsOpen).toBe(t('00:05')); // not a partial [00:00, 00:05) made of 00:02–00:04
    expect(late).toEqual(full.slice(1));
    // a start on a bucket boundary keeps that bucket
    expect(await collect(getBars(store, ['BTCUSDT'], t('00:05'), t('01:00'), '5m'))).toEqual(full.slice(1));
    // a daily NYSE bar from a start in the middle of its session is left out, the next sessions are whole
    const days = await collect(getBars(store, ['SPY'], undefined, undefined, '1d'));
    const fromNoon = await collect(
      getBars(store, ['SPY'], nsFromIso('2025-07-08T16:00:00Z'), undefined, '1d')
    );
    expect(fromNoon).toEqual(days.slice(1));
    // a start before the session open (pre-market) still keeps that session's whole bar
    const fromPre = await collect(
      getBars(store, ['SPY'], nsFromIso('2025-07-08T12:00:00Z'), undefined, '1d')
    );
    expect(fromPre).toEqual(days);
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

describe('the store’s cache of hot ranges', () => {
  /** Bytes of the buffers the cached partitions keep alive (a view keeps its whole buffer). */
  const retained = (cache: ParquetStore['cache']): number => {
    const buffers = new Set<ArrayBufferLike>();
    for (const k of cache.keys()) {
      const p = cache.get(k)!;
      for (const a of [p.tsOpen, p.tsEvent, p.open, p.high, p.low, p.close, p.volume, p.flags])
        buffers.add(a.buffer);
    }
    return [...buffers].reduce((n, b) => n + b.byteLength, 0);
  };

  it('bounds the memory its partitions keep alive, not only their nominal size', async () => {
    const tf = parseTimeframe('1h');
    const t0 = nsFromIso('2023-01-01T00:00:00Z');
    const n = 365 * 24; // 2023's 1h bars: 12 month partitions
    const c = allocBarColumns(n);
    for (let i = 0; i < n; i++) {
      c.tsOpen[i] = t0 + BigInt(i) * 3_600_000_000_000n;
      c.tsEvent[i] = c.tsOpen[i]! + 3_600_000_000_000n;
      c.open[i] = c.high[i] = c.low[i] = c.close[i] = i;
    }
    const root = mkdtempSync(join(tmpdir(), 'tradestate-cache-'));
    const writer = await ParquetStore.open(root);
    await writer.writeBars('X', tf, c);
    writer.close();
    const year = columnsBytes(c);
    const closes = Array.from(c.close);
    // a bound below the year: the most recent months that fit are kept, each a copy owning its arrays
    const small = await ParquetStore.open(root, { cacheBytes: columnsBytes({ ...c, length: 2 * 31 * 24 }) });
    try {
      expect(Array.from((await small.loadBars('X', tf)).close)).toEqual(closes);
      expect(small.cache.keys()).toEqual(['bars_1h|X|month=2023-11', 'bars_1h|X|month=2023-12']);
      expect(retained(small.cache)).toBe(small.cache.weight);
      const misses = small.cache.misses;
      const dec = await small.loadBars('X', tf, nsFromIso('2023-11-01T00:00:00Z'));
      expect(small.cache.misses).toBe(misses); // served from the cache: the same bars
      expect(Array.from(dec.close)).toEqual(closes.slice(-(30 + 31) * 24));
    } finally {
      small.close();
    }
    // a bound the year fits in: the months are views of one read, kept and evicted together
    const big = await ParquetStore.open(root, { cacheBytes: year + 1000 });
    try {
      expect(Array.from((await big.loadBars('X', tf)).close)).toEqual(closes);
      expect(big.cache.size).toBe(12);
      expect(retained(big.cache)).toBe(year);
      expect(big.cache.weight).toBe(year);
      big.cache.set('other', allocBarColumns(20)); // evicting the least recent month evicts its whole read
      expect(big.cache.keys()).toEqual(['other']);
      const jan = await big.loadBarPartition('X', tf, 'month=2023-01');
      expect(Array.from(jan.close)).toEqual(closes.slice(0, 31 * 24));
      expect(retained(big.cache)).toBe(big.cache.weight);
    } finally {
      big.close();
      rmSync(root, { recursive: true, force: true });
    }
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

  it('a group (views of one buffer) is cached, refreshed, evicted and deleted as one', () => {
    const c = new LruCache<string, number>(10, (v) => v);
    c.set('a', 2);
    c.setGroup([
      ['g1', 2],
      ['g2', 2]
    ]);
    c.set('b', 2);
    c.get('g1'); // refreshes g2 as well
    expect(c.keys()).toEqual(['a', 'b', 'g1', 'g2']);
    c.set('c', 4); // evicts a, the least recent
    expect(c.keys()).toEqual(['b', 'g1', 'g2', 'c']);
    c.set('d', 4); // evicts b, then g1 and so g2
    expect(c.keys()).toEqual(['c', 'd']);
    expect(c.weight).toBe(8);
    c.setGroup([
      ['g1', 1],
      ['g2', 1]
    ]);
    expect(c.weight).toBe(10);
    c.delete('g2');
    expect(c.keys()).toEqual(['c', 'd']);
    expect(c.weight).toBe(8);
    c.setGroup([
      ['x', 6],
      ['y', 5]
    ]); // together heavier than the bound: neither
    expect(c.keys()).toEqual(['c', 'd']);
  });
});
