import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult } from '@duckdb/node-api';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, type Nanos } from '../core/nanos.ts';
import {
  allocBarColumns,
  type BarColumns,
  columnsBytes,
  concatColumns,
  lowerBound,
  sliceColumns,
  upperBound
} from './columns.ts';
import { LruCache } from './lru.ts';
import { columnsOf, type Dataset, STORAGE_DDL, type SymbolMeta, symbolMetaSchema } from './schema.ts';
import {
  readStoreSymbols,
  storeBarTimeframes,
  storeDatasetSymbols,
  storeDatasets,
  storeMetaFile,
  storePartitionKeys,
  storeSymbolDir
} from './store-layout.ts';
import type { Timeframe } from './timeframe.ts';

/**
 * The on-disk store: Hive-style Parquet partitions, written and read by DuckDB embedded in-process.
 *
 * ```
 * <root>/_meta/symbols.json                               symbol → venue, tick, lot, currency, calendar
 * <root>/bars_1m/symbol=ORCL/month=2014-01/data.parquet   intraday bars: one file per symbol per month
 * <root>/bars_1d/symbol=ORCL/year=2014/data.parquet        daily and coarser: one file per symbol per year
 * <root>/l3/symbol=AAPL/date=2012-06-21/data.parquet       tick data (L1/L2/L3/trades): per symbol per day
 * ```
 *
 * Why a month for 1-minute bars: a day of minute bars is only 390–1,440 rows (a few KB of Parquet,
 * dominated by footer metadata and one file open per day); a month is 8k–45k rows, one healthy row
 * group, 12 files per symbol-year, and still small enough that re-importing a day rewrites little.
 * Tick data is millions of rows a day, so a day is the natural unit there. The partition key is the
 * UTC month (year, date) of `ts_open` (tick data: of `ts_event`).
 */
export class ParquetStore {
  readonly root: string;
  readonly cache: LruCache<string, BarColumns>;
  readonly #db: DuckDBInstance;
  readonly #conn: DuckDBConnection;
  /** Read connections: queries on separate connections run concurrently inside DuckDB. */
  readonly #readers: DuckDBConnection[];
  readonly #allReaders: readonly DuckDBConnection[];
  readonly #waiting: ((c: DuckDBConnection) => void)[] = [];
  #lock: Promise<unknown> = Promise.resolve();
  #tmp = 0;

  private constructor(
    root: string,
    db: DuckDBInstance,
    conn: DuckDBConnection,
    readers: DuckDBConnection[],
    cacheBytes: number
  ) {
    this.root = root;
    this.#db = db;
    this.#conn = conn;
    this.#readers = [...readers];
    this.#allReaders = readers;
    this.cache = new LruCache<string, BarColumns>(cacheBytes, columnsBytes);
  }

  /** Open a store at `root` (created on the first write). `cacheBytes` bounds the hot-range cache (default 256 MiB). */
  static async open(
    root: string,
    opts: { cacheBytes?: number; threads?: number } = {}
  ): Promise<ParquetStore> {
    const abs = resolve(root); // directories are created by the first write, not by reading
    // DuckDB (a native module) loads with the first store opened, not with every command that could open one
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:', { threads: String(opts.threads ?? 2) });
    const conn = await db.connect();
    const readers = [await db.connect(), await db.connect(), await db.connect()];
    return new ParquetStore(abs, db, conn, readers, opts.cacheBytes ?? 256 * 1024 * 1024);
  }

  close(): void {
    for (const r of this.#allReaders) r.closeSync();
    this.#conn.closeSync();
    this.#db.closeSync();
  }

  /** Run SQL on the store's DuckDB connection (serialised with writes). */
  sql(sql: string): Promise<DuckDBMaterializedResult> {
    return this.#serial(() => this.#conn.run(sql));
  }

  // ---------------------------------------------------------------- metadata

  #metaPath(): string {
    return storeMetaFile(this.root);
  }

  /** All symbols' metadata. */
  symbols(): Record<string, SymbolMeta> {
    return readStoreSymbols(this.root);
  }

  /** Metadata of one symbol, or throw `TRD_ERR_DATA_NOT_FOUND`. */
  symbolMeta(symbol: string): SymbolMeta {
    const m = this.symbols()[symbol];
    if (!m) {
      throw new TradestateError(
        ErrorCode.DATA_NOT_FOUND,
        `symbol ${symbol} is not in the store ${this.root}`,
        {
          symbol,
          store: this.root
        }
      );
    }
    return m;
  }

