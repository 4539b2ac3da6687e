import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import { parseRedisUrl, RedisClient } from '../../src/net/redis.client.ts';
import { caught } from '../support/caught.ts';
import { freePort } from '../support/free-port.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { until } from '../support/until.ts';

/** The TradestateError `p` rejects with; resolving or rejecting with anything else fails. */
async function rejection(p: Promise<unknown>): Promise<TradestateError> {
  try {
    const v = await p;
    throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (isTradestateError(e)) return e;
    throw e;
  }
}

const clients: RedisClient[] = [];
async function open(url: string, timeoutMs?: number): Promise<RedisClient> {
  const c = await RedisClient.connect(url, timeoutMs === undefined ? {} : { timeoutMs });
  clients.push(c);
  return c;
}

const servers: { stop(): Promise<void> }[] = [];
async function redis(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const s = await startRedis(extraArgs);
  servers.push(s);
  return s;
}

/** A loopback TCP server of our own, answering whatever `onData` writes. */
async function fakeServer(onData: (socket: Socket, chunk: Buffer) => void): Promise<{
  url: string;
  sockets: Socket[];
}> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('data', (b) => onData(s, b));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
  return { url: `redis://127.0.0.1:${(server.address() as { port: number }).port}`, sockets };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function blockedClients(c: RedisClient): Promise<number> {
  const info = String(await c.command('INFO', 'clients'));
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1]);
}

