import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { readText } from '../core/read-file.ts';
import { type SymbolMeta, symbolMetaSchema } from './schema.ts';
import { parseTimeframe, type Timeframe } from './timeframe.ts';

/*
 * Where a Parquet store keeps what (see `ParquetStore`); plain paths, no DuckDB, so tools that only need to find
 * the files (the sweep's data digest) share the layout with the store instead of restating it.
 */

/** The store the data commands use when not given `--store`, relative to the working directory. */
export const DEFAULT_STORE = 'data-store';

/** `<root>/_meta/symbols.json`: symbol → venue, tick, lot, currency, calendar. */
export function storeMetaFile(root: string): string {
  return join(root, '_meta', 'symbols.json');
}

/** Every stored symbol's metadata (`symbols.json`, validated); none when the store has no such file. */
export function readStoreSymbols(root: string): Record<string, SymbolMeta> {
  const p = storeMetaFile(root);
  if (!existsSync(p)) return {};
  const bad = (why: string): TradestateError =>
    new TradestateError(ErrorCode.DATA_INVALID, `${p}: not a store's symbol list: ${why}`, { file: p });
  const text = readText(p, {
    code: ErrorCode.DATA_NOT_FOUND,
    message: `cannot read ${p}`,
    context: { file: p }
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const parsed = storeSymbolsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw bad(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

const storeSymbolsSchema = z.record(z.string(), symbolMetaSchema);

/** `<root>/<dataset>/symbol=<symbol>`: one symbol's partitions of a dataset. */
export function storeSymbolDir(root: string, dataset: string, symbol: string): string {
  return join(root, dataset, `symbol=${encodeURIComponent(symbol)}`);
}

/** Datasets present (`bars_1m`, `bars_1d`, `l3`…), sorted. */
export function storeDatasets(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort();
}

/** Symbols stored in a dataset, sorted. */
export function storeDatasetSymbols(root: string, dataset: string): string[] {
  const dir = join(root, dataset);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith('symbol='))
    .map((n) => decodeURIComponent(n.slice('symbol='.length)))
    .sort();
}

/** Sorted partition keys (`month=2014-01`, `year=2014`…) of one symbol in a dataset: those holding a data file. */
export function storePartitionKeys(root: string, dataset: string, symbol: string): string[] {
  const dir = storeSymbolDir(root, dataset, symbol);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((k) => existsSync(join(dir, k, 'data.parquet')))
    .sort();
}

/**
 * The timeframe of a bar dataset's folder as the store names it (`bars_<label>`, the label as
 * {@link parseTimeframe} writes it: `bars_1m`, `bars_1d`); undefined for any other folder (`bars_1d.bak`,
 * `bars_1Min`, `bars_05m`), which the store did not write and does not read.
 */
function storeBarTimeframe(dataset: string): Timeframe | undefined {
  const m = /^bars_(\d+[smhdw])$/.exec(dataset);
  if (!m) return undefined;
  let tf: Timeframe;
  try {
    tf = parseTimeframe(m[1]!);
  } catch {
    return undefined; // bars_0m, bars_12345m
  }
  return tf.label === m[1] ? tf : undefined;
}

/** Bar timeframes stored for a symbol (`bars_<tf>` datasets with a partition of it), finest first. */
export function storeBarTimeframes(root: string, symbol: string): Timeframe[] {
  return storeDatasets(root)
    .flatMap((d) => {
      const tf = storeBarTimeframe(d);
      return tf && storePartitionKeys(root, d, symbol).length > 0 ? [tf] : [];
    })
    .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
}
