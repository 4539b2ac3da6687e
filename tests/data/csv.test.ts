import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { csvRecord, priceTextToTicks } from '../../src/data/csv.ts';
import { caught } from '../support/caught.ts';

const X = makeInstrument({ symbol: 'X', venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' });

describe('priceTextToTicks', () => {
  it('takes a price on the tick exactly, and rounds one off it to the nearest tick, ties to even, on the decimal', () => {
    expect(priceTextToTicks(X, '12.34')).toBe(1234);
    expect(priceTextToTicks(X, '12.3449')).toBe(1234);
    expect(priceTextToTicks(X, '12.3451')).toBe(1235);
    // ties go to the even tick
    expect(['10.005', '10.015', '10.025', '10.035'].map((p) => priceTextToTicks(X, p))).toEqual([
      1000, 1002, 1002, 1004
    ]);
    // just past a tie, in the tenth decimal (a float scaled by 1e9 lost it and called it a tie)
    expect(priceTextToTicks(X, '10.0050000001')).toBe(1001);
    expect(priceTextToTicks(X, '10.0049999999')).toBe(1000);
  });
});

describe('csvRecord', () => {
  const cols = ['Date', 'Open', 'Close'] as const;
  it('maps each column to its trimmed cell', () => {
    expect(csvRecord('2024-01-02, 1.5 ,2', cols, 'f.csv', 7)).toEqual({
      Date: '2024-01-02',
      Open: '1.5',
      Close: '2'
    });
  });
  it('refuses a line with another number of cells, naming the first column it lacks, or the last', () => {
    const short = caught(() => csvRecord('2024-01-02,1.5', cols, 'f.csv', 7));
    expect(short.code).toBe('TRD_ERR_DATA_INVALID');
    expect(short.message).toBe('f.csv:7 column Close: expected 3 columns, got 2');
    expect(short.context).toMatchObject({ file: 'f.csv', line: 7, column: 'Close', value: '2024-01-02,1.5' });
    expect(caught(() => csvRecord('a,b,c,d', cols, 'f.csv', 3)).context).toMatchObject({ column: 'Close' });
    expect(caught(() => csvRecord('', cols, 'f.csv', 3)).context).toMatchObject({ column: 'Open' });
  });
});
