import { describe, expect, it } from 'vitest';
import { BookSequencer, SyncStatus, UpdateVerdict } from '../../src/book/book-sequencer.ts';
import { isTradestateError } from '../../src/core/errors.ts';

describe('BookSequencer', () => {
  it('applies contiguous updates, drops stale ones', () => {
    const s = new BookSequencer();
    expect(s.check(1, 1)).toBe(UpdateVerdict.NOT_SYNCED);
    s.snapshot(10);
    expect(s.check(10, 10)).toBe(UpdateVerdict.STALE);
    expect(s.check(11, 11)).toBe(UpdateVerdict.APPLY);
    expect(s.check(12, 15)).toBe(UpdateVerdict.APPLY);
    expect(s.lastSeq).toBe(15);
    expect(s.check(14, 15)).toBe(UpdateVerdict.STALE);
    expect(s.status).toBe(SyncStatus.SYNCED);
  });

  it('accepts a range that brackets lastSeq+1 (Binance U ≤ lastUpdateId+1 ≤ u)', () => {
    const s = new BookSequencer();
    s.snapshot(100);
    expect(s.check(95, 103)).toBe(UpdateVerdict.APPLY);
    expect(s.lastSeq).toBe(103);
  });

  it('a gap moves to RESYNC, refuses further updates and raises a typed error until a new snapshot', () => {
    const s = new BookSequencer();
    s.snapshot(5);
    expect(s.check(7, 7)).toBe(UpdateVerdict.GAP);
    expect(s.status).toBe(SyncStatus.RESYNC);
    expect(s.check(8, 8)).toBe(UpdateVerdict.NOT_SYNCED);
    try {
      s.requireSynced('X');
      expect.unreachable();
    } catch (e) {
      expect(isTradestateError(e, 'TRD_ERR_BOOK_SEQUENCE_GAP')).toBe(true);
      expect((e as { context: Record<string, unknown> }).context).toEqual({ expected: 6, received: 7 });
    }
    s.snapshot(20);
    expect(s.check(21, 21)).toBe(UpdateVerdict.APPLY);
    expect(s.gaps).toBe(1);
  });

  it('before any snapshot requireSynced throws TRD_ERR_BOOK_NOT_SYNCED', () => {
    const s = new BookSequencer();
    expect(() => s.requireSynced()).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_NOT_SYNCED' }));
  });
});