async function waitBlocked(c: RedisClient, n: number): Promise<void> {
  const t0 = Date.now();
  while ((await blockedClients(c)) !== n) {
    if (Date.now() - t0 > 3000) throw new Error(`timed out waiting for ${n} blocked clients`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('RedisClient against a real redis-server', () => {
  let server: RedisServer;
  beforeEach(async () => {
    server = await redis();
  });

  it('round-trips a UTF-8 value through SET and GET', async () => {
    const c = await open(server.url);
    expect(c.closed).toBe(false);
    const value = 'värde ✓ 🚀 ключ\r\n$3\r\n';
    expect(await c.command('SET', 'k:ü', value)).toBe('OK');
    expect(await c.command('GET', 'k:ü')).toBe(value);
    expect(await c.command('STRLEN', 'k:ü')).toBe(Buffer.byteLength(value));
    expect(await c.command('GET', 'missing')).toBeNull();
    expect(await c.command('RPUSH', 'l', 'a', 1, 2.5)).toBe(3);
    expect(await c.command('LRANGE', 'l', 0, -1)).toEqual(['a', '1', '2.5']);
  });

  it('pipelines 1 000 INCRs, resolving in order to 1..1000', async () => {
    const c = await open(server.url);
    const ps = Array.from({ length: 1000 }, () => c.command('INCR', 'n'));
    expect(c.outstanding).toBe(1000);
    expect(await Promise.all(ps)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(c.outstanding).toBe(0);
  });

  it('rejects only the command an error reply answers; the connection stays usable', async () => {
    const c = await open(server.url);
    await c.command('SET', 's', 'not a number');
    const [a, b, d] = await Promise.allSettled([
      c.command('INCR', 'n'),
      c.command('INCR', 's'),
      c.command('INCR', 'n')
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: 1 });
    expect(d).toEqual({ status: 'fulfilled', value: 2 });
    const e = await rejection(b.status === 'rejected' ? Promise.reject(b.reason) : Promise.resolve(b.value));
    expect(e.code).toBe('TRD_ERR_REDIS_ERROR');
    expect(e.message).toMatch(/^ERR value is not an integer/);
    expect(e.context).toEqual({ command: 'INCR' });
    const unknown = await rejection(c.command('NOSUCHCOMMAND', 'x'));
    expect(unknown.code).toBe('TRD_ERR_REDIS_ERROR');
    expect(unknown.context).toEqual({ command: 'NOSUCHCOMMAND' });
    expect(c.closed).toBe(false);
    expect(await c.command('PING')).toBe('PONG');
  });

  it('lets BLPOP time out to null after ~1 s while another client keeps working', async () => {
    const a = await open(server.url);
    const b = await open(server.url);
    const t0 = Date.now();
    let aDone = 0;
    const blpop = a.command('BLPOP', 'empty', 1).then((v) => {
      aDone = Date.now();
      return v;
    });
    await waitBlocked(b, 1);
    for (let i = 0; i < 20; i++) {
      expect(await b.command('SET', `k${i}`, i)).toBe('OK');
      expect(await b.command('GET', `k${i}`)).toBe(String(i));
    }
    const bDone = Date.now();
    expect(await blpop).toBeNull();
    expect(aDone - t0).toBeGreaterThanOrEqual(900);
    expect(bDone).toBeLessThan(aDone);
    expect(await a.command('PING')).toBe('PONG');
  });

  it('BLMOVE hands over an element another client pushes while it blocks', async () => {
    const a = await open(server.url);
    const b = await open(server.url);
    const moved = a.command('BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', 5);
    await waitBlocked(b, 1);
    expect(await b.command('LPUSH', 'src', 'job-1')).toBe(1);
    expect(await moved).toBe('job-1');
    expect(await b.command('LRANGE', 'dst', 0, -1)).toEqual(['job-1']);
    expect(await b.command('LLEN', 'src')).toBe(0);
  });

  it('rejects outstanding and later commands with TRD_ERR_REDIS_UNAVAILABLE when the server dies', async () => {
    const a = await open(server.url);
    const b = await open(server.url);
    const blocked = a.command('BLPOP', 'never', 0);
    const queued = a.command('PING');
    await waitBlocked(b, 1);
    server.kill();
    const [e1, e2] = await Promise.all([rejection(blocked), rejection(queued)]);
    expect(e1.code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    expect(e1.context).toMatchObject({ host: '127.0.0.1', port: server.port, command: 'BLPOP' });
    expect(e2.code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    expect(a.closed).toBe(true);
    expect((await rejection(a.command('PING'))).code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    await until(() => b.closed, 2000, 'the idle client to notice');
    expect((await rejection(b.command('PING'))).code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
  });

  it('closes with QUIT: idempotent, later commands reject, the server drops the client', async () => {
    const a = await open(server.url);
    const b = await open(server.url);
    const count = async (): Promise<number> =>
      String(await b.command('CLIENT', 'LIST'))
        .trim()
        .split('\n').length;
    expect(await count()).toBe(2);
    const p = a.close();
    expect(a.close()).toBe(p);
    expect(a.closed).toBe(true);
    expect((await rejection(a.command('PING'))).code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    await p;
    const t0 = Date.now();
    while ((await count()) !== 1) {
      if (Date.now() - t0 > 2000) throw new Error('the server still lists the closed client');
      await new Promise((r) => setTimeout(r, 5));
    }
  });

  it('closes promptly with a blocking command outstanding, rejecting it', async () => {
    const a = await open(server.url);
    const b = await open(server.url);
    const blocked = a.command('BLPOP', 'never', 0);
    await waitBlocked(b, 1);
    const t0 = Date.now();
    await a.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await rejection(blocked)).code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
  });

  it('selects the database a URL names', async () => {
    const d2 = await open(`${server.url}/2`);
    expect(d2.db).toBe(2);
    expect(await d2.command('SET', 'only-in-2', 'x')).toBe('OK');
    const d0 = await open(server.url);
    expect(await d0.command('GET', 'only-in-2')).toBeNull();
    expect(await d0.command('DBSIZE')).toBe(0);
    const again = await open(`${server.url}/2`);
    expect(await again.command('GET', 'only-in-2')).toBe('x');
    const e = await rejection(RedisClient.connect(`${server.url}/99`));
    expect(e.code).toBe('TRD_ERR_REDIS_ERROR');
    expect(e.context).toEqual({ command: 'SELECT' });
  });
});

describe('RedisClient authentication', () => {
  const password = 's3 cr@t:/pw';

  it('authenticates with the password of a URL against a server run with --requirepass', async () => {
    const server = await redis(['--requirepass', password]);
    const hostPort = `127.0.0.1:${server.port}`;
    const c = await open(`redis://:${encodeURIComponent(password)}@${hostPort}/3`);
    expect(await c.command('PING')).toBe('PONG');
    expect(await c.command('SET', 'k', 'v')).toBe('OK');
    const withUser = await open(`redis://default:${encodeURIComponent(password)}@${hostPort}/3`);
    expect(await withUser.command('GET', 'k')).toBe('v');

    const none = await open(`redis://${hostPort}`);
    const noauth = await rejection(none.command('PING'));
    expect(noauth.code).toBe('TRD_ERR_REDIS_ERROR');
    expect(noauth.message).toMatch(/^NOAUTH/);
  });

  it('fails with TRD_ERR_REDIS_ERROR on a wrong password, without echoing it', async () => {
    const server = await redis(['--requirepass', password]);
    const e = await rejection(RedisClient.connect(`redis://:wrong-secret@127.0.0.1:${server.port}`));
    expect(e.code).toBe('TRD_ERR_REDIS_ERROR');
    expect(e.message).toMatch(/^WRONGPASS/);
    expect(e.context).toEqual({ command: 'AUTH' });
    expect(JSON.stringify(e.toJSON())).not.toContain('wrong-secret');
    const e2 = await rejection(
      RedisClient.connect(`redis://someone:wrong-secret@127.0.0.1:${server.port}/1`)
    );
    expect(e2.code).toBe('TRD_ERR_REDIS_ERROR');
  });
});

describe('RedisClient connection failures', () => {
  it('fails with TRD_ERR_REDIS_UNAVAILABLE when nothing listens on the port', async () => {
    const port = await freePort();
    const e = await rejection(RedisClient.connect(`redis://127.0.0.1:${port}`));
    expect(e.code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    expect(e.context).toEqual({ host: '127.0.0.1', port });
  });

  it('fails with TRD_ERR_REDIS_UNAVAILABLE when the handshake is not answered in time', async () => {
    const silent = await fakeServer(() => {});
    const t0 = Date.now();
    const e = await rejection(RedisClient.connect(`${silent.url}/1`, { timeoutMs: 200 }));
    expect(e.code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    expect(e.context).toMatchObject({ host: '127.0.0.1', timeoutMs: 200 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    await until(() => silent.sockets[0]?.closed === true || silent.sockets[0]?.readableEnded === true, 2000);
  });

  it('rejects everything outstanding with TRD_ERR_REDIS_PROTOCOL when the server answers garbage', async () => {
    const garbage = await fakeServer((s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const c = await open(garbage.url);
    const errors = await Promise.all([
      rejection(c.command('PING')),
      rejection(c.command('GET', 'a')),
      rejection(c.command('GET', 'b'))
    ]);
    expect(errors.map((e) => e.code)).toEqual(Array(3).fill('TRD_ERR_REDIS_PROTOCOL'));
    expect(errors.map((e) => e.context['command'])).toEqual(['PING', 'GET', 'GET']);
    expect(errors[0]!.context).toMatchObject({ offset: 0, byte: 'H'.charCodeAt(0) });
    expect(c.closed).toBe(true);
    const later = await rejection(c.command('PING'));
    expect(later.code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    expect((later.cause as TradestateError).code).toBe('TRD_ERR_REDIS_PROTOCOL');
    await until(() => garbage.sockets[0]?.readableEnded === true, 2000, 'the client to drop the connection');
  });

  it('resolves the replies before a protocol error and rejects the rest', async () => {
    const half = await fakeServer((s) => {
      s.write('+OK\r\n$3\r\nab');
      setTimeout(() => s.write('cX\r\n'), 10);
    });
    const c = await open(half.url);
    const first = c.command('SET', 'a', 'b');
    const second = c.command('GET', 'a');
    expect(await first).toBe('OK');
    expect((await rejection(second)).code).toBe('TRD_ERR_REDIS_PROTOCOL');
  });

  it('resolves the replies that share a chunk with a protocol error, then rejects the rest', async () => {
    // one write of a few bytes arrives as one chunk on loopback
    const same = await fakeServer((s) => s.write('+OK\r\n:2\r\n$3\r\nabcX\r\n'));
    const c = await open(same.url);
    const set = c.command('SET', 'a', 'b');
    const incr = c.command('INCR', 'n');
    const rest = [c.command('GET', 'a'), c.command('PING')].map(rejection);
    expect(await set).toBe('OK');
    expect(await incr).toBe(2);
    const errors = await Promise.all(rest);
    expect(errors.map((e) => e.code)).toEqual(['TRD_ERR_REDIS_PROTOCOL', 'TRD_ERR_REDIS_PROTOCOL']);
    expect(errors.map((e) => e.context['command'])).toEqual(['GET', 'PING']);
    expect(errors[0]!.context).toMatchObject({ offset: 16, byte: 'X'.charCodeAt(0) });
    expect(c.closed).toBe(true);
    expect((await rejection(c.command('PING'))).code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    await until(() => same.sockets[0]?.readableEnded === true, 2000, 'the client to drop the connection');
  });

  it.each([[[]], [[3]], [[5]], [[7]], [[12]], [[17]], [[5, 9]], [[2, 9, 13]]])(
    'settles every command the same way when the server splits its bytes at %j',
    async (cuts) => {
      const wire = '+OK\r\n:2\r\n$3\r\nabcX\r\n';
      const split = await fakeServer((s) => {
        let from = 0;
        let delay = 0;
        for (const to of [...cuts, wire.length]) {
          const part = wire.slice(from, to);
          from = to;
          setTimeout(() => s.writable && s.write(part), delay);
          delay += 15;
        }
      });
      const c = await open(split.url);
      const settled = await Promise.all(
        [c.command('SET', 'a', 'b'), c.command('INCR', 'n'), c.command('GET', 'a')].map((p) =>
          p.then(
            (v) => v,
            (e: TradestateError) => `${e.code}@${String(e.context['offset'])}`
          )
        )
      );
      expect(settled).toEqual(['OK', 2, 'TRD_ERR_REDIS_PROTOCOL@16']);
    }
  );

  it('treats a reply no command asked for as a protocol error', async () => {
    const chatty = await fakeServer((s) => s.write('+OK\r\n+OK\r\n'));
    const c = await open(chatty.url);
    expect(await c.command('PING')).toBe('OK');
    await until(() => c.closed, 2000, 'the client to fail');
    const e = await rejection(c.command('PING'));
    expect(e.code).toBe('TRD_ERR_REDIS_UNAVAILABLE');
    expect((e.cause as TradestateError).code).toBe('TRD_ERR_REDIS_PROTOCOL');
  });

  it('rejects an empty command locally without disturbing the connection', async () => {
    const echo = await fakeServer((s) => s.write('+PONG\r\n'));
    const c = await open(echo.url);
    expect((await rejection(c.command())).code).toBe('TRD_ERR_REDIS_PROTOCOL');
    expect(await c.command('PING')).toBe('PONG');
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, db, user and password', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({
      host: 'localhost',
      port: 6379,
      db: 0,
      user: undefined,
      password: undefined
    });
    expect(parseRedisUrl('redis://u:p%40ss@10.0.0.1:6380/7')).toEqual({
      host: '10.0.0.1',
      port: 6380,
      db: 7,
      user: 'u',
      password: 'p@ss'
    });
    expect(parseRedisUrl('redis://:pw@h/')).toMatchObject({ user: undefined, password: 'pw', db: 0 });
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
  });

  it.each([
    'not a url',
    'http://localhost:6379',
    'rediss://localhost',
    'redis://',
    'redis://h:0',
    'redis://h:99999',
    'redis://h/x',
    'redis://h/1/2',
    'redis://h/-1',
    'redis://h/1?timeout=3',
    'redis://h#x',
    'redis://user@h',
    'redis://:%E0%A4%A@h'
  ])('rejects %s with TRD_ERR_CONFIG_INVALID', async (url) => {
    expect(caught(() => parseRedisUrl(url)).code).toBe('TRD_ERR_CONFIG_INVALID');
    expect((await rejection(RedisClient.connect(url))).code).toBe('TRD_ERR_CONFIG_INVALID');
  });
});
