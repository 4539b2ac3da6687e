import { describe, expect, it } from 'vitest';
import { startOrderSystem } from '../../src/actors/order-system.actor.ts';
import { Rng } from '../../src/core/rng.ts';
import { MAX_HALT_RECANCELS, type OmsEmitted, orderSystemId } from '../../src/machines/oms.machine.ts';
import type { OrderEmitted } from '../../src/machines/order.machine.ts';
import type { ReplaceOrder, SubmitOrder } from '../../src/messages/commands.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import type { OrderVenue } from '../../src/venue/venue.ts';
import { report } from '../support/order-fixtures.ts';

function submit(id: string, strategyId = 's1', qty = 10, instrumentId = 'ORCL@SIM'): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: `c-${id}`,
    tsInit: 1n,
    strategyId,
    instrumentId,
    clientOrderId: id,
    side: 'buy',
    orderType: 'limit',
    limitPx: 100,
    qty,
    tif: 'gtc'
  };
}

/** Replace order `a` (strategy s1) by `a2` with `over`'s new quantity or prices. */
function replaceA(over: Partial<ReplaceOrder>): ReplaceOrder {
  return {
    type: 'order.replace',
    commandId: 'r',
    tsInit: 2n,
    strategyId: 's1',
    instrumentId: 'ORCL@SIM',
    clientOrderId: 'a',
    newClientOrderId: 'a2',
    ...over
  };
}

function setup() {
  const requests: string[] = [];
  const venue: OrderVenue = {
    name: 'SIM',
    submit: (c) => void requests.push(`submit:${c.clientOrderId}`),
    cancel: (c) => void requests.push(`cancel:${c.clientOrderId}`),
    replace: (c) => void requests.push(`replace:${c.clientOrderId}->${c.newClientOrderId}`),
    query: (id) => void requests.push(`query:${id}`),
    drain: () => []
  };
  const orderEvents: OrderEmitted[] = [];
  const omsEvents: OmsEmitted[] = [];
  const clock = new SimulatedClock(0n);
  const oms = startOrderSystem({
    clock,
    venue,
    onOrderEvent: (e) => void orderEvents.push(e),
    onOmsEvent: (e) => void omsEvents.push(e)
  });
  const status = (id: string) => oms.system.get(orderSystemId(id))?.getSnapshot().value;
  return { oms, requests, orderEvents, omsEvents, status, clock };
}

