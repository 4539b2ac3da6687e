import { assign, emit, enqueueActions, fromCallback, setup } from 'xstate';
import { FixEncoder, type FixField } from '../gateways/fix/encoder.ts';
import type { FixMessage } from '../gateways/fix/parser.ts';
import {
  adminBody,
  bodyFieldsOf,
  classifyInbound,
  encodeOutbound,
  type FixSessionConfig,
  type InboundItem,
  planResend,
  type Verdict
} from '../gateways/fix/session.ts';
import type { FixSessionStore } from '../gateways/fix/session-store.ts';
import { MAX_HEART_BT_INT_SEC, MsgType, SessionRejectReason, Tag } from '../gateways/fix/tags.ts';
import type { FixRejectInfo } from '../gateways/fix/validate.ts';
import type { Clock } from '../time/clock.ts';

/**
 * A FIX 4.2 session (initiator or acceptor) as a statechart.
 *
 * idle → running → stopped. Inside `running`:
 * - initiator: connecting → logonSent → active → loggingOut, with `backoff` (exponential) between attempts;
 * - acceptor: listening → awaitingLogon → active → loggingOut, back to listening when a connection ends.
 * `active` is parallel: `sync` (inSync | resending: a ResendRequest is outstanding and too-high messages
 * are queued), `liveness` (fresh | probing: a TestRequest is out) and `beat` (heartbeat timer, restarted by
 * every send).
 *
 * The machine is pure: bytes go to the invoked `transport` actor (`transport.write/connect/close`),
 * sequence numbers and sent messages to the injected {@link FixSessionStore} through the named actions
 * `storeMessage`/`persistSeqNums`/`resetStore`, time comes from the injected {@link Clock}. The default
 * `transport` is inert; `src/actors/fix-tcp.actor.ts` provides the TCP one.
 */

export interface FixSessionInput {
  readonly config: FixSessionConfig;
  readonly store: FixSessionStore;
  readonly clock: Clock;
}

interface QueuedItem {
  readonly seq: number;
  readonly item: InboundItem;
  /** Already acted on when it arrived (a too-high ResendRequest is answered at once). */
  readonly handled: boolean;
}

export interface FixSessionContext {
  readonly cfg: FixSessionConfig;
  readonly store: FixSessionStore;
  readonly clock: Clock;
  readonly enc: FixEncoder;
  /** Next MsgSeqNum we send. */
  readonly nextOut: number;
  /** Next MsgSeqNum we expect. */
  readonly nextIn: number;
  /** Negotiated HeartBtInt (seconds). */
  readonly heartBtIntSec: number;
  readonly connId: number;
  /** Too-high messages waiting for the gap to be filled, by seq. */
  readonly queue: readonly QueuedItem[];
  /** While a ResendRequest is outstanding: the highest too-high seq seen; 0 otherwise. */
  readonly resendUntil: number;
  /** Failed connection attempts in a row. */
  readonly attempts: number;
  readonly testReqSeq: number;
  /** A `session.stop` was asked for: after the logout exchange, stop instead of reconnecting. */
  readonly stopping: boolean;
}

/** Commands the session sends its transport. */
export type FixTransportCommand =
  | { readonly type: 'transport.connect'; readonly connId: number }
  | { readonly type: 'transport.write'; readonly bytes: Uint8Array }
  | { readonly type: 'transport.close' };

export interface FixTransportInput {
  readonly role: 'initiator' | 'acceptor';
  readonly host: string;
  readonly port: number;
  readonly config: FixSessionConfig;
}

export type FixSessionEvent =
  | { readonly type: 'session.start' }
  | { readonly type: 'session.stop'; readonly text?: string }
  /** Send an application message (body fields in dictionary order). */
  | { readonly type: 'session.send'; readonly msgType: string; readonly fields: readonly FixField[] }
  | { readonly type: 'transport.listening'; readonly port: number }
  | { readonly type: 'transport.connected'; readonly connId: number }
  | { readonly type: 'transport.disconnected'; readonly connId: number; readonly reason: string }
  | { readonly type: 'transport.inbound'; readonly connId: number; readonly item: InboundItem }
  // internal (raised)
  | { readonly type: 'session.dequeue'; readonly item: InboundItem; readonly handled: boolean }
  | { readonly type: 'session.sent' }
  | { readonly type: 'session.heard' }
  | { readonly type: 'session.gap' }
  | { readonly type: 'session.synced' }
  | { readonly type: 'session.close' };

