import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStoreSymbols, storeMetaFile } from '../../src/data/store-layout.ts';

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
