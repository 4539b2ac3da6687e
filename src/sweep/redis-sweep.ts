/**
 * Distributed parameter sweeps through Redis: a coordinator (`tradestate sweep --redis URL`) queues the points,
 * and any number of worker processes on any machines (`tradestate sweep-worker --redis URL`) take them, backtest
 * them and send the results back. Results are deterministic per point, so the sweep's JSON is byte-identical to
 * a local run of the same sweep, whoever ran which point.
 *
 * Keys (prefix `tradestate:sweep` by default):
 * - `<prefix>:jobs` — the queue of points, shared by every sweep (a job names its sweep);
 * - `<prefix>:pending` — points a worker has taken: `BLMOVE jobs → pending` is atomic, so a point is never
 *   lost between the queue and a worker;
 * - `<prefix>:<sweep>:results` — results, pushed by the worker in the same transaction that drops the point
 *   from `pending`.
 * Leases are kept on the coordinator's clock only (no clock agreement between machines): a point seen in
 * `pending` for longer than the lease without a result is handed out again (its worker is presumed dead), up to
 * `attempts` times; the first result of a point wins and a late duplicate is ignored. Nothing is retried that
 * could do harm: a backtest has no side effects. Both sides validate what they read ({@link jobEnvelopeSchema},
 * {@link resultMessageSchema}): a malformed job or result fails at most the point it names
 * (`TRD_ERR_MESSAGE_INVALID`), never the process.
 *
 * Workers read the config file and its data at the paths the coordinator gives: run them where those paths
 * resolve (the same checkout, a shared filesystem), or sweep configs whose data is synthetic.
 */
import { hostname } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ErrorCode, isTradestateError, TradestateError } from '../core/errors.ts';
import { runFilesDifference } from '../data/data-digest.ts';
import { RedisClient } from '../net/redis.client.ts';
import {
  errorOf,
  refusedJob,
  type SweepJob,
  type SweepPointResult,
  startSweepWorker,
  workerDiedResult
} from './sweep.worker.ts';
import {
  fromWire,
  type JobEnvelope,
  jobAddressSchema,
  jobEnvelopeSchema,
  type ResultMessage,
  readWire,
  resultMessageSchema,
  toWire
} from './sweep-wire.ts';

/** The coordinator's side of a Redis sweep. */
export interface RedisSweepOptions {
  /** `redis://[user[:password]@]host[:port][/db]`. */
  readonly url: string;
  /** Key prefix shared with the workers (default `tradestate:sweep`). */
  readonly prefix?: string;
  /** A point taken and not finished within this long (ms) is handed out again. Default 10 minutes. */
  readonly leaseMs?: number;
  /** Hand-outs per point (the first and re-leases) before it fails. Default 3. */
  readonly attempts?: number;
  /**
   * Fail when no worker has taken a point for this long (ms) while points wait: since the last point taken or
   * result received, or since a point was queued again after its lease ran out. Default 60 s.
   */
  readonly idleMs?: number;
  /** How often (ms) the coordinator checks leases while waiting for results. Default 1 000. */
  readonly pollMs?: number;
}

export const DEFAULT_SWEEP_PREFIX = 'tradestate:sweep';

const keys = (prefix: string, sweep: string) => ({
  jobs: `${prefix}:jobs`,
  pending: `${prefix}:pending`,
  results: `${prefix}:${sweep}:results`
});

/**
 * Run `jobs` on remote sweep workers through Redis, calling `land` once per point (in completion order).
 * Resolves with the number of distinct workers that sent results for its points. A result message that is not
 * a valid {@link resultMessageSchema} fails the point it names (`TRD_ERR_MESSAGE_INVALID`) and is otherwise
 * ignored, as is a result for no point of this sweep. Rejects with `TRD_ERR_SWEEP_WORKER_FAILED` when no worker
 * takes a point for `idleMs`, and with `TRD_ERR_REDIS_*` when Redis fails. However it ends, every copy of this
 * sweep's points left on the queue or in `pending` is withdrawn (a point that landed may have a copy queued
 * again after a lease ran out).
 */
