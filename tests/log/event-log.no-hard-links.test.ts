import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

/*
 * On a file system without hard links (FAT/exFAT, SMB without unix extensions, some VM shares) link(2) fails with
 * EPERM. No file system here lacks them, so that one syscall is simulated.
 */
vi.mock('node:fs', async (orig) => {
  const real = (await orig()) as typeof import('node:fs');
  return {
    ...real,
    linkSync: () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    }
  };
});
const { JsonlEventLog } = await import('../../src/log/event-log.ts');

describe('a write-ahead log on a file system without hard links', () => {
  it('moves the earlier sessions’ logs aside by renaming them, to the first free name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nolink-'));
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, '{"seq":1,"first":true}\n');
    const second = new JsonlEventLog(path, { durability: 'write-ahead' });
    second.append(1n, 'run.started', 'engine', {}, {});
    second.close();
    const third = new JsonlEventLog(path, { durability: 'write-ahead' });
    third.close();
    expect([second.previousLog, third.previousLog]).toEqual([`${path}.1`, `${path}.2`]);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('{"seq":1,"first":true}\n');
    expect(readFileSync(`${path}.2`, 'utf8')).toContain('"run.started"');
    expect(readFileSync(path, 'utf8')).toBe('');
  });
});
