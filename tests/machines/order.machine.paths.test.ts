import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  CLOSING_STATUSES,
  FINAL_STATUSES,
  isRepeatReport,
  type OrderEmitted,
  type OrderMachineEvent,
  orderMachine
} from '../../src/machines/order.machine.ts';
import type { OrderStatus } from '../../src/messages/order-events.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import { DENIED, ev, report, submitCmd } from '../support/order-fixtures.ts';

type Snap = ReturnType<typeof orderMachine.transition>;

const ALL_STATES = Object.keys(orderMachine.root.states) as OrderStatus[];
/** The states of an order the venue is working (or may be, with a cancel or replace in flight). */
const ACKED_WORKING: readonly OrderStatus[] = [
  'ACKNOWLEDGED',
  'PARTIAL_FILL',
  'PENDING_CANCEL',
  'PENDING_REPLACE'
];

/** A venue report other than a fill made new to the order: its exec id follows from how many it has taken. */
function fresh(e: OrderMachineEvent, taken: number): OrderMachineEvent {
  return 'report' in e && e.type !== 'venue.filled'
    ? ({ ...e, report: { ...e.report, execId: `${e.report.execId}#${taken}` } } as OrderMachineEvent)
    : e;
}

/**
 * Every event the order can meet, with fills whose exec ids follow from the state (so they are new), plus a duplicate
 * and an overfill; other reports new too (a report the order has taken is a repeat, taken as nothing), plus repeats
 * of the latest one the order took (a status query's answer re-sends it), as an ack and as a cancel.
 */
function eventsFor(s: Snap): OrderMachineEvent[] {
  const filled = s.context.filledQty;
  const latest = s.context.reportIds.at(-1);
  return [
    ...(latest === undefined
      ? []
      : [
          { type: 'venue.accepted', report: report('accepted', { execId: latest }) } as const,
          { type: 'venue.canceled', report: report('canceled', { execId: latest }) } as const
        ]),
    ...freshReports(s),
    ev.submit(true),
    ev.submit(false),
    ev.cancel(),
    ev.replace(3),
    ev.replace(1),
    ev.replace(3, DENIED),
    ev.fill(`e${filled + 1}`),
    ev.fill('e1'),
    ev.fill(`big${filled}`, 5),
    { type: 'xstate.after.lateFillGrace.order.CANCELED' } as unknown as OrderMachineEvent,
    { type: 'xstate.after.lateFillGrace.order.EXPIRED' } as unknown as OrderMachineEvent,
    ...(['PENDING_NEW', 'PENDING_CANCEL', 'PENDING_REPLACE'] as const).map(
      (st) => ({ type: `xstate.after.inFlightTimeout.order.${st}` }) as unknown as OrderMachineEvent
    )
  ];
}

function freshReports(s: Snap): OrderMachineEvent[] {
  const filled = s.context.filledQty;
  return [
    ev.accepted(),
    ev.rejected(),
    ev.canceled(),
    ev.cancelRejected(),
    ev.replaced(),
    ev.replaceRejected(),
    ev.expired(),
    ev.restated(1, filled),
    ev.restated(0, filled)
  ].map((e) => fresh(e, s.context.reportIds.length));
}

const serializeState = (s: Snap): string =>
  JSON.stringify([
    s.value,
    s.context.filledQty,
    s.context.acked,
    s.context.qty,
    s.context.pendingReplace !== undefined
  ]);

const serializeEvent = (e: OrderMachineEvent): string =>
  JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

const paths = getShortestPaths(orderMachine, {
  events: eventsFor,
  input: submitCmd,
  serializeState,
  serializeEvent
});

/** Replay a path's events on a real actor and return it with everything it emitted. */
function replay(events: readonly OrderMachineEvent[]) {
  const emitted: OrderEmitted[] = [];
  const actor = createActor(orderMachine, { input: submitCmd, clock: new SimulatedClock(0n) });
  actor.on('*', (e) => void emitted.push(e as OrderEmitted));
  actor.start();
  for (const e of events) actor.send(e);
  return { actor, emitted };
}

