/**
 * Cross-thread messaging benchmarks: tradestate's SpscRing (SharedArrayBuffer + Atomics) against Node's own
 * MessagePort, on the same 4-word float64 records, in the same run.
 *
 * Cases (suite `threads`):
 * - spsc-1m (msgs/s): 1,000,000 records from the main thread to a worker that reads and sums every word; the
 *   clock runs from the first record written to the worker's hrtime after its last read (one monotonic clock
 *   for the whole process). Worker start-up is outside the clock.
 *     - tradestate: claim/publish per record into a 1,024-record ring, peek/release per record;
 *     - tradestate-batch64: the same ring, claimBatch/publishBatch and peekBatch/releaseBatch of up to 64;
 *     - node-messageport: one `MessagePort.postMessage` per record (the 4 words as a plain array: it clones
 *       ~30 % faster than a 4-element Float64Array);
 *     - node-messageport-batch64: 64 records per message (a Float64Array of 256 words: faster than an array).
 *   The port has no back-pressure, so its queue grows while the worker falls behind (~300 MB RSS per-record).
 * - latency-1way / latency-1way-p99 (ns): a worker writes one record every 20 µs stamped with
 *   `process.hrtime.bigint()`; the main thread reads it and takes its own stamp. Median and 99th percentile
 *   of 20,000 records (after 2,000 warm-up ones).
 *     - tradestate: the consumer blocks in waitReadable (spins, then sleeps in Atomics.wait);
 *     - tradestate-busy-poll: the consumer spins on peek (one core burnt, no futex wake-up);
 *     - node-messageport: a 'message' listener on an otherwise idle event loop.
 * Each figure is the median of three rounds, the implementations' rounds interleaved.
 *
 * This file is also its own worker entry (`new Worker(new URL(import.meta.url))`, loaded by Node directly):
 * the worker branch at the bottom runs only when `workerData` carries this module's tag.
 */
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData
} from 'node:worker_threads';
import { SpscRing } from '../src/threads/spsc-ring.ts';
import type { Figure } from './figure.ts';

const TAG = 'tradestate:threads-bench';
const N = 1_000_000;
const WORDS = 4;
const RING_CAPACITY = 1024;
const BATCH = 64;
const ROUNDS = 3;
const LAT_SAMPLES = 20_000;
const LAT_WARMUP = 2_000;
const LAT_GAP_NS = 20_000;
/** Give up instead of hanging the bench when the other side stops (ms). */
const STALL_MS = 10_000;

type Task =
  | { readonly kind: 'ring-consume'; readonly buffer: SharedArrayBuffer; readonly batch: number }
  | { readonly kind: 'port-consume'; readonly port: MessagePort; readonly batch: number }
  | { readonly kind: 'ring-stamp'; readonly buffer: SharedArrayBuffer }
  | { readonly kind: 'port-stamp'; readonly port: MessagePort };

/** What a consuming worker reports: records and the sum of all their words, and when it read the last one. */
interface ConsumeResult {
  readonly count: number;
  readonly sum: number;
  readonly tEnd: number;
}

const now = (): number => Number(process.hrtime.bigint());

/** The words of record `seq`; their sum over N records is exact in a float64. */
function fill(d: Float64Array, o: number, seq: number): void {
  d[o] = seq;
  d[o + 1] = seq + 1;
  d[o + 2] = seq * 2;
  d[o + 3] = 7;
}
const EXPECTED_SUM = ((N - 1) * N) / 2 + (N * (N + 1)) / 2 + (N - 1) * N + 7 * N;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// ---------------------------------------------------------------------------------------------------------
// main thread

interface Started {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly result: Promise<unknown>;
}

/** Start a worker on `task`; `ready` resolves on its first message, `result` on its second. */
function start(task: Task, transfer: MessagePort[] = []): Started {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { tag: TAG, task },
    transferList: transfer
  });
  let readyFns!: { res: () => void; rej: (e: unknown) => void };
  let resultFns!: { res: (v: unknown) => void; rej: (e: unknown) => void };
  const ready = new Promise<void>((res, rej) => (readyFns = { res, rej }));
  const result = new Promise<unknown>((res, rej) => (resultFns = { res, rej }));
  ready.catch(() => undefined);
  result.catch(() => undefined);
  let n = 0;
  worker.on('message', (m) => (n++ === 0 ? readyFns.res() : resultFns.res(m)));
  const fail = (e: unknown): void => {
    readyFns.rej(e);
    resultFns.rej(e);
  };
  worker.once('error', fail);
  worker.once('exit', (code) => fail(new Error(`bench worker exited with code ${code}`)));
  return { worker, ready, result };
}

