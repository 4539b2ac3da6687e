import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRecordingLine } from '../../../src/book/sync/cryptofeed-recording.ts';
import { isTradestateError } from '../../../src/core/errors.ts';
import { recording } from './recordings.ts';

describe('cryptofeed recording lines', () => {
  it('parses the four line kinds', () => {
    expect(parseRecordingLine('wss://x <-> 1633998511.159679')).toEqual({
      kind: 'open',
      url: 'wss://x',
      ts: 1633998511.159679,
      json: undefined
    });
    expect(parseRecordingLine('wss://x <- 1.5: {"a":1}')).toMatchObject({ kind: 'sent', json: '{"a":1}' });
    expect(parseRecordingLine('1.5: {"a":1}')).toMatchObject({ kind: 'received', url: undefined });
    expect(parseRecordingLine('https://y -> 2: {}')).toMatchObject({ kind: 'http', url: 'https://y', ts: 2 });
    expect(parseRecordingLine('')).toBeUndefined();
  });

  it('every line of the real recordings parses', () => {
    for (const f of [
      'COINBASE.ws.28.0',
      'BINANCE.ws.1.0',
      'BINANCE.http.0.0',
      'BINANCE_US.ws.1.0',
      'BINANCE_US.http.0.0'
    ]) {
      expect(recording(f).length).toBeGreaterThanOrEqual(4);
    }
  });

  it('junk is TRD_ERR_DATA_INVALID', () => {
    for (const bad of ['hello', 'wss://x <-> 1: {}', 'wss://x <- 1', '1.2.3: {}']) {
      expect(() => parseRecordingLine(bad)).toThrow(
        expect.objectContaining({ code: 'TRD_ERR_DATA_INVALID' })
      );
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parseRecordingLine(s);
        } catch (e) {
          expect(isTradestateError(e, 'TRD_ERR_DATA_INVALID')).toBe(true);
        }
      }),
      { numRuns: 500 }
    );
  });
});