  /** Record a symbol's metadata; the tick and lot size may not change once bars are stored. */
  putSymbolMeta(meta: SymbolMeta): void {
    const all = this.symbols();
    const prev = all[meta.symbol];
    if (prev && (prev.tickSize !== meta.tickSize || prev.lotSize !== meta.lotSize)) {
      throw new TradestateError(
        ErrorCode.DATA_INVALID,
        `${meta.symbol} is stored with tick ${prev.tickSize} lot ${prev.lotSize}, cannot import with tick ${meta.tickSize} lot ${meta.lotSize}`,
        { symbol: meta.symbol }
      );
    }
    all[meta.symbol] = symbolMetaSchema.parse(meta);
    writeAtomic(this.#metaPath(), `${JSON.stringify(all, null, 2)}\n`);
  }

  // ---------------------------------------------------------------- layout

  /** Dataset directory name of a bar timeframe, e.g. `bars_1m`. */
  static barDataset(tf: Timeframe): string {
    return `bars_${tf.label}`;
  }

  /** Partition key of a bar opening at `tsOpen`: `month=YYYY-MM` (intraday) or `year=YYYY`. */
  static barPartitionKey(tf: Timeframe, tsOpen: Nanos): string {
    const iso = isoFromNs(tsOpen);
    return tf.intraday ? `month=${iso.slice(0, 7)}` : `year=${iso.slice(0, 4)}`;
  }

  /** Path of a partition file. */
  partitionFile(dataset: string, symbol: string, key: string): string {
    return join(storeSymbolDir(this.root, dataset, symbol), key, 'data.parquet');
  }

  /** Datasets present (`bars_1m`, `bars_1d`, `l3`…). */
  datasets(): string[] {
    return storeDatasets(this.root);
  }

  /** Symbols stored in a dataset. */
  datasetSymbols(dataset: string): string[] {
    return storeDatasetSymbols(this.root, dataset);
  }

  /** Sorted partition keys of one symbol in a dataset. */
  partitions(dataset: string, symbol: string): string[] {
    return storePartitionKeys(this.root, dataset, symbol);
  }

  /** Timeframes stored for a symbol, finest first. */
  barTimeframes(symbol: string): Timeframe[] {
    return storeBarTimeframes(this.root, symbol);
  }

  // ---------------------------------------------------------------- bars

  /**
   * Write bars of one symbol (columns sorted by tsEvent, any number of partitions). Existing
   * partitions are merged: a stored bar with the same `ts_open` is replaced by the new one.
   * Each partition file is written to a temporary name and renamed, so readers never see half a file.
   */
  async writeBars(
    symbol: string,
    tf: Timeframe,
    cols: BarColumns,
    onProgress?: (rowsDone: number, rowsTotal: number) => void
  ): Promise<{ rows: number; partitions: string[] }> {
    const dataset = ParquetStore.barDataset(tf);
    // split into partition ranges (columns are sorted, so partitions are contiguous)
    const ranges: { key: string; from: number; to: number }[] = [];
    for (let i = 0; i < cols.length; i++) {
      const key = ParquetStore.barPartitionKey(tf, cols.tsOpen[i]!);
      const last = ranges[ranges.length - 1];
      if (last && last.key === key) last.to = i + 1;
      else ranges.push({ key, from: i, to: i + 1 });
    }
    const merged = new Map<string, { from: number; to: number }[]>();
    for (const r of ranges) merged.set(r.key, [...(merged.get(r.key) ?? []), r]);
    await this.#serial(async () => {
      let done = 0;
      onProgress?.(0, cols.length);
      for (const [key, rs] of merged) {
        const part = concatColumns(rs.map((r) => sliceColumns(cols, r.from, r.to)));
        const file = this.partitionFile(dataset, symbol, key);
        const table = `t_in_${++this.#tmp}`;
        await this.#conn.run(`CREATE TABLE ${table} (${STORAGE_DDL.bars})`);
        try {
          const app = await this.#conn.createAppender(table);
          for (let i = 0; i < part.length; i++) {
            app.appendBigInt(part.tsOpen[i]!);
            app.appendBigInt(part.tsEvent[i]!);
            app.appendBigInt(BigInt(part.open[i]!));
            app.appendBigInt(BigInt(part.high[i]!));
            app.appendBigInt(BigInt(part.low[i]!));
            app.appendBigInt(BigInt(part.close[i]!));
            app.appendBigInt(BigInt(part.volume[i]!));
            app.appendUTinyInt(part.flags[i]!);
            app.endRow();
          }
          app.closeSync();
          const old = existsSync(file)
            ? ` UNION ALL SELECT ${BAR_COLS} FROM read_parquet(${sqlPath(file)}, hive_partitioning = false) WHERE ts_open NOT IN (SELECT ts_open FROM ${table})`
            : '';
          await this.#copyTo(`SELECT ${BAR_COLS} FROM ${table}${old} ORDER BY ts_event, ts_open`, file);
        } finally {
          await this.#conn.run(`DROP TABLE ${table}`);
        }
        this.cache.delete(`${dataset}|${symbol}|${key}`);
        done += part.length;
        onProgress?.(done, cols.length);
      }
    });
    return { rows: cols.length, partitions: [...merged.keys()] };
  }

  /** One partition of bars as columns (through the LRU cache of hot ranges). */
  async loadBarPartition(symbol: string, tf: Timeframe, key: string): Promise<BarColumns> {
    const dataset = ParquetStore.barDataset(tf);
    const ck = `${dataset}|${symbol}|${key}`;
    const hit = this.cache.get(ck);
    if (hit) return hit;
    const file = this.partitionFile(dataset, symbol, key);
    if (!existsSync(file)) {
      throw new TradestateError(ErrorCode.DATA_NOT_FOUND, `no partition ${file}`, { file, symbol, key });
    }
    const cols = await this.#read((c) => this.#readBars(c, [file]));
    this.cache.set(ck, cols);
    return cols;
  }

  /**
   * All bars of one symbol with `start ≤ tsOpen` and `tsEvent ≤ end` as columns, loaded straight
   * into typed arrays (no per-bar objects).
   */
  async loadBars(symbol: string, tf: Timeframe, start?: Nanos, end?: Nanos): Promise<BarColumns> {
    const dataset = ParquetStore.barDataset(tf);
    const keys = this.barPartitionKeysInRange(symbol, tf, start, end);
    const cached = keys.map((k) => this.cache.get(`${dataset}|${symbol}|${k}`));
    if (cached.every((c) => c !== undefined)) {
      const parts = (cached as BarColumns[]).map((c) => clipColumns(c, start, end));
      return parts.length === 1 ? parts[0]! : concatColumns(parts);
    }
    // one query over every partition (a query per month costs more than the rows), then cache each partition
    const all = await this.#read((c) =>
      this.#readBars(
        c,
        keys.map((k) => this.partitionFile(dataset, symbol, k))
      )
    );
    const parts: { key: string; cols: BarColumns; bytes: number }[] = [];
    let from = 0;
    for (const k of keys) {
      const to = Math.max(from, lowerBound(all.tsOpen, partitionEndNs(k)));
      const cols = sliceColumns(all, from, to);
      parts.push({ key: `${dataset}|${symbol}|${k}`, cols, bytes: columnsBytes(cols) });
      from = to;
    }
    const max = this.cache.maxWeight;
    if (from === all.length && columnsBytes(all) <= max) {
      // the whole result fits: its partitions are cached as views of it, one unit (a view keeps the whole
      // result alive, so they are weighed, kept and evicted together)
      this.cache.setGroup(parts.map((p) => [p.key, p.cols] as const));
    } else {
      // inserted oldest first, only the most recent partitions that fit would stay: those are copied out of
      // the result, which the cache then does not keep alive
      let room = max;
      let first = parts.length;
      for (let i = parts.length - 1; i >= 0; i--) {
        const w = parts[i]!.bytes;
        if (w > max) continue; // never cached
        if (w > room) break;
        room -= w;
        first = i;
      }
      for (const p of parts.slice(first)) if (p.bytes <= max) this.cache.set(p.key, concatColumns([p.cols]));
    }
    return clipColumns(all, start, end);
  }

  /** Partition keys of a symbol's bars that may hold bars in [start, end]. */
  barPartitionKeysInRange(symbol: string, tf: Timeframe, start?: Nanos, end?: Nanos): string[] {
    const all = this.partitions(ParquetStore.barDataset(tf), symbol);
    const lo = start === undefined ? undefined : ParquetStore.barPartitionKey(tf, start);
    const hi = end === undefined ? undefined : ParquetStore.barPartitionKey(tf, end);
    return all.filter((k) => (lo === undefined || k >= lo) && (hi === undefined || k <= hi));
  }

  async #readBars(conn: DuckDBConnection, files: string[]): Promise<BarColumns> {
    if (files.length === 0) return allocBarColumns(0);
    const list = files.map(sqlPath).join(', ');
    const r = await conn.run(
      `SELECT ts_open, ts_event, open::DOUBLE, high::DOUBLE, low::DOUBLE, close::DOUBLE, volume::DOUBLE, flags
       FROM read_parquet([${list}], hive_partitioning = false)`
    );
    const n = Number(r.rowCount);
    const out = allocBarColumns(n);
    const targets = [out.tsOpen, out.tsEvent, out.open, out.high, out.low, out.close, out.volume, out.flags];
    let at = 0;
    for (let ci = 0; ci < r.chunkCount; ci++) {
      const chunk = r.getChunk(ci);
      const k = chunk.rowCount;
      for (let j = 0; j < targets.length; j++) copyVector(chunk.getColumnVector(j), targets[j]!, at, k);
      at += k;
    }
    // files are written sorted; verify rather than trust (a file from elsewhere may not be)
    const bad = firstUnsorted(out.tsEvent);
    if (bad >= 0) {
      throw new TradestateError(
        ErrorCode.DATA_INVALID,
        `bars not sorted by ts_event in ${files.join(', ')}`,
        {
          files,
          row: bad
        }
      );
    }
    return out;
  }

  // ---------------------------------------------------------------- tick data

  /**
   * Write tick-level rows (`l3`, `l2`, `quotes`, `trades`) of one symbol for one UTC date, replacing
   * that partition. `rows` are arrays in the dataset's column order.
   */
  async writeTickPartition(
    dataset: Exclude<Dataset, 'bars'>,
    symbol: string,
    date: string,
    rows: Iterable<readonly (bigint | number | string | null)[]>
  ): Promise<string> {
    const file = this.partitionFile(dataset, symbol, `date=${date}`);
    const types = STORAGE_DDL[dataset].split(',').map((c) => c.trim().split(/\s+/)[1]!);
    await this.#serial(async () => {
      const table = `t_in_${++this.#tmp}`;
      await this.#conn.run(`CREATE TABLE ${table} (${STORAGE_DDL[dataset]})`);
      try {
        const app = await this.#conn.createAppender(table);
        for (const row of rows) {
          for (let j = 0; j < types.length; j++) {
            const v = row[j];
            const t = types[j]!;
            if (v === null || v === undefined) app.appendNull();
            else if (t === 'BIGINT') app.appendBigInt(typeof v === 'bigint' ? v : BigInt(v));
            else if (t === 'UTINYINT') app.appendUTinyInt(Number(v));
            else if (t === 'TINYINT') app.appendTinyInt(Number(v));
            else app.appendVarchar(String(v));
          }
          app.endRow();
        }
        app.closeSync();
        const order = columnsOf(dataset).includes('seq') ? 'ts_event, seq' : 'ts_event';
        await this.#copyTo(`SELECT * FROM ${table} ORDER BY ${order}`, file);
      } finally {
        await this.#conn.run(`DROP TABLE ${table}`);
      }
    });
    return file;
  }

  // ---------------------------------------------------------------- listing

  /** One line per (dataset, symbol): partitions, rows and time range (from Parquet statistics). */
  async list(): Promise<
    { dataset: string; symbol: string; partitions: number; rows: number; first: Nanos; last: Nanos }[]
  > {
    const out: {
      dataset: string;
      symbol: string;
      partitions: number;
      rows: number;
      first: Nanos;
      last: Nanos;
    }[] = [];
    for (const ds of this.datasets()) {
      for (const sym of this.datasetSymbols(ds)) {
        const keys = this.partitions(ds, sym);
        if (keys.length === 0) continue;
        const files = keys.map((k) => sqlPath(this.partitionFile(ds, sym, k))).join(', ');
        const r = await this.#serial(() =>
          this.#conn.runAndReadAll(
            `SELECT count(*)::BIGINT, min(ts_event), max(ts_event) FROM read_parquet([${files}], hive_partitioning = false)`
          )
        );
        const [cnt, first, last] = r.getRows()[0] as [bigint, bigint, bigint];
        out.push({ dataset: ds, symbol: sym, partitions: keys.length, rows: Number(cnt), first, last });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- internals

  async #copyTo(select: string, file: string): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${this.#tmp}`;
    try {
      await this.#conn.run(
        `COPY (${select}) TO ${sqlStr(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`
      );
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new TradestateError(
        ErrorCode.DATA_INVALID,
        `cannot write ${file}: ${(e as Error).message}`,
        { file },
        {
          cause: e
        }
      );
    }
  }

  /** Several symbols at once: their reads run concurrently on the read connections. */
  async loadBarsMany(
    symbols: readonly string[],
    tf: Timeframe,
    start?: Nanos,
    end?: Nanos
  ): Promise<Map<string, BarColumns>> {
    const out = await Promise.all(symbols.map((s) => this.loadBars(s, tf, start, end)));
    return new Map(symbols.map((s, i) => [s, out[i]!]));
  }

  /** Run `f` on a free read connection (waiting for one if all are busy). */
  async #read<T>(f: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = this.#readers.pop() ?? (await new Promise<DuckDBConnection>((r) => this.#waiting.push(r)));
    try {
      return await f(c);
    } finally {
      const w = this.#waiting.shift();
      if (w) w(c);
      else this.#readers.push(c);
    }
  }

  /** DuckDB connections are not re-entrant: run one statement sequence at a time. */
  #serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(f, f);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}

