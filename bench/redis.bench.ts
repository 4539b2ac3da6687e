// Redis client and distributed sweeps: RESP decoding (no server), and, when Debian's redis-server is
// installed, round trips over loopback and a small sweep run locally vs through Redis on one worker.
// Without redis-server only the decoding figures are printed (a note goes to stderr).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisClient } from '../src/net/redis.client.ts';
import { encodeCommand, RespDecoder } from '../src/net/resp.codec.ts';
import { parseParamSpecs, readBaseConfig } from '../src/sweep/param-grid.ts';
import { runSweepWorker } from '../src/sweep/redis-sweep.ts';
import { runSweep } from '../src/sweep/sweep-runner.ts';
import { freePort } from '../tests/support/free-port.ts';
import type { Figure } from './figure.ts';

const REPLIES = 200_000;

/** A stream of typical replies: bulk strings of ~100 bytes, integers, small arrays, OKs. */
function replyStream(): Buffer {
  const parts: Buffer[] = [];
  const value = 'x'.repeat(100);
  for (let i = 0; i < REPLIES; i++) {
    switch (i & 3) {
      case 0:
        parts.push(Buffer.from(`$${value.length}\r\n${value}\r\n`));
        break;
      case 1:
        parts.push(Buffer.from(`:${i}\r\n`));
        break;
      case 2:
        parts.push(Buffer.from(`*2\r\n$7\r\nresults\r\n$${value.length}\r\n${value}\r\n`));
        break;
      default:
        parts.push(Buffer.from('+OK\r\n'));
    }
  }
  return Buffer.concat(parts);
}

export async function run(emit: (fig: Figure) => void): Promise<void> {
  const stream = replyStream();
  const chunk = 64 * 1024;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const d = new RespDecoder();
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (let o = 0; o < stream.length; o += chunk) n += d.push(stream.subarray(o, o + chunk)).length;
    const dt = Number(process.hrtime.bigint() - t0);
    if (n !== REPLIES) throw new Error(`decoded ${n} replies, expected ${REPLIES}`);
    best = Math.min(best, dt);
  }
  emit({ suite: 'redis', case: 'decode', impl: 'tradestate', value: best / REPLIES, unit: 'ns/reply' });
  emit({
    suite: 'redis',
    case: 'decode-throughput',
    impl: 'tradestate',
    value: (stream.length / best) * 1000,
    unit: 'MB/s'
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 100_000; i++) encodeCommand(['RPUSH', 'tradestate:sweep:jobs', 'x'.repeat(100)]);
  emit({
    suite: 'redis',
    case: 'encode',
    impl: 'tradestate',
    value: Number(process.hrtime.bigint() - t0) / 100_000,
    unit: 'ns/op'
  });

  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write('redis bench: redis-server not installed; loopback and sweep cases skipped\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tradestate-redis-bench-'));
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' }
  );
  const url = `redis://127.0.0.1:${port}`;
  try {
    let client: RedisClient | undefined;
    for (let i = 0; i < 100 && !client; i++) {
      try {
        client = await RedisClient.connect(url);
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!client) throw new Error('redis-server did not start');
    const N = 20_000;
    let t = process.hrtime.bigint();
    for (let i = 0; i < 2_000; i++) await client.command('PING');
    emit({
      suite: 'redis',
      case: 'ping-roundtrip',
      impl: 'tradestate',
      value: Number(process.hrtime.bigint() - t) / 2_000 / 1000,
      unit: 'µs'
    });
    t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: N }, (_, i) => client.command('SET', `k${i}`, 'v')));
    emit({
      suite: 'redis',
      case: 'pipelined-set',
      impl: 'tradestate',
      value: N / (Number(process.hrtime.bigint() - t) / 1e9),
      unit: 'ops/s'
    });
    await client.command('FLUSHALL');
    await client.close();

    const file = join(process.cwd(), 'config', 'backtest.yaml');
    const { raw } = readBaseConfig(file);
    const axes = parseParamSpecs(['strategy.params.fast=5,10', 'strategy.params.slow=40,60']);
    let t1 = performance.now();
    await runSweep({ config: raw, configFile: file, axes, workers: 1 });
    emit({
      suite: 'redis',
      case: 'sweep-grid-4',
      impl: 'local-1-thread',
      value: 4 / ((performance.now() - t1) / 1000),
      unit: 'backtests/s'
    });
    const stop = new AbortController();
    const worker = runSweepWorker({ url, signal: stop.signal });
    t1 = performance.now();
    await runSweep({ config: raw, configFile: file, axes, redis: { url, pollMs: 50 } });
    emit({
      suite: 'redis',
      case: 'sweep-grid-4',
      impl: 'redis-1-worker',
      value: 4 / ((performance.now() - t1) / 1000),
      unit: 'backtests/s'
    });
    stop.abort();
    await worker;
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