async function finish(s: Started): Promise<ConsumeResult> {
  const r = (await s.result) as ConsumeResult;
  await s.worker.terminate();
  if (r.count !== N || r.sum !== EXPECTED_SUM)
    throw new Error(`worker read ${r.count} records summing to ${r.sum}, expected ${N} / ${EXPECTED_SUM}`);
  return r;
}

async function ringThroughput(batch: number): Promise<number> {
  const ring = SpscRing.create(RING_CAPACITY, WORDS);
  const s = start({ kind: 'ring-consume', buffer: ring.buffer, batch });
  await s.ready;
  const d = ring.data;
  const t0 = now();
  let seq = 0;
  while (seq < N) {
    if (batch === 1) {
      const o = ring.claim();
      if (o >= 0) {
        fill(d, o, seq++);
        ring.publish();
        continue;
      }
    } else {
      const n = ring.claimBatch(Math.min(batch, N - seq));
      if (n > 0) {
        for (let i = 0; i < n; i++) fill(d, ring.claimedOffset(i), seq + i);
        ring.publishBatch(n);
        seq += n;
        continue;
      }
    }
    if (ring.waitWritable(STALL_MS) === 'timed-out') throw new Error('ring consumer stalled');
  }
  ring.close();
  const r = await finish(s);
  return N / ((r.tEnd - t0) / 1e9);
}

async function portThroughput(batch: number): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  const s = start({ kind: 'port-consume', port: port2, batch }, [port2]);
  await s.ready;
  const msg = new Float64Array(WORDS * batch);
  const t0 = now();
  if (batch === 1)
    for (let seq = 0; seq < N; seq++) port1.postMessage([seq, seq + 1, seq * 2, 7]); // fastest form for 1 record
  else
    for (let seq = 0; seq < N; seq += batch) {
      for (let i = 0; i < batch; i++) fill(msg, i * WORDS, seq + i);
      port1.postMessage(msg);
    }
  port1.postMessage(null);
  const r = await finish(s);
  port1.close();
  return N / ((r.tEnd - t0) / 1e9);
}

/** One-way latencies (ns) of LAT_SAMPLES records stamped by a worker and read here. */
async function ringLatency(busyPoll: boolean): Promise<Float64Array> {
  const ring = SpscRing.create(RING_CAPACITY, WORDS);
  const s = start({ kind: 'ring-stamp', buffer: ring.buffer });
  await s.ready;
  s.worker.postMessage('go');
  const lat = new Float64Array(LAT_SAMPLES + LAT_WARMUP);
  const d = ring.data;
  let k = 0;
  const deadline = performance.now() + STALL_MS;
  for (;;) {
    const o = ring.peek();
    if (o >= 0) {
      lat[k++] = now() - d[o]!;
      ring.release();
    } else if (ring.drained) break;
    else if (performance.now() > deadline) throw new Error('ring stamp producer stalled');
    else if (!busyPoll) ring.waitReadable(STALL_MS);
  }
  await s.result;
  await s.worker.terminate();
  if (k !== lat.length) throw new Error(`got ${k} stamps, expected ${lat.length}`);
  return lat.subarray(LAT_WARMUP).sort();
}

async function portLatency(): Promise<Float64Array> {
  const { port1, port2 } = new MessageChannel();
  const lat = new Float64Array(LAT_SAMPLES + LAT_WARMUP);
  let k = 0;
  const all = new Promise<void>((resolve) => {
    port1.on('message', (m: number[]) => {
      lat[k++] = now() - m[0]!;
      if (k === lat.length) resolve();
    });
  });
  const s = start({ kind: 'port-stamp', port: port2 }, [port2]);
  await s.ready;
  s.worker.postMessage('go');
  await all;
  await s.result;
  port1.close();
  await s.worker.terminate();
  return lat.subarray(LAT_WARMUP).sort();
}

