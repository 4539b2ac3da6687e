import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTradestateError } from '../../src/core/errors.ts';
import { RedisClient } from '../../src/net/redis.client.ts';
import { requireDebianBinary } from './debian-binary.ts';
import { freePort } from './free-port.ts';

/*
 * A real Redis server (Debian's `redis-server` package; CI installs it) on a free loopback port, with no
 * persistence and its working directory in a temporary directory.
 */

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` (no password, db 0). */
  readonly url: string;
  readonly port: number;
  /** SIGTERM, wait for the exit, remove the temporary directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL at once (connections drop); `stop` still cleans up. */
  kill(): void;
}

/**
 * Start `redis-server` on a free loopback port and wait until it answers PING (an error reply such as
 * `NOAUTH` counts as an answer). `extraArgs` are added to its command line (e.g. `--requirepass`, `pw`).
 */
export async function startRedis(extraArgs: readonly string[] = [], onPort?: number): Promise<RedisServer> {
  requireDebianBinary('redis-server', 'redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'tradestate-redis-'));
  const port = onPort ?? (await freePort());
  const url = `redis://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--loglevel',
      'warning',
      ...extraArgs
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let output = '';
  const keep = (b: Buffer): void => {
    output = (output + b.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const running = (): boolean => proc.exitCode === null && proc.signalCode === null;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (running()) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const t0 = Date.now();
  for (;;) {
    if (!running()) {
      await stop();
      throw new Error(`redis-server exited (${proc.exitCode ?? proc.signalCode}): ${output}`);
    }
    if (await answers(url)) break;
    if (Date.now() - t0 > 10_000) {
      await stop();
      throw new Error(`redis-server did not answer PING on port ${port} within 10 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    port,
    stop,
    kill: () => {
      if (running()) proc.kill('SIGKILL');
    }
  };
}

async function answers(url: string): Promise<boolean> {
  let c: RedisClient | undefined;
  try {
    c = await RedisClient.connect(url, { timeoutMs: 500 });
    await c.command('PING');
    return true;
  } catch (e) {
    return isTradestateError(e, 'TRD_ERR_REDIS_ERROR');
  } finally {
    await c?.close();
  }
}
