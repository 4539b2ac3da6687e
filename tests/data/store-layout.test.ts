import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStoreSymbols, storeBarTimeframes, storeMetaFile } from '../../src/data/store-layout.ts';

/** A store folder whose `_meta/symbols.json` holds `text` (none when undefined). */
function store(text?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'ts-layout-'));
  if (text !== undefined) {
    mkdirSync(join(root, '_meta'));
    writeFileSync(storeMetaFile(root), text);
  }
  return root;
}

describe('readStoreSymbols', () => {
  it('reads each symbol’s venue, tick, lot, currency and calendar; a store without the file lists none', () => {
    const meta = {
      symbol: 'BTC',
      venue: 'X',
      tickSize: '0.01',
      lotSize: '0.000001',
      currency: 'USD',
      calendar: '24x7'
    };
    expect(readStoreSymbols(store(JSON.stringify({ BTC: meta })))).toEqual({ BTC: meta });
    expect(readStoreSymbols(store())).toEqual({});
  });

  it('a damaged file is TRD_ERR_DATA_INVALID naming it and what is wrong, not an internal error', () => {
    const broken = store('{"BTC": ');
    expect(() => readStoreSymbols(broken)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_DATA_INVALID',
        message: expect.stringContaining(`${storeMetaFile(broken)}: not a store's symbol list: `)
      })
    );
    const wrong = store(JSON.stringify({ BTC: { symbol: 'BTC', venue: 'X', tickSize: 'one cent' } }));
    expect(() => readStoreSymbols(wrong)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_DATA_INVALID',
        message: expect.stringMatching(/: BTC\.tickSize: /)
      })
    );
  });
});

describe('storeBarTimeframes', () => {
  /** A store whose `datasets` each hold a partition file of ORCL (only paths are read). */
  function barStore(datasets: readonly string[]): string {
    const root = mkdtempSync(join(tmpdir(), 'ts-layout-bars-'));
    for (const d of datasets) {
      const p = join(root, d, 'symbol=ORCL', 'year=2014');
      mkdirSync(p, { recursive: true });
      writeFileSync(join(p, 'data.parquet'), '');
    }
    return root;
  }

  it('reads the bar datasets the store writes, finest first', () => {
    const root = barStore(['bars_1d', 'bars_1m', 'bars_5m', 'l3']);
    expect(storeBarTimeframes(root, 'ORCL').map((t) => t.label)).toEqual(['1m', '5m', '1d']);
  });

  it('skips folders the store did not write (a backup copy, another spelling), instead of failing on them', () => {
    const root = barStore([
      'bars_1d',
      'bars_1d.bak',
      'bars_1Min',
      'bars_05m',
      'bars_0m',
      'bars_12345m',
      'bars_'
    ]);
    expect(storeBarTimeframes(root, 'ORCL').map((t) => t.label)).toEqual(['1d']);
  });
});