/** Run the suite: throughput then latency, each implementation's rounds interleaved with the others'. */
export async function run(emit: (f: Figure) => void): Promise<void> {
  const thr: Record<string, () => Promise<number>> = {
    tradestate: () => ringThroughput(1),
    'tradestate-batch64': () => ringThroughput(BATCH),
    'node-messageport': () => portThroughput(1),
    'node-messageport-batch64': () => portThroughput(BATCH)
  };
  const thrRounds: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++)
    for (const [impl, f] of Object.entries(thr)) (thrRounds[impl] ??= []).push(await f());
  for (const [impl, xs] of Object.entries(thrRounds))
    emit({ suite: 'threads', case: 'spsc-1m', impl, value: median(xs), unit: 'msgs/s' });

  const lat: Record<string, () => Promise<Float64Array>> = {
    tradestate: () => ringLatency(false),
    'tradestate-busy-poll': () => ringLatency(true),
    'node-messageport': () => portLatency()
  };
  const p50: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++)
    for (const [impl, f] of Object.entries(lat)) {
      const sorted = await f();
      (p50[impl] ??= []).push(quantile(sorted, 0.5));
      (p99[impl] ??= []).push(quantile(sorted, 0.99));
    }
  for (const impl of Object.keys(lat)) {
    emit({ suite: 'threads', case: 'latency-1way', impl, value: median(p50[impl]!), unit: 'ns' });
    emit({ suite: 'threads', case: 'latency-1way-p99', impl, value: median(p99[impl]!), unit: 'ns' });
  }
}

// ---------------------------------------------------------------------------------------------------------
// worker thread

function consumeRing(buffer: SharedArrayBuffer, batch: number): ConsumeResult {
  const ring = SpscRing.attach(buffer);
  const d = ring.data;
  let count = 0;
  let sum = 0;
  for (;;) {
    if (batch === 1) {
      const o = ring.peek();
      if (o >= 0) {
        sum += d[o]! + d[o + 1]! + d[o + 2]! + d[o + 3]!;
        ring.release();
        count++;
        continue;
      }
    } else {
      const n = ring.peekBatch(batch);
      if (n > 0) {
        for (let i = 0; i < n; i++) {
          const o = ring.peekedOffset(i);
          sum += d[o]! + d[o + 1]! + d[o + 2]! + d[o + 3]!;
        }
        ring.releaseBatch(n);
        count += n;
        continue;
      }
    }
    if (ring.drained) break;
    if (ring.waitReadable(STALL_MS) === 'timed-out') break;
  }
  return { count, sum, tEnd: now() };
}

function consumePort(port: MessagePort, batch: number, done: (r: ConsumeResult) => void): void {
  let count = 0;
  let sum = 0;
  port.on('message', (m: Float64Array | number[] | null) => {
    if (m === null) {
      const tEnd = now();
      port.close();
      done({ count, sum, tEnd });
      return;
    }
    for (let i = 0; i < batch; i++) {
      const o = i * WORDS;
      sum += m[o]! + m[o + 1]! + m[o + 2]! + m[o + 3]!;
    }
    count += batch;
  });
}

/** Every LAT_GAP_NS (busy-waited, so the send times are exact), send one record stamped with hrtime. */
function stamp(send: (t: number) => void): void {
  let next = now();
  for (let i = 0; i < LAT_SAMPLES + LAT_WARMUP; i++) {
    next += LAT_GAP_NS;
    while (now() < next) {}
    send(now());
  }
}

function workerMain(task: Task, out: MessagePort): void {
  const afterGo = (f: () => void): void => {
    out.once('message', f);
    out.postMessage('ready');
  };
  switch (task.kind) {
    case 'ring-consume':
      out.postMessage('ready');
      out.postMessage(consumeRing(task.buffer, task.batch));
      return;
    case 'port-consume':
      consumePort(task.port, task.batch, (r) => out.postMessage(r));
      out.postMessage('ready');
      return;
    case 'ring-stamp':
      afterGo(() => {
        const ring = SpscRing.attach(task.buffer);
        stamp((t) => {
          let o = ring.claim();
          while (o < 0) {
            ring.waitWritable(STALL_MS);
            o = ring.claim();
          }
          ring.data[o] = t;
          ring.publish();
        });
        ring.close();
        out.postMessage('done');
      });
      return;
    case 'port-stamp':
      afterGo(() => {
        stamp((t) => task.port.postMessage([t, 0, 0, 0]));
        task.port.close();
        out.postMessage('done');
      });
      return;
  }
}

const wd = workerData as { tag?: unknown; task?: Task } | null | undefined;
if (!isMainThread && parentPort && wd?.tag === TAG && wd.task) workerMain(wd.task, parentPort);
