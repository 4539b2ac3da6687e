import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlEventLog } from '../../src/log/event-log.ts';

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