export type FixSessionEmitted =
  | { readonly type: 'fix.listening'; readonly port: number }
  | { readonly type: 'fix.connected'; readonly connId: number }
  | { readonly type: 'fix.loggedOn'; readonly nextIn: number; readonly nextOut: number }
  | { readonly type: 'fix.disconnected'; readonly reason: string }
  | { readonly type: 'fix.app'; readonly msg: FixMessage; readonly possDup: boolean }
  /** An application message took MsgSeqNum `seq` (written now, or stored for a resend while not logged on). */
  | {
      readonly type: 'fix.appSent';
      readonly seq: number;
      readonly msgType: string;
      readonly fields: readonly FixField[];
    }
  | { readonly type: 'fix.garbled'; readonly code: string; readonly message: string }
  | {
      readonly type: 'fix.rejectSent';
      readonly refSeqNum: number;
      readonly reason: number;
      readonly refTagId?: number;
    }
  | { readonly type: 'fix.rejectReceived'; readonly msg: FixMessage }
  | { readonly type: 'fix.gap'; readonly expected: number; readonly received: number }
  | { readonly type: 'fix.resent'; readonly begin: number; readonly end: number; readonly count: number }
  | { readonly type: 'fix.logout'; readonly text: string };

type Ctx = FixSessionContext;
type Ev = FixSessionEvent;

/** Accumulates the effects of one step of pure session logic. */
class Fx {
  nextOut: number;
  nextIn: number;
  queue: QueuedItem[];
  resendUntil: number;
  heartBtIntSec: number;
  testReqSeq: number;
  readonly writes: Uint8Array[] = [];
  readonly stored: [number, Uint8Array][] = [];
  readonly emits: FixSessionEmitted[] = [];
  readonly raises: Ev[] = [];
  reset = false;
  close = false;
  readonly ctx: Ctx;

  constructor(ctx: Ctx) {
    this.ctx = ctx;
    this.nextOut = ctx.nextOut;
    this.nextIn = ctx.nextIn;
    this.queue = [...ctx.queue];
    this.resendUntil = ctx.resendUntil;
    this.heartBtIntSec = ctx.heartBtIntSec;
    this.testReqSeq = ctx.testReqSeq;
  }

  /** Send (or, when `write` is false, only store for a later resend) a message under the next MsgSeqNum. */
  send(msgType: string, fields: readonly FixField[], write = true): void {
    const seq = this.nextOut++;
    const bytes = encodeOutbound(this.ctx.enc, this.ctx.cfg, msgType, seq, this.ctx.clock.now(), fields);
    this.stored.push([seq, bytes]);
    if (write) {
      this.writes.push(bytes);
      this.raises.push({ type: 'session.sent' });
    }
  }

  reject(refSeqNum: number, r: FixRejectInfo, refMsgType: string | undefined): void {
    this.send(MsgType.Reject, adminBody.reject(refSeqNum, r, refMsgType));
    this.emits.push({
      type: 'fix.rejectSent',
      refSeqNum,
      reason: r.reason,
      ...(r.refTagId === undefined ? {} : { refTagId: r.refTagId })
    });
  }

  logout(text: string): void {
    this.send(MsgType.Logout, adminBody.logout(text));
    this.emits.push({ type: 'fix.logout', text });
  }
}

function msgOf(item: InboundItem): FixMessage | undefined {
  return item.kind === 'message' ? item.msg : undefined;
}

function flush(fx: Fx, enqueue: EnqueueLike, extra: Partial<Ctx> = {}): void {
  const c = fx.ctx;
  if (fx.reset) enqueue({ type: 'resetStore' });
  enqueue.assign({
    nextOut: fx.nextOut,
    nextIn: fx.nextIn,
    queue: fx.queue,
    resendUntil: fx.resendUntil,
    heartBtIntSec: fx.heartBtIntSec,
    testReqSeq: fx.testReqSeq,
    ...extra
  });
  for (const [seq, bytes] of fx.stored) enqueue({ type: 'storeMessage', params: { seq, bytes } });
  if (fx.reset || fx.nextOut !== c.nextOut || fx.nextIn !== c.nextIn) {
    enqueue({ type: 'persistSeqNums', params: { nextOut: fx.nextOut, nextIn: fx.nextIn } });
  }
  for (const bytes of fx.writes) enqueue.sendTo('transport', { type: 'transport.write', bytes });
  for (const e of fx.emits) enqueue.emit(e);
  if (fx.close) enqueue.raise({ type: 'session.close' });
  for (const r of fx.raises) enqueue.raise(r);
}