describe('orderMachine: model-based paths (xstate/graph)', () => {
  // XState warns on every event sent to a stopped (final) actor; those sends are deliberate here.
  beforeAll(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));

  it('reaches every state by a shortest path', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual([...ALL_STATES].sort());
  });

  const labelled = paths.map((p) => ({
    name: `${serializeState(p.state)} via ${p.steps.map((s) => s.event.type).join(' → ') || '(start)'}`,
    p
  }));

  it.each(labelled)('every event in $name keeps the invariants', ({ p }) => {
    const prefix = p.steps.map((s) => s.event);
    for (const e of eventsFor(p.state)) {
      const { actor, emitted } = replay(prefix);
      const before = actor.getSnapshot();
      const from = before.value as OrderStatus;
      const n = emitted.length;
      actor.send(e);
      const after = actor.getSnapshot();
      const out = emitted.slice(n);
      const to = after.value as OrderStatus;
      // filled never exceeds quantity, and never decreases
      expect(after.context.filledQty).toBeLessThanOrEqual(after.context.qty);
      expect(after.context.filledQty).toBeGreaterThanOrEqual(before.context.filledQty);
      if (FINAL_STATUSES.has(from)) {
        // a final order is stopped: nothing changes, nothing is emitted by it
        expect(before.status).toBe('done');
        expect([to, after.context.filledQty, out.length]).toEqual([from, before.context.filledQty, 0]);
        continue;
      }
      // a repeated report (an exec id the order has taken, not a fill) is taken as nothing: no record, no change
      if ('report' in e && isRepeatReport(before.context, e.report)) {
        expect(out).toEqual([]);
        expect([to, after.context]).toEqual([from, before.context]);
        continue;
      }
      // every other event produces exactly one record: an audit event or a typed refusal
      expect(out).toHaveLength(1);
      const rec = out[0]!;
      if (rec.type === 'order.refused') {
        expect(rec.code).toMatch(/^TRD_ERR_/);
        expect([to, after.context.filledQty]).toEqual([from, before.context.filledQty]);
      } else {
        expect([rec.from, rec.to]).toEqual([from, to]);
        expect(rec.filledQty).toBe(after.context.filledQty);
      }
      // an ack of an order already acknowledged (the path may have learnt it from a fill or a cancel reject naming
      // the venue's id; or the venue acks on two channels) is recorded where the order is, never refused; so is an
      // ack after the order is canceled or expired, acked or not (the venue's end and its ack crossed on different
      // channels, e.g. an IOC's `new` after its `canceled`): no transition, the late-fill grace timer not restarted
      if (
        e.type === 'venue.accepted' &&
        ((before.context.acked && ACKED_WORKING.includes(from)) || CLOSING_STATUSES.includes(from))
      )
        expect([rec.type, to]).toEqual(['order.accepted', from]);
      // a replace risk denied changes nothing but the record
      if (rec.type === 'order.replace_denied') {
        expect([to, after.context.qty, after.context.pendingReplace]).toEqual([
          from,
          before.context.qty,
          before.context.pendingReplace
        ]);
        expect([rec.actor, rec.why]).toEqual(['system', 'risk']);
      }
      // a restatement keeps the state and makes the quantity the venue's (its cumQty + leaves)
      if (rec.type === 'order.restated') {
        const r = e.type === 'venue.restated' ? e.report : { cumQty: Number.NaN, leavesQty: Number.NaN };
        const leaves = r.leavesQty;
        expect([to, after.context.qty, rec.leavesQty]).toEqual([from, r.cumQty + leaves, leaves]);
        expect(leaves).toBeGreaterThan(0);
      }
      // a timeout decides nothing: it only queries, and the order stays where it was
      if (e.type.startsWith('xstate.after.inFlightTimeout') && rec.type !== 'order.refused') {
        expect([rec.type, to, rec.actor, rec.why]).toEqual([
          'order.status_queried',
          from,
          'system',
          'reconciliation'
        ]);
      }
      // closing states (canceled/expired) accept only late fills, late answers to a cancel or replace (recorded,
      // nothing changes), a late ack (recorded, see above) and their timer
      if (CLOSING_STATUSES.includes(from) && rec.type !== 'order.refused') {
        expect([
          'venue.accepted',
          'venue.filled',
          'venue.cancel_rejected',
          'venue.replace_rejected',
          `xstate.after.lateFillGrace.order.${from}`
        ]).toContain(e.type);
        if (e.type === 'venue.filled' && rec.type === 'order.filled') expect(rec.late).toBe(true);
        if (e.type === 'venue.cancel_rejected' || e.type === 'venue.replace_rejected') {
          expect([rec.type, rec.late, to, after.context.qty]).toEqual([
            e.type === 'venue.cancel_rejected' ? 'order.cancel_rejected' : 'order.replace_rejected',
            true,
            from,
            before.context.qty
          ]);
        }
      }
      if (FINAL_STATUSES.has(to)) expect(after.status).toBe('done');
    }
  });
});
