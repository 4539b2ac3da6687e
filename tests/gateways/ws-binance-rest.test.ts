import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import { binanceDepthFetcher } from '../../src/gateways/ws/binance-rest.ts';

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  servers = [];
});

/** A loopback REST server answering every request with `status` and `body` (or never, when `status` is 0). */
async function rest(status: number, body: string, headers: Record<string, string> = {}) {
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? '');
    if (status === 0) return; // hangs
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, urls };
}

async function failure(p: Promise<string>): Promise<TradestateError> {
  try {
    await p;
  } catch (e) {
    if (isTradestateError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('Binance REST depth fetcher (undici): failures are TRD_ERR_DATA_FETCH_FAILED', () => {
  it('200: the body, from GET /api/v3/depth?symbol=&limit=', async () => {
    const s = await rest(200, '{"lastUpdateId":1,"bids":[],"asks":[]}');
    await expect(binanceDepthFetcher(s.url, { limit: 5 })('BTCUSDT')).resolves.toBe(
      '{"lastUpdateId":1,"bids":[],"asks":[]}'
    );
    expect(s.urls).toEqual(['/api/v3/depth?symbol=BTCUSDT&limit=5']);
  });

  it.each([
    [500, '{"code":-1000,"msg":"An unknown error occurred while processing the request."}', {}],
    [429, '{"code":-1003,"msg":"Too many requests."}', { 'retry-after': '1' }]
  ])('HTTP %i', async (status, body, headers) => {
    const s = await rest(status, body, headers);
    const e = await failure(binanceDepthFetcher(s.url)('BTCUSDT'));
    expect(e.code).toBe(ErrorCode.DATA_FETCH_FAILED);
    expect(e.context).toMatchObject({ status, url: `${s.url}/api/v3/depth?symbol=BTCUSDT&limit=1000` });
    expect(s.urls).toHaveLength(1); // no retry of its own: that is the feed's decision
  });

  it('a closed port (connection refused)', async () => {
    const s = await rest(200, '{}');
    const server = servers.pop()!;
    await new Promise<void>((r) => server.close(() => r()));
    const e = await failure(binanceDepthFetcher(s.url)('BTCUSDT'));
    expect(e.code).toBe(ErrorCode.DATA_FETCH_FAILED);
    expect(e.context['status']).toBeUndefined();
    expect((e.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('no answer within timeoutMs', async () => {
    const s = await rest(0, '');
    const t0 = performance.now();
    const e = await failure(binanceDepthFetcher(s.url, { timeoutMs: 100 })('BTCUSDT'));
    expect(e.code).toBe(ErrorCode.DATA_FETCH_FAILED);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('the connection lost in the middle of the body', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"lastUpdateId":1,"bids":[');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    const a = server.address();
    const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const e = await failure(binanceDepthFetcher(url, { timeoutMs: 2000 })('BTCUSDT'));
    expect(e.code).toBe(ErrorCode.DATA_FETCH_FAILED);
    expect(e.context).toMatchObject({ url: `${url}/api/v3/depth?symbol=BTCUSDT&limit=1000`, status: 200 });
    expect(e.cause).toBeDefined();
  });
});