// The enqueue object of enqueueActions, typed loosely enough for shared helpers.
interface EnqueueLike {
  (
    action:
      | { type: 'resetStore' }
      | { type: 'storeMessage'; params: { seq: number; bytes: Uint8Array } }
      | { type: 'persistSeqNums'; params: { nextOut: number; nextIn: number } }
  ): void;
  assign(patch: Partial<Ctx>): void;
  sendTo(to: 'transport', ev: FixTransportCommand): void;
  emit(e: FixSessionEmitted): void;
  raise(e: Ev): void;
}

function verdictOf(ctx: Ctx, item: InboundItem): Verdict {
  return classifyInbound(item, ctx.nextIn, ctx.cfg, ctx.clock.now());
}

/** Process an in-sequence (or queued) inbound item; the common path of `active` and `loggingOut`. */
function processInbound(fx: Fx, item: InboundItem, handled: boolean): void {
  const ctx = fx.ctx;
  const v = classifyInbound(item, fx.nextIn, ctx.cfg, ctx.clock.now());
  const msg = msgOf(item);
  if (v.kind === 'garbled') {
    if (item.kind === 'garbled')
      fx.emits.push({ type: 'fix.garbled', code: item.error.code, message: item.error.message });
    return;
  }
  fx.raises.push({ type: 'session.heard' });
  switch (v.kind) {
    case 'fatal':
    case 'compId':
    case 'tooLow':
    case 'sendingTime':
      terminate(fx, v, msg);
      return;
    case 'reset': {
      const n = v.newSeqNo;
      if (n === undefined || n < fx.nextIn) {
        fx.reject(
          msg!.getInt(Tag.MsgSeqNum) ?? 0,
          {
            reason: SessionRejectReason.ValueIsIncorrect,
            refTagId: Tag.NewSeqNo,
            text: `NewSeqNo ${n} below expected ${fx.nextIn}`
          },
          msg!.msgType
        );
      } else fx.nextIn = n;
      break;
    }
    case 'duplicate':
      return;
    case 'badDup':
      fx.reject(v.seq, v.reject, msg!.msgType);
      return;
    case 'tooHigh':
      onTooHigh(fx, v.seq, item);
      return;
    case 'invalid':
      fx.nextIn = v.seq + 1;
      fx.reject(v.seq, v.reject, msg!.msgType);
      break;
    case 'ok':
      fx.nextIn = v.seq + 1;
      if (!handled) dispatch(fx, msg!, v.seq);
      break;
  }
  drain(fx);
}

function dispatch(fx: Fx, msg: FixMessage, seq: number): void {
  switch (msg.msgType) {
    case MsgType.Heartbeat:
    case MsgType.Logon:
      return;
    case MsgType.TestRequest:
      fx.send(MsgType.Heartbeat, adminBody.heartbeat(msg.get(Tag.TestReqID) ?? ''));
      return;
    case MsgType.ResendRequest:
      answerResend(fx, msg);
      return;
    case MsgType.Reject:
      fx.emits.push({ type: 'fix.rejectReceived', msg });
      return;
    case MsgType.SequenceReset: {
      const n = msg.getInt(Tag.NewSeqNo);
      if (n === undefined || n <= seq) {
        fx.reject(
          seq,
          {
            reason: SessionRejectReason.ValueIsIncorrect,
            refTagId: Tag.NewSeqNo,
            text: `GapFill NewSeqNo ${n} must exceed MsgSeqNum ${seq}`
          },
          msg.msgType
        );
      } else fx.nextIn = n;
      return;
    }
    case MsgType.Logout:
      return; // handled by the state transitions
    default:
      fx.emits.push({ type: 'fix.app', msg, possDup: msg.getBool(Tag.PossDupFlag) });
  }
}

