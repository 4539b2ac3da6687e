import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { InstrumentMap } from '../../src/gateways/fix/app-messages.ts';
import { FixExecutionGateway } from '../../src/gateways/fix/fix-execution-gateway.ts';
import type { ExecutionReport } from '../../src/messages/index.ts';
import { SessionHarness, sessionConfig } from './fix-session-harness.ts';

const AAPL = makeInstrument({ symbol: 'AAPL', venue: 'V', tickSize: '0.01', lotSize: '1', currency: 'USD' });
const MAP = new InstrumentMap('V', [AAPL]);

/** An ExecutionReport's fields: ClOrdID `cl`, OrigClOrdID `orig` when given. */
const er = (
  cl: string,
  execType: string,
  ordStatus: string,
  leaves: string,
  orig?: string
): [number, string][] => [
  [37, 'V-1'],
  [11, cl],
  ...(orig === undefined ? [] : [[41, orig] as [number, string]]),
  [17, `E-${execType}-${cl}`],
  [20, '0'],
  [150, execType],
  [39, ordStatus],
  [55, 'AAPL'],
  [54, '1'],
  [151, leaves],
  [14, '0'],
  [6, '0'],
  [60, '20240102-03:04:05.000']
];

/** A gateway logged on over the session harness, with order o1 (a 100-lot buy limit) acknowledged. */
function withOrder() {
  const h = new SessionHarness(sessionConfig('initiator'));
  h.logOnInitiator();
  const gw = new FixExecutionGateway(h.actor, MAP, h.clock);
  const reports: ExecutionReport[] = [];
  gw.reports$.subscribe((r) => reports.push(r));
  gw.submit({
    type: 'order.submit',
    commandId: 'o1',
    tsInit: h.clock.now(),
    strategyId: 's',
    instrumentId: AAPL.id,
    clientOrderId: 'o1',
    side: 'buy',
    orderType: 'limit',
    qty: 100,
    limitPx: 1250,
    tif: 'day'
  });
  h.peer('8', er('o1', '0', '0', '100'));
  return { h, gw, reports };
}

describe('FixExecutionGateway: cancel confirmations (ExecType 4)', () => {
  it('a confirmation naming the cancel request (ClOrdID) and the order (OrigClOrdID) is the order’s', () => {
    const { h, gw, reports } = withOrder();
    gw.cancel({
      type: 'order.cancel',
      commandId: 'c1',
      tsInit: h.clock.now(),
      strategyId: 's',
      instrumentId: AAPL.id,
      clientOrderId: 'o1'
    });
    expect([h.lastSent().get(11), h.lastSent().get(41)]).toEqual(['c1', 'o1']);
    h.peer('8', er('c1', '4', '4', '0', 'o1'));
    expect(reports.at(-1)).toMatchObject({ execType: 'canceled', clientOrderId: 'o1' });
    expect(reports.at(-1)?.origClientOrderId).toBeUndefined();
    expect(gw.workingOrderCount).toBe(0);
  });

  it('an unsolicited cancel naming the order in ClOrdID stays the order’s', () => {
    const { h, gw, reports } = withOrder();
    h.peer('8', er('o1', '4', '4', '0'));
    expect(reports.at(-1)).toMatchObject({ execType: 'canceled', clientOrderId: 'o1' });
    expect(gw.workingOrderCount).toBe(0);
  });
});