describe('omsMachine', () => {
  it('spawns one order actor per client order id (systemId order:<id>) and routes venue reports to it', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    expect(t.status('a')).toBe('PENDING_NEW');
    t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: 'a' }) });
    expect(t.status('a')).toBe('ACKNOWLEDGED');
    expect(t.requests).toEqual(['submit:a']);
    t.oms.send({
      type: 'exec.report',
      report: report('fill', { clientOrderId: 'a', lastQty: 10, lastPx: 100, execId: 'f1' })
    });
    // filled orders are stopped and removed
    expect(t.oms.system.get(orderSystemId('a'))).toBeUndefined();
    expect(t.oms.getSnapshot().context).toMatchObject({ open: 0, opened: 1 });
    expect(t.oms.getSnapshot().context.index.toJSON()).toEqual({ ids: {}, orders: {}, venueIds: {} });
    expect(t.omsEvents.map((e) => e.type)).toEqual(['oms.order_opened', 'oms.order_closed']);
  });

  it('refuses duplicate client ids and reports for unknown orders with typed events', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.oms.send({
      type: 'exec.report',
      report: report('fill', { clientOrderId: 'zzz', venueOrderId: 'nope' })
    });
    expect(
      t.omsEvents.filter((e) => e.type === 'oms.refused').map((e) => e.type === 'oms.refused' && e.code)
    ).toEqual(['TRD_ERR_DUPLICATE_ORDER_ID', 'TRD_ERR_UNKNOWN_ORDER']);
  });

  it('routes by venue order id when a report carries no known client id', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.oms.send({
      type: 'exec.report',
      report: report('accepted', { clientOrderId: 'a', venueOrderId: 'V9' })
    });
    t.oms.send({
      type: 'exec.report',
      report: report('canceled', { clientOrderId: 'unknown-to-us', venueOrderId: 'V9' })
    });
    expect(t.status('a')).toBe('CANCELED');
  });

  it('follows a cancel-replace chain: reports for the new id reach the original actor', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: 'a' }) });
    t.oms.send({ type: 'order.replace', command: replaceA({ qty: 20 }) });
    t.oms.send({
      type: 'exec.report',
      report: report('replaced', { clientOrderId: 'a2', origClientOrderId: 'a', leavesQty: 20 })
    });
    t.oms.send({
      type: 'exec.report',
      report: report('fill', { clientOrderId: 'a2', lastQty: 5, lastPx: 100, execId: 'f' })
    });
    const ctx = t.oms.system.get(orderSystemId('a'))!.getSnapshot().context;
    expect([t.status('a'), ctx.clientOrderId, ctx.chain, ctx.qty, ctx.filledQty]).toEqual([
      'PARTIAL_FILL',
      'a2',
      ['a'],
      20,
      5
    ]);
    expect(t.requests).toEqual(['submit:a', 'replace:a->a2']);
  });

  it('a replace risk denied stays with the order: nothing goes to the venue and its new id names nothing', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: 'a' }) });
    const denied = {
      ok: false,
      validator: 'maxOrderQty',
      reason: 'qty 20 > 10',
      code: 'TRD_ERR_RISK'
    } as const;
    t.oms.send({ type: 'order.replace', command: replaceA({ qty: 20 }), risk: denied });
    expect(t.requests).toEqual(['submit:a']);
    expect([t.status('a'), t.orderEvents.at(-1)?.type]).toEqual(['ACKNOWLEDGED', 'order.replace_denied']);
    expect(t.oms.getSnapshot().context.index.toJSON().ids).not.toHaveProperty('a2');
    // so a report naming it is a stray, refused
    t.oms.send({
      type: 'exec.report',
      report: report('replaced', { clientOrderId: 'a2', venueOrderId: 'x' })
    });
    expect(t.omsEvents.at(-1)).toMatchObject({ type: 'oms.refused', code: 'TRD_ERR_UNKNOWN_ORDER' });
  });

  it('mass-cancels the working orders of one strategy, audited as who/why', () => {
    const t = setup();
    for (const [id, s] of [
      ['a', 's1'],
      ['b', 's2'],
      ['c', 's1'],
      ['d', 's1'],
      ['e', 's1']
    ] as const) {
      t.oms.send({ type: 'order.submit', command: submit(id, s), risk: { ok: true } });
      t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: id }) });
    }
    // d is canceled already (it only awaits late fills): nothing to cancel, and no refusal either
    t.oms.send({ type: 'exec.report', report: report('canceled', { clientOrderId: 'd' }) });
    // e's strategy has a cancel in flight: a second one is not sent (the order would refuse it)
    const cancelE = {
      commandId: 'x-e',
      tsInit: 4n,
      strategyId: 's1',
      instrumentId: 'ORCL@SIM',
      clientOrderId: 'e'
    };
    t.oms.send({ type: 'order.cancel', command: { type: 'order.cancel', ...cancelE } });
    t.oms.send({
      type: 'order.cancel_all',
      commandId: 'k1',
      tsInit: 5n,
      strategyId: 's1',
      actor: 'system',
      why: 'risk',
      reason: 'kill switch'
    });
    expect(['a', 'b', 'c', 'd', 'e'].map(t.status)).toEqual([
      'PENDING_CANCEL',
      'ACKNOWLEDGED',
      'PENDING_CANCEL',
      'CANCELED',
      'PENDING_CANCEL'
    ]);
    expect(t.requests.filter((r) => r.startsWith('cancel'))).toEqual(['cancel:e', 'cancel:a', 'cancel:c']);
    expect(t.omsEvents.find((e) => e.type === 'oms.cancel_all_requested')).toMatchObject({ count: 2 });
    expect(t.orderEvents.filter((e) => e.type === 'order.refused')).toEqual([]);
    const audit = t.orderEvents.filter((e): e is OrderEvent => e.type === 'order.pending_cancel');
    expect(audit.map((e) => [e.clientOrderId, e.actor, e.why, e.reason])).toEqual([
      ['e', 'strategy', 'signal', undefined],
      ['a', 'system', 'risk', 'kill switch'],
      ['c', 'system', 'risk', 'kill switch']
    ]);
  });

  it('a held cancel-all cancels again an order a cancel reject returns to working, at most MAX_HALT_RECANCELS times, until lifted', () => {
    const t = setup();
    const halt = {
      type: 'order.cancel_all',
      commandId: 'ks',
      tsInit: 5n,
      actor: 'system',
      why: 'risk',
      reason: 'kill switch halted trading',
      hold: true
    } as const;
    for (const id of ['a', 'b', 'c']) {
      t.oms.send({ type: 'order.submit', command: submit(id), risk: { ok: true } });
      t.oms.send({
        type: 'exec.report',
        report: report('accepted', { clientOrderId: id, execId: `ack-${id}` })
      });
    }
    // a's strategy has its own cancel in flight when the halt comes: the cancel-all skips it
    const cancel = {
      commandId: 'own',
      tsInit: 4n,
      strategyId: 's1',
      instrumentId: 'ORCL@SIM',
      clientOrderId: 'a'
    };
    t.oms.send({ type: 'order.cancel', command: { type: 'order.cancel', ...cancel } });
    t.oms.send(halt);
    expect(t.requests.filter((r) => r.startsWith('cancel'))).toEqual(['cancel:a', 'cancel:b', 'cancel:c']);
    const reject = (id: string, n: number) =>
      t.oms.send({
        type: 'exec.report',
        report: report('cancel_rejected', { clientOrderId: id, execId: `${id}-rej${n}` })
      });
    // a's own cancel is refused: back to working while halted, so the halt cancels it again
    reject('a', 0);
    expect(t.status('a')).toBe('PENDING_CANCEL');
    expect(t.orderEvents.at(-1)).toMatchObject({
      type: 'order.pending_cancel',
      clientOrderId: 'a',
      from: 'ACKNOWLEDGED',
      actor: 'system',
      why: 'risk',
      reason: `kill switch halted trading: cancel rejected, canceled again (1 of ${MAX_HALT_RECANCELS})`
    });
    // the same reject again (a status query's answer) changes nothing and sends nothing
    const sent = t.requests.length;
    reject('a', 0);
    expect([t.status('a'), t.requests.length]).toEqual(['PENDING_CANCEL', sent]);
    // a venue that keeps refusing: canceled again at most MAX_HALT_RECANCELS times, then left working
    for (let n = 1; n <= MAX_HALT_RECANCELS; n++) reject('a', n);
    expect(t.status('a')).toBe('ACKNOWLEDGED');
    expect(t.requests.filter((r) => r === 'cancel:a')).toHaveLength(1 + MAX_HALT_RECANCELS);
    // the halt's own cancel of b refused: canceled again too
    reject('b', 0);
    expect(t.status('b')).toBe('PENDING_CANCEL');
    // lifted (trading resumes): a cancel reject leaves the order working
    t.oms.send({ type: 'order.cancel_all_lifted', tsInit: 9n });
    reject('c', 0);
    expect(t.status('c')).toBe('ACKNOWLEDGED');
    expect(t.oms.getSnapshot().context.hold).toBeUndefined();
    expect(t.orderEvents.filter((e) => e.type === 'order.refused')).toEqual([]);
    // a cancel-all not held cancels once
    t.oms.send({ ...halt, commandId: 'once', hold: undefined });
    reject('c', 1);
    expect(t.status('c')).toBe('ACKNOWLEDGED');
  });

  it('a slow cancel answer re-sent by the status query (same exec id) is not refused after CANCELED', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: 'a', execId: 'x1' }) });
    const cancel = {
      commandId: 'k',
      tsInit: 2n,
      strategyId: 's1',
      instrumentId: 'ORCL@SIM',
      clientOrderId: 'a'
    };
    t.oms.send({ type: 'order.cancel', command: { type: 'order.cancel', ...cancel } });
    t.clock.advanceTo(2_000_000_000n); // no answer yet: the order queries
    expect(t.requests).toEqual(['submit:a', 'cancel:a', 'query:a']);
    const canceled = report('canceled', { clientOrderId: 'a', execId: 'x2', leavesQty: 0 });
    t.oms.send({ type: 'exec.report', report: canceled }); // the cancel's answer
    t.oms.send({ type: 'exec.report', report: canceled }); // the query's: the latest report again
    expect(t.status('a')).toBe('CANCELED');
    expect(t.orderEvents.map((e) => e.type)).toEqual([
      'order.submitted',
      'order.accepted',
      'order.pending_cancel',
      'order.status_queried',
      'order.canceled'
    ]);
  });

  it('an order whose venue never answers is queried when its in-flight timer fires', () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a'), risk: { ok: true } });
    t.clock.advanceTo(60_000_000_000n);
    expect(t.requests.slice(0, 2)).toEqual(['submit:a', 'query:a']);
  });

  it('stopping the OMS stops its working order actors: no timer fires and no id stays registered', () => {
    const t = setup();
    for (const id of ['a', 'b', 'c'])
      t.oms.send({ type: 'order.submit', command: submit(id), risk: { ok: true } });
    t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: 'b' }) });
    const refs = ['a', 'b', 'c'].map((id) => t.oms.system.get(orderSystemId(id)));
    t.oms.stop();
    expect(refs.map((r) => r?.getSnapshot().status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(['a', 'b', 'c'].map((id) => t.oms.system.get(orderSystemId(id)))).toEqual([
      undefined,
      undefined,
      undefined
    ]);
    t.clock.advanceTo(3_600_000_000_000n);
    expect(t.requests).toEqual(['submit:a', 'submit:b', 'submit:c']);
  });

  it("keeps working orders out of its snapshot's children (XState copies that record on every spawn and stop)", () => {
    const t = setup();
    for (let i = 0; i < 200; i++)
      t.oms.send({ type: 'order.submit', command: submit(`o${i}`), risk: { ok: true } });
    expect(t.oms.getSnapshot().context.open).toBe(200);
    expect(Object.keys(t.oms.getSnapshot().children)).toEqual([]);
    expect(t.status('o199')).toBe('PENDING_NEW');
  });

  it("a replace answer that crossed the order's last fill is a late report, not a refusal; strays still are refused", () => {
    const t = setup();
    t.oms.send({ type: 'order.submit', command: submit('a', 's1', 10), risk: { ok: true } });
    t.oms.send({ type: 'exec.report', report: report('accepted', { clientOrderId: 'a' }) });
    t.oms.send({ type: 'order.replace', command: replaceA({ limitPx: 101 }) });
    t.oms.send({
      type: 'exec.report',
      report: report('fill', { clientOrderId: 'a', lastQty: 10, lastPx: 100, execId: 'f' })
    });
    expect(t.oms.system.get(orderSystemId('a'))).toBeUndefined();
    // the venue answers the replace after the fill: too late
    t.oms.send({
      type: 'exec.report',
      report: report('replace_rejected', { clientOrderId: 'a2', origClientOrderId: 'a' })
    });
    t.oms.send({ type: 'exec.report', report: report('cancel_rejected', { clientOrderId: 'never-seen' }) });
    expect(t.omsEvents.filter((e) => e.type === 'oms.late_report' || e.type === 'oms.refused')).toEqual([
      expect.objectContaining({ type: 'oms.late_report', clientOrderId: 'a', execType: 'replace_rejected' }),
      expect.objectContaining({
        type: 'oms.refused',
        clientOrderId: 'never-seen',
        code: 'TRD_ERR_UNKNOWN_ORDER'
      })
    ]);
  });

  it('many strategies interleaved: every order changes state atomically and no update is lost', () => {
    const t = setup();
    const rng = new Rng(2024);
    const strategies = 8;
    const perStrategy = 25;
    // each order's script: submit, ack, up to 3 partial fills, then maybe a cancel + canceled
    const scripts: { id: string; steps: (() => void)[]; fills: number }[] = [];
    for (let s = 0; s < strategies; s++) {
      for (let n = 0; n < perStrategy; n++) {
        const id = `s${s}-${n}`;
        const qty = 9;
        const steps: (() => void)[] = [
          () => t.oms.send({ type: 'order.submit', command: submit(id, `s${s}`, qty), risk: { ok: true } }),
          () =>
            t.oms.send({
              type: 'exec.report',
              report: report('accepted', { clientOrderId: id, venueOrderId: `v-${id}` })
            })
        ];
        const nFills = rng.int(4);
        let cum = 0;
        for (let f = 0; f < nFills; f++) {
          const q = f === 2 ? qty - cum : 1 + rng.int(3);
          cum += q;
          const fid = `${id}-f${f}`;
          steps.push(() =>
            t.oms.send({
              type: 'exec.report',
              report: report('fill', {
                clientOrderId: id,
                venueOrderId: `v-${id}`,
                lastQty: q,
                lastPx: 100,
                execId: fid
              })
            })
          );
        }
        if (cum < qty) {
          steps.push(() =>
            t.oms.send({
              type: 'order.cancel',
              command: {
                type: 'order.cancel',
                commandId: `x-${id}`,
                tsInit: 3n,
                strategyId: `s${s}`,
                instrumentId: 'ORCL@SIM',
                clientOrderId: id
              }
            })
          );
          steps.push(() =>
            t.oms.send({
              type: 'exec.report',
              report: report('canceled', { clientOrderId: id, venueOrderId: `v-${id}` })
            })
          );
        }
        scripts.push({ id, steps, fills: cum });
      }
    }
    // interleave: repeatedly pick a random script and run its next step
    const pending = scripts.map((s) => ({ ...s, i: 0 }));
    let sent = 0;
    while (pending.length > 0) {
      const k = rng.int(pending.length);
      const p = pending[k]!;
      p.steps[p.i++]!();
      sent++;
      if (p.i === p.steps.length) pending.splice(k, 1);
    }
    const records = t.orderEvents;
    expect(records.filter((e) => e.type === 'order.refused')).toEqual([]);
    // exactly one audit record per event sent
    expect(records).toHaveLength(sent);
    for (const s of scripts) {
      const history = records.filter(
        (e): e is OrderEvent => e.type !== 'order.refused' && e.clientOrderId === s.id
      );
      // a chain: each record starts where the previous ended
      for (let i = 1; i < history.length; i++) expect(history[i]!.from).toBe(history[i - 1]!.to);
      const last = history.at(-1)!;
      expect(last.filledQty).toBe(s.fills);
      expect(last.to).toBe(s.fills === 9 ? 'FILLED' : 'CANCELED');
    }
  });
});