function onTooHigh(fx: Fx, seq: number, item: InboundItem): void {
  const msg = msgOf(item)!;
  let handled = false;
  if (msg.msgType === MsgType.ResendRequest && !msgInvalid(item)) {
    answerResend(fx, msg); // answer at once, or two gapped sides would wait for each other
    handled = true;
  }
  if (!fx.queue.some((q) => q.seq === seq)) {
    fx.queue.push({ seq, item, handled });
    fx.queue.sort((a, b) => a.seq - b.seq);
  }
  fx.emits.push({ type: 'fix.gap', expected: fx.nextIn, received: seq });
  if (fx.resendUntil === 0) {
    // one outstanding ResendRequest at a time (resend-storm guard); EndSeqNo 0 = everything after
    fx.send(MsgType.ResendRequest, adminBody.resendRequest(fx.nextIn, 0));
    fx.raises.push({ type: 'session.gap' });
  }
  fx.resendUntil = Math.max(fx.resendUntil, seq);
}

function msgInvalid(item: InboundItem): boolean {
  return item.kind === 'message' && item.invalid !== undefined;
}

/** Replay queued messages that are now in sequence; leave `resending` once past the gap. */
function drain(fx: Fx): void {
  fx.queue = fx.queue.filter((q) => q.seq >= fx.nextIn);
  const head = fx.queue[0];
  if (head && head.seq === fx.nextIn) {
    fx.queue = fx.queue.slice(1);
    fx.raises.push({ type: 'session.dequeue', item: head.item, handled: head.handled });
    return;
  }
  if (fx.resendUntil > 0 && fx.nextIn > fx.resendUntil && fx.queue.length === 0) {
    fx.resendUntil = 0;
    fx.raises.push({ type: 'session.synced' });
  }
}

/** Answer a ResendRequest from the store: application messages with PossDupFlag=Y, the rest gap-filled. */
function answerResend(fx: Fx, msg: FixMessage): void {
  const ctx = fx.ctx;
  const begin = msg.getInt(Tag.BeginSeqNo) ?? 1;
  const end = msg.getInt(Tag.EndSeqNo) ?? 0;
  const steps = planResend(
    {
      getMessage: (s) => fx.stored.find(([q]) => q === s)?.[1] ?? ctx.store.getMessage(s)
    },
    begin,
    end,
    fx.nextOut,
    ctx.cfg.resendApplicationMessages ?? true
  );
  const now = ctx.clock.now();
  for (const s of steps) {
    if (s.kind === 'gapFill') {
      fx.writes.push(
        encodeOutbound(ctx.enc, ctx.cfg, MsgType.SequenceReset, s.seq, now, adminBody.gapFill(s.newSeqNo), {
          origSendingTime: fixTimeNow(ctx)
        })
      );
    } else {
      fx.writes.push(
        encodeOutbound(ctx.enc, ctx.cfg, s.msg.msgType, s.seq, now, bodyFieldsOf(s.msg, ctx.cfg.dictionary), {
          origSendingTime: s.msg.get(Tag.SendingTime) ?? fixTimeNow(ctx)
        })
      );
    }
  }
  fx.emits.push({ type: 'fix.resent', begin, end, count: steps.length });
  if (steps.length > 0) fx.raises.push({ type: 'session.sent' });
}

function fixTimeNow(ctx: Ctx): string {
  const b = encodeOutbound(ctx.enc, ctx.cfg, MsgType.Heartbeat, 1, ctx.clock.now(), []);
  const s = Buffer.from(b).toString('latin1');
  const i = s.indexOf('\x0152=');
  return s.slice(i + 4, i + 25);
}

/** The fatal verdicts: Reject where the spec asks for one, then Logout and disconnect. */
function terminate(fx: Fx, v: Verdict, msg: FixMessage | undefined): void {
  if (v.kind === 'compId') {
    fx.reject(v.seq, { reason: SessionRejectReason.CompIdProblem, text: 'CompID problem' }, msg?.msgType);
    fx.logout('CompID problem');
  } else if (v.kind === 'sendingTime') {
    fx.reject(
      v.seq,
      {
        reason: SessionRejectReason.SendingTimeAccuracyProblem,
        refTagId: Tag.SendingTime,
        text: 'SendingTime accuracy problem'
      },
      msg?.msgType
    );
    fx.logout('SendingTime accuracy problem');
  } else if (v.kind === 'tooLow') {
    fx.logout(`MsgSeqNum too low, expecting ${fx.nextIn} but received ${v.seq}`);
  } else if (v.kind === 'fatal') {
    fx.logout(v.text);
  }
  fx.close = true;
}

