import { Subject } from 'rxjs';
import { afterEach } from 'vitest';
import type { TradestateError } from '../../src/core/errors.ts';
import type { Instrument } from '../../src/core/instrument.ts';
import {
  connectFix,
  type FixConnection,
  type FixConnectionOptions
} from '../../src/gateways/fix/fix-connection.ts';
import { MemorySessionStore } from '../../src/gateways/fix/session-store.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { dict } from '../gateways/fix-support.ts';

/** A market-data gateway that never sends anything, for connections whose market data a test does not use. */
export const noMarketData = {
  subscribe: (): void => {},
  marketData$: new Subject<MarketData>(),
  errors$: new Subject<TradestateError>()
};

/** Teardowns run (in reverse) after each test of the file that calls this; push onto the returned list. */
export function cleanupAfterEach(): (() => Promise<void> | void)[] {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  return cleanup;
}

/**
 * `connectFix` to a loopback acceptor with the test defaults (QuickFIX FIX42.xml, memory store, live clock,
 * reset on logon, fast reconnect), closed by `cleanup`. `over` replaces any option.
 */
export function loopbackFixClient(
  cleanup: (() => Promise<void> | void)[],
  port: number,
  instruments: readonly Instrument[],
  over: Partial<FixConnectionOptions> = {}
): FixConnection {
  const conn = connectFix({
    host: '127.0.0.1',
    port,
    senderCompId: 'TRADESTATE',
    targetCompId: 'TSVENUE',
    heartBtIntSec: 30,
    resetOnLogon: true,
    dictionary: dict,
    store: new MemorySessionStore(),
    instruments,
    clock: new LiveClock(),
    venue: 'FIX',
    logonTimeoutMs: 5000,
    reconnect: { minMs: 20, maxMs: 50, factor: 2 },
    ...over
  });
  cleanup.push(() => conn.close());
  return conn;
}
