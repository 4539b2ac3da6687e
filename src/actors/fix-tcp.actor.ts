import { connect, createServer, type Server, type Socket } from 'node:net';
import { fromCallback } from 'xstate';
import { FixFramer } from '../gateways/fix/framer.ts';
import { decodeInbound, type InboundItem } from '../gateways/fix/session.ts';
import type {
  FixSessionEvent,
  FixTransportCommand,
  FixTransportInput
} from '../machines/fix-session.machine.ts';

/**
 * The FIX session's TCP transport (node:net). Initiator: connects on `transport.connect`. Acceptor:
 * listens on the configured host/port (0 = any free port; the bound port is reported by
 * `transport.listening`) and serves one connection at a time (a second one is refused while a session
 * is up). Inbound bytes go through a {@link FixFramer} and {@link decodeInbound}; every frame or piece
 * of garbage becomes one `transport.inbound` event tagged with its connection id.
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
      s.on('error', () => {
        // 'close' follows
      });
      s.on('close', () => {
        lingering.delete(s);
        if (socket === s) socket = undefined;
        send({ type: 'transport.disconnected', connId, reason: 'closed' });
      });
    };

    const closeGracefully = (s: Socket): void => {
      lingering.add(s);
      s.end();
      const t = setTimeout(() => s.destroy(), 1000);
      t.unref();
    };

    if (input.role === 'acceptor') {
      const srv = createServer((s) => {
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
          const s = connect({ host: input.host, port: input.port });
          s.once('connect', () => send({ type: 'transport.connected', connId: id }));
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
