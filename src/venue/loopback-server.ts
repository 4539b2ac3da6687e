import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';

/** Listen on `host`:`port` (0 = any free port); resolves with the port bound. */
export async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Listen on 127.0.0.1:`port` (0 = any free port); resolves with the port bound. */
export function listenOnLoopback(server: Server, port: number): Promise<number> {
  return listenOn(server, '127.0.0.1', port);
}

/** Close a WebSocket server and the HTTP server under it, dropping every open connection. */
export async function closeServers(server: Server, wss: WebSocketServer): Promise<void> {
  await new Promise<void>((r) => wss.close(() => r()));
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}
