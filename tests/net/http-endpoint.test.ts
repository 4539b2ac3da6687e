import { afterEach, describe, expect, it } from 'vitest';
import { isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import { HttpEndpoint, sendText } from '../../src/net/http-endpoint.ts';

const endpoints: HttpEndpoint[] = [];
function endpoint(name: string, port = 0): HttpEndpoint {
  const e = new HttpEndpoint(name, { port }, (_req, res) => sendText(res, 200, 'text/plain', 'ok'));
  endpoints.push(e);
  return e;
}
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.stop()));
});

async function startError(e: HttpEndpoint): Promise<TradestateError> {
  try {
    await e.start();
  } catch (err) {
    if (isTradestateError(err)) return err;
    throw err;
  }
  throw new Error('expected start to fail');
}

describe('HttpEndpoint', () => {
  it('a port in use is TRD_ERR_PORT_UNAVAILABLE naming the server, host and port; the endpoint still stops', async () => {
    const first = endpoint('metrics server');
    await first.start();
    const second = endpoint('dashboard server', first.port);
    const e = await startError(second);
    expect(e.code).toBe('TRD_ERR_PORT_UNAVAILABLE');
    expect(e.message).toBe(
      `dashboard server cannot listen on 127.0.0.1:${first.port}: the port is in use (another process, or the session's other server, listens there)`
    );
    expect(e.context).toMatchObject({
      server: 'dashboard server',
      host: '127.0.0.1',
      port: first.port,
      errno: 'EADDRINUSE'
    });
    // starting again gives the same answer; stopping is quiet; the first one still serves
    expect((await startError(second)).code).toBe('TRD_ERR_PORT_UNAVAILABLE');
    await second.stop();
    expect(await (await fetch(first.urlOf('/'))).text()).toBe('ok');
  });
});