const isFatal = (v: Verdict): boolean =>
  v.kind === 'fatal' || v.kind === 'compId' || v.kind === 'tooLow' || v.kind === 'sendingTime';

function inboundItem(e: Ev): InboundItem | undefined {
  return e.type === 'transport.inbound' || e.type === 'session.dequeue' ? e.item : undefined;
}

function isMsgType(e: Ev, t: string): boolean {
  const item = inboundItem(e);
  return item?.kind === 'message' && item.msg.msgType === t;
}

/** A null transport: the machine's default, replaced by `fix-tcp.actor.ts` (or a test double). */
const nullTransport = fromCallback<FixTransportCommand, FixTransportInput>(() => () => {});

export const fixSessionMachine = setup({
  types: {
    context: {} as FixSessionContext,
    events: {} as FixSessionEvent,
    input: {} as FixSessionInput,
    emitted: {} as FixSessionEmitted
  },
  actors: { transport: nullTransport },
  delays: {
    heartbeat: ({ context }) => context.heartBtIntSec * 1000,
    testRequest: ({ context }) =>
      Math.round(context.heartBtIntSec * 1000 * (context.cfg.testRequestFactor ?? 1.2)),
    logonTimeout: ({ context }) => context.cfg.logonTimeoutMs ?? 10_000,
    logoutTimeout: ({ context }) => context.cfg.logoutTimeoutMs ?? 5_000,
    reconnect: ({ context }) => {
      const r = context.cfg.reconnect ?? { minMs: 1000, maxMs: 30_000, factor: 2 };
      return Math.min(r.maxMs, Math.round(r.minMs * r.factor ** Math.max(0, context.attempts - 1)));
    }
  },
  guards: {
    isInitiator: ({ context }) => context.cfg.role === 'initiator',
    stopping: ({ context }) => context.stopping,
    gaveUp: ({ context }) =>
      context.cfg.maxReconnectAttempts !== undefined && context.attempts > context.cfg.maxReconnectAttempts,
    sameConn: ({ context, event }) => 'connId' in event && event.connId === context.connId,
    staleConn: ({ context, event }) => 'connId' in event && event.connId !== context.connId,
    isGarbled: ({ event }) => inboundItem(event)?.kind === 'garbled',
    /** A valid Logon whose MsgSeqNum is not too low (after any reset it asks for). */
    logonAcceptable: ({ context, event }) => {
      const item = inboundItem(event);
      if (item?.kind !== 'message' || item.msg.msgType !== MsgType.Logon || item.invalid) return false;
      const nextIn = item.msg.getBool(Tag.ResetSeqNumFlag) ? 1 : context.nextIn;
      const v = classifyInbound(item, nextIn, context.cfg, context.clock.now());
      return v.kind === 'ok' || v.kind === 'tooHigh';
    },
    isLogoutMsg: ({ event }) => isMsgType(event, MsgType.Logout),
    /** A peer Logout we act on: in sequence or above (a too-low one falls to the fatal path). */
    peerLogout: ({ context, event }) => {
      const item = inboundItem(event);
      if (item?.kind !== 'message' || item.msg.msgType !== MsgType.Logout) return false;
      const v = verdictOf(context, item);
      return v.kind === 'ok' || v.kind === 'tooHigh' || v.kind === 'invalid';
    },
    fatalInbound: ({ context, event }) => {
      const item = inboundItem(event);
      return item !== undefined && isFatal(verdictOf(context, item));
    }
  },
  actions: {
    storeMessage: ({ context }, p: { seq: number; bytes: Uint8Array }) =>
      context.store.saveMessage(p.seq, p.bytes),
    persistSeqNums: ({ context }, p: { nextOut: number; nextIn: number }) =>
      context.store.saveSeqNums(p.nextOut, p.nextIn),
    resetStore: ({ context }) => context.store.reset(),
    closeTransport: enqueueActions(({ enqueue }) => enqueue.sendTo('transport', { type: 'transport.close' })),
    connect: enqueueActions(({ context, enqueue }) => {
      const connId = context.connId + 1;
      enqueue.assign({ connId });
      enqueue.sendTo('transport', { type: 'transport.connect', connId });
    }),
    acceptConnection: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'transport.connected') return;
      enqueue.assign({ connId: event.connId });
      enqueue.emit({ type: 'fix.connected', connId: event.connId });
    }),
    onConnected: emit(({ context }) => ({ type: 'fix.connected' as const, connId: context.connId })),
    emitListening: emit(({ event }) => ({
      type: 'fix.listening' as const,
      port: event.type === 'transport.listening' ? event.port : 0
    })),
    emitDisconnected: emit(({ event }) => ({
      type: 'fix.disconnected' as const,
      reason: event.type === 'transport.disconnected' ? event.reason : event.type
    })),
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    clearSessionState: assign({
      queue: [],
      resendUntil: 0,
      heartBtIntSec: ({ context }) => context.cfg.heartBtIntSec
    }),
    markStopping: assign({ stopping: true }),
    /** Initiator: send Logon (resetting both sequence numbers first when configured to). */
    sendLogon: enqueueActions(({ context, enqueue }) => {
      const fx = new Fx(context);
      if (context.cfg.resetOnLogon) {
        fx.reset = true;
        fx.nextOut = 1;
        fx.nextIn = 1;
      }
      fx.send(MsgType.Logon, adminBody.logon(context.cfg.heartBtIntSec, context.cfg.resetOnLogon));
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    /** Either side: take the peer's Logon (reset, seq check, HeartBtInt), answer it (acceptor) and ask for any gap. */
    takeLogon: enqueueActions(({ context, event, enqueue }) => {
      const item = inboundItem(event);
      if (item?.kind !== 'message') return;
      const fx = new Fx(context);
      const msg = item.msg;
      const reset = msg.getBool(Tag.ResetSeqNumFlag);
      if (reset) {
        fx.nextIn = 1;
        if (context.cfg.role === 'acceptor') {
          fx.reset = true;
          fx.nextOut = 1;
        }
      }
      const seq = msg.getInt(Tag.MsgSeqNum)!;
      if (context.cfg.role === 'acceptor') {
        // the answer echoes the initiator's HeartBtInt, as FIX expects (a strict counterparty logs out on another).
        // Our timers: a HeartBtInt of 0 (no heartbeats asked for) would fire both at once, so ours is kept then (and
        // echoed); a peer that sends none still answers a TestRequest. One past MAX_HEART_BT_INT_SEC is cut to it
        // for our timers: a peer asking for a heartbeat a month would leave a dead connection undetected that long
        const asked = msg.getInt(Tag.HeartBtInt);
        const requested = asked !== undefined && asked > 0 ? asked : undefined;
        fx.heartBtIntSec =
          requested === undefined ? context.cfg.heartBtIntSec : Math.min(requested, MAX_HEART_BT_INT_SEC);
        fx.send(MsgType.Logon, adminBody.logon(requested ?? fx.heartBtIntSec, reset));
      }
      if (seq === fx.nextIn) fx.nextIn = seq + 1;
      else {
        fx.queue = [];
        onTooHigh(fx, seq, { kind: 'message', msg } as InboundItem);
        // the Logon itself is processed: only what lies before it is missing
        fx.queue = fx.queue.filter((q) => q.seq !== seq).concat({ seq, item, handled: true });
      }
      fx.raises.push({ type: 'session.heard' });
      flush(fx, enqueue as unknown as EnqueueLike, { attempts: 0 });
      enqueue.emit({ type: 'fix.loggedOn', nextIn: fx.nextIn, nextOut: fx.nextOut });
    }),
    inbound: enqueueActions(({ context, event, enqueue }) => {
      const item = inboundItem(event);
      if (!item) return;
      const fx = new Fx(context);
      processInbound(fx, item, event.type === 'session.dequeue' && event.handled);
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    emitGarbled: emit(({ event }) => {
      const item = inboundItem(event);
      return item?.kind === 'garbled'
        ? { type: 'fix.garbled' as const, code: item.error.code, message: item.error.message }
        : { type: 'fix.garbled' as const, code: 'none', message: 'none' };
    }),
    /** A fatal inbound: Reject/Logout as the spec asks, then close. */
    terminate: enqueueActions(({ context, event, enqueue }) => {
      const item = inboundItem(event);
      if (!item) return;
      const fx = new Fx(context);
      terminate(fx, verdictOf(context, item), msgOf(item));
      fx.close = false;
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    /** Answer the peer's Logout with ours (counting its seq when in order). */
    answerLogout: enqueueActions(({ context, event, enqueue }) => {
      const item = inboundItem(event);
      const fx = new Fx(context);
      const seq = item?.kind === 'message' ? item.msg.getInt(Tag.MsgSeqNum) : undefined;
      if (seq === fx.nextIn) fx.nextIn++;
      const text = item?.kind === 'message' ? (item.msg.get(Tag.Text) ?? '') : '';
      fx.emits.push({ type: 'fix.logout', text });
      if (!context.stopping) fx.send(MsgType.Logout, adminBody.logout('logout acknowledged'));
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    countLogoutReply: enqueueActions(({ context, event, enqueue }) => {
      const item = inboundItem(event);
      const seq = item?.kind === 'message' ? item.msg.getInt(Tag.MsgSeqNum) : undefined;
      if (seq === context.nextIn) {
        enqueue.assign({ nextIn: seq + 1 });
        (enqueue as unknown as EnqueueLike)({
          type: 'persistSeqNums',
          params: { nextOut: context.nextOut, nextIn: seq + 1 }
        });
      }
    }),
    sendLogout: enqueueActions(({ context, event, enqueue }) => {
      const fx = new Fx(context);
      fx.logout(event.type === 'session.stop' ? (event.text ?? 'logout') : 'logout');
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    sendHeartbeat: enqueueActions(({ context, enqueue }) => {
      const fx = new Fx(context);
      fx.send(MsgType.Heartbeat, adminBody.heartbeat());
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    sendTestRequest: enqueueActions(({ context, enqueue }) => {
      const fx = new Fx(context);
      fx.testReqSeq++;
      fx.send(MsgType.TestRequest, adminBody.testRequest(`TEST-${fx.testReqSeq}`));
      flush(fx, enqueue as unknown as EnqueueLike);
    }),
    /** Application message: written when logged on, otherwise only stored (it will be resent on request). */
    sendApp: enqueueActions(({ context, event, enqueue }, p: { write: boolean }) => {
      if (event.type !== 'session.send') return;
      const fx = new Fx(context);
      const seq = fx.nextOut;
      fx.send(event.msgType, event.fields, p.write);
      fx.emits.push({ type: 'fix.appSent', seq, msgType: event.msgType, fields: event.fields });
      flush(fx, enqueue as unknown as EnqueueLike);
    })
  }
}).createMachine({
  id: 'fixSession',
  context: ({ input }) => {
    const seqs = input.store.load();
    return {
      cfg: input.config,
      store: input.store,
      clock: input.clock,
      enc: new FixEncoder(input.config.dictionary.beginString),
      nextOut: seqs.nextOut,
      nextIn: seqs.nextIn,
      heartBtIntSec: input.config.heartBtIntSec,
      connId: 0,
      queue: [],
      resendUntil: 0,
      attempts: 0,
      testReqSeq: 0,
      stopping: false
    };
  },
  initial: 'idle',
  states: {
    idle: {
      on: { 'session.start': 'running', 'session.stop': 'stopped' }
    },
    running: {
      invoke: {
        id: 'transport',
        src: 'transport',
        input: ({ context }) => ({
          role: context.cfg.role,
          host: context.cfg.host,
          port: context.cfg.port,
          config: context.cfg
        })
      },
      initial: 'starting',
      on: {
        'transport.listening': { actions: 'emitListening' },
        'transport.disconnected': { guard: 'sameConn', target: '.closing' },
        'session.send': { actions: { type: 'sendApp', params: { write: false } } }
      },
      states: {
        starting: {
          always: [{ guard: 'isInitiator', target: 'connecting' }, { target: 'listening' }]
        },
        // ── initiator ────────────────────────────────────────────────
        connecting: {
          entry: 'connect',
          on: {
            'transport.connected': { guard: 'sameConn', target: 'logonSent', actions: 'onConnected' },
            'transport.disconnected': { guard: 'sameConn', target: 'backoff', actions: 'emitDisconnected' },
            'session.stop': { target: 'closing', actions: 'markStopping' }
          },
          after: { logonTimeout: { target: 'closing' } }
        },
        backoff: {
          entry: 'countAttempt',
          always: { guard: 'gaveUp', target: '#fixSession.stopped' },
          after: { reconnect: 'connecting' },
          on: { 'session.stop': '#fixSession.stopped', 'transport.disconnected': {}, 'transport.inbound': {} }
        },
        logonSent: {
          entry: ['clearSessionState', 'sendLogon'],
          on: {
            'transport.inbound': [
              { guard: 'staleConn' },
              { guard: 'isGarbled', actions: 'emitGarbled' },
              { guard: 'logonAcceptable', target: 'active', actions: 'takeLogon' },
              { guard: 'isLogoutMsg', target: 'closing', actions: 'answerLogout' },
              { target: 'closing', actions: 'terminate' }
            ],
            'session.stop': { target: 'closing', actions: ['markStopping', 'sendLogout'] }
          },
          after: { logonTimeout: 'closing' }
        },
        // ── acceptor ─────────────────────────────────────────────────
        listening: {
          on: {
            'transport.connected': { target: 'awaitingLogon', actions: 'acceptConnection' },
            'transport.disconnected': {},
            'transport.inbound': {},
            'session.stop': { target: '#fixSession.stopped', actions: 'markStopping' }
          }
        },
        awaitingLogon: {
          entry: 'clearSessionState',
          on: {
            'transport.inbound': [
              { guard: 'staleConn' },
              { guard: 'isGarbled', actions: 'emitGarbled' },
              { guard: 'logonAcceptable', target: 'active', actions: 'takeLogon' },
              // first message not an acceptable Logon: disconnect (a too-low Logon gets a Logout first)
              { guard: 'fatalInbound', target: 'closing', actions: 'terminate' },
              { target: 'closing' }
            ],
            'session.stop': { target: 'closing', actions: 'markStopping' }
          },
          after: { logonTimeout: 'closing' }
        },
        // ── both ─────────────────────────────────────────────────────
        active: {
          type: 'parallel',
          on: {
            'transport.inbound': [
              { guard: 'staleConn' },
              { guard: 'peerLogout', target: 'closing', actions: 'answerLogout' },
              { guard: 'fatalInbound', target: 'closing', actions: 'terminate' },
              { actions: 'inbound' }
            ],
            'session.dequeue': [
              { guard: 'peerLogout', target: 'closing', actions: 'answerLogout' },
              { guard: 'fatalInbound', target: 'closing', actions: 'terminate' },
              { actions: 'inbound' }
            ],
            'session.send': { actions: { type: 'sendApp', params: { write: true } } },
            'session.stop': { target: 'loggingOut', actions: ['markStopping', 'sendLogout'] },
            'session.close': 'closing'
          },
          states: {
            sync: {
              initial: 'inSync',
              states: {
                inSync: { on: { 'session.gap': 'resending' } },
                resending: { on: { 'session.synced': 'inSync' } }
              }
            },
            liveness: {
              initial: 'fresh',
              states: {
                fresh: {
                  on: { 'session.heard': { target: 'fresh', reenter: true } },
                  after: { testRequest: { target: 'probing', actions: 'sendTestRequest' } }
                },
                probing: {
                  on: { 'session.heard': 'fresh' },
                  after: { heartbeat: { target: '#fixSession.running.closing' } }
                }
              }
            },
            beat: {
              initial: 'waiting',
              states: {
                waiting: {
                  on: { 'session.sent': { target: 'waiting', reenter: true } },
                  after: { heartbeat: { target: 'waiting', reenter: true, actions: 'sendHeartbeat' } }
                }
              }
            }
          }
        },
        loggingOut: {
          on: {
            'transport.inbound': [
              { guard: 'staleConn' },
              { guard: 'isLogoutMsg', target: 'closing', actions: 'countLogoutReply' },
              { actions: 'inbound' }
            ],
            'session.dequeue': { actions: 'inbound' },
            'session.close': 'closing'
          },
          after: { logoutTimeout: 'closing' }
        },
        closing: {
          entry: ['closeTransport', 'emitDisconnected'],
          always: [
            { guard: 'stopping', target: '#fixSession.stopped' },
            { guard: 'isInitiator', target: 'backoff' },
            { target: 'listening' }
          ]
        }
      }
    },
    stopped: { type: 'final' }
  }
});