export async function runJobsOnRedis(
  jobs: readonly SweepJob[],
  land: (r: SweepPointResult) => void,
  o: RedisSweepOptions
): Promise<number> {
  const prefix = o.prefix ?? DEFAULT_SWEEP_PREFIX;
  const leaseMs = o.leaseMs ?? 600_000;
  const attemptsMax = o.attempts ?? 3;
  const idleMs = o.idleMs ?? 60_000;
  const pollSec = Math.max(0.05, (o.pollMs ?? 1000) / 1000);
  const sweep = `${Date.now().toString(36)}-${process.pid}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
  const k = keys(prefix, sweep);
  const envIndex = new Map<string, number>();
  const envOf: string[] = [];
  for (const job of jobs) {
    const env = toWire({ sweep, job } satisfies JobEnvelope);
    envIndex.set(env, job.index);
    envOf[job.index] = env;
  }
  const byIndex = new Map(jobs.map((j) => [j.index, j]));
  const landed = new Set<number>();
  const workers = new Set<string>();
  const attempts = new Map<number, number>();
  const seenPending = new Map<number, number>();

  const redis = await RedisClient.connect(o.url);
  let blocking: RedisClient | undefined;
  try {
    blocking = await RedisClient.connect(o.url);
    for (let i = 0; i < jobs.length; i += 500) {
      await redis.command('RPUSH', k.jobs, ...jobs.slice(i, i + 500).map((j) => envOf[j.index]!));
    }
    for (const j of jobs) attempts.set(j.index, 1);
    let lastTaken = performance.now();
    let lastCheck = 0;
    const pollMs = pollSec * 1000;
    let ignored = 0;
    const finish = (r: SweepPointResult): void => {
      if (landed.has(r.index) || !byIndex.has(r.index)) return;
      landed.add(r.index);
      land(r);
    };
    while (landed.size < jobs.length) {
      const got = await blocking.command('BLPOP', k.results, pollSec);
      if (Array.isArray(got) && typeof got[1] === 'string') {
        const m = readResult(got[1], byIndex);
        if (m === undefined) ignored++;
        else {
          if (m.worker !== undefined) workers.add(m.worker);
          finish(m.result);
          lastTaken = performance.now();
        }
      }
      // at most once per poll: look at what workers hold
      const now = performance.now();
      if (now - lastCheck < pollMs) continue;
      lastCheck = now;
      const held = (await redis.command('LRANGE', k.pending, 0, -1)) as string[];
      let ours = 0;
      for (const env of held) {
        const index = envIndex.get(env);
        if (index === undefined) continue;
        ours++;
        if (landed.has(index)) continue;
        const since = seenPending.get(index);
        if (since === undefined) {
          seenPending.set(index, now);
          lastTaken = now;
        } else if (now - since > leaseMs && (await redis.command('LREM', k.pending, 1, env)) === 1) {
          seenPending.delete(index);
          const n = attempts.get(index)!;
          if (n >= attemptsMax) {
            finish(
              refusedJob(byIndex.get(index)!, {
                code: ErrorCode.SWEEP_WORKER_FAILED,
                message: `no worker finished point ${index} within its ${leaseMs} ms lease, ${n} times`
              })
            );
          } else {
            attempts.set(index, n + 1);
            await redis.command('RPUSH', k.jobs, env);
            // the point waits for a worker again: idleMs counts from now, not from when the lost worker took it
            lastTaken = now;
          }
        }
      }
      if (ours === 0 && now - lastTaken > idleMs) {
        throw new TradestateError(
          ErrorCode.SWEEP_WORKER_FAILED,
          `no sweep worker took a point for ${Math.round(idleMs / 1000)} s ` +
            `(is \`tradestate sweep-worker --redis …\` running against the same server?)`,
          { done: landed.size, points: jobs.length, ignoredResults: ignored }
        );
      }
    }
    return workers.size;
  } finally {
    // withdraw what is left of this sweep, landed points too (a copy queued again after its lease ran out,
    // or a point whose result came without a worker taking it); a late result lands in a key that expires
    if (!redis.closed) {
      try {
        for (let i = 0; i < jobs.length; i += 500) {
          const envs = jobs.slice(i, i + 500).map((j) => envOf[j.index]!);
          // pipelined; each point's LREM from the queue goes before its LREM from pending, so a point a worker
          // moves from one to the other meanwhile is still caught
          await Promise.all([
            ...envs.map((env) => redis.command('LREM', k.jobs, 0, env)),
            ...envs.map((env) => redis.command('LREM', k.pending, 0, env))
          ]);
        }
        await redis.command('DEL', k.results);
      } catch {
        // Redis went away: nothing left to withdraw from
      }
    }
    await blocking?.close();
    await redis.close();
  }
}

