import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { fromCallback } from 'xstate';
import { FixFramer } from '../gateways/fix/framer.ts';
import { decodeInbound, type FixTlsOptions, type InboundItem } from '../gateways/fix/session.ts';
import type {
  FixSessionEvent,
  FixTransportCommand,
  FixTransportInput
} from '../machines/fix-session.machine.ts';

/** The CA, certificate and key `tls` sets, as node:tls options (absent ones left out). */
function credentials(tls: FixTlsOptions): { ca?: string; cert?: string; key?: string } {
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {})
  };
}

/** Open an initiator connection: plain TCP, or TLS when configured (then "connected" means handshake done). */
function dial(host: string, port: number, tls: FixTlsOptions | undefined): { socket: Socket; ready: string } {
  if (tls === undefined) return { socket: connect({ host, port }), ready: 'connect' };
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  const socket = tlsConnect({
    host,
    port,
    ...credentials(tls),
    ...(servername !== undefined ? { servername } : {})
  });
  return { socket, ready: 'secureConnect' };
}

/** The acceptor's listening server: plain TCP, or TLS (a connection is handed over once its handshake is done). */
function listen(tls: FixTlsOptions | undefined, onConnection: (s: Socket) => void): Server {
  if (tls === undefined) return createServer(onConnection);
  const require = tls.requireClientCert === true;
  return createTlsServer(
    {
      ...credentials(tls),
      requestCert: require,
      rejectUnauthorized: require
    },
    onConnection
  );
}

/**
 * The FIX session's transport: TCP (node:net), or TLS over it (node:tls) when the session config has `tls`.
 * Initiator: connects on `transport.connect`. Acceptor: listens on the configured host/port (0 = any free
 * port; the bound port is reported by `transport.listening`) and serves one connection at a time (a second
 * one is refused while a session is up). Inbound bytes go through a {@link FixFramer} and
 * {@link decodeInbound}; every frame or piece of garbage becomes one `transport.inbound` event tagged with its
 * connection id. A connection that ends on an error (refused, reset, a failed TLS handshake or certificate
 * check) reports that error's message as the disconnect reason.
 */
export const fixTcpTransport = fromCallback<FixTransportCommand, FixTransportInput>(
  ({ input, sendBack, receive }) => {
    const dict = input.config.dictionary;
    let stopped = false;
    let socket: Socket | undefined;
    let connSeq = 0;
    let server: Server | undefined;
    const lingering = new Set<Socket>();
    const send = (e: FixSessionEvent): void => {
      if (!stopped) sendBack(e);
    };

    const attach = (s: Socket, connId: number): void => {
      socket = s;
      const framer = new FixFramer();
      s.setNoDelay(true);
      s.on('data', (chunk: Buffer) => {
        if (socket !== s) return; // closed by us: ignore what is still in flight
        for (const it of framer.push(chunk)) {
          const item: InboundItem =
            it.kind === 'frame' ? decodeInbound(it.bytes, dict) : { kind: 'garbled', error: it.error };
          send({ type: 'transport.inbound', connId, item });
          if (socket !== s) return;
        }
      });
      let failure: string | undefined;
      s.on('error', (e: Error) => {
        failure ??= e.message; // 'close' follows
      });
      s.on('close', () => {
        lingering.delete(s);
        if (socket === s) socket = undefined;
        send({ type: 'transport.disconnected', connId, reason: failure ?? 'closed' });
      });
    };

    const closeGracefully = (s: Socket): void => {
      lingering.add(s);
      s.end();
      const t = setTimeout(() => s.destroy(), 1000);
      t.unref();
    };

    if (input.role === 'acceptor') {
      const srv = listen(input.config.tls, (s) => {
        if (socket || stopped) {
          s.destroy();
          return;
        }
        connSeq++;
        attach(s, connSeq);
        send({ type: 'transport.connected', connId: connSeq });
      });
      server = srv;
      srv.on('error', (e) => send({ type: 'transport.disconnected', connId: -1, reason: String(e) }));
      srv.listen(input.port, input.host, () => {
        const a = srv.address();
        send({ type: 'transport.listening', port: typeof a === 'object' && a ? a.port : input.port });
      });
    }

    receive((cmd) => {
      switch (cmd.type) {
        case 'transport.connect': {
          if (socket) closeGracefully(socket);
          const id = cmd.connId;
          const { socket: s, ready } = dial(input.host, input.port, input.config.tls);
          s.once(ready, () => send({ type: 'transport.connected', connId: id }));
          attach(s, id);
          break;
        }
        case 'transport.write':
          socket?.write(cmd.bytes);
          break;
        case 'transport.close':
          if (socket) {
            const s = socket;
            socket = undefined;
            closeGracefully(s);
          }
          break;
      }
    });

    return () => {
      stopped = true;
      if (socket) closeGracefully(socket);
      socket = undefined;
      server?.close();
    };
  }
);
