import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { smallConfig } from '../support/run-config.ts';
import { drivenConnection } from './support/driven-connection.ts';

/*
 * A session's write-ahead log failing outside the session's own steps: a group fsync (from a timer) or the append
 * of a reconciliation (from a promise callback). Either must end the session with run.failed, not escape as an
 * uncaught error or unhandled rejection (which kills the process without run.failed), nor wait for an unrelated
 * record's append to be refused for it (that record lost). A dying disk cannot be made on purpose, so node:fs is
 * mocked: once `failFsync` is set every fsync of a file fails with EIO, and a write whose text `refuseWrite`
 * matches fails with ENOSPC.
 */
let failFsync = false;
let refuseWrite: ((text: string) => boolean) | undefined;
vi.mock('node:fs', async (orig) => {
  const real = (await orig()) as typeof import('node:fs');
  return {
    ...real,
    fsyncSync(fd: number): void {
      if (failFsync && !real.fstatSync(fd).isDirectory()) {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      }
      real.fsyncSync(fd);
    },
    writeSync(fd: number, data: Buffer, ...rest: number[]): number {
      if (refuseWrite?.(Buffer.from(data).toString('utf8'))) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return (real.writeSync as (fd: number, data: Buffer, ...rest: number[]) => number)(fd, data, ...rest);
    }
  };
});

const { runLive } = await import('../../src/engine/live-runner.ts');

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => void unhandled.push(e);
afterEach(() => {
  failFsync = false;
  refuseWrite = undefined;
  unhandled.length = 0;
  process.off('unhandledRejection', onUnhandled);
});

/** A session writing to a fresh out dir over a connection that never trades, whose reconcile pass is `reconcile`. */
function session(reconcile: () => Promise<void>): { dir: string; running: Promise<unknown> } {
  process.on('unhandledRejection', onUnhandled);
  const dir = mkdtempSync(join(tmpdir(), 'ts-live-logfail-'));
  const { connection } = drivenConnection({}, reconcile);
  const running = runLive({
    config: smallConfig({ data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 1 } }),
    configFile: 't.yaml',
    clock: new LiveClock(),
    connection,
    outDir: dir,
    bars: { timeframe: parseTimeframe('1m'), rollup: undefined },
    strategy: { id: 's', onBar: () => [], snapshot: () => ({}) }
  });
  return { dir, running };
}

/**
 * How the session ended within 5 s: its error, 'completed', or 'still running'. No stop signal is given, and
 * nothing else is appended for 30 s (the next reconcile pass): only the failure can end it.
 */
async function outcome(running: Promise<unknown>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'still running'>((r) => {
    timer = setTimeout(() => r('still running'), 5000);
  });
  const out = await Promise.race([
    running.then(
      () => 'completed',
      (e: unknown) => e
    ),
    timeout
  ]);
  clearTimeout(timer);
  return out;
}

const types = (dir: string): string[] =>
  readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { type: string }).type);

describe('runLive: its log failing in a callback', () => {
  it('a group fsync that fails ends the session on it: TRD_ERR_LOG_WRITE_FAILED, the record kept, run.failed last', async () => {
    // the disk dies during the first pass: its reconcile.completed is written, and its group fsync fails
    const { dir, running } = session(async () => {
      failFsync = true;
    });
    expect(await outcome(running)).toMatchObject({
      code: 'TRD_ERR_LOG_WRITE_FAILED',
      context: { what: 'fsync' }
    });
    const logged = types(dir);
    expect(logged[0]).toBe('run.started');
    expect(logged).toContain('reconcile.completed');
    expect(logged.at(-1)).toBe('run.failed');
    expect(unhandled).toEqual([]);
  });

  it('a reconcile.completed the log refuses (from a promise callback) fails the session, no unhandled rejection', async () => {
    const { dir, running } = session(async () => {
      refuseWrite = (text) => text.includes('"reconcile.completed"');
    });
    expect(await outcome(running)).toMatchObject({
      code: 'TRD_ERR_LOG_WRITE_FAILED',
      context: { what: 'write' }
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
    const logged = types(dir);
    expect(logged).not.toContain('reconcile.completed');
    expect(logged.at(-1)).toBe('run.failed');
  });
});
