import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/config/schema.ts';
import { dataFilesOf, digestRunFiles, runFilesDifference, runFilesOf } from '../../src/data/data-digest.ts';

const dir = mkdtempSync(join(tmpdir(), 'ts-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Data = RunConfig['data'];
/** A run of `data` with a built-in strategy. */
const run = (data: Data, module?: string) => ({
  data,
  strategy: { ...(module ? { module } : { type: 'sma-crossover' }), params: {} }
});
const put = (rel: string, text: string): string => {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('data digests (what a remote sweep worker must read the same)', () => {
  it('names the files each kind of data reads; synthetic data reads none', () => {
    const a = put('csv/b.csv', 'b');
    const b = put('csv/a.csv', 'a');
    expect(dataFilesOf({ kind: 'synthetic' } as Data)).toEqual([]);
    expect(
      dataFilesOf({
        kind: 'yahoo-csv',
        files: [
          { symbol: 'B', path: a },
          { symbol: 'A', path: b },
          { symbol: 'A2', path: b }
        ]
      } as Data)
    ).toEqual([b, a]);
    expect(dataFilesOf({ kind: 'lobster', messages: a, orderbook: b } as Data)).toEqual([b, a]);
    // a Parquet store: its metadata and its symbols' partitions only (every symbol when renames are followed)
    const root = join(dir, 'store');
    const meta = put('store/_meta/symbols.json', '{}');
    const orcl = put('store/bars_1m/symbol=ORCL/month=2014-01/data.parquet', 'o');
    const orcl2 = put('store/bars_1d/symbol=ORCL/year=2014/data.parquet', 'o2');
    const yhoo = put('store/bars_1m/symbol=YHOO/month=2014-01/data.parquet', 'y');
    const pq = (followRenames: boolean) =>
      ({ kind: 'parquet', store: root, symbols: ['ORCL'], timeframe: '1m', followRenames }) as Data;
    expect(dataFilesOf(pq(false))).toEqual([meta, orcl2, orcl].sort());
    expect(dataFilesOf(pq(true))).toEqual([meta, orcl2, orcl, yhoo].sort());
    expect(dataFilesOf({ ...pq(false), store: join(dir, 'nowhere') } as Data)).toEqual([]);
  });

  it('digests bytes, sees a change, and says which file differs or is missing', () => {
    const p = put('d/x.csv', 'one');
    const data = { kind: 'yahoo-csv', files: [{ symbol: 'X', path: p }] } as Data;
    const before = digestRunFiles(run(data));
    expect(before).toEqual([{ path: p, sha256: sha('one') }]);
    expect(runFilesDifference(run(data), before)).toBeUndefined();
    writeFileSync(p, 'one more');
    expect(digestRunFiles(run(data))).toEqual([{ path: p, sha256: sha('one more') }]);
    expect(runFilesDifference(run(data), before)).toMatch(
      new RegExp(`^${p} differs here \\(sha256 ${sha('one more').slice(0, 12)}…`)
    );
    rmSync(p);
    expect(digestRunFiles(run(data))).toEqual([{ path: p, sha256: 'missing' }]);
    expect(runFilesDifference(run(data), before)).toBe(`${p} is missing here`);
    // the coordinator's data names a file this config does not read, or the other way round
    const q = put('d/y.csv', 'y');
    const other = { kind: 'yahoo-csv', files: [{ symbol: 'Y', path: q }] } as Data;
    expect(runFilesDifference(run(other), before)).toBe(`${p} is not part of the data here`);
    expect(runFilesDifference(run(other), [])).toBe(
      `${q} is part of the data here but not on the coordinator`
    );
  });

  it('a run of your own strategy module also reads that module', () => {
    const csv = put('m/x.csv', 'x');
    const mod = put('m/a.strategy.ts', 'export default 1;');
    const data = { kind: 'yahoo-csv', files: [{ symbol: 'X', path: csv }] } as Data;
    expect(runFilesOf(run(data, mod))).toEqual([mod, csv]);
    expect(runFilesOf(run({ kind: 'synthetic' } as Data, mod))).toEqual([mod]);
    const before = digestRunFiles(run(data, mod));
    writeFileSync(mod, 'export default 2;');
    expect(runFilesDifference(run(data, mod), before)).toMatch(new RegExp(`^${mod} differs here`));
  });
});
