import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { EventLog, LogIds } from '../../src/log/event-log.ts';
import { codeOf } from '../support/caught.ts';

/*
 * write(2) may take fewer bytes than asked (a signal, a disk filling up mid-write, a network file system) and
 * Node's writeSync then returns the count without throwing. No real file does that on demand, so this one
 * syscall is simulated: each entry of `plan` is what the next writeSync does with the bytes it is given.
 */
type Step = 'half' | 'nothing' | 'enospc';
const plan: Step[] = [];
vi.mock('node:fs', async (orig) => {
  const real = (await orig()) as typeof import('node:fs');
  return {
    ...real,
    writeSync(fd: number, data: string | Buffer, ...rest: (number | null | undefined)[]): number {
      const step = plan.shift();
      const whole = (): number =>
        typeof data === 'string'
          ? real.writeSync(fd, data, rest[0])
          : real.writeSync(fd, data, rest[0] ?? 0, rest[1] ?? undefined, rest[2]);
      if (step === undefined) return whole();
      if (step === 'nothing') return 0;
      if (step === 'enospc')
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      // half: the first half of what was asked, at the position asked
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      const offset = typeof data === 'string' ? 0 : (rest[0] ?? 0);
      const length = typeof data === 'string' ? bytes.length : (rest[1] ?? bytes.length - offset);
      const position = typeof data === 'string' ? (rest[0] ?? null) : (rest[2] ?? null);
      return real.writeSync(fd, bytes, offset, Math.ceil(length / 2), position);
    }
  };
});

const { JsonlEventLog } = await import('../../src/log/event-log.ts');

const records: readonly [bigint, string, string, LogIds, unknown][] = [
  [1n, 'run.started', 'engine', {}, {}],
  [2n, 'order.submit', 'strategy', { clientOrderId: 'p-1' }, { qty: 3 }],
  [3n, 'exec.report', 'venue', { clientOrderId: 'p-1' }, { status: 'new' }]
];
/** Append `records[i]`. */
const put = (log: EventLog, i: number): void => log.append(...records[i]!);

/** The file a log of `records` writes when every write goes through whole. */
function reference(durability: 'write-ahead' | 'batch'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'evlog-short-')), 'events.jsonl');
  const log = new JsonlEventLog(path, { durability });
  for (let i = 0; i < records.length; i++) put(log, i);
  log.close();
  return readFileSync(path, 'utf8');
}

describe('JsonlEventLog when a write takes only part of the bytes', () => {
  it('a short write is completed: the file is the same as with whole writes (write-ahead and batch)', () => {
    for (const durability of ['write-ahead', 'batch'] as const) {
      const path = join(mkdtempSync(join(tmpdir(), 'evlog-short-')), 'events.jsonl');
      const log = new JsonlEventLog(path, { durability });
      put(log, 0);
      plan.push('half', 'half'); // the next line (write-ahead) or the whole batch (on close) in three writes
      put(log, 1);
      put(log, 2);
      log.close();
      expect(plan).toEqual([]);
      expect(readFileSync(path, 'utf8')).toBe(reference(durability));
    }
  });

  it('a write that stops making progress fails typed, and the next line starts where the torn one did', () => {
    for (const stop of ['nothing', 'enospc'] as const) {
      const path = join(mkdtempSync(join(tmpdir(), 'evlog-short-')), 'events.jsonl');
      const log = new JsonlEventLog(path, { durability: 'write-ahead' });
      put(log, 0);
      plan.push('half', stop); // half of order.submit reaches the file, then nothing more
      expect(codeOf(() => put(log, 1))).toBe('TRD_ERR_LOG_WRITE_FAILED');
      expect(log.count).toBe(1); // the refused line has no seq
      // the caller retries (never automatically: it decides): the same record goes in whole, after line 1
      put(log, 1);
      put(log, 2);
      log.close();
      expect(readFileSync(path, 'utf8')).toBe(reference('write-ahead'));
    }
  });

  it('batch: a flush that fails keeps its lines and writes them on the next flush', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'evlog-short-')), 'events.jsonl');
    const log = new JsonlEventLog(path);
    for (let i = 0; i < records.length; i++) put(log, i);
    plan.push('half', 'enospc');
    expect(codeOf(() => log.flush())).toBe('TRD_ERR_LOG_WRITE_FAILED');
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(reference('batch'));
  });
});
