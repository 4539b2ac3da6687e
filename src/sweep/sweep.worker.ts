/**
 * One sweep worker thread: it receives sweep jobs one at a time by `postMessage`, runs each as an in-memory
 * backtest ({@link runBacktest} with no `outDir`) and posts back one {@link SweepPointResult} per job. A
 * backtest that throws becomes a result with `error`; the worker stays up for the next job.
 *
 * This file is its own worker entry ({@link startSweepWorker} runs `new Worker(new URL(import.meta.url))`, and
 * Node loads it directly with its type stripping); imported anywhere else it only exports. The worker branch
 * runs only when `workerData` carries this module's tag.
 */
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, isTradestateError } from '../core/errors.ts';
import type { DataFileDigest } from '../data/data-digest.ts';
import { type BacktestWindow, runBacktest, runIdOf } from '../engine/backtest.ts';
import { startWorkerThread } from '../threads/worker-exec-argv.ts';
import type { GridPoint } from './param-grid.ts';

const TAG = 'tradestate:sweep-worker';

/** One point to backtest. */
export interface SweepJob {
  /** The point's index in the grid. */
  readonly index: number;
  /** The point's validated configuration. */
  readonly config: RunConfig;
  readonly configFile: string;
  readonly seed: number;
  readonly params: GridPoint;
  /** Trade only the bars inside this window (see {@link BacktestWindow}). */
  readonly window?: BacktestWindow;
  /**
   * The coordinator's digests of the data files the point reads (Redis sweeps): a remote worker whose files
   * differ refuses the point (`TRD_ERR_SWEEP_DATA_MISMATCH`) instead of answering for other data.
   */
  readonly data?: readonly DataFileDigest[];
  /**
   * @internal Test hook: `exit` ends the worker thread (as a crash would) when it receives the job; `crash`
   * throws an uncaught error in the thread (its `error` event, then its exit); `throw` makes the job's backtest
   * throw an untyped error.
   */
  readonly hook?: 'exit' | 'crash' | 'throw';
}

/** Headline metrics of one point (from its {@link PerformanceSummary}). */
export interface SweepMetrics {
  readonly totalReturn: number;
  /** `null` when the run is too short to annualise ({@link PerformanceSummary}). */
  readonly annualizedReturn: number | null;
  readonly annualizedVolatility: number;
  readonly sharpe: number;
  readonly sortino: number;
  /** `null` as {@link annualizedReturn}. */
  readonly calmar: number | null;
  /** Fraction, positive. */
  readonly maxDrawdown: number;
  /** Against the run's benchmark (`RelativeStats` in analytics/benchmark.ts); `null` without one or when it cannot be estimated. */
  readonly alpha: number | null;
  readonly beta: number | null;
  readonly informationRatio: number | null;
  readonly trades: number;
  readonly winRate: number;
  readonly endEquity: number;
}

/** What one point's backtest counted. */
export interface SweepCounts {
  readonly bars: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejected: number;
  readonly events: number;
}

/** The outcome of one point: metrics and counts, or an error (then neither). */
export interface SweepPointResult {
  readonly index: number;
  /** The point's run id (as a backtest of it would have); absent when its configuration was invalid. */
  readonly runId?: string;
  readonly params: GridPoint;
  readonly metrics?: SweepMetrics;
  readonly counts?: SweepCounts;
  readonly error?: { readonly code: string; readonly message: string };
}

/** An error as a sweep result carries it: typed errors keep their code, others are `TRD_ERR_SWEEP_WORKER_FAILED`. */
export function errorOf(e: unknown): { code: string; message: string } {
  if (isTradestateError(e)) return { code: e.code, message: e.message };
  return { code: ErrorCode.SWEEP_WORKER_FAILED, message: e instanceof Error ? e.message : String(e) };
}

/**
 * The result of a job this worker refuses: `error`, with the run id a backtest of the point would have had.
 * Never throws: a run id that cannot be computed here is left out.
 */
export function refusedJob(job: SweepJob, error: { code: string; message: string }): SweepPointResult {
  let runId: string | undefined;
  try {
    runId = runIdOf(job.config, job.seed, job.window);
  } catch {
    // no run id; the error says what went wrong with the point
  }
  return runId === undefined
    ? { index: job.index, params: job.params, error }
    : { index: job.index, runId, params: job.params, error };
}

/**
 * The result of a point whose worker (`who`) exited with `exitCode` before answering, of the uncaught error `died`
 * when it said one: `TRD_ERR_SWEEP_WORKER_FAILED`. Never throws.
 */
export function workerDiedResult(
  job: SweepJob,
  exitCode: number,
  died: Error | undefined,
  who = 'the worker'
): SweepPointResult {
  const why = died ? `: ${died.message}` : '';
  return refusedJob(job, {
    code: ErrorCode.SWEEP_WORKER_FAILED,
    message: `${who} running point ${job.index} exited with code ${exitCode}${why}`
  });
}

/** Run one job's backtest in memory on this thread (what a worker does with each job it receives). */
export async function runSweepJob(job: SweepJob): Promise<SweepPointResult> {
  const { index, params } = job;
  try {
    if (job.hook === 'throw') throw new Error('sweep test hook: throw');
    const r = await runBacktest({
      config: job.config,
      configFile: job.configFile,
      seed: job.seed,
      ...(job.window ? { window: job.window } : {}),
      // a point keeps only its metrics
      monteCarloPaths: 0
    });
    const s = r.summary;
    const rel = r.benchmark?.relative;
    return {
      index,
      runId: r.runId,
      params,
      metrics: {
        totalReturn: s.totalReturn,
        annualizedReturn: s.annualizedReturn,
        annualizedVolatility: s.annualizedVolatility,
        sharpe: s.sharpe,
        sortino: s.sortino,
        calmar: s.calmar,
        maxDrawdown: s.maxDrawdown,
        alpha: rel?.alpha ?? null,
        beta: rel?.beta ?? null,
        informationRatio: rel?.informationRatio ?? null,
        trades: s.tradeCount,
        winRate: s.winRate,
        endEquity: s.endEquity
      },
      counts: { bars: r.bars, orders: r.orders, fills: r.fills, rejected: r.rejected, events: r.events }
    };
  } catch (e) {
    return refusedJob(job, errorOf(e));
  }
}

/**
 * Start a sweep worker thread; send it {@link SweepJob}s one at a time and read one result per job. Node's refusal
 * to start it throws `TRD_ERR_THREAD_WORKER_FAILED`.
 */
export function startSweepWorker(): Worker {
  return startWorkerThread(new URL(import.meta.url), { workerData: { tag: TAG } }, 'sweep worker');
}

const data = workerData as { tag?: unknown } | null | undefined;
if (!isMainThread && parentPort && data?.tag === TAG) {
  const port = parentPort;
  port.on('message', async (job: SweepJob) => {
    if (job.hook === 'exit') process.exit(70);
    if (job.hook === 'crash') throw new Error('sweep test hook: crash');
    port.postMessage(await runSweepJob(job));
  });
}
