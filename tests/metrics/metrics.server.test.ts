import { connect } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer, type MetricsSource } from '../../src/metrics/metrics.server.ts';
import { TradingMetrics } from '../../src/metrics/trading-metrics.ts';
import { codeOf } from '../support/caught.ts';
import { AAPL } from '../venue/alpaca-local/support.ts';

const aapl = AAPL;

const servers: MetricsServer[] = [];
async function started(
  metrics: MetricsSource = new TradingMetrics({ instruments: [aapl] })
): Promise<MetricsServer> {
  const s = new MetricsServer({ metrics, port: 0 });
  servers.push(s);
  await s.start();
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** Send raw bytes, resolve with everything the server answered before closing. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.end(bytes));
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (out += d));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('MetricsServer', () => {
  it('binds a free port for port 0 and serves GET /metrics with the registry content type', async () => {
    const metrics = new TradingMetrics({ instruments: [aapl] });
    metrics.observe(1n, 'market.bar', 'feed', { instrumentId: aapl.id }, {});
    const s = await started(metrics);
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/metrics`);
    const res = await request(s.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(metrics.contentType);
    const body = await res.body.text();
    expect(body).toMatch(/^tradestate_bars_total\{instrument="AAPL"\} 1$/m);
    expect(body).toMatch(/^tradestate_up 1$/m);
  });

  it('answers /healthz, 404 elsewhere, 405 for other methods, HEAD without a body', async () => {
    const s = await started();
    const base = `http://127.0.0.1:${s.port}`;
    const health = await request(`${base}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.text()).toBe('ok');
    const missing = await request(`${base}/nope`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    const post = await request(s.url, { method: 'POST', body: 'x' });
    expect(post.statusCode).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    await post.body.dump();
    const head = await request(`${s.url}?x=1`, { method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(await head.body.text()).toBe('');
  });

  it('serves concurrent scrapes the same text', async () => {
    const s = await started();
    const bodies = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const r = await request(s.url);
        expect(r.statusCode).toBe(200);
        return r.body.text();
      })
    );
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('# TYPE tradestate_order_ack_seconds histogram');
  });

  it('survives malformed requests and a failing scrape', async () => {
    let fail = true;
    const metrics = new TradingMetrics({ instruments: [aapl] });
    const s = await started({
      contentType: metrics.contentType,
      metrics: () => (fail ? Promise.reject(new Error('boom')) : metrics.metrics())
    });
    expect(await raw(s.port, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const bad = await request(s.url);
    expect(bad.statusCode).toBe(500);
    await bad.body.dump();
    fail = false;
    const ok = await request(s.url);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('stop() is idempotent, closes keep-alive connections and frees the port', async () => {
    const s = await started();
    const r = await request(s.url);
    await r.body.dump();
    const port = s.port;
    await Promise.all([s.stop(), s.stop()]);
    await s.stop();
    await expect(request(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    // the port is free again
    const again = new MetricsServer({ metrics: new TradingMetrics({ instruments: [] }), port });
    servers.push(again);
    await again.start();
    expect(again.port).toBe(port);
    await expect(s.start()).rejects.toMatchObject({ code: 'TRD_ERR_MODE_UNAVAILABLE' });
    const never = new MetricsServer({ metrics: new TradingMetrics({ instruments: [] }) });
    await never.stop();
    expect(codeOf(() => never.port)).toBe('TRD_ERR_MODE_UNAVAILABLE');
  });
});