/**
 * A result message read from a sweep's result list: the worker's result, or the failure of the point a
 * malformed message names (no worker then); undefined for a message that names no point of the sweep.
 */
function readResult(
  text: string,
  byIndex: ReadonlyMap<number, SweepJob>
): { worker?: string; result: SweepPointResult } | undefined {
  try {
    const m = readWire(text, resultMessageSchema, 'sweep result');
    return byIndex.has(m.result.index) ? m : undefined;
  } catch (e) {
    if (!isTradestateError(e, ErrorCode.MESSAGE_INVALID)) throw e;
    const job = byIndex.get(indexNamed(text) ?? -1);
    return job && { result: refusedJob(job, { code: e.code, message: e.message }) };
  }
}

/** The point index a malformed result message names, if it names one. */
function indexNamed(text: string): number | undefined {
  try {
    const index = (JSON.parse(text) as { result?: { index?: unknown } } | null)?.result?.index;
    return typeof index === 'number' ? index : undefined;
  } catch {
    return undefined;
  }
}

/** A sweep worker process's options. */
export interface SweepWorkerOptions {
  readonly url: string;
  /** Key prefix shared with the coordinators (default `tradestate:sweep`). */
  readonly prefix?: string;
  /** Points run at once, each on its own worker thread with its own Redis connection. Default 1. */
  readonly threads?: number;
  /** Finish the points in hand and stop. */
  readonly signal?: AbortSignal;
  /** Stop after this long (ms) without a point to run; 0 (default) = never. */
  readonly idleExitMs?: number;
  /** This worker's name in results (default `<host>:<pid>`). */
  readonly id?: string;
  /** Called after each point's result was sent. */
  readonly onResult?: (r: SweepPointResult) => void;
  /**
   * Called with each job dropped from the queue because it is malformed and names no point to answer
   * (`TRD_ERR_MESSAGE_INVALID`, its first 200 characters in the context).
   */
  readonly onInvalid?: (e: TradestateError) => void;
}

/**
 * Take points from any sweep queued on the server, backtest each on a worker thread and send the result back,
 * until `signal` aborts (points in hand are finished first) or `idleExitMs` passes without a point. Resolves
 * with the number of points run. An unreachable server at the start rejects (`TRD_ERR_REDIS_UNAVAILABLE`); a
 * connection lost later is re-established with backoff (a point in hand when it dropped is re-leased by its
 * coordinator). A point whose thread dies is reported as failed
 * (`TRD_ERR_SWEEP_WORKER_FAILED`), not retried. A malformed job ({@link jobEnvelopeSchema}) is answered as
 * failed (`TRD_ERR_MESSAGE_INVALID`) when it names a sweep and a point, else dropped and passed to `onInvalid`;
 * either way the worker goes on.
 */
export async function runSweepWorker(o: SweepWorkerOptions): Promise<number> {
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new TradestateError(ErrorCode.SWEEP_INVALID, `threads must be a positive integer, got ${threads}`, {
      threads
    });
  }
  const prefix = o.prefix ?? DEFAULT_SWEEP_PREFIX;
  const id = o.id ?? `${hostname()}:${process.pid}`;
  let ran = 0;
  const loop = async (n: number): Promise<void> => {
    let redis: RedisClient | undefined = await RedisClient.connect(o.url); // the first connect fails fast
    const runner = new ThreadRunner();
    let idleSince = performance.now();
    try {
      while (redis !== undefined && !o.signal?.aborted) {
        try {
          const env = await redis.command(
            'BLMOVE',
            `${prefix}:jobs`,
            `${prefix}:pending`,
            'LEFT',
            'RIGHT',
            1
          );
          if (typeof env !== 'string') {
            if (o.idleExitMs && performance.now() - idleSince > o.idleExitMs) return;
            continue;
          }
          const read = readJob(env, `${id}#${n}`);
          if (read.kind === 'dropped') {
            // nobody to answer: take it off pending, or it would stay there for good
            await redis.command('LREM', `${prefix}:pending`, 1, env);
            o.onInvalid?.(read.error);
            continue;
          }
          const result = read.kind === 'refused' ? read.result : await runJob(read.job, `${id}#${n}`, runner);
          const results = keys(prefix, read.sweep).results;
          await redis.command('MULTI');
          await redis.command(
            'RPUSH',
            results,
            toWire({ worker: `${id}#${n}`, result } satisfies ResultMessage)
          );
          await redis.command('EXPIRE', results, 86_400);
          await redis.command('LREM', `${prefix}:pending`, 1, env);
          await redis.command('EXEC');
          ran++;
          o.onResult?.(result);
          idleSince = performance.now();
        } catch (e) {
          // Redis went away (a restart, a network blip): a point in hand is covered by the coordinator's lease
          if (!isTradestateError(e, ErrorCode.REDIS_UNAVAILABLE)) throw e;
          await redis.close();
          redis = await reconnect(o.url, o.signal);
        }
      }
    } finally {
      await runner.close();
      await redis?.close();
    }
  };
  await Promise.all(Array.from({ length: threads }, (_, n) => loop(n)));
  return ran;
}

