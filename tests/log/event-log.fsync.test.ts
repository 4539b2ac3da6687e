import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { codeOf } from '../support/caught.ts';

/*
 * Which file descriptors the log fsyncs, and when. fsync's effect (surviving a power cut) cannot be observed
 * from a test, so the calls are: each fsyncSync is recorded as the path its fd was opened with, `failNext`
 * makes the next one fail as a dying disk would, and `dirFsyncError` makes each fsync of a directory fail with
 * that code, as where directories cannot be fsynced (Windows: EPERM; some FUSE and network file systems).
 */
const opened = new Map<number, string>();
const synced: string[] = [];
let failNext = false;
let dirFsyncError: string | undefined;
vi.mock('node:fs', async (orig) => {
  const real = (await orig()) as typeof import('node:fs');
  return {
    ...real,
    openSync(
      path: string,
      ...rest: Parameters<typeof real.openSync> extends [unknown, ...infer R] ? R : never
    ) {
      const fd = real.openSync(path, ...rest);
      opened.set(fd, path);
      return fd;
    },
    fsyncSync(fd: number): void {
      if (dirFsyncError !== undefined && real.fstatSync(fd).isDirectory()) {
        throw Object.assign(new Error(`${dirFsyncError}: fsync`), { code: dirFsyncError });
      }
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      }
      synced.push(opened.get(fd) ?? `fd ${fd}`);
      real.fsyncSync(fd);
    }
  };
});

const { JsonlEventLog, WRITE_AHEAD_GROUP_SYNC_MS } = await import('../../src/log/event-log.ts');

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evlog-fsync-'));
  path = join(dir, 'events.jsonl');
  synced.length = 0;
  failNext = false;
  dirFsyncError = undefined;
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const fill = { clientOrderId: 'p-1' };

