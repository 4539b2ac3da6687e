import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  CANCELABLE_STATUSES,
  FINAL_STATUSES,
  MAX_REPORT_IDS,
  MAX_STATUS_QUERIES,
  type OrderEmitted,
  type OrderMachineEvent,
  orderMachine,
  type VenueRequest
} from '../../src/machines/order.machine.ts';
import { ORDER_FINAL_STATES } from '../../src/messages/order-events.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import { DENIED, ev, report, submitCmd } from '../support/order-fixtures.ts';

function start(clock = new SimulatedClock(0n)) {
  const sent: VenueRequest['kind'][] = [];
  const emitted: OrderEmitted[] = [];
  const machine = orderMachine.provide({
    actions: { sendToVenue: (_a, params: { kind: VenueRequest['kind'] }) => void sent.push(params.kind) }
  });
  const actor = createActor(machine, { input: submitCmd, clock });
  actor.on('*', (e) => void emitted.push(e as OrderEmitted));
  actor.start();
  return { actor, sent, emitted, clock, status: () => actor.getSnapshot().value };
}

describe('orderMachine', () => {
  it('CANCELABLE_STATUSES are exactly the states with an order.cancel transition', () => {
    const withCancel = Object.entries(orderMachine.states)
      .filter(([, node]) => Object.keys(node.on).includes('order.cancel'))
      .map(([status]) => status);
    expect(withCancel).toEqual([...CANCELABLE_STATUSES]);
  });

  it('FINAL_STATUSES (= ORDER_FINAL_STATES of the order events) are exactly the final states', () => {
    const final = Object.entries(orderMachine.states)
      .filter(([, node]) => node.type === 'final')
      .map(([status]) => status);
    expect(final).toEqual([...FINAL_STATUSES]);
    expect(FINAL_STATUSES).toBe(ORDER_FINAL_STATES);
  });

  it('walks the happy path NEW → PENDING_NEW → ACKNOWLEDGED → PARTIAL_FILL → FILLED and stops', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.fill('e1'));
    expect(o.status()).toBe('PARTIAL_FILL');
    o.actor.send(ev.fill('e2'));
    expect(o.status()).toBe('FILLED');
    expect(o.actor.getSnapshot().status).toBe('done');
    expect(o.sent).toEqual(['submit']);
    expect(o.emitted.map((e) => e.type)).toEqual([
      'order.submitted',
      'order.accepted',
      'order.filled',
      'order.filled'
    ]);
    const last = o.emitted.at(-1);
    expect(last?.type === 'order.filled' && [last.from, last.to, last.filledQty, last.leavesQty]).toEqual([
      'PARTIAL_FILL',
      'FILLED',
      2,
      0
    ]);
  });

  it('a risk denial rejects without reaching the venue', () => {
    const o = start();
    o.actor.send(ev.submit(false));
    expect(o.status()).toBe('REJECTED');
    expect(o.sent).toEqual([]);
    expect(o.emitted[0]).toMatchObject({
      type: 'order.denied',
      actor: 'system',
      reason: 'maxOrderSize: too big'
    });
  });

  it('a cancel reject shows the venue has the order only when it names the venue order id', () => {
    // each refusal its own exec id, as the gateways give it (`<commandId>:not-sent`)
    const refusedHere = (i: number): OrderMachineEvent => ({
      type: 'venue.cancel_rejected',
      report: {
        ...report('cancel_rejected'),
        execId: `c${i}:not-sent`,
        venueOrderId: undefined,
        reason: 'not sent'
      }
    });
    const o = start();
    o.actor.send(ev.submit());
    // twice canceled while the gateway could not send: nothing said the venue had it
    for (let i = 0; i < 2; i++) {
      o.actor.send(ev.cancel());
      o.actor.send(refusedHere(i));
    }
    expect([o.status(), o.actor.getSnapshot().context.acked]).toEqual(['PENDING_NEW', false]);
    // so the venue's reject of the order (it never got it) still ends it
    o.actor.send(ev.rejected());
    expect(o.status()).toBe('REJECTED');
    // a venue's cancel reject naming its order id does show it has the order
    const v = start();
    v.actor.send(ev.submit());
    v.actor.send(ev.cancel());
    v.actor.send(ev.cancelRejected());
    expect(v.actor.getSnapshot().context.acked).toBe(true);
  });

  it('a cancel reject naming the venue order id before any ack restores ACKNOWLEDGED, not PENDING_NEW', () => {
    // the reject shows the venue has the order: the order is working there (a replace is taken), and no longer
    // waits on a submit answer (no status query of it)
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.cancel());
    o.actor.send(ev.cancelRejected());
    expect([o.status(), o.actor.getSnapshot().context.acked]).toEqual(['ACKNOWLEDGED', true]);
    expect(o.emitted.at(-1)).toMatchObject({
      type: 'order.cancel_rejected',
      from: 'PENDING_CANCEL',
      to: 'ACKNOWLEDGED'
    });
    o.clock.advanceTo(10_000_000_000n);
    expect(o.sent).toEqual(['submit', 'cancel']);
    o.actor.send(ev.replace(3));
    expect(o.status()).toBe('PENDING_REPLACE');
  });

  it("the venue's own ack after the order knew it was acknowledged is recorded in place, never refused", () => {
    // the acks recorded and the refusals, as [type, from, to] ([type, status, status] for a refusal)
    const acks = (o: ReturnType<typeof start>): string[][] =>
      o.emitted.flatMap((e): string[][] =>
        e.type === 'order.refused'
          ? [[e.type, e.status, e.status]]
          : e.type === 'order.accepted'
            ? [[e.type, e.from, e.to]]
            : []
      );
    // a cancel reject naming the venue's id (REST), then the ack (the stream's `new`, its own exec id)
    const o = start();
    for (const e of [ev.submit(), ev.cancel(), ev.cancelRejected(), ev.accepted()]) o.actor.send(e);
    expect(o.status()).toBe('ACKNOWLEDGED');
    expect(acks(o)).toEqual([['order.accepted', 'ACKNOWLEDGED', 'ACKNOWLEDGED']]);
    // a fill before the ack; and an ack arriving while a replace is pending: no transition, its timer kept
    const p = start();
    for (const e of [ev.submit(), ev.fill('e1'), ev.accepted()]) p.actor.send(e);
    expect([p.status(), acks(p)]).toEqual([
      'PARTIAL_FILL',
      [['order.accepted', 'PARTIAL_FILL', 'PARTIAL_FILL']]
    ]);
    const r = start();
    for (const e of [ev.submit(), ev.cancel(), ev.cancelRejected(), ev.replace(3)]) r.actor.send(e);
    r.clock.advanceTo(1_000_000_000n);
    r.actor.send(ev.accepted());
    expect([r.status(), acks(r)]).toEqual([
      'PENDING_REPLACE',
      [['order.accepted', 'PENDING_REPLACE', 'PENDING_REPLACE']]
    ]);
    r.clock.advanceTo(2_000_000_000n); // the replace's timeout, armed when it was sent
    expect(r.sent).toEqual(['submit', 'cancel', 'replace', 'query']);
  });

  it('late answers to a cancel or replace after the venue canceled the order are recorded, and change nothing', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.replace());
    o.actor.send(ev.canceled()); // an OCO cancel crossed the replace
    o.actor.send(ev.replaceRejected());
    o.actor.send(ev.cancelRejected());
    expect(o.status()).toBe('CANCELED');
    expect(o.emitted.slice(-2).map((e) => [e.type, 'late' in e ? e.late : undefined])).toEqual([
      ['order.replace_rejected', true],
      ['order.cancel_rejected', true]
    ]);
    expect(o.emitted.some((e) => e.type === 'order.refused')).toBe(false);
  });

  it("the venue's ack after its cancel or expiry (on another channel) is recorded in place, never refused", () => {
    // an IOC's `new` after its `canceled`; an expiry and the ack crossing the same way
    for (const [end, state] of [
      [ev.canceled(), 'CANCELED'],
      [ev.expired(), 'EXPIRED']
    ] as const) {
      const o = start();
      for (const e of [ev.submit(), end]) o.actor.send(e);
      o.clock.advanceTo(4_000_000_000n);
      o.actor.send(ev.accepted());
      expect(o.status()).toBe(state);
      expect(o.emitted.at(-1)).toMatchObject({ type: 'order.accepted', from: state, to: state });
      expect(o.emitted.some((e) => e.type === 'order.refused')).toBe(false);
      // the late-fill grace runs from the cancel/expiry, not from the ack
      o.clock.advanceTo(5_000_000_000n);
      expect(o.status()).toBe('CLOSED');
    }
  });

  it('PENDING_NEW → REJECTED on a venue reject', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.rejected());
    expect(o.status()).toBe('REJECTED');
  });

  it('accepts a fill before the ack', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.fill('e1'));
    expect(o.status()).toBe('PARTIAL_FILL');
    expect(o.actor.getSnapshot().context.acked).toBe(true);
  });

  it('cancels: ACKNOWLEDGED → PENDING_CANCEL → CANCELED, then closes after the grace period', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.cancel());
    expect(o.status()).toBe('PENDING_CANCEL');
    expect(o.sent).toEqual(['submit', 'cancel']);
    o.actor.send(ev.canceled());
    expect(o.status()).toBe('CANCELED');
    o.clock.advanceTo(10_000_000_000n);
    expect(o.status()).toBe('CLOSED');
    expect(o.actor.getSnapshot().status).toBe('done');
  });

  it('a fill during PENDING_CANCEL is applied; a cancel reject then restores PARTIAL_FILL', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.cancel());
    o.actor.send(ev.fill('e1'));
    expect(o.status()).toBe('PENDING_CANCEL');
    o.actor.send(ev.cancelRejected());
    expect(o.status()).toBe('PARTIAL_FILL');
    expect(o.actor.getSnapshot().context.filledQty).toBe(1);
  });

  it('a cancel reject without fills restores ACKNOWLEDGED', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.cancel());
    o.actor.send(ev.cancelRejected());
    expect(o.status()).toBe('ACKNOWLEDGED');
  });

  it('a late fill after CANCELED is applied and flagged, until the order closes', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.cancel());
    o.actor.send(ev.canceled());
    o.actor.send(ev.fill('e1'));
    expect(o.status()).toBe('CANCELED');
    expect(o.emitted.at(-1)).toMatchObject({ type: 'order.filled', late: true, filledQty: 1 });
  });

  it('unsolicited cancel: ACKNOWLEDGED → CANCELED', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.canceled());
    expect(o.status()).toBe('CANCELED');
    expect(o.emitted.at(-1)).toMatchObject({ actor: 'venue', cause: 'venue.canceled' });
  });

  it('cancel-replace chains the new client id to the original', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.replace(3));
    expect(o.status()).toBe('PENDING_REPLACE');
    o.actor.send(ev.replaced());
    const ctx = o.actor.getSnapshot().context;
    expect(o.status()).toBe('ACKNOWLEDGED');
    expect([ctx.clientOrderId, ctx.chain, ctx.qty, ctx.limitPx]).toEqual(['o-1.r1', ['o-1'], 3, 1001]);
  });

  it('a replace reject keeps the original terms', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.replace(3));
    o.actor.send(ev.replaceRejected());
    const ctx = o.actor.getSnapshot().context;
    expect([o.status(), ctx.clientOrderId, ctx.qty]).toEqual(['ACKNOWLEDGED', 'o-1', 2]);
  });

  it('a replace risk denied is recorded as order.replace_denied; the order keeps its terms and nothing goes out', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.replace(3, DENIED));
    const ctx = o.actor.getSnapshot().context;
    expect([o.status(), ctx.clientOrderId, ctx.qty, ctx.limitPx, ctx.pendingReplace]).toEqual([
      'ACKNOWLEDGED',
      'o-1',
      2,
      1000,
      undefined
    ]);
    expect(o.sent).toEqual(['submit']);
    expect(o.emitted.at(-1)).toMatchObject({
      type: 'order.replace_denied',
      from: 'ACKNOWLEDGED',
      to: 'ACKNOWLEDGED',
      actor: 'system',
      why: 'risk',
      reason: 'maxOrderQty: qty 3 > 2',
      cause: 'order.replace',
      leavesQty: 2
    });
    // a partially filled order stays partially filled, and an approved replace still goes out afterwards
    o.actor.send(ev.fill('e1'));
    o.actor.send(ev.replace(3, DENIED));
    expect([o.status(), o.emitted.at(-1)?.type]).toEqual(['PARTIAL_FILL', 'order.replace_denied']);
    o.actor.send(ev.replace(3, { ok: true }));
    expect([o.status(), o.sent]).toEqual(['PENDING_REPLACE', ['submit', 'replace']]);
    expect(o.emitted.at(-1)).toMatchObject({
      type: 'order.pending_replace',
      actor: 'strategy',
      why: 'signal'
    });
  });

  it('a cancel during a pending replace is held until the replace is answered, then sent for the order as the venue has it', () => {
    // the cancel names a client id: sent at once it would name the old one, which the venue no longer has
    // once it has applied the replace (seen over FIX: cancel rejected, "order not working", order left working)
    const targets: string[] = [];
    const machine = orderMachine.provide({
      actions: {
        sendToVenue: ({ context }, params: { kind: VenueRequest['kind'] }) =>
          void targets.push(`${params.kind} ${context.clientOrderId}`)
      }
    });
    const run = (answer: OrderMachineEvent) => {
      targets.length = 0;
      const actor = createActor(machine, { input: submitCmd });
      actor.start();
      for (const e of [ev.submit(), ev.accepted(), ev.replace(3), ev.cancel()]) actor.send(e);
      const held = [actor.getSnapshot().value, [...targets]];
      actor.send(answer);
      return { held, after: [actor.getSnapshot().value, actor.getSnapshot().context.clientOrderId, targets] };
    };
    const replaced = run(ev.replaced());
    expect(replaced.held).toEqual(['PENDING_CANCEL', ['submit o-1', 'replace o-1']]);
    expect(replaced.after).toEqual([
      'PENDING_CANCEL',
      'o-1.r1',
      ['submit o-1', 'replace o-1', 'cancel o-1.r1']
    ]);
    const rejected = run(ev.replaceRejected());
    expect(rejected.after).toEqual(['PENDING_CANCEL', 'o-1', ['submit o-1', 'replace o-1', 'cancel o-1']]);
    // a cancel not held (sent from a working order) is not sent again by a stray replace answer
    const o = start();
    for (const e of [ev.submit(), ev.accepted(), ev.cancel(), ev.replaced()]) o.actor.send(e);
    expect([o.status(), o.sent, o.emitted.at(-1)?.type]).toEqual([
      'PENDING_CANCEL',
      ['submit', 'cancel'],
      'order.refused'
    ]);
  });

  it('a denied replace of an order that is not working is refused like any replace there', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.replace(3, DENIED));
    expect([o.status(), o.emitted.at(-1)?.type]).toEqual(['PENDING_NEW', 'order.refused']);
  });

  it('expiry of a partially filled order', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.fill('e1'));
    o.actor.send(ev.expired());
    expect(o.status()).toBe('EXPIRED');
  });

  it('refuses an invalid transition with a typed, logged event (never silently)', () => {
    const o = start();
    o.actor.send(ev.fill('e1'));
    expect(o.status()).toBe('NEW');
    expect(o.emitted).toEqual([
      expect.objectContaining({
        type: 'order.refused',
        code: 'TRD_ERR_INVALID_TRANSITION',
        event: 'venue.filled',
        status: 'NEW'
      })
    ]);
  });

  it('an unanswered submit queries the venue on a timer (never decides by itself), then gives up querying', () => {
    const o = start();
    o.actor.send(ev.submit());
    for (let i = 1; i <= 6; i++) o.clock.advanceTo(BigInt(i) * 2_000_000_000n);
    expect(o.status()).toBe('PENDING_NEW');
    expect(o.sent).toEqual(['submit', 'query', 'query', 'query', 'query', 'query']);
    const queried = o.emitted.filter((e) => e.type === 'order.status_queried');
    expect(queried).toHaveLength(6);
    expect(queried.at(-1)).toMatchObject({
      actor: 'system',
      why: 'reconciliation',
      reason: 'no answer after 5 status queries'
    });
    expect(o.clock.pendingTimers).toBe(0);
    // the venue's answer decides
    o.actor.send(ev.accepted());
    expect(o.status()).toBe('ACKNOWLEDGED');
  });

  it('a lost cancel ack is recovered by the status query', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.cancel());
    o.clock.advanceTo(2_000_000_000n);
    expect(o.sent).toEqual(['submit', 'cancel', 'query']);
    o.actor.send(ev.canceled());
    expect(o.status()).toBe('CANCELED');
  });

  it('audit records say who acted, why, and what the venue answered', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.rejected());
    expect(
      o.emitted.map((e) => (e.type === 'order.refused' ? e.type : [e.actor, e.why, e.venueAnswer]))
    ).toEqual([
      ['strategy', 'signal', undefined],
      ['venue', 'venue', 'rejected']
    ]);
  });

  it('a venue restatement sets the quantity to filled plus its leaves, in the state the order is in', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send(ev.restated(1));
    expect(o.status()).toBe('ACKNOWLEDGED');
    expect(o.emitted.at(-1)).toMatchObject({
      type: 'order.restated',
      from: 'ACKNOWLEDGED',
      to: 'ACKNOWLEDGED',
      qty: 1,
      leavesQty: 1,
      filledQty: 0,
      actor: 'venue',
      venueAnswer: 'restated',
      reason: 'OUO: tp filled 1'
    });
    // the order is now for 1: a fill of 2 is an overfill, a fill of 1 completes it
    o.actor.send(ev.fill('e1', 2));
    expect(o.emitted.at(-1)).toMatchObject({ type: 'order.refused', code: 'TRD_ERR_OVERFILL' });
    o.actor.send(ev.fill('e2', 1));
    expect([o.status(), o.sent]).toEqual(['FILLED', ['submit']]);
  });

  it("a restatement takes the venue's quantity (cumQty + leaves), so a fill it counted that we have not seen still fits", () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    // the venue filled 1 (report lost for now) and then restated the order to 1 more: 2 in all
    o.actor.send(ev.restated(1, 1));
    expect([o.status(), o.actor.getSnapshot().context.qty]).toEqual(['ACKNOWLEDGED', 2]);
    o.actor.send(ev.fill('late', 1));
    o.actor.send(ev.fill('last', 1));
    expect(o.status()).toBe('FILLED');
  });

  it("a replace takes the venue's size from its answer: a price-only replace that crossed a restatement may have undone it", () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    const sized = ev.replace();
    if (sized.type !== 'order.replace') throw new Error('a replace');
    const { qty: _, ...priceOnly } = sized.command;
    o.actor.send({ ...sized, command: priceOnly });
    // the venue restates 2 → 1, then applies the replace it had, sent as of 2 (FIX OrderQty is absolute)
    o.actor.send(ev.restated(1));
    expect(o.actor.getSnapshot().context.qty).toBe(1);
    o.actor.send(ev.replaced(2));
    expect([o.status(), o.actor.getSnapshot().context.qty]).toEqual(['ACKNOWLEDGED', 2]);
    expect(o.emitted.at(-1)).toMatchObject({ type: 'order.replaced', qty: 2, leavesQty: 2, limitPx: 1001 });
    // the 2 the venue works fill without an overfill
    o.actor.send(ev.fill('e1', 2));
    expect(o.status()).toBe('FILLED');
  });

  it('a restatement while a cancel is pending keeps it pending; one that leaves nothing is refused', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.restated(1));
    expect(o.emitted.at(-1)).toMatchObject({ type: 'order.refused', code: 'TRD_ERR_INVALID_TRANSITION' });
    o.actor.send(ev.accepted());
    o.actor.send(ev.cancel());
    o.actor.send(ev.restated(1));
    expect([o.status(), o.actor.getSnapshot().context.qty]).toEqual(['PENDING_CANCEL', 1]);
    o.actor.send(ev.restated(0));
    expect(o.emitted.at(-1)).toMatchObject({
      type: 'order.refused',
      code: 'TRD_ERR_INVALID_TRANSITION',
      event: 'venue.restated'
    });
    expect(o.actor.getSnapshot().context.qty).toBe(1);
  });

  it('refuses duplicate fills and overfills', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.fill('e1'));
    o.actor.send(ev.fill('e1'));
    o.actor.send(ev.fill('e2', 5));
    expect(o.actor.getSnapshot().context.filledQty).toBe(1);
    expect(o.emitted.slice(-2).map((e) => (e.type === 'order.refused' ? e.code : e.type))).toEqual([
      'TRD_ERR_DUPLICATE_FILL',
      'TRD_ERR_OVERFILL'
    ]);
  });
});