/**
 * A job taken from the queue: its envelope, validated (`job`); or, when it is malformed, the answer to the
 * point it names (`refused`, `TRD_ERR_MESSAGE_INVALID`) so that its coordinator need not wait out its lease;
 * or, when it names no point, the error to report as it is dropped.
 */
function readJob(
  env: string,
  worker: string
):
  | { kind: 'job'; sweep: string; job: SweepJob }
  | { kind: 'refused'; sweep: string; result: SweepPointResult }
  | { kind: 'dropped'; error: TradestateError } {
  try {
    return { kind: 'job', ...readWire(env, jobEnvelopeSchema, 'sweep job') };
  } catch (e) {
    if (!isTradestateError(e, ErrorCode.MESSAGE_INVALID)) throw e;
    const named = jobAddressSchema.safeParse(safeFromWire(env));
    if (!named.success) return { kind: 'dropped', error: e };
    const { sweep, job } = named.data;
    const error = { code: e.code, message: `worker ${worker}: ${e.message}` };
    return { kind: 'refused', sweep, result: { index: job.index, params: job.params, error } };
  }
}

/** Wire JSON, or undefined for text that is not JSON. */
function safeFromWire(text: string): unknown {
  try {
    return fromWire(text);
  } catch {
    return undefined;
  }
}

/**
 * One valid job's result: refused when the data here differs from the coordinator's (a point is answered only
 * for the coordinator's data and strategy module: same paths, same bytes), else the thread's. Never rejects:
 * an error reading the data is the point's result.
 */
async function runJob(job: SweepJob, worker: string, runner: ThreadRunner): Promise<SweepPointResult> {
  try {
    const differs = job.data && runFilesDifference(job.config, job.data);
    if (differs)
      return refusedJob(job, {
        code: ErrorCode.SWEEP_DATA_MISMATCH,
        message: `worker ${worker}: ${differs}`
      });
    return await runner.run(job);
  } catch (e) {
    return refusedJob(job, errorOf(e));
  }
}

/** Connect again after 0.5, 1, 2 … 10 s (capped) until it works; undefined once `signal` aborts. */
async function reconnect(url: string, signal: AbortSignal | undefined): Promise<RedisClient | undefined> {
  for (let delay = 500; !signal?.aborted; delay = Math.min(delay * 2, 10_000)) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (signal?.aborted) return undefined;
    try {
      return await RedisClient.connect(url);
    } catch (e) {
      if (!isTradestateError(e, ErrorCode.REDIS_UNAVAILABLE)) throw e;
    }
  }
  return undefined;
}

/** One sweep worker thread, started on first use and again after it dies. */
class ThreadRunner {
  #worker: Worker | undefined;
  /** The uncaught error the thread died of, if it did ({@link Worker}'s `error` event, before its `exit`). */
  #died: Error | undefined;

  #start(): Worker {
    const w = startSweepWorker();
    this.#died = undefined;
    // unlistened, a thread's uncaught error would be thrown in this process
    w.on('error', (e) => {
      this.#died = e;
    });
    return w;
  }

  run(job: SweepJob): Promise<SweepPointResult> {
    const w = (this.#worker ??= this.#start());
    return new Promise((resolve) => {
      const onMessage = (r: SweepPointResult): void => {
        w.off('exit', onExit);
        resolve(r);
      };
      const onExit = (code: number): void => {
        w.off('message', onMessage);
        this.#worker = undefined;
        resolve(workerDiedResult(job, code, this.#died, 'the worker thread'));
      };
      w.once('message', onMessage);
      w.once('exit', onExit);
      w.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = undefined;
  }
}
