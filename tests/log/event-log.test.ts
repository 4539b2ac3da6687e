import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlEventLog, MemoryEventLog } from '../../src/log/event-log.ts';
import { codeOf } from '../support/caught.ts';

const lines = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('JSON Lines event log', () => {
  it('batch mode buffers lines and writes them all, in order, on close', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'evlog-')), 'events.jsonl');
    const log = new JsonlEventLog(path);
    log.append(1n, 'a.one', 'test', {}, { n: 1n });
    log.append(2n, 'b.two', 'test', { clientOrderId: 'c-1' }, {});
    expect(lines(path)).toEqual([]); // nothing on disk yet
    log.close();
    expect(lines(path).map((l) => JSON.parse(l))).toEqual([
      { seq: 1, ts: '1', type: 'a.one', component: 'test', ids: {}, payload: { n: '1' } },
      { seq: 2, ts: '2', type: 'b.two', component: 'test', ids: { clientOrderId: 'c-1' }, payload: {} }
    ]);
    expect(log.count).toBe(2);
  });

  it('write-ahead mode puts every line in the file as it is appended, byte-identical to batch mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evlog-'));
    const wa = new JsonlEventLog(join(dir, 'wa.jsonl'), { durability: 'write-ahead' });
    const batch = new JsonlEventLog(join(dir, 'batch.jsonl'));
    const records = [
      [1n, 'run.started', 'engine', {}, {}],
      [2n, 'order.submit', 'strategy', { clientOrderId: 'p-1' }, { qty: 3 }],
      [3n, 'market.bar', 'feed', { instrumentId: 'AAA@SIM' }, { close: 101 }]
    ] as const;
    records.forEach(([ts, type, component, ids, payload], i) => {
      wa.append(ts, type, component, ids, payload);
      batch.append(ts, type, component, ids, payload);
      expect(lines(join(dir, 'wa.jsonl'))).toHaveLength(i + 1);
    });
    wa.close();
    batch.close();
    expect(readFileSync(join(dir, 'wa.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'batch.jsonl'), 'utf8'));
  });
});

/** How many of this process's file descriptors are open on `path`. */
const openFds = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

