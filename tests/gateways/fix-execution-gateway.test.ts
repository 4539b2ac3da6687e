import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { InstrumentMap } from '../../src/gateways/fix/app-messages.ts';
import {
  FixExecutionGateway,
  type FixExecutionGatewayOptions
} from '../../src/gateways/fix/fix-execution-gateway.ts';
import {
  type ExecutionReport,
  messageFromJson,
  messageToJson,
  REASON_MAX
} from '../../src/messages/index.ts';
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

/** A cancel of order `id`, as request `commandId`. */
const cancelOf = (id: string, commandId: string, tsInit: bigint) =>
  ({
    type: 'order.cancel',
    commandId,
    tsInit,
    strategyId: 's',
    instrumentId: AAPL.id,
    clientOrderId: id
  }) as const;
/** A replace of order `id` by `newId` for `qty`, as request `commandId`. */
const replaceOf = (id: string, newId: string, qty: number, commandId: string, tsInit: bigint) =>
  ({
    type: 'order.replace',
    commandId,
    tsInit,
    strategyId: 's',
    instrumentId: AAPL.id,
    clientOrderId: id,
    newClientOrderId: newId,
    qty
  }) as const;

/** A gateway over session `h` (with `o`), and the reports it sends, in order. */
function gatewayOn(h: SessionHarness, o?: FixExecutionGatewayOptions) {
  const gw = new FixExecutionGateway(h.actor, MAP, h.clock, o);
  const reports: ExecutionReport[] = [];
  gw.reports$.subscribe((r) => reports.push(r));
  return { gw, reports };
}

/** A session Reject (3) of our message `refSeqNum` (of type `refMsgType`) for `reason` (373), with `text`. */
const sessionReject = (
  refSeqNum: number,
  refMsgType: string,
  reason = '1',
  text = 'Required tag missing'
) => [
  [45, String(refSeqNum)] as [number, string],
  [372, refMsgType] as [number, string],
  [373, reason] as [number, string],
  [58, text] as [number, string]
];

/** A gateway logged on over the session harness, with order o1 (a 100-lot buy limit) acknowledged. */
function withOrder() {
  const h = new SessionHarness(sessionConfig('initiator'));
  h.logOnInitiator();
  const { gw, reports } = gatewayOn(h);
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
    gw.cancel(cancelOf('o1', 'c1', h.clock.now()));
    expect([h.lastSent().get(11), h.lastSent().get(41)]).toEqual(['c1', 'o1']);
    h.peer('8', er('c1', '4', '4', '0', 'o1'));
    expect(reports.at(-1)).toMatchObject({ execType: 'canceled', clientOrderId: 'o1' });
    expect(reports.at(-1)?.origClientOrderId).toBeUndefined();
    expect(gw.workingOrderCount).toBe(0);
  });

  it('a cancel settled by a status answer (the confirmation lost) is not kept waiting', () => {
    const { h, gw, reports } = withOrder();
    gw.cancel(cancelOf('o1', 'c1', h.clock.now()));
    expect(gw.pendingRequestCount).toBe(1);
    const status = er('o1', '4', '4', '0').map(([t, v]): [number, string] => (t === 20 ? [20, '3'] : [t, v]));
    h.peer('8', status);
    expect(reports.at(-1)).toMatchObject({ execType: 'canceled', clientOrderId: 'o1' });
    expect([gw.workingOrderCount, gw.pendingRequestCount]).toEqual([0, 0]);
    // a late refusal of that cancel is no news: nothing is reported, no error raised
    const errors: string[] = [];
    gw.errors$.subscribe((e) => errors.push(e.code));
    const n = reports.length;
    h.peer('j', [
      [45, '3'],
      [372, 'F'],
      [379, 'c1'],
      [380, '0']
    ]);
    expect([reports.length - n, errors]).toEqual([0, []]);
  });

  it('an unsolicited cancel naming the order in ClOrdID stays the order’s', () => {
    const { h, gw, reports } = withOrder();
    h.peer('8', er('o1', '4', '4', '0'));
    expect(reports.at(-1)).toMatchObject({ execType: 'canceled', clientOrderId: 'o1' });
    expect(gw.workingOrderCount).toBe(0);
  });
});