describe('JsonlEventLog fsync', () => {
  it('write-ahead: the directory is fsynced once the file is created, so its name survives a crash', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead' });
    expect(synced).toEqual([dir]);
    log.close();
  });

  it('write-ahead: a fill is fsynced with its group within syncEveryMs, one fsync for the group', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead' });
    synced.length = 0;
    log.append(1n, 'exec.report', 'venue', fill, { status: 'partially_filled' });
    log.append(2n, 'exec.report', 'venue', fill, { status: 'filled' });
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3); // written at once, not yet fsynced
    expect(synced).toEqual([]);
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS - 1);
    expect(synced).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(synced).toEqual([path]);
    vi.advanceTimersByTime(10 * WRITE_AHEAD_GROUP_SYNC_MS); // nothing new written: no more fsyncs
    expect(synced).toEqual([path]);
    log.close();
  });

  it('write-ahead: a record fsynced on append covers the group before it (no second fsync)', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead' });
    synced.length = 0;
    log.append(1n, 'exec.report', 'venue', fill, { status: 'filled' });
    log.append(2n, 'order.submit', 'strategy', { clientOrderId: 'p-2' }, {});
    expect(synced).toEqual([path]);
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS);
    expect(synced).toEqual([path]);
    log.close();
  });

  it('write-ahead: syncEveryMs 0 fsyncs every record on append', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead', syncEveryMs: 0 });
    synced.length = 0;
    log.append(1n, 'exec.report', 'venue', fill, {});
    expect(synced).toEqual([path]);
    log.close();
  });

  it('write-ahead: a group fsync that fails is told to onSyncFailure, once; the records after it are still written', () => {
    const failures: unknown[] = [];
    const log = new JsonlEventLog(path, {
      durability: 'write-ahead',
      onSyncFailure: (e) => failures.push(e)
    });
    log.append(1n, 'exec.report', 'venue', fill, {});
    failNext = true;
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS);
    expect(failures).toEqual([expect.objectContaining({ code: 'TRD_ERR_LOG_WRITE_FAILED' })]);
    // the venue's next fill is not refused for an earlier record's fsync
    log.append(2n, 'exec.report', 'venue', { clientOrderId: 'p-2' }, { status: 'filled' });
    expect(log.count).toBe(2);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    failNext = true; // another group fsync fails: the owner has heard already
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS);
    expect(failures).toHaveLength(1);
    log.close(); // told already: not reported again
  });

  it('write-ahead: without onSyncFailure a failed group fsync never fails an append: close reports it', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead' });
    log.append(1n, 'exec.report', 'venue', fill, {});
    failNext = true;
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS);
    log.append(2n, 'exec.report', 'venue', { clientOrderId: 'p-2' }, { status: 'filled' });
    log.append(3n, 'order.submit', 'strategy', { clientOrderId: 'p-3' }, {});
    expect(log.count).toBe(3);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(codeOf(() => log.close())).toBe('TRD_ERR_LOG_WRITE_FAILED');
  });

  it('write-ahead: an onSyncFailure that throws does not escape the timer: close reports the failure', () => {
    const log = new JsonlEventLog(path, {
      durability: 'write-ahead',
      onSyncFailure: () => {
        throw new Error('owner broken');
      }
    });
    log.append(1n, 'exec.report', 'venue', fill, {});
    failNext = true;
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS); // would throw here if it escaped
    expect(codeOf(() => log.close())).toBe('TRD_ERR_LOG_WRITE_FAILED');
  });

  it('write-ahead: a group fsync failure not yet reported is reported by close', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead' });
    log.append(1n, 'exec.report', 'venue', fill, {});
    failNext = true;
    vi.advanceTimersByTime(WRITE_AHEAD_GROUP_SYNC_MS);
    expect(codeOf(() => log.close())).toBe('TRD_ERR_LOG_WRITE_FAILED');
    expect(codeOf(() => log.append(2n, 'x', 'y', {}, {}))).toBe('TRD_ERR_LOG_WRITE_FAILED'); // closed anyway
  });

  it('close cancels the group fsync to come: it has fsynced everything itself', () => {
    const log = new JsonlEventLog(path, { durability: 'write-ahead' });
    synced.length = 0;
    log.append(1n, 'exec.report', 'venue', fill, {});
    log.close();
    expect(synced).toEqual([path]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('batch: the file and then its directory are fsynced on close, nothing before', () => {
    const log = new JsonlEventLog(path);
    log.append(1n, 'exec.report', 'venue', fill, {});
    vi.advanceTimersByTime(10 * WRITE_AHEAD_GROUP_SYNC_MS);
    expect(synced).toEqual([]);
    log.close();
    expect(synced).toEqual([path, dir]);
  });

  for (const code of ['EPERM', 'EINVAL', 'EISDIR', 'ENOTSUP', 'EBADF']) {
    it(`a directory whose fsync fails with ${code} (a platform that cannot fsync one) has nothing to fsync: the log opens and closes`, () => {
      dirFsyncError = code;
      const ahead = new JsonlEventLog(path, { durability: 'write-ahead' });
      ahead.append(1n, 'order.submit', 'strategy', { clientOrderId: 'p-1' }, {});
      ahead.close();
      const batch = new JsonlEventLog(join(dir, 'batch.jsonl'));
      batch.append(1n, 'exec.report', 'venue', fill, {});
      batch.close();
      expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
      expect(readFileSync(join(dir, 'batch.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    });
  }

  it('a directory fsync that fails otherwise (EIO) is still TRD_ERR_LOG_WRITE_FAILED', () => {
    dirFsyncError = 'EIO';
    expect(codeOf(() => new JsonlEventLog(path, { durability: 'write-ahead' }))).toBe(
      'TRD_ERR_LOG_WRITE_FAILED'
    );
  });

  it('refuses a syncEveryMs that is not a whole number of milliseconds a timer can wait', () => {
    for (const syncEveryMs of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expect(codeOf(() => new JsonlEventLog(path, { durability: 'write-ahead', syncEveryMs }))).toBe(
        'TRD_ERR_CONFIG_INVALID'
      );
    }
  });
});