/** Bars of `c` with `start ≤ tsOpen` and `tsEvent ≤ end` (c sorted by tsEvent). */
export function clipColumns(c: BarColumns, start?: Nanos, end?: Nanos): BarColumns {
  let from = 0;
  if (start !== undefined) {
    from = lowerBound(c.tsEvent, start);
    while (from < c.length && c.tsOpen[from]! < start) from++;
  }
  const to = end === undefined ? c.length : Math.max(from, upperBound(c.tsEvent, end));
  return from === 0 && to === c.length ? c : sliceColumns(c, from, to);
}

const BAR_COLS = columnsOf('bars').join(', ');

/**
 * Index of the first element smaller than its predecessor, or −1. Compares the int64s through a 32-bit
 * view (high word signed, low word unsigned) so that no BigInt is allocated per element.
 */
export function firstUnsorted(a: BigInt64Array): number {
  const hi = new Int32Array(a.buffer, a.byteOffset, a.length * 2);
  const lo = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  for (let i = 1; i < a.length; i++) {
    const h0 = hi[2 * i - 1]!;
    const h1 = hi[2 * i + 1]!;
    if (h1 < h0 || (h1 === h0 && lo[2 * i]! < lo[2 * i - 2]!)) return i;
  }
  return -1;
}

/** Start of the period after partition `key` (`month=YYYY-MM`, `year=YYYY`, `date=YYYY-MM-DD`), UTC ns. */
function partitionEndNs(key: string): Nanos {
  const [kind, v = ''] = key.split('=');
  const [y, m = 1, d = 1] = v.split('-').map(Number) as [number, number?, number?];
  const ms =
    kind === 'year'
      ? Date.UTC(y + 1, 0, 1)
      : kind === 'month'
        ? Date.UTC(y, m, 1)
        : Date.UTC(y, m - 1, d + 1);
  return BigInt(ms) * 1_000_000n;
}

