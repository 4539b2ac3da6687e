// Child program for tests/cli/strip-types.test.ts: loads a hot-path module, builds a tiny book, and reports
// whether Node's WebAssembly type stripper (amaro) was loaded on the main thread and on a worker thread.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { L3Book } from '../../../src/book/l3-book.ts';
import { BookSide } from '../../../src/book/side.ts';
import { workerExecArgv } from '../../../src/threads/worker-exec-argv.ts';

// process.moduleLoadList (undocumented, untyped) names every internal module this thread has loaded.
const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
const amaroLoaded = (): boolean => loaded.some((m) => m.includes('amaro'));

if (isMainThread) {
  const book = new L3Book(16);
  book.add(1, BookSide.BID, 100, 5);
  const mode: string = process.argv[2] ?? 'report';
  if (mode === 'throw') throw new Error('probe failure'); // the test checks the stack's position
  const worker = new Worker(new URL(import.meta.url), { execArgv: workerExecArgv() });
  worker.once('message', (workerAmaro: boolean) => {
    process.stdout.write(
      `${JSON.stringify({ bestBid: book.bestBid(), mainAmaro: amaroLoaded(), workerAmaro })}\n`
    );
  });
} else {
  parentPort?.postMessage(amaroLoaded());
}
