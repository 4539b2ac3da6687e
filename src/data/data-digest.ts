import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { RunConfig } from '../config/schema.ts';
import { strategyModuleFiles } from '../strategies/module-files.ts';
import { storeDatasetSymbols, storeDatasets, storeMetaFile, storeSymbolDir } from './store-layout.ts';

/** One data file a run reads, and the SHA-256 of its bytes (`missing` when it cannot be read). */
export interface DataFileDigest {
  readonly path: string;
  readonly sha256: string;
}

/** Every file under `dir`, recursively (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * The files a backtest of `data` reads, sorted: the CSVs, the LOBSTER message and orderbook files, or a Parquet
 * store's metadata and the partitions of its symbols (all of them when renames are followed). None for
 * synthetic data, which the configuration and seed alone determine.
 */
export function dataFilesOf(data: RunConfig['data']): string[] {
  switch (data.kind) {
    case 'synthetic':
      return [];
    case 'yahoo-csv':
    case 'csv':
      return [...new Set(data.files.map((f) => f.path))].sort();
    case 'lobster':
      return [data.messages, ...(data.orderbook ? [data.orderbook] : [])].sort();
    case 'parquet': {
      const root = data.store;
      const files = existsSync(storeMetaFile(root)) ? [storeMetaFile(root)] : [];
      for (const dataset of storeDatasets(root)) {
        const symbols = data.followRenames ? storeDatasetSymbols(root, dataset) : data.symbols;
        for (const s of symbols) files.push(...filesUnder(storeSymbolDir(root, dataset, s)));
      }
      return [...new Set(files)].sort();
    }
  }
}

const cache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/**
 * SHA-256 (hex) of one file's bytes, `missing` when it cannot be read; remembered while its size and
 * modification time stay the same.
 */
export function fileDigest(path: string): string {
  let st: { size: number; mtimeMs: number };
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  const hit = cache.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  let sha256: string;
  try {
    sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
  cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

/** What a run reads from files: its data and, when it is your own, its strategy module. */
export type RunInputs = Pick<RunConfig, 'data' | 'strategy'>;

/**
 * The files a run reads, sorted: {@link dataFilesOf} and the strategy module with the files of its own that it
 * imports ({@link strategyModuleFiles}).
 */
export function runFilesOf(run: RunInputs): string[] {
  const files = dataFilesOf(run.data);
  const module = run.strategy.module;
  if (module === undefined) return files;
  return [...new Set([...files, module, ...strategyModuleFiles(module)])].sort();
}

/**
 * SHA-256 (hex) of a strategy module as a whole: its own bytes' digest when it imports no file of its own, else
 * the digest of every file's path (relative to the module) and digest ({@link strategyModuleFiles}), so editing a
 * helper it imports changes it too.
 */
export function moduleDigest(entry: string): string {
  const files = strategyModuleFiles(entry);
  if (files.length <= 1) return fileDigest(entry);
  const base = dirname(resolve(entry));
  const parts = files.map((f) => [relative(base, f), fileDigest(f)]);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The digests of every file a run reads ({@link runFilesOf}). */
export function digestRunFiles(run: RunInputs): DataFileDigest[] {
  return runFilesOf(run).map((path) => ({ path, sha256: fileDigest(path) }));
}

/**
 * How the files here differ from `expected` (a coordinator's {@link digestRunFiles}), in one line naming the
 * first file that differs; undefined when every file is the same.
 */
export function runFilesDifference(run: RunInputs, expected: readonly DataFileDigest[]): string | undefined {
  const here = digestRunFiles(run);
  const mine = new Map(here.map((f) => [f.path, f.sha256]));
  for (const f of expected) {
    const h = mine.get(f.path);
    if (h === undefined) return `${f.path} is not part of the data here`;
    if (h === 'missing') return `${f.path} is missing here`;
    if (h !== f.sha256)
      return `${f.path} differs here (sha256 ${h.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…)`;
  }
  const theirs = new Set(expected.map((f) => f.path));
  const extra = here.find((f) => !theirs.has(f.path));
  return extra === undefined
    ? undefined
    : `${extra.path} is part of the data here but not on the coordinator`;
}
