import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import {
  decodeNewOrderSingle,
  encodeExecutionReport,
  InstrumentMap
} from '../../src/gateways/fix/app-messages.ts';
import { FixExecutionGateway } from '../../src/gateways/fix/fix-execution-gateway.ts';
import { createFixSession, type FixSessionActor } from '../../src/gateways/fix/fix-session.ts';
import { MemorySessionStore } from '../../src/gateways/fix/session-store.ts';
import type { ExecutionReport, SubmitOrder } from '../../src/messages/index.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { freePort } from '../support/free-port.ts';
import { proxy } from '../support/tcp-proxy.ts';
import { until } from '../support/until.ts';
import { dict } from './fix-support.ts';
import { type JspurefixPeer, startJspurefix } from './jspurefix-peer.ts';

const AAPL = makeInstrument({
  symbol: 'AAPL',
  venue: 'JSP',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
const MAP = new InstrumentMap('JSP', [AAPL]);
const clock = new LiveClock();

function submit(id: string, qty = 100): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: id,
    tsInit: 1_704_164_645_000_000_000n,
    strategyId: 'interop',
    instrumentId: AAPL.id,
    clientOrderId: id,
    side: 'buy',
    orderType: 'limit',
    qty,
    limitPx: 1250,
    tif: 'day'
  };
}

describe('tradestate initiator ↔ jspurefix acceptor (loopback TCP)', () => {
  it('logon, orders and execution reports, cancel reject, dropped connection then resend, logout', async () => {
    const jspPort = await freePort();
    const seen: string[] = [];
    let peer: JspurefixPeer | undefined;
    let execSeq = 0;
    peer = await startJspurefix({
      role: 'acceptor',
      port: jspPort,
      senderCompId: 'JSPV',
      targetCompId: 'TS',
      resetSeqNumFlag: false,
      keepStore: true,
      on: {
        app: (msgType, o) => {
          seen.push(
            `${msgType}:${String(o['ClOrdID'])}${o['StandardHeader'] && (o['StandardHeader'] as Record<string, unknown>)['PossDupFlag'] ? ':dup' : ''}`
          );
          const s = peer!.session()!;
          if (msgType === 'D') {
            const common = {
              OrderID: `V-${String(o['ClOrdID'])}`,
              ClOrdID: o['ClOrdID'],
              ExecTransType: '0',
              Symbol: o['Symbol'],
              Side: o['Side'],
              TransactTime: new Date()
            };
            s.send('8', {
              ...common,
              ExecID: `E${++execSeq}`,
              ExecType: '0',
              OrdStatus: '0',
              LeavesQty: o['OrderQty'],
              CumQty: 0,
              AvgPx: 0
            });
            s.send('8', {
              ...common,
              ExecID: `E${++execSeq}`,
              ExecType: '2',
              OrdStatus: '2',
              LastShares: o['OrderQty'],
              LastPx: o['Price'],
              LeavesQty: 0,
              CumQty: o['OrderQty'],
              AvgPx: o['Price']
            });
          } else if (msgType === 'F') {
            s.send('9', {
              OrderID: `V-${String(o['OrigClOrdID'])}`,
              ClOrdID: o['ClOrdID'],
              OrigClOrdID: o['OrigClOrdID'],
              OrdStatus: '2',
              CxlRejResponseTo: '1',
              CxlRejReason: '0',
              Text: 'too late to cancel'
            });
          }
        }
      }
    });
    const px = await proxy(jspPort);
    let session: FixSessionActor | undefined;
    try {
      session = createFixSession(
        {
          role: 'initiator',
          senderCompId: 'TS',
          targetCompId: 'JSPV',
          heartBtIntSec: 5,
          resetOnLogon: false,
          dictionary: dict,
          host: '127.0.0.1',
          port: px.port,
          reconnect: { minMs: 50, maxMs: 400, factor: 2 }
        },
        new MemorySessionStore(),
        clock
      );
      const gw = new FixExecutionGateway(session, MAP, clock);
      const reports: ExecutionReport[] = [];
      gw.reports$.subscribe((r) => reports.push(r));
      const rejects: number[] = [];
      session.on('fix.rejectReceived', (e) => rejects.push(e.msg.getInt(373) ?? -1));
      let logons = 0;
      session.on('fix.loggedOn', () => logons++);
      session.start();
      session.send({ type: 'session.start' });
      await until(() => logons === 1, 5000, 'first logon');

      // orders and execution reports
      gw.submit(submit('o1'));
      await until(() => reports.length === 2, 5000, 'reports of o1');
      expect(reports.map((r) => [r.execType, r.clientOrderId, r.cumQty, r.leavesQty, r.lastPx])).toEqual([
        ['accepted', 'o1', 0, 100, 0],
        ['fill', 'o1', 100, 0, 1250]
      ]);
      expect(reports[1]!.venueOrderId).toBe('V-o1');

      // cancel → OrderCancelReject → cancel_rejected
      gw.cancel({
        type: 'order.cancel',
        commandId: 'c1',
        tsInit: 1_704_164_646_000_000_000n,
        strategyId: 'interop',
        instrumentId: AAPL.id,
        clientOrderId: 'o1'
      });
      await until(() => reports.length === 3, 5000, 'cancel reject');
      expect(reports[2]).toMatchObject({
        execType: 'cancel_rejected',
        clientOrderId: 'o1',
        execId: 'c1',
        side: 'buy',
        reason: 'too late to cancel'
      });

      // drop the connection; an order sent while down is stored, then resent (PossDupFlag) when jspurefix asks
      px.cut();
      await until(
        () =>
          JSON.stringify(session!.getSnapshot().value).includes('backoff') ||
          JSON.stringify(session!.getSnapshot().value).includes('connecting'),
        5000,
        'the cut to be noticed'
      );
      gw.submit(submit('o2', 7));
      // under load jspurefix may hold the cut session until its heartbeat check notices (HeartBtInt 5 s)
      await until(() => logons >= 2, 20_000, 'logon after the cut');
      await until(() => reports.length === 5, 8000, 'reports of o2 after resend');
      expect(reports.slice(3).map((r) => [r.execType, r.clientOrderId, r.cumQty])).toEqual([
        ['accepted', 'o2', 0],
        ['fill', 'o2', 7]
      ]);
      expect(seen).toEqual(['D:o1', 'F:c1', 'D:o2:dup']);
      expect(rejects).toEqual([]);

      // logout
      session.send({ type: 'session.stop' });
      // jspurefix may not answer the Logout under load; the session then ends at its logout timeout (5 s)
      await until(() => session!.getSnapshot().status === 'done', 10_000, 'logout');
    } finally {
      session?.stop();
      peer.stop();
      await px.close();
      await Promise.race([peer.finished, new Promise((r) => setTimeout(r, 1000))]);
    }
  }, 40_000);
});

