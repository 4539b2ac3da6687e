import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSessionStore, MemorySessionStore } from '../../src/gateways/fix/session-store.ts';
import { MAX_HEART_BT_INT_SEC } from '../../src/gateways/fix/tags.ts';
import { validateFix } from '../../src/gateways/fix/validate.ts';
import { nosBody, SessionHarness, sessionConfig } from '../gateways/fix-session-harness.ts';
import { dict, soh } from '../gateways/fix-support.ts';

const active = (s: unknown): boolean => JSON.stringify(s).includes('"active"');
const sync = (h: SessionHarness): string =>
  (h.state as { running: { active: { sync: string } } }).running.active.sync;

describe('fix session: logon', () => {
  it('initiator connects, sends Logon (98, 108, 141=Y with reset) as seq 1 and goes active on the answer', () => {
    const h = new SessionHarness(
      sessionConfig('initiator', { resetOnLogon: true }),
      new MemorySessionStore(7, 9)
    );
    h.actor.send({ type: 'session.start' });
    expect(h.commands[0]).toEqual({ type: 'transport.connect', connId: 1 });
    h.connected();
    const logon = h.lastSent();
    expect(logon.msgType).toBe('A');
    expect([logon.getInt(34), logon.get(98), logon.getInt(108), logon.get(141)]).toEqual([1, '0', 30, 'Y']);
    expect(validateFix(logon, dict)).toBeUndefined();
    h.peer('A', [
      [98, 0],
      [108, 30],
      [141, 'Y']
    ]);
    expect(active(h.state)).toBe(true);
    expect([h.ctx.nextIn, h.ctx.nextOut]).toEqual([2, 2]);
    expect(h.emittedOf('fix.loggedOn')).toHaveLength(1);
  });

  it('acceptor adopts the initiator HeartBtInt, answers Logon, resets on 141=Y', () => {
    const store = new MemorySessionStore(50, 40);
    const h = new SessionHarness(sessionConfig('acceptor'), store);
    h.actor.send({ type: 'session.start' });
    h.connected();
    h.peer('A', [
      [98, 0],
      [108, 5],
      [141, 'Y']
    ]);
    const reply = h.lastSent();
    expect([reply.msgType, reply.getInt(34), reply.getInt(108), reply.get(141)]).toEqual(['A', 1, 5, 'Y']);
    expect(h.ctx.heartBtIntSec).toBe(5);
    expect(store.load()).toEqual({ nextOut: 2, nextIn: 2 });
  });

  it('acceptor echoes a HeartBtInt past MAX_HEART_BT_INT_SEC as asked, but times its own heartbeats at the cap, so a silent peer is still found out', () => {
    const h = new SessionHarness(sessionConfig('acceptor'));
    h.actor.send({ type: 'session.start' });
    h.connected();
    h.peer('A', [
      [98, 0],
      [108, 2_147_484] // ~24.9 days
    ]);
    // FIX: the acceptor's Logon echoes the initiator's HeartBtInt (a strict counterparty logs out on another)
    expect([h.lastSent().getInt(108), h.ctx.heartBtIntSec]).toEqual([2_147_484, MAX_HEART_BT_INT_SEC]);
    h.advanceMs(MAX_HEART_BT_INT_SEC * 1000);
    expect(h.sentTypes()).toEqual(['A', '0']); // our heartbeat
  });

  it('acceptor keeps its own HeartBtInt for a Logon asking for 0 (no heartbeats) and stays up', () => {
    const h = new SessionHarness(sessionConfig('acceptor'));
    h.actor.send({ type: 'session.start' });
    h.connected();
    h.peer('A', [
      [98, 0],
      [108, 0]
    ]);
    expect(h.lastSent().getInt(108)).toBe(h.ctx.heartBtIntSec);
    expect(h.ctx.heartBtIntSec).toBeGreaterThan(0);
    h.advanceMs(1);
    // with 0 both timers fired at once: a Heartbeat, a TestRequest, and the link dropped
    expect(h.sentTypes()).toEqual(['A']);
    expect(JSON.stringify(h.state)).toContain('active');
  });

  it('acceptor disconnects when the first message is not a Logon', () => {
    const h = new SessionHarness(sessionConfig('acceptor'));
    h.actor.send({ type: 'session.start' });
    h.connected();
    h.peer('D', nosBody('o1'));
    expect(h.sent).toHaveLength(0);
    expect(h.commands.at(-1)).toEqual({ type: 'transport.close' });
    expect(h.state).toEqual({ running: 'listening' });
  });

  it('a Logon with MsgSeqNum too low is answered with Logout and a disconnect', () => {
    const h = new SessionHarness(sessionConfig('acceptor'), new MemorySessionStore(1, 10));
    h.actor.send({ type: 'session.start' });
    h.connected();
    h.peer(
      'A',
      [
        [98, 0],
        [108, 30]
      ],
      { seq: 3 }
    );
    expect(h.sentTypes()).toEqual(['5']);
    expect(h.lastSent().get(58)).toMatch(/too low.*expecting 10.*received 3/);
    expect(h.state).toEqual({ running: 'listening' });
  });

  it('a Logon with MsgSeqNum too high is accepted, then a ResendRequest asks for the gap', () => {
    const h = new SessionHarness(sessionConfig('acceptor'), new MemorySessionStore(1, 3));
    h.actor.send({ type: 'session.start' });
    h.connected();
    h.peer(
      'A',
      [
        [98, 0],
        [108, 30]
      ],
      { seq: 6 }
    );
    expect(h.sentTypes()).toEqual(['A', '2']);
    expect([h.lastSent().getInt(7), h.lastSent().getInt(16)]).toEqual([3, 0]);
    expect(sync(h)).toBe('resending');
    h.peer(
      '4',
      [
        [123, 'Y'],
        [36, 6]
      ],
      { seq: 3, possDup: true }
    );
    expect(h.ctx.nextIn).toBe(7); // gap filled and the queued Logon counted
    expect(sync(h)).toBe('inSync');
  });

  it('initiator logon times out and backs off, reconnecting with exponential delays', () => {
    const h = new SessionHarness(sessionConfig('initiator', { logonTimeoutMs: 500 }));
    h.actor.send({ type: 'session.start' });
    const connects: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      connects.push(h.clock.now());
      h.connected();
      h.advanceMs(500); // logon timeout
      expect(h.state).toEqual({ running: 'backoff' });
      h.advanceMs(1000 * 2 ** i); // backoff: 1 s, 2 s, 4 s, 8 s
      expect(h.commands.filter((c) => c.type === 'transport.connect')).toHaveLength(i + 2);
    }
    const gaps = connects.slice(1).map((t, i) => Number(t - connects[i]!) / 1e6);
    expect(gaps).toEqual([1500, 2500, 4500]);
  });

  it('gives up after maxReconnectAttempts', () => {
    const h = new SessionHarness(sessionConfig('initiator', { maxReconnectAttempts: 2 }));
    h.actor.send({ type: 'session.start' });
    for (let i = 0; i < 3; i++) {
      h.dropped();
      h.advanceMs(10_000);
    }
    expect(h.state).toBe('stopped');
  });
});

