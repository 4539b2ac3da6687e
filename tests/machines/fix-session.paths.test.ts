import { describe, expect, it } from 'vitest';
import { fromCallback, type SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { FixEncoder, type FixField } from '../../src/gateways/fix/encoder.ts';
import { parseFix } from '../../src/gateways/fix/parser.ts';
import { decodeInbound, encodeOutbound } from '../../src/gateways/fix/session.ts';
import { MemorySessionStore } from '../../src/gateways/fix/session-store.ts';
import { validateFix } from '../../src/gateways/fix/validate.ts';
import {
  type FixSessionEvent,
  type FixTransportCommand,
  type FixTransportInput,
  fixSessionMachine
} from '../../src/machines/fix-session.machine.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import { nosBody, SessionHarness, sessionConfig, T0 } from '../gateways/fix-session-harness.ts';
import { dict } from '../gateways/fix-support.ts';

type Snap = SnapshotFrom<typeof fixSessionMachine>;
const ENC = new FixEncoder();

const inert = fromCallback<FixTransportCommand, FixTransportInput>(() => () => {});
const machine = fixSessionMachine.provide({ actors: { transport: inert } });

/** Every `after` event of the chart (the graph walker does not run timers, so they are explicit events). */
function delayedEvents(): string[] {
  const out: string[] = [];
  const walk = (node: typeof machine.root): void => {
    for (const t of node.after) out.push(t.eventType);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root);
  return out;
}
const DELAYED = delayedEvents();

/** All leaf state ids of the chart. */
function leafIds(): string[] {
  const out: string[] = [];
  const walk = (node: typeof machine.root): void => {
    const kids = Object.values(node.states);
    if (kids.length === 0) out.push(node.id);
    for (const k of kids) walk(k);
  };
  walk(machine.root);
  return out;
}

function leavesOf(value: unknown, prefix = 'fixSession'): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leavesOf(v, `${prefix}.${k}`));
}

/** A peer that encodes messages against the snapshot's expected sequence number. */
function peerEvents(s: Snap, role: 'initiator' | 'acceptor'): FixSessionEvent[] {
  const cfg = sessionConfig(role);
  const peer = { senderCompId: cfg.targetCompId, targetCompId: cfg.senderCompId };
  const enc = (msgType: string, body: FixField[], seq: number, possDup = false): FixSessionEvent => {
    const dup = possDup ? { origSendingTime: '20240102-03:00:00.000' } : undefined;
    const bytes = encodeOutbound(ENC, peer, msgType, seq, T0, body, dup);
    return { type: 'transport.inbound', connId: s.context.connId, item: decodeInbound(bytes, dict) };
  };
  const n = s.context.nextIn;
  const ev: FixSessionEvent[] = [
    enc(
      'A',
      [
        [98, 0],
        [108, 30]
      ],
      n
    ),
    enc(
      'A',
      [
        [98, 0],
        [108, 30],
        [141, 'Y']
      ],
      1
    ),
    enc(
      'A',
      [
        [98, 0],
        [108, 30]
      ],
      n + 2
    ),
    enc('0', [], n),
    enc('1', [[112, 'T']], n),
    enc('D', nosBody('x'), n),
    enc('D', nosBody('x'), n + 3),
    enc(
      '4',
      [
        [123, 'Y'],
        [36, Math.max(n + 1, (s.context.queue.at(-1)?.seq ?? 0) + 1)]
      ],
      n,
      true
    ),
    enc('5', [], n),
    enc(
      '2',
      [
        [7, 1],
        [16, 0]
      ],
      n
    ),
    {
      type: 'transport.inbound',
      connId: s.context.connId,
      item: decodeInbound(Buffer.from('8=FIX.4.2\x019=5\x0135=0\x0110=000\x01', 'latin1'), dict)
    }
  ];
  if (n > 1) ev.push(enc('0', [], n - 1));
  return ev;
}

function eventsFor(role: 'initiator' | 'acceptor') {
  return (s: Snap): FixSessionEvent[] => [
    { type: 'session.start' },
    { type: 'session.stop' },
    { type: 'session.send', msgType: 'D', fields: nosBody('app') },
    { type: 'transport.listening', port: 1234 },
    { type: 'transport.connected', connId: s.context.connId + (role === 'acceptor' ? 1 : 0) },
    { type: 'transport.disconnected', connId: s.context.connId, reason: 'drop' },
    ...peerEvents(s, role),
    ...DELAYED.map((type) => ({ type }) as unknown as FixSessionEvent)
  ];
}

const serializeState = (s: Snap): string =>
  JSON.stringify([
    s.value,
    s.context.queue.length > 0,
    s.context.resendUntil > 0,
    s.context.stopping,
    s.context.attempts > 0
  ]);

const serializeEvent = (e: FixSessionEvent): string =>
  e.type === 'transport.inbound'
    ? `${e.type}:${e.item.kind === 'message' ? e.item.msg.toString() : 'garbled'}`
    : JSON.stringify(e, (k, v) => (k === 'fields' ? undefined : v));

for (const role of ['initiator', 'acceptor'] as const) {
  describe(`fix session model (${role}): shortest paths to every reachable state`, () => {
    const input = {
      config: sessionConfig(role),
      store: new MemorySessionStore(),
      clock: new SimulatedClock(T0)
    };
    const paths = getShortestPaths(machine, {
      events: eventsFor(role),
      input,
      serializeState,
      serializeEvent
    });

    it('reaches every leaf state the role can be in', () => {
      const reached = new Set(paths.flatMap((p) => leavesOf(p.state.value)));
      const unreachable =
        role === 'initiator'
          ? ['fixSession.running.listening', 'fixSession.running.awaitingLogon']
          : ['fixSession.running.connecting', 'fixSession.running.backoff', 'fixSession.running.logonSent'];
      const expected = leafIds().filter(
        (id) =>
          !unreachable.includes(id) &&
          id !== 'fixSession.running.starting' &&
          id !== 'fixSession.running.closing'
      );
      expect([...expected].filter((id) => !reached.has(id))).toEqual([]);
      expect(paths.length).toBeGreaterThan(10);
    });

    it('replaying each path on a live actor lands in the same state and keeps the invariants', () => {
      for (const path of paths) {
        const h = new SessionHarness(sessionConfig(role));
        let lastSeq = 0;
        for (const step of path.steps) {
          const before = h.commands.length;
          h.actor.send(step.event);
          for (const c of h.commands.slice(before)) {
            if (c.type !== 'transport.write') continue;
            const m = parseFix(c.bytes);
            // every outgoing message is well-formed FIX 4.2
            expect(validateFix(m, dict), m.toString()).toBeUndefined();
            const seq = m.getInt(34)!;
            const resend = m.get(43) === 'Y';
            const reset = m.msgType === 'A' && m.get(141) === 'Y';
            // new messages take strictly increasing sequence numbers (resends and resets excepted)
            if (!resend && !reset) expect(seq).toBeGreaterThan(lastSeq);
            if (!resend) lastSeq = seq;
          }
          const ctx = h.actor.getSnapshot().context;
          expect(ctx.nextIn).toBeGreaterThanOrEqual(1);
          expect(ctx.queue.every((q) => q.seq >= ctx.nextIn)).toBe(true);
          // queued messages only while a resend is outstanding
          if (ctx.queue.length > 0) expect(ctx.resendUntil).toBeGreaterThan(0);
        }
        expect(h.actor.getSnapshot().value).toEqual(path.state.value);
        h.actor.stop();
      }
    });
  });
}