type Target = BigInt64Array | Float64Array | Uint8Array;

/**
 * Copy a DuckDB vector into a typed array. DuckDB's numeric vectors are backed by a typed array over
 * the native buffer (`items`): when present and of the right type it is copied in bulk; otherwise
 * (a future @duckdb/node-api) values are read one by one through the public `getItem`.
 */
function copyVector(vec: unknown, target: Target, at: number, n: number): void {
  const items = (vec as { items?: unknown }).items;
  if (
    (target instanceof BigInt64Array && items instanceof BigInt64Array) ||
    (target instanceof Float64Array && items instanceof Float64Array) ||
    (target instanceof Uint8Array && items instanceof Uint8Array)
  ) {
    target.set((items as Target).subarray(0, n) as never, at);
    return;
  }
  const v = vec as { getItem(i: number): unknown };
  for (let i = 0; i < n; i++) {
    const x = v.getItem(i);
    if (x === null) throw new TradestateError(ErrorCode.DATA_INVALID, 'unexpected NULL in a NOT NULL column');
    (target as unknown as unknown[])[at + i] =
      target instanceof BigInt64Array ? BigInt(x as bigint) : Number(x);
  }
}

function sqlStr(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * A file for `read_parquet` as an SQL string, read literally: DuckDB takes `*`, `?` and `[…]` in a path as a glob
 * (a symbol `A*`, or a store under `/data/a[1]`, would read every file the pattern matches), so each is put in a
 * character class of its own (`[*]`), which matches just that character.
 */
function sqlPath(file: string): string {
  return sqlStr(file.replace(/[*?[\]]/g, '[$&]'));
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
