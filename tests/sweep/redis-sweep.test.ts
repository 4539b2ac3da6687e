import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TradestateError } from '../../src/core/errors.ts';
import { RedisClient } from '../../src/net/redis.client.ts';
import { parseParamSpecs } from '../../src/sweep/param-grid.ts';
import { runSweepWorker, type SweepWorkerOptions } from '../../src/sweep/redis-sweep.ts';
import { runSweepJob, type SweepJob, type SweepPointResult } from '../../src/sweep/sweep.worker.ts';
import { runSweep, type SweepOptions, type SweepOutcome, sweepJson } from '../../src/sweep/sweep-runner.ts';
import { fromWire, toWire } from '../../src/sweep/sweep-wire.ts';
import { startRedis } from '../support/redis.ts';
import { REPO_ROOT, sharedData } from '../support/shared-data.ts';

type Redis = Awaited<ReturnType<typeof startRedis>>;
let server: Redis;
let admin: RedisClient;
const dir = mkdtempSync(join(tmpdir(), 'ts-redis-sweep-'));
const FILE = join(dir, 'sweep.yaml');
const raw = {
  name: 'redis-sweep',
  seed: 7,
  data: { kind: 'synthetic', symbols: ['AAA', 'BBB'], start: '2024-03-04', sessions: 2, volatility: 0.6 },
  strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } },
  execution: { commission: { bps: 1, minimum: 0.5 }, slippage: { bps: 2 } }
};
const axes = parseParamSpecs(['strategy.params.fast=3,5', 'strategy.params.slow=10,20']);
const JOBS = 'tradestate:sweep:jobs';
const PENDING = 'tradestate:sweep:pending';

