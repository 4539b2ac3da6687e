import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardServer } from '../../src/dashboard/dashboard.server.ts';
import { type DashboardSnapshot, DashboardState } from '../../src/dashboard/dashboard-state.ts';
import { until } from '../support/until.ts';
import { AAPL } from '../venue/alpaca-local/support.ts';

const T = 1_709_650_800_000_000_000n;
const servers: DashboardServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(
  o: { heartbeatMs?: number } = {}
): Promise<{ state: DashboardState; server: DashboardServer }> {
  const state = new DashboardState({ instruments: [AAPL], coalesceMs: 20 });
  const server = new DashboardServer({ state, port: 0, ...o });
  servers.push(server);
  await server.start();
  return { state, server };
}

const bars = (state: DashboardState, n: number): void => {
  for (let i = 0; i < n; i++)
    state.observe(T + BigInt(i), 'market.bar', 'feed', { instrumentId: AAPL.id }, {});
};

/** An SSE client over node:http: collects every `data:` payload (parsed) and every comment line. */
interface SseClient {
  readonly res: IncomingMessage;
  readonly messages: DashboardSnapshot[];
  readonly comments: string[];
  readonly ended: Promise<void>;
}

function sse(url: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      const messages: DashboardSnapshot[] = [];
      const comments: string[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data: string[] = [];
          for (const line of event.split('\n')) {
            if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            else if (line.startsWith(':')) comments.push(line);
          }
          if (data.length > 0) messages.push(JSON.parse(data.join('\n')) as DashboardSnapshot);
        }
      });
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      resolve({ res, messages, comments, ended });
    });
    req.on('error', reject);
  });
}

describe('DashboardServer over loopback', () => {
  it('serves the self-contained page with the stable element ids', async () => {
    const { server } = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    for (const id of ['equity', 'positions', 'orders', 'kill-switch', 'bars', 'errors'])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain('new EventSource("api/events")');
    // nothing from the network: no external scripts, styles, images or URLs
    expect(html).not.toMatch(/<script[^>]*\bsrc=|<link\b|<img\b|https?:\/\/(?!www\.w3\.org)/i);
  });

  it('answers /api/state with the snapshot, /healthz, 404, 405 and 400 without going down', async () => {
    const { state, server } = await serve();
    bars(state, 3);
    const res = await fetch(`${server.url}api/state`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as DashboardSnapshot;
    expect(body).toEqual(JSON.parse(JSON.stringify(state.snapshot())));
    expect(body.bars).toBe(3);
    expect(body.lastTs).toBe((T + 2n).toString());

    const health = await fetch(`${server.url}healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
    expect((await fetch(`${server.url}api/state/x`)).status).toBe(404);
    const post = await fetch(`${server.url}api/state`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}api/events`, { method: 'HEAD' })).status).toBe(405);

    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(server.port, '127.0.0.1', () => sock.write('GARBAGE \x00\r\n\r\n'));
      let got = '';
      sock.on('data', (b) => {
        got += b.toString();
      });
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${server.url}healthz`)).status).toBe(200);
  });

  it('streams the snapshot at connect, then an update after new records, and heartbeats', async () => {
    const { state, server } = await serve({ heartbeatMs: 50 });
    bars(state, 2);
    // push those two now: otherwise their coalesced update (20 ms later) can reach a stream that connected
    // sooner, as a second message before the ones this test makes
    state.flush();
    const c = await sse(`${server.url}api/events`);
    expect(c.res.statusCode).toBe(200);
    expect(c.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await until(() => c.messages.length >= 1, 2000, 'the first snapshot');
    expect(c.messages[0]).toMatchObject({ bars: 2, records: 2, status: 'waiting' });
    await until(() => server.streams === 1, 2000, 'the stream to be registered');

    bars(state, 5);
    state.observe(T, 'gateway.error', 'gateway', {}, { code: 'TRD_ERR_WS_STALE', message: 'stale' });
    await until(() => c.messages.length >= 2, 2000, 'an update');
    // the six records were coalesced into one message
    expect(c.messages).toHaveLength(2);
    expect(c.messages[1]).toMatchObject({ bars: 7, errorCount: 1, errors: [{ code: 'TRD_ERR_WS_STALE' }] });
    await until(() => c.comments.includes(': heartbeat'), 2000, 'a heartbeat');
    c.res.destroy();
  });

  it('stop() ends every open event stream and the server stops answering', async () => {
    const { server } = await serve();
    const a = await sse(`${server.url}api/events`);
    const b = await sse(`${server.url}api/events`);
    await until(() => server.streams === 2, 2000, 'two streams');
    await server.stop();
    await Promise.all([a.ended, b.ended]);
    expect(server.streams).toBe(0);
    await expect(fetch(server.url)).rejects.toThrow();
    await expect(server.start()).rejects.toThrow(/stopped/);
  });
});
