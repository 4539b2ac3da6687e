import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy whose connections can be cut, to drop a live FIX connection, and whose client-to-target
 * direction can be held (bytes queue in the proxy, unread) and released, to play a slow peer.
 */
export async function proxy(target: number): Promise<{
  port: number;
  cut(): void;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}> {
  const pairs = new Set<Socket>();
  const links = new Map<Socket, Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    pairs.add(client);
    pairs.add(upstream);
    links.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
      links.delete(client);
    };
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    hold: () => {
      for (const [client, upstream] of links) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    release: () => {
      for (const [client, upstream] of links) client.pipe(upstream);
    },
    cut: () => {
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    close: () =>
      new Promise((r) => {
        for (const s of pairs) s.destroy();
        server.close(() => r());
      })
  };
}