describe('JSON Lines event log: misuse and bad input', () => {
  it('an append or flush after close is refused (TRD_ERR_LOG_WRITE_FAILED), and nothing reaches a file that reused the fd', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evlog-'));
    for (const durability of ['write-ahead', 'batch'] as const) {
      const path = join(dir, `${durability}.jsonl`);
      const log = new JsonlEventLog(path, { durability });
      log.append(1n, 'run.started', 'engine', {}, {});
      log.close();
      // another part of the process opens a file: the OS hands out the lowest free fd, the log's old one
      const other = join(dir, `${durability}.other`);
      writeFileSync(other, '');
      const fd = openSync(other, 'r+');
      try {
        expect(codeOf(() => log.append(2n, 'order.submit', 'strategy', { clientOrderId: 'x' }, {}))).toBe(
          'TRD_ERR_LOG_WRITE_FAILED'
        );
        expect(codeOf(() => log.flush())).toBe('TRD_ERR_LOG_WRITE_FAILED');
        log.close(); // a second close does nothing
      } finally {
        closeSync(fd);
      }
      expect(readFileSync(other, 'utf8')).toBe('');
      expect(lines(path)).toHaveLength(1);
      expect(log.count).toBe(1);
    }
    const mem = new MemoryEventLog();
    mem.close();
    expect(codeOf(() => mem.append(1n, 'run.started', 'engine', {}, {}))).toBe('TRD_ERR_LOG_WRITE_FAILED');
  });

  it('a payload that cannot be serialised is refused (TRD_ERR_DATA_INVALID) without using a seq; a strict memory log refuses it too', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'evlog-')), 'events.jsonl');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const file = new JsonlEventLog(path, { durability: 'write-ahead' });
    const mem = new MemoryEventLog({ strict: true });
    // the default memory log keeps it (nothing is serialised; a payload inside itself is a programming error)
    const lax = new MemoryEventLog();
    lax.append(2n, 'gateway.error', 'gateway', {}, { context: circular });
    expect(lax.count).toBe(1);
    for (const log of [file, mem]) {
      log.append(1n, 'run.started', 'engine', {}, {});
      expect(codeOf(() => log.append(2n, 'gateway.error', 'gateway', {}, { context: circular }))).toBe(
        'TRD_ERR_DATA_INVALID'
      );
      log.append(3n, 'order.submit', 'strategy', {}, {});
      expect(log.count).toBe(2);
    }
    // what JSON.stringify throws on, and only that: a toJSON that throws; an object twice but not inside itself is fine
    const shared = { n: 1n };
    const broken = {
      toJSON: () => {
        throw new Error('no');
      }
    };
    for (const log of [file, mem]) {
      expect(codeOf(() => log.append(4n, 'x.bad', 'test', {}, [broken]))).toBe('TRD_ERR_DATA_INVALID');
      log.append(
        4n,
        'x.shared',
        'test',
        {},
        { a: shared, b: [shared, new Date(0), new Map([[1, circular]])] }
      );
      expect(log.count).toBe(3);
    }
    file.close();
    expect(JSON.parse(lines(path)[2]!).payload).toEqual({
      a: { n: '1' },
      b: [{ n: '1' }, '1970-01-01T00:00:00.000Z', {}]
    });
    expect(lines(path).map((l) => [JSON.parse(l).seq, JSON.parse(l).type])).toEqual([
      [1, 'run.started'],
      [2, 'order.submit'],
      [3, 'x.shared']
    ]);
    expect(mem.records.map((r) => [r.seq, r.type])).toEqual([
      [1, 'run.started'],
      [2, 'order.submit'],
      [3, 'x.shared']
    ]);
  });

  it('write-ahead: an earlier session’s log is moved aside to events.jsonl.1, .2, … and never truncated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evlog-'));
    const path = join(dir, 'events.jsonl');
    const session = (clientOrderId: string): JsonlEventLog => {
      // a session that makes an order durable and then dies (SIGKILL: no close)
      const log = new JsonlEventLog(path, { durability: 'write-ahead' });
      log.append(1n, 'run.started', 'engine', {}, {});
      log.append(2n, 'order.submit', 'strategy', { clientOrderId }, { qty: 3 });
      return log;
    };
    const first = session('p-1');
    expect(first.previousLog).toBeUndefined();
    const firstText = readFileSync(path, 'utf8');
    const second = session('p-2');
    expect(second.previousLog).toBe(`${path}.1`);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(firstText);
    const third = session('p-3');
    expect(third.previousLog).toBe(`${path}.2`);
    expect(readFileSync(`${path}.2`, 'utf8')).toContain('p-2');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(firstText);
    expect(readFileSync(path, 'utf8')).toContain('p-3');
    for (const log of [first, second, third]) log.close();
    // an empty file holds nothing to keep: reused in place
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const fresh = new JsonlEventLog(join(dir, 'empty.jsonl'), { durability: 'write-ahead' });
    expect(fresh.previousLog).toBeUndefined();
    fresh.close();
    expect(readdirSync(dir).sort()).toEqual([
      'empty.jsonl',
      'events.jsonl',
      'events.jsonl.1',
      'events.jsonl.2'
    ]);
  });

  it('batch: a backtest log overwrites the file at its path (the same run, the same bytes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evlog-'));
    const path = join(dir, 'events.jsonl');
    for (const n of [1, 2]) {
      const log = new JsonlEventLog(path);
      log.append(BigInt(n), 'run.started', 'engine', {}, { n });
      expect(log.previousLog).toBeUndefined();
      log.close();
    }
    expect(lines(path).map((l) => JSON.parse(l).payload)).toEqual([{ n: 2 }]);
    expect(readdirSync(dir)).toEqual(['events.jsonl']);
  });

  it('a log that cannot be written fails typed (TRD_ERR_LOG_WRITE_FAILED), and close still releases the file', () => {
    // /dev/full: every write fails with ENOSPC, a full disk for real
    const dir = mkdtempSync(join(tmpdir(), 'evlog-'));
    const full = (name: string, durability: 'write-ahead' | 'batch'): JsonlEventLog => {
      symlinkSync('/dev/full', join(dir, name));
      return new JsonlEventLog(join(dir, name), { durability });
    };
    // write-ahead: the append itself fails, and the record is not counted
    const wa = full('wa.jsonl', 'write-ahead');
    expect(codeOf(() => wa.append(1n, 'market.bar', 'feed', {}, {}))).toBe('TRD_ERR_LOG_WRITE_FAILED');
    expect(wa.count).toBe(0);
    expect(codeOf(() => wa.close())).toBe('TRD_ERR_LOG_WRITE_FAILED'); // no fsync on /dev/full either
    // batch: the buffered lines fail on close, which reports it and still closes the file
    const batch = full('batch.jsonl', 'batch');
    batch.append(1n, 'market.bar', 'feed', {}, {});
    expect(codeOf(() => batch.close())).toBe('TRD_ERR_LOG_WRITE_FAILED');
    expect(openFds('/dev/full')).toBe(0);
    batch.close(); // closed: nothing more to do
    expect(codeOf(() => batch.append(2n, 'market.bar', 'feed', {}, {}))).toBe('TRD_ERR_LOG_WRITE_FAILED');
  });
});
