import WebSocket from 'ws';
import { fromCallback } from 'xstate';
import { ErrorCode, isTradestateError, TradestateError } from '../core/errors.ts';
import type { WsFeedAdapter } from '../gateways/ws/ws-feed.ts';
import type { WsFeedEvent, WsTransportCommand } from '../machines/ws-feed.machine.ts';
import type { Clock } from '../time/clock.ts';

export interface WsTransportOptions {
  readonly url: string;
  readonly adapter: WsFeedAdapter;
  readonly clock: Clock;
  /** Opening handshake timeout (ms). */
  readonly handshakeTimeoutMs?: number;
}

type PausableSocket = { pause(): void; resume(): void };

/**
 * The WebSocket transport of {@link wsFeedMachine} (the `ws` package): opens a socket on
 * `transport.connect`, writes the adapter's auth/subscribe/unsubscribe frames, pings, pauses and resumes
 * the TCP socket for backpressure, closes on `transport.close`. Every inbound frame is decoded by the
 * adapter into `frame.*` events (a malformed one into `frame.invalid` with its typed error); a pong or a
 * frame with nothing to report is `frame.heartbeat`. Events of a socket that was replaced are dropped.
 */
export function wsFeedTransport(o: WsTransportOptions) {
  return fromCallback<WsTransportCommand>(({ sendBack, receive }) => {
    const adapter = o.adapter;
    let ws: WebSocket | undefined;
    let paused = false;
    let stopped = false;
    const send = (e: WsFeedEvent): void => {
      if (!stopped) sendBack(e);
    };
    const tcp = (s: WebSocket): PausableSocket | undefined =>
      (s as unknown as { _socket?: PausableSocket })._socket;
    const write = (frames: readonly string[]): void => {
      if (ws?.readyState === WebSocket.OPEN) for (const f of frames) ws.send(f);
    };

    const open = (): void => {
      const s = new WebSocket(o.url, { handshakeTimeout: o.handshakeTimeoutMs ?? 10_000 });
      ws = s;
      adapter.reset((events) => {
        if (ws === s) for (const e of events) send(e);
      });
      s.on('open', () => {
        if (ws !== s) return;
        if (paused) tcp(s)?.pause();
        send({ type: 'socket.opened' });
      });
      s.on('message', (raw: WebSocket.RawData) => {
        if (ws !== s) return;
        const text = Array.isArray(raw)
          ? Buffer.concat(raw).toString('utf8')
          : Buffer.from(raw as ArrayBuffer).toString('utf8');
        let events: WsFeedEvent[];
        try {
          events = adapter.decode(text, o.clock.now());
        } catch (e) {
          const error = isTradestateError(e)
            ? e
            : new TradestateError(ErrorCode.WS_FRAME_INVALID, String(e), { venue: adapter.venue });
          send({ type: 'frame.invalid', error });
          return;
        }
        if (events.length === 0) send({ type: 'frame.heartbeat' });
        for (const e of events) {
          if (ws !== s) return;
          send(e);
        }
      });
      s.on('pong', () => {
        if (ws === s) send({ type: 'frame.heartbeat' });
      });
      s.on('error', (e) => {
        if (ws === s) send({ type: 'socket.errored', message: e.message });
      });
      s.on('close', (code) => {
        if (ws !== s) return;
        ws = undefined;
        send({ type: 'socket.closed', reason: `close ${code}` });
      });
    };

    receive((cmd) => {
      switch (cmd.type) {
        case 'transport.connect':
          open();
          break;
        case 'transport.authenticate':
          write(adapter.hello());
          break;
        case 'transport.subscribe':
          write(adapter.subscribe(cmd.symbols));
          break;
        case 'transport.unsubscribe':
          write(adapter.unsubscribe(cmd.symbols));
          break;
        case 'transport.requestSnapshot':
          write(adapter.requestSnapshot?.(cmd.symbol) ?? []);
          break;
        case 'transport.ping':
          if (ws?.readyState === WebSocket.OPEN) ws.ping();
          break;
        case 'transport.pause':
        case 'transport.resume':
          paused = cmd.type === 'transport.pause';
          if (ws) {
            const t = tcp(ws);
            if (paused) t?.pause();
            else t?.resume();
          }
          break;
        case 'transport.close':
          ws?.terminate(); // its 'close' reports socket.closed
          break;
      }
    });

    return () => {
      stopped = true;
      ws?.terminate();
      ws = undefined;
    };
  });
}
