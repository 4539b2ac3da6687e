import { get, type IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  acceptedHosts,
  DashboardServer,
  type DashboardSource
} from '../../src/dashboard/dashboard.server.ts';
import {
  type DashboardListener,
  type DashboardSnapshot,
  DashboardState
} from '../../src/dashboard/dashboard-state.ts';
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

describe('DashboardServer with a client that stops reading', () => {
  /** A source whose updates the test pushes: each a ~64 KiB snapshot numbered by `seq`. */
  function bigSource(): { source: DashboardSource; push: (seq: number) => void } {
    let listener: DashboardListener | undefined;
    const pad = 'x'.repeat(64 * 1024);
    let last = -1;
    const snap = (seq: number) => ({ seq, pad });
    return {
      source: {
        snapshot: () => snap(last),
        subscribe: (l) => {
          listener = l;
          return () => {
            listener = undefined;
          };
        }
      },
      push: (seq) => {
        last = seq;
        listener?.(snap(seq) as never);
      }
    };
  }

  /** A raw client that asks for the stream and then reads nothing (a stalled tab, a dead network path). */
  async function stalledClient(server: DashboardServer): Promise<{ sock: Socket; text: () => string }> {
    const sock = connect(server.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let text = '';
    sock.setEncoding('latin1');
    sock.on('data', (c: string) => {
      text += c;
    });
    sock.pause();
    sock.write(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\n\r\n`
    );
    await until(() => server.streams === 1, 2000, 'the stream');
    return { sock, text: () => text };
  }

  it('buffers a bounded amount for it, and sends it only the latest snapshot once it reads again', async () => {
    const { source, push } = bigSource();
    const server = new DashboardServer({ state: source, port: 0 });
    servers.push(server);
    await server.start();
    const write = vi.spyOn(ServerResponse.prototype, 'write');
    try {
      const client = await stalledClient(server);
      const k = write.mock.calls.findIndex((c) => String(c[0]).startsWith('retry:'));
      const res = write.mock.contexts[k] as ServerResponse;
      let most = 0;
      for (let i = 0; i < 400; i++) {
        push(i); // 400 × 64 KiB ≈ 26 MB: all of it queued in the server without backpressure
        await new Promise((r) => setImmediate(r));
        most = Math.max(most, res.writableLength);
      }
      // at most the one snapshot that filled the socket: the rest was skipped, not queued
      expect(most).toBeLessThan(256 * 1024);
      expect(server.bufferedBytes).toBe(res.writableLength);
      expect(server.streams).toBe(1);

      client.sock.resume();
      await until(() => client.text().includes('{"seq":399,'), 5000, 'the latest snapshot');
      const seqs = [...client.text().matchAll(/data: \{"seq":(-?\d+),/g)].map((m) => Number(m[1]));
      expect(seqs[0]).toBe(-1); // the snapshot at connect
      expect(seqs.at(-1)).toBe(399);
      expect(seqs.length).toBeLessThan(200); // coalesced while it was stalled
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // in order, none twice
      expect(new Set(seqs).size).toBe(seqs.length);
      // once it reads, it gets every update again
      push(400);
      await until(() => client.text().includes('{"seq":400,'), 5000, 'the next update');
      client.sock.destroy();
    } finally {
      write.mockRestore();
    }
  });

  it('disconnects a stream that stays unable to take more for stalledStreamMs', async () => {
    const { source, push } = bigSource();
    const server = new DashboardServer({ state: source, port: 0, stalledStreamMs: 100, heartbeatMs: 20 });
    servers.push(server);
    await server.start();
    const client = await stalledClient(server);
    const closed = new Promise<void>((r) => client.sock.once('close', () => r()));
    for (let i = 0; i < 200 && server.bufferedBytes === 0; i++) {
      push(i);
      await new Promise((r) => setImmediate(r));
    }
    expect(server.bufferedBytes).toBeGreaterThan(0); // its socket is full
    await until(() => server.streams === 0, 2000, 'the stalled stream to be dropped');
    client.sock.resume(); // read what was sent, so the client sees the server's end
    await closed;
  });
});

/**
 * One raw HTTP/1.1 request on loopback with exactly the `Host` (and `Origin`) given: the status and the body
 * (an event stream that answers 200 is read up to its first `data:` event, then dropped).
 */
function rawGet(
  port: number,
  path: string,
  host: string,
  origin?: string
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    const done = (): void => {
      const head = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: text.slice(head + 4) });
      sock.destroy();
    };
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      text += c;
      if (/^HTTP\/1\.1 200/.test(text) && path === '/api/events' && text.includes('\ndata: ')) done();
    });
    sock.on('end', done);
    sock.on('error', reject);
    sock.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${origin === undefined ? '' : `Origin: ${origin}\r\n`}` +
        'Connection: close\r\n\r\n'
    );
  });
}

const ROUTES = ['/', '/healthz', '/api/state', '/api/events'] as const;

describe('DashboardServer refuses DNS rebinding and cross-origin reads', () => {
  async function withPosition(host?: string): Promise<DashboardServer> {
    const state = new DashboardState({ instruments: [AAPL], coalesceMs: 20 });
    bars(state, 3);
    const server = new DashboardServer({ state, port: 0, ...(host === undefined ? {} : { host }) });
    servers.push(server);
    await server.start();
    return server;
  }

  it('bound to loopback: answers only a Host naming it (127.0.0.1, localhost, [::1]) with its port', async () => {
    const server = await withPosition();
    const p = server.port;
    for (const path of ROUTES) {
      for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST:${p}`, `[::1]:${p}`])
        expect((await rawGet(p, path, host)).status, `${path} Host ${host}`).toBe(200);
      for (const host of [
        `attacker.example:${p}`,
        'attacker.example',
        `127.0.0.1:${p + 1}`,
        '127.0.0.1',
        `localhost.attacker.example:${p}`,
        `127.0.0.2:${p}`,
        `0.0.0.0:${p}`
      ]) {
        const r = await rawGet(p, path, host);
        expect(r.status, `${path} Host ${host}`).toBe(403);
        expect(r.body).toBe('forbidden: unexpected Host header\n'); // nothing of the state
      }
    }
    expect(server.streams).toBe(0);
    const state = await rawGet(p, '/api/state', `127.0.0.1:${p}`);
    expect(JSON.parse(state.body)).toMatchObject({ bars: 3 });
  });

  it('refuses an Origin that is not its own, even with the right Host', async () => {
    const server = await withPosition();
    const p = server.port;
    for (const path of ROUTES) {
      for (const origin of [`http://127.0.0.1:${p}`, `http://localhost:${p}`]) {
        const host = origin.slice('http://'.length);
        expect((await rawGet(p, path, host, origin)).status, `${path} Origin ${origin}`).toBe(200);
      }
      for (const origin of [
        'http://attacker.example',
        `http://attacker.example:${p}`,
        `http://127.0.0.1:${p + 1}`,
        `http://localhost:${p}`, // another of its names, but not the one this request was sent to
        'null'
      ]) {
        const r = await rawGet(p, path, `127.0.0.1:${p}`, origin);
        expect(r.status, `${path} Origin ${origin}`).toBe(403);
        expect(r.body).toBe('forbidden: cross-origin request\n');
      }
    }
    expect(server.streams).toBe(0);
  });

  it('bound to a wildcard (remote access): any Host, but still no foreign Origin on the API and the stream', async () => {
    const server = await withPosition('0.0.0.0');
    const p = server.port;
    for (const path of ROUTES) {
      expect((await rawGet(p, path, `dashboard.lan:${p}`)).status).toBe(200);
      expect((await rawGet(p, path, `10.1.2.3:${p}`, `http://10.1.2.3:${p}`)).status).toBe(200);
      const r = await rawGet(p, path, `dashboard.lan:${p}`, 'http://attacker.example');
      expect(r.status, path).toBe(403);
      expect(r.body).toBe('forbidden: cross-origin request\n');
    }
    expect(server.streams).toBe(0);
  });

  it('accepts the Host values that name the bound address', () => {
    expect(acceptedHosts('127.0.0.1', 8088)).toEqual(
      new Set(['127.0.0.1:8088', 'localhost:8088', '[::1]:8088'])
    );
    expect(acceptedHosts('::1', 8088)).toEqual(new Set(['[::1]:8088', 'localhost:8088', '127.0.0.1:8088']));
    expect(acceptedHosts('Localhost', 80)).toEqual(
      new Set(['localhost:80', 'localhost', '127.0.0.1:80', '127.0.0.1', '[::1]:80', '[::1]'])
    );
    expect(acceptedHosts('192.168.1.5', 8088)).toEqual(new Set(['192.168.1.5:8088']));
    expect(acceptedHosts('fe80::1', 8088)).toEqual(new Set(['[fe80::1]:8088']));
    expect(acceptedHosts('0.0.0.0', 8088)).toBeUndefined();
    expect(acceptedHosts('::', 8088)).toBeUndefined();
  });
});
