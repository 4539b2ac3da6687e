import { ErrorCode, TradestateError } from '../../core/errors.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { Clock } from '../../time/clock.ts';
import type { MarketDataGateway } from '../gateway.ts';
import { InstrumentMap } from './app-messages.ts';
import type { FixDictionary } from './dictionary.ts';
import { FixExecutionGateway } from './fix-execution-gateway.ts';
import { FixMarketDataGateway } from './fix-market-data-gateway.ts';
import { createFixSession, type FixSessionActor, stopFixSession } from './fix-session.ts';
import type { FixTlsOptions } from './session.ts';
import type { FixSessionStore } from './session-store.ts';

/** Options of {@link connectFix}. */
export interface FixConnectionOptions {
  /** The venue's FIX acceptor. */
  readonly host: string;
  readonly port: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly heartBtIntSec: number;
  /** Send ResetSeqNumFlag=Y on every Logon (both sides restart at 1). */
  readonly resetOnLogon: boolean;
  readonly dictionary: FixDictionary;
  /** Sequence numbers and sent messages; a file store keeps them across restarts. */
  readonly store: FixSessionStore;
  readonly instruments: readonly Instrument[];
  readonly clock: Clock;
  /** Names the venue in reports. */
  readonly venue: string;
  /**
   * Where bars (and quotes and trades) come from: another feed (Alpaca's), or, when absent, this FIX session
   * itself ({@link FixMarketDataGateway}: MarketDataRequest, top of book and trades, bars cut from the trades).
   */
  readonly marketData?: MarketDataGateway;
  /** Stops the market-data feed given in `marketData` (at {@link FixConnection.close}). */
  readonly closeMarketData?: () => void;
  /** Without `marketData`: the MarketDepth the FIX market data asks for (see {@link FixMarketDataOptions}). */
  readonly depth?: number;
  /** How long {@link FixConnection.preflight} waits for the Logon answer (ms). Default 10,000. */
  readonly logonTimeoutMs?: number;
  /** Reconnect backoff of the initiator. Default: 1 s doubling to 30 s. */
  readonly reconnect?: { readonly minMs: number; readonly maxMs: number; readonly factor: number };
  /** Connect over TLS (the venue's certificate is verified against `tls.ca`, or Node's public roots). */
  readonly tls?: FixTlsOptions;
}

/** A FIX 4.2 order-entry session and a market-data feed, as a live session trades through them. */
export interface FixConnection {
  readonly name: string;
  readonly session: FixSessionActor;
  readonly execution: FixExecutionGateway;
  readonly marketData: MarketDataGateway;
  /**
   * Start the session and wait for the Logon exchange: `TRD_ERR_VENUE_UNAVAILABLE` when the venue does not
   * answer in time (or logs us out at once). Resolves with the sequence numbers the session continues from.
   */
  preflight(): Promise<{ readonly nextOut: number; readonly nextIn: number }>;
  /** Log out (waiting briefly for the answer), stop the session and the market data. */
  close(): Promise<void>;
}

/**
 * Connect a FIX 4.2 initiator (our session layer: logon, heartbeats, test requests, sequence numbers kept in
 * `store`, resend and gap fill, reconnect with backoff) with a {@link FixExecutionGateway} on top, and pair it
 * with a market-data gateway (another feed's, or FIX market data over the same session). The session starts at {@link FixConnection.preflight}. Orders are never re-sent
 * by the session (its own application messages are gap-filled on a ResendRequest), so an order whose fate a
 * disconnect hides is settled by an OrderStatusRequest by client order id (`execution.query`/`reconcile`).
 */
export function connectFix(o: FixConnectionOptions): FixConnection {
  const session = createFixSession(
    {
      role: 'initiator',
      senderCompId: o.senderCompId,
      targetCompId: o.targetCompId,
      heartBtIntSec: o.heartBtIntSec,
      resetOnLogon: o.resetOnLogon,
      dictionary: o.dictionary,
      host: o.host,
      port: o.port,
      resendApplicationMessages: false,
      reconnect: o.reconnect ?? { minMs: 1000, maxMs: 30_000, factor: 2 },
      ...(o.tls ? { tls: o.tls } : {})
    },
    o.store,
    o.clock
  );
  const instruments = new InstrumentMap(o.venue, o.instruments);
  // application messages are gap-filled on a resend: one made while down would never reach the venue
  const execution = new FixExecutionGateway(session, instruments, o.clock, { refuseWhileDown: true });
  const fixData = o.marketData
    ? undefined
    : new FixMarketDataGateway(
        session,
        instruments,
        o.clock,
        o.depth === undefined ? {} : { depth: o.depth }
      );
  const marketData = o.marketData ?? fixData!;
  session.start();
  // every logon after the first (a reconnect): ask for the status of every order not final
  let lastDisconnect: string | undefined;
  session.on('fix.disconnected', (e) => {
    lastDisconnect = e.reason;
  });
  let logons = 0;
  session.on('fix.loggedOn', () => {
    if (++logons > 1) void execution.reconcile();
  });
  return {
    name: o.venue,
    session,
    execution,
    marketData,
    preflight: () =>
      new Promise((resolve, reject) => {
        const ms = o.logonTimeoutMs ?? 10_000;
        const fail = (why: string): void => {
          clearTimeout(timer);
          on.unsubscribe();
          off.unsubscribe();
          reject(
            new TradestateError(
              ErrorCode.VENUE_UNAVAILABLE,
              `FIX session ${o.senderCompId}→${o.targetCompId} at ${o.host}:${o.port}: ${why}`,
              {
                host: o.host,
                port: o.port,
                senderCompId: o.senderCompId,
                targetCompId: o.targetCompId,
                tls: o.tls !== undefined,
                ...(lastDisconnect !== undefined ? { lastDisconnect } : {})
              }
            )
          );
        };
        const timer = setTimeout(
          () =>
            fail(
              `no logon within ${ms} ms${lastDisconnect === undefined ? '' : ` (last disconnect: ${lastDisconnect})`}`
            ),
          ms
        );
        const on = session.on('fix.loggedOn', (e) => {
          clearTimeout(timer);
          on.unsubscribe();
          off.unsubscribe();
          resolve({ nextOut: e.nextOut, nextIn: e.nextIn });
        });
        const off = session.on('fix.logout', (e) => fail(`logged out: ${e.text}`));
        session.send({ type: 'session.start' });
      }),
    close: async () => {
      o.closeMarketData?.();
      fixData?.stop();
      await stopFixSession(session, 'session end');
    }
  };
}
