import { describe, expect, it } from 'vitest';
import { ErrorCode, type TradestateError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import {
  type AlpacaTradeUpdate,
  alpacaStreamActionSchema
} from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import {
  TradeUpdatesStream,
  type TradeUpdatesStreamOptions
} from '../../../src/gateways/alpaca/trade-updates.stream.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import { until } from '../../support/until.ts';
import { streamingDocFrames } from './support/alpaca-docs.ts';
import {
  AlpacaTestServer,
  type AlpacaTestServerOptions,
  closedAfterEach,
  KEY,
  SECRET
} from './support/alpaca-test-server.ts';

const cleanup = closedAfterEach();

async function setup(o: Partial<AlpacaTestServerOptions> = {}, s: Partial<TradeUpdatesStreamOptions> = {}) {
  const server = await AlpacaTestServer.start({ keyId: KEY, secretKey: SECRET, ...o });
  cleanup.push(() => server.close());
  const stream = new TradeUpdatesStream({
    url: server.wsUrl,
    keyId: KEY,
    secretKey: SECRET,
    clock: new LiveClock(),
    rng: new Rng(7),
    backoff: { minMs: 10, maxMs: 20 },
    pingMs: 1000,
    staleMs: 1000,
    ...s
  });
  cleanup.push(() => stream.stop());
  const updates: AlpacaTradeUpdate[] = [];
  const errors: TradestateError[] = [];
  const reconnects: number[] = [];
  stream.updates$.subscribe((u) => updates.push(u));
  stream.errors$.subscribe((e) => errors.push(e));
  stream.onReconnected((n) => reconnects.push(n));
  stream.start();
  return { server, stream, updates, errors, reconnects };
}

/** The documented fill example's data, as the server pushes it. */
const docFill = (): AlpacaTradeUpdate => streamingDocFrames().fill.data as AlpacaTradeUpdate;

describe('TradeUpdatesStream against a loopback Alpaca stream', () => {
  it('authenticates, listens to trade_updates and decodes binary frames', async () => {
    const { server, stream, updates } = await setup();
    await until(() => stream.status === 'live', 3000, 'live');
    const frames = server.streamFrames.map((f) => alpacaStreamActionSchema.parse(JSON.parse(f.text)));
    expect(frames).toEqual([
      { action: 'authenticate', data: { key_id: KEY, secret_key: SECRET } },
      { action: 'listen', data: { streams: ['trade_updates'] } }
    ]);
    expect(server.push(docFill())).toBe(1);
    await until(() => updates.length === 1, 3000, 'the update');
    expect(updates[0]).toEqual(docFill());
  });

  it('decodes text frames too', async () => {
    const { server, stream, updates } = await setup({ binary: false });
    await until(() => stream.status === 'live');
    server.push(docFill(), false);
    await until(() => updates.length === 1);
    expect(updates[0]?.execution_id).toBe('2f63ea93-423d-4169-b3f6-3fdafc10c418');
  });

  it.each([true, false])(
    'stops on unauthorized with a typed error and no reconnect storm (server closes: %s)',
    async (closeOnUnauthorized) => {
      const { server, stream, errors } = await setup({ closeOnUnauthorized }, { secretKey: 'wrong' });
      await until(() => stream.status === 'stopped', 3000, 'stopped');
      expect(errors.map((e) => e.code)).toEqual([ErrorCode.WS_REJECTED]);
      expect(errors[0]?.context).toMatchObject({ fatal: true, code: 401 });
      await new Promise((r) => setTimeout(r, 80)); // several backoff periods
      expect(server.connections).toBe(1);
      expect(server.authorized).toBe(0);
    }
  );

  it('reconnects after a drop, fires onReconnected and listens again', async () => {
    const { server, stream, updates, reconnects } = await setup();
    await until(() => stream.status === 'live');
    server.dropStreams();
    await until(() => reconnects.length === 1 && stream.status === 'live', 3000, 'reconnected');
    expect(reconnects).toEqual([1]);
    expect(server.connections).toBe(2);
    expect(server.streamFrames.filter((f) => f.conn === 2).map((f) => JSON.parse(f.text).action)).toEqual([
      'authenticate',
      'listen'
    ]);
    server.push(docFill());
    await until(() => updates.length === 1);
    expect(stream.stats.reconnects).toBe(1);
  });

  it('puts malformed frames on errors$ and keeps the connection', async () => {
    const { server, stream, updates, errors } = await setup();
    await until(() => stream.status === 'live');
    server.push('{"stream":"trade_updates","data":');
    server.push(JSON.stringify({ stream: 'trade_updates', data: { ...docFill(), price: 'abc' } }));
    server.push('[1,2,3]');
    server.push(docFill());
    await until(() => updates.length === 1 && errors.length === 3, 3000, 'errors and the update');
    expect(errors.map((e) => e.code)).toEqual([
      ErrorCode.WS_FRAME_INVALID,
      ErrorCode.WS_FRAME_INVALID,
      ErrorCode.WS_FRAME_INVALID
    ]);
    expect(server.connections).toBe(1);
    expect(stream.stats.malformed).toBe(3);
  });

  it('detects a dead connection by ping timeout and replaces it', async () => {
    const { server, stream, errors, reconnects } = await setup(
      { autoPong: false },
      { pingMs: 20, staleMs: 40 }
    );
    await until(() => reconnects.length >= 1, 3000, 'a reconnect after staleness');
    expect(errors.some((e) => e.code === ErrorCode.WS_STALE)).toBe(true);
    expect(server.connections).toBeGreaterThanOrEqual(2);
    expect(stream.stats.stale).toBeGreaterThanOrEqual(1);
  });

  it('stops when the acknowledgement leaves out a stream it asked for', async () => {
    const { stream, errors } = await setup({}, { streams: ['trade_updates', 'account_updates'] });
    await until(() => stream.status === 'stopped', 3000, 'stopped');
    expect(errors[0]?.code).toBe(ErrorCode.WS_REJECTED);
    expect(errors[0]?.message).toContain('account_updates');
  });
});
