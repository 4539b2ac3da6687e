// Child program for tests/threads/worker-exec-argv.test.ts: replays one LOBSTER message through the book
// worker (a real worker thread started with workerExecArgv()) and prints what came back, or the error's code.
import { replayInWorker } from '../../../src/threads/book-pipeline.ts';

const one = {
  length: 1,
  timeNs: Float64Array.from([1]),
  type: Uint8Array.from([1]),
  orderId: Float64Array.from([1]),
  size: Float64Array.from([10]),
  price: Float64Array.from([1_000_000]),
  direction: Int8Array.from([1])
};
try {
  const r = await replayInWorker(one);
  process.stdout.write(`${JSON.stringify({ count: r.count, bid: r.changes[1] })}\n`);
} catch (e) {
  const err = e as { code?: unknown; message?: unknown };
  process.stdout.write(`${JSON.stringify({ code: err.code, message: err.message })}\n`);
}
