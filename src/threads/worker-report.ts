import type { Worker } from 'node:worker_threads';
import { ErrorCode, TradestateError } from '../core/errors.ts';

/**
 * The one report a task worker posts when it is done: resolves with the first message `isReport` accepts
 * (default: any), rejects when the worker errors or exits before posting it: a `TRD_ERR_THREAD_WORKER_FAILED`
 * {@link TradestateError} naming `what`, with the worker's error (if any) as its cause.
 */
export function workerReport<T>(
  worker: Worker,
  what: string,
  isReport: (m: unknown) => boolean = () => true
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onMessage = (m: unknown): void => {
      if (!isReport(m)) return;
      done = true;
      worker.off('message', onMessage);
      resolve(m as T);
    };
    worker.on('message', onMessage);
    worker.once('error', (e) => {
      done = true;
      reject(
        new TradestateError(
          ErrorCode.THREAD_WORKER_FAILED,
          `${what} failed: ${e instanceof Error ? e.message : String(e)}`,
          { what },
          { cause: e }
        )
      );
    });
    worker.once('exit', (code) => {
      if (!done)
        reject(
          new TradestateError(
            ErrorCode.THREAD_WORKER_FAILED,
            `${what} exited with code ${code} before reporting`,
            { what, exitCode: code }
          )
        );
    });
  });
}