describe('jspurefix initiator ↔ tradestate acceptor (loopback TCP)', () => {
  it('logon, NewOrderSingle decoded to canonical, execution reports back, logout initiated by jspurefix', async () => {
    const session = createFixSession(
      {
        role: 'acceptor',
        senderCompId: 'TSV',
        targetCompId: 'JSPC',
        heartBtIntSec: 5,
        resetOnLogon: false,
        dictionary: dict,
        host: '127.0.0.1',
        port: 0
      },
      new MemorySessionStore(),
      clock
    );
    const orders: SubmitOrder[] = [];
    const logouts: string[] = [];
    session.on('fix.logout', (e) => logouts.push(e.text));
    session.on('fix.app', (e) => {
      if (e.msg.msgType !== 'D') return;
      const cmd = decodeNewOrderSingle(e.msg, MAP);
      orders.push(cmd);
      const base: ExecutionReport = {
        type: 'exec.report',
        execType: 'accepted',
        venue: 'TSV',
        instrumentId: cmd.instrumentId,
        clientOrderId: cmd.clientOrderId,
        venueOrderId: `TS-${cmd.clientOrderId}`,
        execId: `${cmd.clientOrderId}-0`,
        side: cmd.side,
        lastQty: 0,
        lastPx: 0,
        cumQty: 0,
        leavesQty: cmd.qty,
        commission: 0n,
        liquidity: 'none',
        tsEvent: clock.now(),
        tsInit: clock.now()
      };
      for (const r of [
        base,
        {
          ...base,
          execType: 'fill' as const,
          execId: `${cmd.clientOrderId}-1`,
          lastQty: cmd.qty,
          lastPx: cmd.limitPx!,
          cumQty: cmd.qty,
          leavesQty: 0,
          commission: 150_000_000n
        }
      ]) {
        const m = encodeExecutionReport(r, AAPL, { avgPx: r.lastPx });
        session.send({ type: 'session.send', msgType: m.msgType, fields: m.fields });
      }
    });
    session.start();
    const port = await new Promise<number>((resolve) => {
      session.on('fix.listening', (e) => resolve(e.port));
      session.send({ type: 'session.start' });
    });
    const ers: Record<string, unknown>[] = [];
    let stopped = false;
    const peer = await startJspurefix({
      role: 'initiator',
      port,
      senderCompId: 'JSPC',
      targetCompId: 'TSV',
      on: {
        ready: () =>
          peer.session()!.send('D', {
            ClOrdID: 'J1',
            Account: 'jsp',
            HandlInst: '1',
            Symbol: 'AAPL',
            Side: '2',
            TransactTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
            OrderQty: 300,
            OrdType: '2',
            Price: 187.25,
            TimeInForce: '1'
          }),
        app: (msgType, o) => {
          if (msgType !== '8') return;
          ers.push(o);
          if (o['ExecType'] === '2') peer.session()!.done();
        },
        stopped: () => {
          stopped = true;
        }
      }
    });
    try {
      await until(() => stopped && logouts.length > 0, 10_000);
      expect(orders).toEqual([
        {
          type: 'order.submit',
          commandId: 'J1',
          tsInit: 1_704_164_645_000_000_000n,
          strategyId: 'jsp',
          instrumentId: AAPL.id,
          clientOrderId: 'J1',
          side: 'sell',
          orderType: 'limit',
          qty: 300,
          limitPx: 18725,
          tif: 'gtc'
        }
      ]);
      expect(
        ers.map((o) => [
          o['ExecType'],
          o['OrdStatus'],
          o['CumQty'],
          o['LeavesQty'],
          o['LastPx'],
          o['Commission']
        ])
      ).toEqual([
        ['0', '0', 0, 300, 0, 0],
        ['2', '2', 300, 0, 187.25, 1.5]
      ]);
      await until(() => JSON.stringify(session.getSnapshot().value).includes('listening'));
    } finally {
      peer.stop();
      session.stop();
      await Promise.race([peer.finished, new Promise((r) => setTimeout(r, 1000))]);
    }
  }, 20_000);
});