describe('FixExecutionGateway: BusinessMessageReject (j) of our requests', () => {
  /** A BusinessMessageReject of the request of type `refType` whose ClOrdID was `ref`. */
  const bmr = (refType: string, ref: string): [number, string][] => [
    [45, '2'],
    [372, refType],
    [379, ref],
    [380, '4'],
    [58, 'Application not available']
  ];

  /** {@link withOrder}, and a second order o2 sent (not yet answered). */
  const withSecondOrder = (): ReturnType<typeof withOrder> => {
    const w = withOrder();
    w.gw.submit({
      type: 'order.submit',
      commandId: 'o2',
      tsInit: w.h.clock.now(),
      strategyId: 's',
      instrumentId: AAPL.id,
      clientOrderId: 'o2',
      side: 'buy',
      orderType: 'limit',
      qty: 10,
      limitPx: 1250,
      tif: 'day'
    });
    return w;
  };

  it('a refused NewOrderSingle is the order’s reject; one the venue had accepted is left alone', () => {
    const { h, gw, reports } = withSecondOrder();
    h.peer('j', bmr('D', 'o2'));
    expect(reports.at(-1)).toMatchObject({
      execType: 'rejected',
      clientOrderId: 'o2',
      leavesQty: 0,
      reason: 'business reject 4: Application not available'
    });
    expect(gw.workingOrderCount).toBe(1); // o1 only
    const n = reports.length;
    h.peer('j', bmr('D', 'o1')); // o1 was accepted: nothing to say
    expect(reports.length).toBe(n);
  });

  it('a refusal with a long Text is clipped to what a report carries, so it still encodes for the log', () => {
    const { h, reports } = withSecondOrder();
    h.peer('j', [...bmr('D', 'o2').slice(0, 4), [58, 'x'.repeat(300)]]);
    const r = reports.at(-1)!;
    expect([r.execType, r.reason?.length]).toEqual(['rejected', REASON_MAX]);
    expect(r.reason?.startsWith('business reject 4: xxx')).toBe(true);
    expect(messageFromJson(messageToJson(r))).toEqual(r);
  });

  it('a refused cancel or cancel-replace is its reject, and the order keeps working', () => {
    const { h, gw, reports } = withOrder();
    gw.cancel(cancelOf('o1', 'c1', h.clock.now()));
    h.peer('j', bmr('F', 'c1'));
    expect(reports.at(-1)).toMatchObject({
      execType: 'cancel_rejected',
      clientOrderId: 'o1',
      leavesQty: 100
    });
    gw.replace(replaceOf('o1', 'o1b', 50, 'r1', h.clock.now()));
    h.peer('j', bmr('G', 'o1b'));
    expect(reports.at(-1)).toMatchObject({
      execType: 'replace_rejected',
      clientOrderId: 'o1b',
      origClientOrderId: 'o1'
    });
    expect(gw.workingOrderCount).toBe(1);
    // the venue resends both (PossDup after a gap): no second report, and no error either
    const errors: string[] = [];
    gw.errors$.subscribe((e) => errors.push(e.code));
    const n = reports.length;
    h.peer('j', bmr('F', 'c1'));
    h.peer('j', bmr('G', 'o1b'));
    expect([reports.length, errors]).toEqual([n, []]);
  });

  it('one naming nothing of ours is an error on errors$', () => {
    const { h, gw } = withOrder();
    const errors: string[] = [];
    gw.errors$.subscribe((e) => errors.push(e.code));
    h.peer('j', bmr('D', 'nobody'));
    expect(errors).toEqual(['TRD_ERR_VENUE_REJECTED']);
  });
});

/** A limit buy of 10 @ 12.50 as order `id`. */
const order = (id: string, now: bigint) =>
  ({
    type: 'order.submit',
    commandId: id,
    tsInit: now,
    strategyId: 's',
    instrumentId: AAPL.id,
    clientOrderId: id,
    side: 'buy',
    orderType: 'limit',
    qty: 10,
    limitPx: 1250,
    tif: 'day'
  }) as const;

describe('FixExecutionGateway with refuseWhileDown (application messages gap-filled on a resend)', () => {
  it('a request made while the session is not logged on is refused at once and never sent; logged on, it goes', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    const { gw, reports } = gatewayOn(h, { refuseWhileDown: true });
    gw.submit(order('early', h.clock.now()));
    expect(reports.at(-1)).toMatchObject({
      execType: 'rejected',
      clientOrderId: 'early',
      reason: 'FIX session not logged on: not sent'
    });
    h.logOnInitiator();
    gw.submit(order('o1', h.clock.now()));
    expect(h.sentTypes().filter((t) => t === 'D')).toHaveLength(1); // only o1, and the early one never
    h.peer('8', er('o1', '0', '0', '10'));
    h.dropped();
    h.clearSent();
    gw.cancel(cancelOf('o1', 'c1', h.clock.now()));
    gw.replace(replaceOf('o1', 'o1b', 5, 'r1', h.clock.now()));
    expect(reports.slice(-2)).toMatchObject([
      { execType: 'cancel_rejected', clientOrderId: 'o1', leavesQty: 10 },
      { execType: 'replace_rejected', clientOrderId: 'o1b', origClientOrderId: 'o1' }
    ]);
    expect(h.sentTypes()).toEqual([]);
    expect(gw.workingOrderCount).toBe(1);
  });

  it('without it, a request made while down is stored for the session (sent on a resend that carries it)', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    const { gw, reports } = gatewayOn(h);
    gw.submit(order('early', h.clock.now()));
    expect(reports).toEqual([]);
  });
});

