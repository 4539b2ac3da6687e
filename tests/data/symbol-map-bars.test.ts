import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getBars } from '../../src/data/access.ts';
import { SymbolMap } from '../../src/data/clean.ts';
import { runDataCommand } from '../../src/data/data-cli.ts';
import { ParquetStore } from '../../src/data/store.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { sharedData } from '../support/shared-data.ts';

async function collect(src: AsyncIterable<readonly Bar[]>): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const b of src) out.push(...b);
  return out;
}

describe('getBars across ticker changes', () => {
  it('reads the old ticker before the change and the new one from it, as one instrument, each day once', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'ts-rename-')), 'store');
    const csv = sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt');
    const io = { out: () => {}, err: () => {}, isTTY: false };
    // OLD holds adjusted prices, NEW raw ones, so every bar shows which ticker it came from
    expect(
      await runDataCommand(
        ['import', csv, '--format', 'yahoo', '--symbol', 'OLD', '--adjust', '--store', root],
        io
      )
    ).toBe(0);
    expect(
      await runDataCommand(['import', csv, '--format', 'yahoo', '--symbol', 'NEW', '--store', root], io)
    ).toBe(0);
    const store = await ParquetStore.open(root);
    try {
      const map = new SymbolMap([{ from: 'OLD', to: 'NEW', effective: '2005-01-03' }]);
      expect(map.periods('NEW')).toEqual([
        { ticker: 'OLD', until: '2005-01-03' },
        { ticker: 'NEW', from: '2005-01-03' }
      ]);
      const all = await collect(getBars(store, ['NEW'], undefined, undefined, '1d', { symbolMap: map }));
      const plain = await collect(getBars(store, ['NEW'], undefined, undefined, '1d'));
      expect(all).toHaveLength(plain.length); // every trading day exactly once
      expect(new Set(all.map((b) => b.instrumentId))).toEqual(new Set([plain[0]!.instrumentId]));
      for (let i = 1; i < all.length; i++) expect(all[i]!.tsEvent > all[i - 1]!.tsEvent).toBe(true);
      const cut = 1_104_710_400_000_000_000n; // 2005-01-03T00:00:00Z
      const fromOld = await collect(getBars(store, ['OLD'], undefined, cut - 1n, '1d'));
      const fromNew = await collect(getBars(store, ['NEW'], cut, undefined, '1d'));
      const px = (b: Bar) => [b.tsEvent, b.open, b.close];
      expect(all.filter((b) => b.tsOpen < cut).map(px)).toEqual(fromOld.map(px));
      expect(all.filter((b) => b.tsOpen >= cut).map(px)).toEqual(fromNew.map(px));
      expect(fromOld[0]!.close).not.toBe(plain[0]!.close); // the two tickers really differ
      // a symbol under neither name is the store's typed error
      expect(() => getBars(store, ['NOPE'], undefined, undefined, '1d', { symbolMap: map })).toThrow(
        expect.objectContaining({ code: 'TRD_ERR_DATA_NOT_FOUND' })
      );
    } finally {
      store.close();
    }
  });

  it('a rename chain A → B → C gives three periods in order', () => {
    const map = new SymbolMap([
      { from: 'A', to: 'B', effective: '2010-01-04' },
      { from: 'B', to: 'C', effective: '2015-06-01' }
    ]);
    expect(map.periods('C')).toEqual([
      { ticker: 'A', until: '2010-01-04' },
      { ticker: 'B', from: '2010-01-04', until: '2015-06-01' },
      { ticker: 'C', from: '2015-06-01' }
    ]);
    expect(map.periods('Z')).toEqual([{ ticker: 'Z' }]);
  });
});