beforeAll(async () => {
  writeFileSync(FILE, JSON.stringify(raw)); // YAML is a superset of JSON
  server = await startRedis();
  admin = await RedisClient.connect(server.url);
});
afterAll(async () => {
  await admin?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stops: (() => void)[] = [];
const running: Promise<unknown>[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.allSettled(running.splice(0));
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await admin.command('FLUSHALL');
});

/** Poll an async condition every 20 ms for at most `ms`. */
async function eventually(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Start an in-process sweep worker (one thread); returns the promise of the points it ran. */
function worker(id: string, url = server.url, more: Partial<SweepWorkerOptions> = {}): Promise<number> {
  const stop = new AbortController();
  stops.push(() => stop.abort());
  const p = runSweepWorker({ url, id, signal: stop.signal, ...more });
  running.push(p);
  return p;
}

/** The 2×2 sweep over Redis with one worker (w1) and the test hooks `testHooks`. */
function oneWorkerSweep(testHooks: SweepOptions['testHooks']): Promise<SweepOutcome> {
  void worker('w1');
  return runSweep({
    config: raw,
    configFile: FILE,
    axes,
    redis: { url: server.url, pollMs: 100 },
    testHooks
  });
}

/** A sweep run in the background: `done` tells whether it has settled; `outcome` is its result or error. */
function background(p: Promise<SweepOutcome>): {
  done: () => boolean;
  outcome: Promise<SweepOutcome | unknown>;
} {
  let settled = false;
  const outcome = p.then(
    (s) => s,
    (e: unknown) => e
  );
  void outcome.then(() => {
    settled = true;
  });
  return { done: () => settled, outcome };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answer a point taken by hand as runSweepWorker does: the result, and the point cleared from pending. */
async function answer(sweep: string, env: string, worker: string, result: SweepPointResult): Promise<void> {
  await admin.command('MULTI');
  await admin.command('RPUSH', `tradestate:sweep:${sweep}:results`, toWire({ worker, result }));
  await admin.command('LREM', PENDING, 1, env);
  await admin.command('EXEC');
}

describe('distributed sweeps through a real Redis', () => {
  it('points run on remote workers give the same sweep.json as local threads; nothing is left in Redis', async () => {
    const local = await runSweep({ config: raw, configFile: FILE, axes, workers: 2 });
    const w1 = worker('w1');
    const w2 = worker('w2');
    const remote = await runSweep({
      config: raw,
      configFile: FILE,
      axes,
      redis: { url: server.url, pollMs: 100 }
    });
    expect(remote.failed).toBe(0);
    expect(sweepJson(remote)).toBe(sweepJson(local));
    expect(remote.workers).toBeGreaterThanOrEqual(1);
    expect(remote.workers).toBeLessThanOrEqual(2);
    for (const s of stops.splice(0)) s();
    expect((await w1) + (await w2)).toBe(4);
    expect(await admin.command('KEYS', '*')).toEqual([]);
  });

  it('a worker killed while holding a point: its lease runs out, another worker runs the point', async () => {
    // a real worker process, killed (SIGKILL) as soon as it holds a point
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'tradestate.js'), 'sweep-worker', '--redis', server.url],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    children.push(child);
    const sweep = runSweep({
      config: raw,
      configFile: FILE,
      axes,
      redis: { url: server.url, leaseMs: 1_000, pollMs: 100 }
    });
    await eventually(
      async () => (await admin.command('LLEN', 'tradestate:sweep:pending')) === 1,
      20_000,
      'a taken point'
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const survivor = worker('survivor');
    const s = await sweep;
    expect(s.failed).toBe(0);
    const local = await runSweep({ config: raw, configFile: FILE, axes, workers: 1 });
    expect(sweepJson(s)).toBe(sweepJson(local));
    for (const stop of stops.splice(0)) stop();
    expect(await survivor).toBeGreaterThanOrEqual(1);
  });

  it('no worker at all: fails after idleMs with TRD_ERR_SWEEP_WORKER_FAILED and withdraws its points', async () => {
    await expect(
      runSweep({ config: raw, configFile: FILE, axes, redis: { url: server.url, idleMs: 300, pollMs: 50 } })
    ).rejects.toMatchObject({ code: 'TRD_ERR_SWEEP_WORKER_FAILED' });
    expect(await admin.command('LLEN', 'tradestate:sweep:jobs')).toBe(0);
  });

  it('a point whose worker thread dies is reported failed (not retried); the others complete', async () => {
    const s = await oneWorkerSweep({ exitAt: [1] });
    expect(s.failed).toBe(1);
    expect(s.results[1]!.error).toMatchObject({ code: 'TRD_ERR_SWEEP_WORKER_FAILED' });
    expect(s.results.filter((r) => r.metrics).map((r) => r.index)).toEqual([0, 2, 3]);
  });

  it('a worker outlives a Redis restart: it reconnects and keeps taking points', async () => {
    const extra = await startRedis();
    try {
      const w = worker('phoenix', extra.url);
      await new Promise((r) => setTimeout(r, 200)); // blocked in BLMOVE
      const port = extra.port;
      extra.kill();
      const again = await startRedis([], port);
      try {
        const s = await runSweep({
          config: raw,
          configFile: FILE,
          axes,
          redis: { url: again.url, pollMs: 100 }
        });
        expect(s.failed).toBe(0);
        expect(s.workers).toBe(1);
        for (const stop of stops.splice(0)) stop();
        expect(await w).toBe(4);
      } finally {
        await again.stop();
      }
    } finally {
      await extra.stop();
    }
  });

  it('a worker whose data files differ from the coordinator’s refuses every point: TRD_ERR_SWEEP_DATA_MISMATCH naming the file', async () => {
    const csv = join(dir, 'orcl.csv');
    const lines = readFileSync(sharedData('ohlcv', 'backtrader', 'orcl-1995-2014.txt'), 'utf8').split('\n');
    writeFileSync(csv, `${lines.slice(0, 200).join('\n')}\n`);
    const daily = {
      ...raw,
      data: { kind: 'yahoo-csv', files: [{ symbol: 'ORCL', path: csv }] },
      strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } }
    };
    const dailyAxes = parseParamSpecs(['strategy.params.fast=3,5']);
    const redis = { url: server.url, pollMs: 100 };
    // the same bytes: the points run
    void worker('same');
    const same = await runSweep({ config: daily, configFile: FILE, axes: dailyAxes, redis });
    expect(same.failed).toBe(0);
    expect(same.results.every((r) => (r.counts?.bars ?? 0) === 199)).toBe(true);
    for (const stop of stops.splice(0)) stop();
    await Promise.allSettled(running.splice(0));
    // the points are queued with the coordinator's digests; the worker's copy then differs (another machine's)
    const sweep = runSweep({ config: daily, configFile: FILE, axes: dailyAxes, redis });
    await eventually(
      async () => (await admin.command('LLEN', 'tradestate:sweep:jobs')) === 2,
      5_000,
      'the points'
    );
    writeFileSync(csv, `${lines.slice(0, 201).join('\n')}\n`);
    void worker('other');
    const s = await sweep;
    expect(s.failed).toBe(2);
    for (const r of s.results) {
      expect(r.metrics).toBeUndefined();
      expect(r.error?.code).toBe('TRD_ERR_SWEEP_DATA_MISMATCH');
      expect(r.error?.message).toContain(`worker other#0: ${csv} differs here`);
    }
  });

  it('an unreachable server is TRD_ERR_REDIS_UNAVAILABLE, for the coordinator and for a worker', async () => {
    const url = 'redis://127.0.0.1:1';
    await expect(runSweep({ config: raw, configFile: FILE, axes, redis: { url } })).rejects.toMatchObject({
      code: 'TRD_ERR_REDIS_UNAVAILABLE'
    });
    await expect(runSweepWorker({ url })).rejects.toMatchObject({ code: 'TRD_ERR_REDIS_UNAVAILABLE' });
  });

  it('a point queued again after its worker died waits idleMs anew for a worker, though its lease was longer', async () => {
    const one = parseParamSpecs(['strategy.params.fast=3']);
    const sweep = background(
      runSweep({
        config: raw,
        configFile: FILE,
        axes: one,
        redis: { url: server.url, leaseMs: 2_000, idleMs: 1_000, pollMs: 20 }
      })
    );
    await eventually(async () => (await admin.command('LLEN', JOBS)) === 1, 10_000, 'the point');
    // a worker takes the point and dies
    const env = (await admin.command('LMOVE', JOBS, PENDING, 'LEFT', 'RIGHT')) as string;
    const { sweep: id, job } = fromWire(env) as { sweep: string; job: SweepJob };
    const result = await runSweepJob(job); // what the next worker will answer
    // its lease runs out (after longer than idleMs): the point is queued again
    await eventually(
      async () => sweep.done() || (await admin.command('LLEN', JOBS)) === 1,
      10_000,
      'the point queued again'
    );
    // a worker comes up well within idleMs of that, takes the point and answers (played here, so that how long
    // a backtest takes on a busy machine does not matter)
    await sleep(300);
    expect(sweep.done() ? await sweep.outcome : 'still waiting').toBe('still waiting');
    expect(await admin.command('LMOVE', JOBS, PENDING, 'LEFT', 'RIGHT')).toBe(env);
    await answer(id, env, 'late', result);
    expect(await sweep.outcome).toMatchObject({ failed: 0, workers: 1, results: [result] });
  });

  it('a slow worker answering after its lease ran out: the copy queued again is withdrawn with the sweep', async () => {
    const one = parseParamSpecs(['strategy.params.fast=3']);
    const sweep = runSweep({
      config: raw,
      configFile: FILE,
      axes: one,
      redis: { url: server.url, leaseMs: 300, pollMs: 20 }
    });
    await eventually(async () => (await admin.command('LLEN', JOBS)) === 1, 10_000, 'the point');
    const env = (await admin.command('LMOVE', JOBS, PENDING, 'LEFT', 'RIGHT')) as string;
    await eventually(async () => (await admin.command('LLEN', JOBS)) === 1, 10_000, 'the point queued again');
    // the slow worker answers after all
    const { sweep: id, job } = fromWire(env) as { sweep: string; job: SweepJob };
    const result = await runSweepJob(job);
    await answer(id, env, 'slow', result);
    const s = await sweep;
    expect(s.failed).toBe(0);
    expect(s.results[0]).toEqual(result);
    expect(await admin.command('KEYS', '*')).toEqual([]);
  });
  it('malformed jobs on the shared queue: dropped and reported, or answered as failed when they name a sweep and a point; the worker goes on', async () => {
    const answerable = { sweep: 'other', job: { index: 4, params: { 'strategy.params.fast': 3 } } }; // no config
    await admin.command(
      'RPUSH',
      JOBS,
      'not json',
      'null',
      '[1]',
      toWire({ sweep: 'other', job: 'x' }),
      toWire({ ...answerable, sweep: 'not a sweep id!' }),
      toWire(answerable)
    );
    const invalid: TradestateError[] = [];
    const results: SweepPointResult[] = [];
    void worker('w1', server.url, { onInvalid: (e) => invalid.push(e), onResult: (r) => results.push(r) });
    await eventually(async () => invalid.length + results.length === 6, 10_000, 'every job handled');
    expect(invalid.map((e) => e.code)).toEqual(Array(5).fill('TRD_ERR_MESSAGE_INVALID'));
    expect(results).toMatchObject([
      { index: 4, params: answerable.job.params, error: { code: 'TRD_ERR_MESSAGE_INVALID' } }
    ]);
    // the answer went to its sweep like any point's, and nothing is left held
    const answers = (await admin.command('LRANGE', 'tradestate:sweep:other:results', 0, -1)) as string[];
    expect(answers.map((a) => fromWire(a))).toMatchObject([{ worker: 'w1#0', result: results[0] }]);
    expect(await admin.command('LLEN', PENDING)).toBe(0);
    expect(await admin.command('LLEN', JOBS)).toBe(0);
    // the worker still takes points
    const s = await runSweep({
      config: raw,
      configFile: FILE,
      axes,
      redis: { url: server.url, pollMs: 50, idleMs: 5_000 }
    });
    expect(s).toMatchObject({ failed: 0, workers: 1 });
  });

  it('a worker thread that dies of an uncaught error fails its point with that error; the worker goes on', async () => {
    const s = await oneWorkerSweep({ crashAt: [1] });
    expect(s.failed).toBe(1);
    expect(s.results[1]!.error).toMatchObject({ code: 'TRD_ERR_SWEEP_WORKER_FAILED' });
    expect(s.results[1]!.error!.message).toContain('sweep test hook: crash');
    expect(s.results.filter((r) => r.metrics).map((r) => r.index)).toEqual([0, 2, 3]);
  });

  it('malformed results: one naming a point of the sweep fails that point (TRD_ERR_MESSAGE_INVALID), others are ignored', async () => {
    const two = parseParamSpecs(['strategy.params.fast=3,5']);
    const sweep = runSweep({
      config: raw,
      configFile: FILE,
      axes: two,
      redis: { url: server.url, pollMs: 20 }
    });
    await eventually(async () => (await admin.command('LLEN', JOBS)) === 2, 10_000, 'the points');
    const [env0, env1] = (await admin.command('LRANGE', JOBS, 0, -1)) as string[];
    const { sweep: id } = fromWire(env0!) as { sweep: string };
    const { job } = fromWire(env1!) as { job: SweepJob };
    const failed = { code: 'TRD_ERR_SWEEP_DATA_MISMATCH', message: 'refused' };
    await admin.command(
      'RPUSH',
      `tradestate:sweep:${id}:results`,
      'not json',
      'null',
      toWire({ worker: 'x', result: null }),
      toWire({ worker: 'x', result: { index: 99, params: {}, error: failed } }), // no such point
      toWire({ worker: 'x', result: { index: 0, params: {}, metrics: { sharpe: 'high' } } }),
      toWire({ worker: 'y', result: { index: 1, runId: 'r', params: job.params, error: failed } })
    );
    const s = await sweep;
    expect(s.results[0]!.error?.code).toBe('TRD_ERR_MESSAGE_INVALID');
    expect(s.results[0]!.params).toEqual({ 'strategy.params.fast': 3 });
    expect(s.results[1]).toEqual({ index: 1, runId: 'r', params: job.params, error: failed });
    expect(s.workers).toBe(1);
    // neither point was taken: both are withdrawn, though both have a result
    expect(await admin.command('KEYS', '*')).toEqual([]);
  });
});