describe('orderMachine: repeated reports (a status query is answered with the latest report again)', () => {
  it('an unanswered cancel queried and answered with the ack again stops querying after MAX_STATUS_QUERIES, no audit repeated', () => {
    for (const repeat of [ev.accepted(), ev.restated(1)]) {
      const o = start();
      o.actor.send(ev.submit());
      o.actor.send(ev.accepted());
      if (repeat.type === 'venue.restated') o.actor.send(repeat);
      const records = o.emitted.length;
      o.actor.send(ev.cancel()); // lost on the wire
      for (let i = 1; i <= 20; i++) {
        o.clock.advanceTo(BigInt(i) * 2_000_000_000n);
        if (o.sent.at(-1) === 'query') o.actor.send(repeat);
      }
      expect(o.status()).toBe('PENDING_CANCEL');
      expect(o.sent.filter((k) => k === 'query')).toHaveLength(MAX_STATUS_QUERIES);
      // one pending_cancel, one status_queried per timeout (the last one: no more queries), nothing else
      expect(o.emitted.slice(records).map((e) => e.type)).toEqual([
        'order.pending_cancel',
        ...Array.from({ length: MAX_STATUS_QUERIES + 1 }, () => 'order.status_queried')
      ]);
      expect(o.clock.pendingTimers).toBe(0);
      // the venue's real answer still decides
      o.actor.send(ev.canceled());
      expect(o.status()).toBe('CANCELED');
    }
  });

  it('a repeat arriving after the real answer is taken as nothing, not refused', () => {
    // ack crossed by the submit's status query answer
    const a = start();
    a.actor.send(ev.submit());
    a.clock.advanceTo(2_000_000_000n);
    a.actor.send(ev.accepted());
    a.actor.send(ev.accepted());
    expect([a.status(), a.emitted.map((e) => e.type)]).toEqual([
      'ACKNOWLEDGED',
      ['order.submitted', 'order.status_queried', 'order.accepted']
    ]);
    // cancel answer crossed by the cancel's status query answer
    const c = start();
    for (const e of [ev.submit(), ev.accepted(), ev.cancel(), ev.canceled(), ev.canceled()]) c.actor.send(e);
    expect([c.status(), c.emitted.at(-1)?.type, c.emitted.filter((e) => e.type === 'order.refused')]).toEqual(
      ['CANCELED', 'order.canceled', []]
    );
    // a replace pending: the ack re-sent neither refuses nor resets the query count (nor restarts the timer)
    const r = start();
    for (const e of [ev.submit(), ev.accepted(), ev.replace(3)]) r.actor.send(e);
    r.clock.advanceTo(2_000_000_000n);
    r.actor.send(ev.accepted());
    expect([r.status(), r.actor.getSnapshot().context.statusQueries, r.emitted.at(-1)?.type]).toEqual([
      'PENDING_REPLACE',
      1,
      'order.status_queried'
    ]);
    r.clock.advanceTo(4_000_000_000n);
    expect(r.sent).toEqual(['submit', 'replace', 'query', 'query']);
  });

  it('a report with a new exec id is still judged; a repeated fill is still refused as a duplicate', () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.accepted());
    o.actor.send({ type: 'venue.rejected', report: report('rejected', { execId: 'another' }) });
    expect(o.emitted.at(-1)).toMatchObject({ type: 'order.refused', code: 'TRD_ERR_INVALID_TRANSITION' });
    o.actor.send(ev.fill('e1'));
    o.actor.send(ev.fill('e1'));
    expect(o.emitted.at(-1)).toMatchObject({ type: 'order.refused', code: 'TRD_ERR_DUPLICATE_FILL' });
    expect(o.actor.getSnapshot().context.filledQty).toBe(1);
  });

  it(`remembers the exec ids of the latest ${MAX_REPORT_IDS} reports other than fills, and of every fill`, () => {
    const o = start();
    o.actor.send(ev.submit());
    o.actor.send(ev.fill('e1'));
    for (let i = 0; i < MAX_REPORT_IDS + 5; i++)
      o.actor.send({
        type: 'venue.restated',
        report: report('restated', { execId: `r${i}`, leavesQty: 1, cumQty: 1 })
      });
    const ctx = o.actor.getSnapshot().context;
    expect(ctx.reportIds).toHaveLength(MAX_REPORT_IDS);
    expect([ctx.reportIds[0], ctx.reportIds.at(-1), ctx.execIds]).toEqual([
      'r5',
      `r${MAX_REPORT_IDS + 4}`,
      ['e1']
    ]);
  });
});

describe('orderMachine: status queries', () => {
  it('a replace answer (replaced or rejected) is heard from the venue: a later unanswered cancel gets all its queries', () => {
    for (const answer of [ev.replaced(), ev.replaceRejected()]) {
      const o = start();
      o.actor.send(ev.submit());
      o.actor.send(ev.accepted());
      o.actor.send(ev.replace(3));
      for (let i = 1; i <= 4; i++) o.clock.advanceTo(BigInt(i) * 2_000_000_000n); // a slow answer: 4 queries
      o.actor.send(answer);
      expect([o.status(), o.actor.getSnapshot().context.statusQueries]).toEqual(['ACKNOWLEDGED', 0]);
      const before = o.sent.length;
      o.actor.send(ev.cancel());
      for (let i = 5; i <= 20; i++) o.clock.advanceTo(BigInt(i) * 2_000_000_000n); // never answered
      expect(o.sent.slice(before).filter((k) => k === 'query')).toHaveLength(MAX_STATUS_QUERIES);
    }
  });
});
