import { createServer } from 'node:net';

/**
 * A free loopback port (bound, read and released), for servers started as child processes that cannot bind
 * port 0 and report back (Prometheus, Redis, jspurefix).
 */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
