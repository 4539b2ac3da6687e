import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import type { FixConnection } from '../../src/gateways/fix/fix-connection.ts';
import { loadFixTls } from '../../src/gateways/fix/fix-tls.ts';
import type { FixTlsOptions } from '../../src/gateways/fix/session.ts';
import type { ExecutionReport } from '../../src/messages/index.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { FixLocalVenue } from '../../src/venue/fix-local/fix-local.venue.ts';
import { cleanupAfterEach, loopbackFixClient, noMarketData } from '../support/fix-loopback.ts';
import { freePort } from '../support/free-port.ts';
import { until } from '../support/until.ts';
import { dict } from './fix-support.ts';
import { type JspurefixPeer, startJspurefix } from './jspurefix-peer.ts';

/** Test-only PEM files (tests/fixtures/tls/README.md): a CA, a venue certificate for localhost/127.0.0.1 and a client certificate it signed, and an unrelated CA. */
const pem = (name: string): string =>
  readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const CA = pem('test-ca.pem');
const ROGUE_CA = pem('rogue-ca.pem');
const VENUE = { cert: pem('venue.pem'), key: pem('venue.key') };
const CLIENT = { cert: pem('client.pem'), key: pem('client.key') };

const AAPL = makeInstrument({
  symbol: 'AAPL',
  venue: 'TLS',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
const clock = new LiveClock();
const cleanup = cleanupAfterEach();

async function venue(tls: FixTlsOptions | undefined): Promise<FixLocalVenue> {
  const v = new FixLocalVenue({
    instruments: [AAPL],
    clock,
    dictionary: dict,
    seed: 3,
    ...(tls ? { tls } : {})
  });
  await v.start();
  cleanup.push(() => v.stop());
  return v;
}

/** A FIX initiator; `logonTimeoutMs` short where the logon is meant to fail. */
function client(
  port: number,
  tls: FixTlsOptions | undefined,
  { sender = 'TRADESTATE', target = 'TSVENUE', logonTimeoutMs = 5000 } = {}
) {
  return loopbackFixClient(cleanup, port, [AAPL], {
    senderCompId: sender,
    targetCompId: target,
    clock,
    venue: 'TLS',
    marketData: noMarketData,
    logonTimeoutMs,
    reconnect: { minMs: 50, maxMs: 200, factor: 2 },
    ...(tls ? { tls } : {})
  });
}

const FAILS = { logonTimeoutMs: 800 };

/** Preflight must fail with TRD_ERR_VENUE_UNAVAILABLE; returns the reason of the last failed connection. */
async function refused(conn: FixConnection): Promise<string> {
  const e = await conn.preflight().then(
    () => undefined,
    (x: unknown) => x
  );
  expect(isTradestateError(e, ErrorCode.VENUE_UNAVAILABLE)).toBe(true);
  const err = e as TradestateError;
  expect(err.context['tls']).toBe(true);
  return String(err.context['lastDisconnect']);
}

describe('FIX 4.2 over TLS (loopback)', () => {
  it('logs on to a TLS venue whose certificate chains to the configured CA, and trades over it', async () => {
    const v = await venue({ ...VENUE });
    const conn = client(v.port, { ca: CA });
    const reports: ExecutionReport[] = [];
    conn.execution.reports$.subscribe((r) => reports.push(r));
    const logon = await conn.preflight();
    expect(logon.nextOut).toBeGreaterThan(1);
    v.quote({
      type: 'market.quote',
      instrumentId: AAPL.id,
      tsEvent: clock.now(),
      tsInit: clock.now(),
      bidPx: 9_999,
      bidSz: 500,
      askPx: 10_001,
      askSz: 500
    });
    conn.execution.submit({
      type: 'order.submit',
      commandId: 't1',
      tsInit: clock.now(),
      strategyId: 's',
      instrumentId: AAPL.id,
      clientOrderId: 't1',
      side: 'buy',
      orderType: 'limit',
      qty: 5,
      limitPx: 10_001,
      tif: 'day'
    });
    await until(() => reports.some((r) => r.execType === 'fill'), 3000, 'the fill over TLS');
    expect(reports.map((r) => [r.execType, r.clientOrderId, r.cumQty])).toEqual([
      ['accepted', 't1', 0],
      ['fill', 't1', 5]
    ]);
  });

  it('refuses a venue certificate from another CA, so no order can go out, and says why', async () => {
    const v = await venue({ ...VENUE });
    const conn = client(v.port, { ca: ROGUE_CA }, FAILS);
    expect(await refused(conn)).toMatch(/certificate/i);
    expect(v.stats.orders).toBe(0);
  });

  it('refuses a venue certificate that does not carry the expected name', async () => {
    const v = await venue({ ...VENUE });
    const conn = client(v.port, { ca: CA, servername: 'fix.venue.example' }, FAILS);
    expect(await refused(conn)).toMatch(/does not match|altnames/i);
  });

  it('mutual TLS: a venue that requires a client certificate turns away a client without one and takes one with it', async () => {
    const v = await venue({ ...VENUE, ca: CA, requireClientCert: true });
    const anonymous = client(v.port, { ca: CA }, FAILS);
    expect(await refused(anonymous)).not.toBe('undefined'); // a TLS alert or a reset, depending on timing
    await anonymous.close();
    const known = client(v.port, { ca: CA, ...CLIENT });
    await expect(known.preflight()).resolves.toMatchObject({ nextIn: 2 });
  });

  it('a plain-TCP client gets no session from a TLS venue, and a TLS client none from a plain one; both stay up', async () => {
    const tlsVenue = await venue({ ...VENUE });
    const plain = client(tlsVenue.port, undefined, FAILS);
    expect(
      isTradestateError(await plain.preflight().catch((e: unknown) => e), ErrorCode.VENUE_UNAVAILABLE)
    ).toBe(true);
    await plain.close();
    // the TLS venue still serves a TLS client afterwards
    const ok = client(tlsVenue.port, { ca: CA });
    await expect(ok.preflight()).resolves.toBeDefined();

    const plainVenue = await venue(undefined);
    // the plain venue reads the ClientHello as garbage and waits for a Logon that never comes
    const tlsClient = client(plainVenue.port, { ca: CA }, FAILS);
    await refused(tlsClient);
    // raw garbage at the plain venue's port does not take it down either
    await new Promise<void>((r) => {
      const s = connect({ host: '127.0.0.1', port: plainVenue.port }, () => s.end('\x16\x03\x01 not fix', r));
    });
    await tlsClient.close();
    const plainClient = client(plainVenue.port, undefined);
    await expect(plainClient.preflight()).resolves.toBeDefined();
  });

  it('interoperates with jspurefix as a TLS acceptor: logon and an order answered', async () => {
    let peer: JspurefixPeer | undefined;
    const port = await freePort();
    const seen: string[] = [];
    peer = await startJspurefix({
      role: 'acceptor',
      port,
      senderCompId: 'JSPV',
      targetCompId: 'TS',
      tls: { key: VENUE.key, cert: VENUE.cert },
      on: {
        app: (msgType, o) => {
          seen.push(`${msgType}:${String(o['ClOrdID'])}`);
          peer!.session()!.send('8', {
            OrderID: 'V1',
            ClOrdID: o['ClOrdID'],
            ExecID: 'E1',
            ExecTransType: '0',
            ExecType: '0',
            OrdStatus: '0',
            Symbol: o['Symbol'],
            Side: o['Side'],
            LeavesQty: o['OrderQty'],
            CumQty: 0,
            AvgPx: 0,
            TransactTime: new Date()
          });
        }
      }
    });
    cleanup.push(async () => {
      peer!.stop();
      await Promise.race([peer!.finished, new Promise((r) => setTimeout(r, 1000))]);
    });
    const conn = client(port, { ca: CA, servername: 'localhost' }, { sender: 'TS', target: 'JSPV' });
    const reports: ExecutionReport[] = [];
    conn.execution.reports$.subscribe((r) => reports.push(r));
    await conn.preflight();
    conn.execution.submit({
      type: 'order.submit',
      commandId: 'j1',
      tsInit: clock.now(),
      strategyId: 's',
      instrumentId: AAPL.id,
      clientOrderId: 'j1',
      side: 'sell',
      orderType: 'limit',
      qty: 3,
      limitPx: 20_000,
      tif: 'day'
    });
    await until(() => reports.length === 1, 5000, 'the acceptance from jspurefix');
    expect(seen).toEqual(['D:j1']);
    expect(reports[0]).toMatchObject({ execType: 'accepted', clientOrderId: 'j1', venueOrderId: 'V1' });
  });
});

describe('loadFixTls (live.fix.tls files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fix-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = (name: string): string =>
    fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

  it('reads the PEM files into the session options', () => {
    const o = loadFixTls({
      caFile: fixture('test-ca.pem'),
      certFile: fixture('client.pem'),
      keyFile: fixture('client.key'),
      servername: 'fix.example'
    });
    expect(o).toEqual({ ca: CA, cert: CLIENT.cert, key: CLIENT.key, servername: 'fix.example' });
    expect(loadFixTls({})).toEqual({});
  });

  it('a missing or non-PEM file is TRD_ERR_CONFIG_INVALID naming the setting and the path', () => {
    const missing = join(dir, 'nope.pem');
    const notPem = join(dir, 'ca.txt');
    writeFileSync(notPem, 'just text');
    for (const [files, key, file] of [
      [{ caFile: missing }, 'caFile', missing],
      [{ certFile: fixture('client.pem'), keyFile: notPem }, 'keyFile', notPem]
    ] as const) {
      let err: unknown;
      try {
        loadFixTls(files);
      } catch (e) {
        err = e;
      }
      expect(isTradestateError(err, ErrorCode.CONFIG_INVALID)).toBe(true);
      expect((err as TradestateError).context).toEqual({ path: `live.fix.tls.${key}`, file });
      expect((err as TradestateError).message).toContain(file);
    }
  });
});