describe('fix session: heartbeats and test requests', () => {
  it('sends a Heartbeat after HeartBtInt of quiet and answers a TestRequest with its TestReqID', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.clearSent();
    h.advanceMs(30_000);
    expect(h.sentTypes()).toEqual(['0']);
    h.peer('1', [[112, 'PING-7']]);
    expect(h.lastSent().get(112)).toBe('PING-7');
  });

  it('probes silence with a TestRequest, then disconnects and reconnects when nothing comes back', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.clearSent();
    h.advanceMs(36_000); // 1.2 × HeartBtInt
    expect(h.sentTypes()).toContain('1');
    h.advanceMs(30_000);
    expect(h.state).toEqual({ running: 'backoff' });
    expect(h.commands.some((c) => c.type === 'transport.close')).toBe(true);
    h.advanceMs(1000);
    expect(h.state).toEqual({ running: 'connecting' });
  });

  it('any inbound message keeps the link fresh', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.clearSent();
    for (let i = 0; i < 5; i++) {
      h.advanceMs(30_000);
      h.peer('0');
    }
    expect(h.sentTypes().filter((t) => t === '1')).toHaveLength(0);
    expect(active(h.state)).toBe(true);
  });
});

describe('fix session: sequence numbers (FIX 4.2 rules)', () => {
  it('too high: queue, ResendRequest(expected, 0) once, deliver in order after the gap is filled', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator(); // peer seq 1 used; expect 2
    h.clearSent();
    h.peer('D', nosBody('o5'), { seq: 5 });
    h.peer('D', nosBody('o6'), { seq: 6 });
    expect(h.sentTypes()).toEqual(['2']); // one ResendRequest, not two (resend-storm guard)
    expect([h.lastSent().getInt(7), h.lastSent().getInt(16)]).toEqual([2, 0]);
    expect(sync(h)).toBe('resending');
    expect(h.emittedOf('fix.app')).toHaveLength(0);
    h.peer('D', nosBody('o2'), { seq: 2, possDup: true });
    h.peer(
      '4',
      [
        [123, 'Y'],
        [36, 5]
      ],
      { seq: 3, possDup: true }
    );
    const ids = h.emittedOf('fix.app').map((e) => e.msg.get(11));
    expect(ids).toEqual(['o2', 'o5', 'o6']);
    expect(h.emittedOf('fix.app')[0]!.possDup).toBe(true);
    expect(h.ctx.nextIn).toBe(7);
    expect(sync(h)).toBe('inSync');
  });

  it('too low without PossDupFlag: Logout naming both numbers, then disconnect', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.peer('0');
    h.clearSent();
    h.peer('0', [], { seq: 2 });
    expect(h.sentTypes()).toEqual(['5']);
    expect(h.lastSent().get(58)).toBe('MsgSeqNum too low, expecting 3 but received 2');
    expect(h.commands.at(-1)).toEqual({ type: 'transport.close' });
    expect(h.state).toEqual({ running: 'backoff' });
  });

  it('too low with PossDupFlag is a duplicate and ignored; without OrigSendingTime it is rejected', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.peer('D', nosBody('o2'));
    h.clearSent();
    h.peer('D', nosBody('o2'), { seq: 2, possDup: true });
    expect(h.sent).toHaveLength(0);
    expect(h.emittedOf('fix.app')).toHaveLength(1);
    // PossDupFlag=Y without OrigSendingTime → Reject, SessionRejectReason 1, RefTagID 122
    const raw = h.peerBytes('D', nosBody('o2'), { seq: 2 });
    const text = Buffer.from(raw).toString('latin1');
    // PossDupFlag in the header, no OrigSendingTime
    const fixed = text.replace('\x0134=2\x01', '\x0134=2\x0143=Y\x01');
    h.deliver(soh(fixBytes(fixed)));
    const rej = h.lastSent();
    expect([rej.msgType, rej.getInt(373), rej.getInt(371), rej.getInt(45)]).toEqual(['3', 1, 122, 2]);
    expect(h.ctx.nextIn).toBe(3);
  });

  it('garbled messages are ignored: no Reject, no sequence change', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.clearSent();
    const b = h.peerBytes('D', nosBody('o2'));
    b[b.length - 2] = b[b.length - 2] === 48 ? 49 : 48; // break the checksum
    h.deliver(b);
    expect(h.sent).toHaveLength(0);
    expect(h.ctx.nextIn).toBe(2);
    expect(h.emittedOf('fix.garbled')[0]!.code).toBe('TRD_ERR_FIX_CHECKSUM');
    h.peer('D', nosBody('o2'), { seq: 2 });
    expect(h.emittedOf('fix.app')).toHaveLength(1);
  });

  it('an invalid message in sequence is rejected with the matching SessionRejectReason and counted', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.clearSent();
    h.peer(
      'D',
      nosBody('o2').filter(([t]) => t !== 60)
    );
    const rej = h.lastSent();
    expect([rej.msgType, rej.getInt(45), rej.getInt(371), rej.get(372), rej.getInt(373)]).toEqual([
      '3',
      2,
      60,
      'D',
      1
    ]);
    expect(h.ctx.nextIn).toBe(3);
    h.peer('D', [...nosBody('o3'), [59, 'Z']]);
    expect(h.lastSent().getInt(373)).toBe(5);
    h.peer('ZZ', []);
    expect(h.lastSent().getInt(373)).toBe(11);
    expect(h.emittedOf('fix.app')).toHaveLength(0);
  });

  it('SequenceReset-Reset moves the expected number up and rejects a move down', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.peer('4', [[36, 20]], { seq: 99 });
    expect(h.ctx.nextIn).toBe(20);
    h.clearSent();
    h.peer('4', [[36, 5]], { seq: 20 });
    expect([h.lastSent().msgType, h.lastSent().getInt(373), h.lastSent().getInt(371)]).toEqual(['3', 5, 36]);
    expect(h.ctx.nextIn).toBe(20);
  });

  it('answers a ResendRequest: application messages again with PossDupFlag/OrigSendingTime, admin ones gap-filled', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator(); // our Logon = 1
    h.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('a') }); // 2
    h.advanceMs(30_000); // heartbeat = 3
    h.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('b') }); // 4
    const original = h.sent.find((m) => m.get(11) === 'b')!;
    h.advanceMs(5);
    h.clearSent();
    h.peer('2', [
      [7, 1],
      [16, 0]
    ]);
    const out = h.sent;
    expect(out.map((m) => [m.msgType, m.getInt(34), m.get(43), m.getInt(36) ?? m.get(11)])).toEqual([
      ['4', 1, 'Y', 2],
      ['D', 2, 'Y', 'a'],
      ['4', 3, 'Y', 4],
      ['D', 4, 'Y', 'b']
    ]);
    expect(out[3]!.get(122)).toBe(original.get(52));
    expect(out[3]!.get(52)).not.toBe(original.get(52));
    for (const m of out) expect(validateFix(m, dict)).toBeUndefined();
    expect(h.ctx.nextOut).toBe(5); // resends do not consume sequence numbers
  });

  it('answers a ResendRequest with gap fills only when resendApplicationMessages is false', () => {
    const h = new SessionHarness(sessionConfig('initiator', { resendApplicationMessages: false }));
    h.logOnInitiator();
    h.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('a') });
    h.clearSent();
    h.peer('2', [
      [7, 1],
      [16, 2]
    ]);
    expect(h.sent.map((m) => [m.msgType, m.getInt(34), m.getInt(36)])).toEqual([['4', 1, 3]]);
  });

  it('answers a too-high ResendRequest at once (so two gapped sides cannot deadlock)', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('a') });
    h.clearSent();
    h.peer(
      '2',
      [
        [7, 2],
        [16, 0]
      ],
      { seq: 4 }
    );
    expect(h.sentTypes()).toEqual(['D', '2']);
    h.peer(
      '4',
      [
        [123, 'Y'],
        [36, 4]
      ],
      { seq: 2, possDup: true }
    );
    expect(h.ctx.nextIn).toBe(5); // the queued ResendRequest is counted, not answered twice
    expect(h.sentTypes()).toEqual(['D', '2']);
  });

  it('CompID problem: Reject 9 and Logout; SendingTime accuracy: Reject 10 and Logout', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.clearSent();
    h.peer('0', [], { sender: 'EVIL' });
    expect(h.sent.map((m) => [m.msgType, m.getInt(373)])).toEqual([
      ['3', 9],
      ['5', undefined]
    ]);
    const g = new SessionHarness(sessionConfig('initiator'));
    g.logOnInitiator();
    g.clearSent();
    g.peer('0', [], { sendingTime: g.clock.now() - 600_000_000_000n });
    expect(g.sent.map((m) => [m.msgType, m.getInt(373)])).toEqual([
      ['3', 10],
      ['5', undefined]
    ]);
  });

  it('messages sent while disconnected are stored and delivered by the resend after reconnecting', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.dropped();
    expect(h.state).toEqual({ running: 'backoff' });
    h.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('offline') }); // seq 2, stored only
    expect(h.sent.filter((m) => m.msgType === 'D')).toHaveLength(0);
    h.advanceMs(1000);
    h.connected();
    expect(h.lastSent().getInt(34)).toBe(3); // Logon after the stored order
    h.peer('A', [
      [98, 0],
      [108, 30]
    ]);
    h.clearSent();
    h.peer('2', [
      [7, 2],
      [16, 2]
    ]);
    expect(h.sent.map((m) => [m.msgType, m.get(11), m.get(43)])).toEqual([['D', 'offline', 'Y']]);
  });
});

