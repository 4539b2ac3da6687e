import { describe, expect, it } from 'vitest';
import { runLobsterReplay } from '../../src/book/lobster-replay.ts';
import { isTradestateError } from '../../src/core/errors.ts';
import { sharedData } from '../support/shared-data.ts';

const MSG = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_message_10.first999.csv');
const OB = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv');
const MSG1H = sharedData('lobster', 'AAPL_2012-06-21_34200000_37800000_message_50.csv');

describe('runLobsterReplay (tradestate book replay --lobster)', () => {
  it('with an orderbook: every row matches; the last line is the JSON summary with exactly 4 keys', () => {
    const lines: string[] = [];
    const s = runLobsterReplay({
      messageFile: MSG,
      orderbookFile: OB,
      write: (l) => lines.push(l),
      minMeasureMs: 20
    });
    expect(s).toMatchObject({ messages: 999, matched: 999, mismatched: 0 });
    expect(s.msgsPerSec).toBeGreaterThan(0);
    const last = JSON.parse(lines.at(-1)!);
    expect(Object.keys(last).sort()).toEqual(['matched', 'messages', 'mismatched', 'msgsPerSec']);
    expect(last).toEqual(s);
    expect(lines.some((l) => /msgs\/s/.test(l))).toBe(true);
    expect(lines.some((l) => /999 rows match, 0 differ/.test(l))).toBe(true);
  });

  it('without an orderbook: replays the one-hour file from an empty book', () => {
    const lines: string[] = [];
    const s = runLobsterReplay({ messageFile: MSG1H, write: (l) => lines.push(l), minMeasureMs: 1 });
    expect(s).toMatchObject({ messages: 91_997, matched: 0, mismatched: 0 });
    expect(JSON.parse(lines.at(-1)!)).toEqual(s);
  });

  it('missing files and mismatched lengths are typed errors', () => {
    try {
      runLobsterReplay({ messageFile: '/nonexistent/x.csv', write: () => {} });
      expect.unreachable();
    } catch (e) {
      expect(isTradestateError(e, 'TRD_ERR_DATA_NOT_FOUND')).toBe(true);
    }
    try {
      runLobsterReplay({ messageFile: MSG1H, orderbookFile: OB, write: () => {} });
      expect.unreachable();
    } catch (e) {
      expect(isTradestateError(e, 'TRD_ERR_DATA_INVALID')).toBe(true);
    }
  });
});
