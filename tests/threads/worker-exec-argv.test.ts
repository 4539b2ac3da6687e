import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError } from '../../src/core/errors.ts';
import { startWorkerThread, workerExecArgv } from '../../src/threads/worker-exec-argv.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

const PRELOAD = join(REPO_ROOT, 'bin', 'strip-types.js');
const CHILD = join(REPO_ROOT, 'tests', 'threads', 'support', 'tiny-pipeline.ts');

/** Options a worker thread refuses in its execArgv (V8 and per-process ones), as a program may be started with. */
const REFUSED_BY_WORKERS = [
  '--max-old-space-size=256',
  '--stack-size=900',
  '--expose-gc',
  '--title=tradestate-test',
  '--max-semi-space-size=16',
  '--abort-on-uncaught-exception'
];

describe("a worker thread's execArgv", () => {
  it('keeps how the project loads its code and drops V8 and per-process options, with their values', () => {
    const parent = [
      '--max-old-space-size=2048',
      '--import',
      './bin/strip-types.js',
      '--stack-size=900',
      '--expose_gc',
      '--conditions=development',
      '-C',
      'node',
      '--title',
      'replay',
      '--experimental-strip-types',
      '--no-warnings',
      '--disable-warning=ExperimentalWarning',
      '--enable-source-maps'
    ];
    expect(workerExecArgv(parent)).toEqual([
      '--import',
      './bin/strip-types.js',
      '--conditions=development',
      '-C',
      'node',
      '--experimental-strip-types',
      '--no-warnings',
      '--disable-warning=ExperimentalWarning',
      '--enable-source-maps'
    ]);
  });

  it('forwards only what a real Worker accepts', async () => {
    const args = workerExecArgv([
      ...REFUSED_BY_WORKERS,
      '--import=data:text/javascript,0',
      '--require',
      'node:path',
      '--conditions=x',
      '--experimental-strip-types',
      '--enable-source-maps',
      '--trace-warnings',
      '--no-deprecation'
    ]);
    const w = new Worker('process.exitCode = 7', { eval: true, execArgv: args });
    // a refused switch throws above; the worker must also have run its code and ended normally
    expect(await new Promise((r) => w.once('exit', r))).toBe(7);
  });

  it('a program started with --max-old-space-size, --stack-size, --expose-gc and --title still runs the book worker', () => {
    // with the strip-types preload (the npm scripts) and without it (plain node running a .ts file)
    for (const preload of [['--import', PRELOAD], []]) {
      const r = spawnSync(process.execPath, [...REFUSED_BY_WORKERS, ...preload, CHILD], {
        encoding: 'utf8',
        timeout: 30_000
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ count: 1, bid: 1_000_000 });
    }
  });

  it("Node's refusal to start a worker is TRD_ERR_THREAD_WORKER_FAILED naming the worker, Node's error its cause", () => {
    let caught: unknown;
    try {
      // workerData Node cannot clone: new Worker throws at once
      startWorkerThread(new URL('data:text/javascript,0'), { workerData: () => 0 }, 'test worker');
    } catch (e) {
      caught = e;
    }
    expect(isTradestateError(caught, ErrorCode.THREAD_WORKER_FAILED)).toBe(true);
    const err = caught as Error & { context: Record<string, unknown> };
    expect(err.message).toMatch(/^test worker could not start: /);
    expect(err.context['what']).toBe('test worker');
    expect(err.cause).toBeInstanceOf(Error);
  });
});