describe('fix session: logout', () => {
  it('our Logout waits for the answer, then stops', () => {
    const h = new SessionHarness(sessionConfig('initiator'));
    h.logOnInitiator();
    h.actor.send({ type: 'session.stop' });
    expect(h.state).toEqual({ running: 'loggingOut' });
    expect(h.lastSent().msgType).toBe('5');
    h.peer('5');
    expect(h.state).toBe('stopped');
  });

  it('our Logout times out when unanswered', () => {
    const h = new SessionHarness(sessionConfig('initiator', { logoutTimeoutMs: 2000 }));
    h.logOnInitiator();
    h.actor.send({ type: 'session.stop' });
    h.advanceMs(2000);
    expect(h.state).toBe('stopped');
  });

  it("the peer's Logout is answered and the connection closed (acceptor goes back to listening)", () => {
    const h = new SessionHarness(sessionConfig('acceptor'));
    h.logOnAcceptor();
    h.clearSent();
    h.peer('5', [[58, 'bye']]);
    expect(h.sentTypes()).toEqual(['5']);
    expect(h.emittedOf('fix.logout').at(-1)!.text).toBe('bye');
    expect(h.state).toEqual({ running: 'listening' });
  });
});

describe('fix session: persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fixstore-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sequence numbers and sent messages survive a restart (file store at an injected path)', () => {
    const path = join(dir, 'CLI-SRV');
    const a = new SessionHarness(sessionConfig('initiator'), new FileSessionStore(path));
    a.logOnInitiator();
    a.actor.send({ type: 'session.send', msgType: 'D', fields: nosBody('persisted') });
    a.peer('0');
    a.actor.stop();
    const store = new FileSessionStore(path);
    expect(store.load()).toEqual({ nextOut: 3, nextIn: 3 });
    const b = new SessionHarness(sessionConfig('initiator'), store);
    b.actor.send({ type: 'session.start' });
    b.connected();
    expect(b.lastSent().getInt(34)).toBe(3);
    b.peerSeq = 3;
    b.peer('A', [
      [98, 0],
      [108, 30]
    ]);
    b.clearSent();
    b.peer('2', [
      [7, 2],
      [16, 2]
    ]);
    expect(b.sent.map((m) => m.get(11))).toEqual(['persisted']);
  });
});

function fixBytes(text: string): string {
  // recompute BodyLength and CheckSum of an SOH-delimited message
  const i9 = text.indexOf('\x019=');
  const bodyStart = text.indexOf('\x01', i9 + 1) + 1;
  const i10 = text.lastIndexOf('\x0110=');
  const body = text.slice(bodyStart, i10 + 1);
  const head = `${text.slice(0, i9 + 1)}9=${body.length}\x01`;
  let sum = 0;
  for (const ch of head + body) sum += ch.charCodeAt(0);
  return `${head}${body}10=${String(sum & 255).padStart(3, '0')}\x01`;
}