describe('FixExecutionGateway: a session Reject (3) of our request', () => {
  it('is found by RefSeqNum among the requests sent and refuses that one; one of anything else is left alone', () => {
    const { h, gw, reports } = withOrder();
    gw.cancel(cancelOf('o1', 'c1', h.clock.now()));
    const seq = h.lastSent().getInt(34)!;
    const n = reports.length;
    // the NewOrderSingle's: o1 was accepted since, nothing to say
    h.peer('3', sessionReject(seq - 1, 'D', '5', 'Value is incorrect'));
    expect(reports.length).toBe(n);
    h.peer('3', sessionReject(seq, 'F'));
    expect(reports.at(-1)).toMatchObject({
      execType: 'cancel_rejected',
      clientOrderId: 'o1',
      reason: 'session reject 1: Required tag missing'
    });
    const m = reports.length;
    h.peer('3', [
      [45, '1'], // our Logon
      [373, '5']
    ]);
    expect(reports.length).toBe(m);
    expect(gw.workingOrderCount).toBe(1);
  });

  it('a request made while the session handles a message (from a report handler) is found by its RefSeqNum too', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    const gw = new FixExecutionGateway(h.actor, MAP, h.clock);
    const reports: ExecutionReport[] = [];
    gw.reports$.subscribe((r) => {
      reports.push(r);
      // the strategy cancels as soon as the order is accepted: sent while the session still handles that report
      if (r.execType === 'accepted') gw.cancel(cancelOf('o1', 'c1', h.clock.now()));
    });
    gw.submit(order('o1', h.clock.now()));
    h.clearSent();
    h.peer('8', er('o1', '0', '0', '10'));
    const cancel = h.lastSent();
    expect(cancel.msgType).toBe('F');
    h.peer('3', sessionReject(cancel.getInt(34)!, 'F'));
    expect(reports.at(-1)).toMatchObject({
      execType: 'cancel_rejected',
      clientOrderId: 'o1',
      reason: 'session reject 1: Required tag missing'
    });
  });

  it('a request stored while the session was down is found by its RefSeqNum after a logon that did not reset', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    const { gw, reports } = gatewayOn(h);
    h.actor.send({ type: 'session.start' }); // connecting: the NewOrderSingle is stored for a resend
    gw.submit(order('o1', h.clock.now()));
    const seq = h.emittedOf('fix.appSent').at(-1)!.seq;
    h.connected();
    h.peer('A', [
      [98, 0],
      [108, 30]
    ]);
    expect(h.emittedOf('fix.loggedOn')).toHaveLength(1);
    // the peer had it resent and refuses it at session level
    h.peer('3', sessionReject(seq, 'D'));
    expect(reports.at(-1)).toMatchObject({
      execType: 'rejected',
      clientOrderId: 'o1',
      reason: 'session reject 1: Required tag missing'
    });
  });

  it('a logon that resets the numbers forgets the requests sent before: a Reject names the new numbers', () => {
    const h = new SessionHarness(sessionConfig('initiator', { resetOnLogon: true }));
    const { gw, reports } = gatewayOn(h);
    h.logOnInitiator();
    for (const id of ['o1', 'o2', 'o3']) gw.submit(order(id, h.clock.now()));
    for (const id of ['o1', 'o2', 'o3']) h.peer('8', er(id, '0', '0', '10'));
    gw.cancel(cancelOf('o2', 'c1', h.clock.now())); // unanswered when the session drops
    const c1 = h.emittedOf('fix.appSent').at(-1)!.seq;
    h.dropped();
    h.advanceMs(10_000); // the reconnect backoff
    h.connected();
    h.peerSeq = 1;
    h.peer('A', [
      [98, 0],
      [108, 30],
      [141, 'Y']
    ]);
    expect(h.emittedOf('fix.loggedOn')).toHaveLength(2);
    expect(h.ctx.nextOut).toBeLessThanOrEqual(c1);
    const n = reports.length;
    // in the new numbering the cancel's old number is not a request of ours: nothing is refused
    h.peer('3', [
      [45, String(c1)],
      [373, '1']
    ]);
    expect(reports.length).toBe(n);
  });
});
