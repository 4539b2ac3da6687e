import type { Worker } from 'node:worker_threads';

/**
 * The one report a task worker posts when it is done: resolves with the first message `isReport` accepts
 * (default: any), rejects when the worker errors or exits before posting it. `what` names it in that error.
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
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`${what} exited with code ${code} before reporting`));
    });
  });
}
