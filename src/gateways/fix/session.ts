import type { TradestateError } from '../../core/errors.ts';
import type { Nanos } from '../../core/nanos.ts';
import { NS_PER_MS } from '../../core/nanos.ts';
import type { FixDictionary } from './dictionary.ts';
import { encodeFields, FixEncoder, type FixField } from './encoder.ts';
import { FixMessage, parseFix } from './parser.ts';
import type { FixSessionStore } from './session-store.ts';
import { ADMIN_MSG_TYPES, MsgType, SessionRejectReason, Tag } from './tags.ts';
import { parseUtcTimestamp } from './time.ts';
import { type FixRejectInfo, validateFix } from './validate.ts';

/** Static configuration of one FIX session. */
export interface FixSessionConfig {
  readonly role: 'initiator' | 'acceptor';
  readonly senderCompId: string;
  readonly targetCompId: string;
  /** HeartBtInt (108) in seconds; an acceptor adopts the initiator's value. */
  readonly heartBtIntSec: number;
  /** Initiator: send ResetSeqNumFlag=Y on every Logon (both sides restart at 1). */
  readonly resetOnLogon: boolean;
  readonly dictionary: FixDictionary;
  /** Initiator: where to connect; acceptor: where to listen (port 0 = any free port). */
  readonly host: string;
  readonly port: number;
  readonly logonTimeoutMs?: number;
  readonly logoutTimeoutMs?: number;
  /** Initiator reconnect backoff: min · factor^(attempt-1), capped at max. */
  readonly reconnect?: { readonly minMs: number; readonly maxMs: number; readonly factor: number };
  /** Give up (state `stopped`) after this many failed connection attempts in a row; unlimited by default. */
  readonly maxReconnectAttempts?: number;
  /** Reject (reason 10) and log out when SendingTime is further than this from our clock; 0 disables. */
  readonly sendingTimeToleranceMs?: number;
  /** Answer ResendRequest with the application messages (PossDupFlag=Y); false = gap-fill everything. */
  readonly resendApplicationMessages?: boolean;
  /** When to send a TestRequest after silence, as a multiple of HeartBtInt (default 1.2). */
  readonly testRequestFactor?: number;
  /** Run the session over TLS (node:tls) instead of plain TCP. */
  readonly tls?: FixTlsOptions;
}

/**
 * TLS for a FIX session's connection, as PEM text (the config layer reads the files). Certificates are always
 * verified: there is no switch to turn verification off, so a test venue needs its CA in `ca`.
 */
export interface FixTlsOptions {
  /** The CA certificates to trust (PEM, one or more); default: Node's bundled public roots. */
  readonly ca?: string;
  /** Our certificate chain (PEM): the acceptor's server certificate, or the initiator's client certificate. */
  readonly cert?: string;
  /** The private key of `cert` (PEM). */
  readonly key?: string;
  /** Initiator: the name the venue's certificate must carry (SNI and the identity check); default `host`. */
  readonly servername?: string;
  /** Acceptor: require a client certificate signed by `ca` (mutual TLS). */
  readonly requireClientCert?: boolean;
}

/** What the transport hands the session for each cut frame. */
export type InboundItem =
  | { readonly kind: 'garbled'; readonly error: TradestateError }
  | { readonly kind: 'message'; readonly msg: FixMessage; readonly invalid?: FixRejectInfo };

/** Parse (checksum, length) and validate one frame. Garbled input is reported, never thrown. */
export function decodeInbound(frame: Uint8Array, dict: FixDictionary): InboundItem {
  let msg: FixMessage;
  try {
    msg = parseFix(frame, 0, frame.length, { dataTagOfLength: dict.dataTagOfLength });
  } catch (e) {
    return { kind: 'garbled', error: e as TradestateError };
  }
  const invalid = validateFix(msg, dict);
  return invalid ? { kind: 'message', msg, invalid } : { kind: 'message', msg };
}

/** Optional header additions for resent messages. */
export interface DupHeader {
  readonly origSendingTime: string;
}

/**
 * Encode an outgoing message in FIX standard field order: 8, 9, 35, 49, 56, 34, 43, 52, 122, body, 10.
 * SendingTime has milliseconds.
 */
export function encodeOutbound(
  enc: FixEncoder,
  cfg: Pick<FixSessionConfig, 'senderCompId' | 'targetCompId'>,
  msgType: string,
  seq: number,
  now: Nanos,
  fields: readonly FixField[],
  dup?: DupHeader
): Uint8Array {
  enc
    .begin(msgType)
    .str(Tag.SenderCompID, cfg.senderCompId)
    .str(Tag.TargetCompID, cfg.targetCompId)
    .int(Tag.MsgSeqNum, seq);
  if (dup) enc.str(Tag.PossDupFlag, 'Y');
  enc.time(Tag.SendingTime, now);
  if (dup) enc.str(Tag.OrigSendingTime, dup.origSendingTime);
  return encodeFields(enc, fields).finishCopy();
}

/** Bodies of the session-level messages. */
export const adminBody = {
  logon: (heartBtIntSec: number, reset: boolean): FixField[] => [
    [Tag.EncryptMethod, 0],
    [Tag.HeartBtInt, heartBtIntSec],
    ...(reset ? ([[Tag.ResetSeqNumFlag, 'Y']] as FixField[]) : [])
  ],
  heartbeat: (testReqId?: string): FixField[] =>
    testReqId === undefined ? [] : [[Tag.TestReqID, testReqId]],
  testRequest: (id: string): FixField[] => [[Tag.TestReqID, id]],
  resendRequest: (begin: number, end: number): FixField[] => [
    [Tag.BeginSeqNo, begin],
    [Tag.EndSeqNo, end]
  ],
  reject: (refSeqNum: number, r: FixRejectInfo, refMsgType?: string): FixField[] => {
    const f: FixField[] = [[Tag.RefSeqNum, refSeqNum]];
    if (r.refTagId !== undefined) f.push([Tag.RefTagID, r.refTagId]);
    if (refMsgType !== undefined) f.push([Tag.RefMsgType, refMsgType]);
    f.push([Tag.SessionRejectReason, r.reason]);
    if (r.text) f.push([Tag.Text, r.text.slice(0, 200)]);
    return f;
  },
  gapFill: (newSeqNo: number): FixField[] => [
    [Tag.GapFillFlag, 'Y'],
    [Tag.NewSeqNo, newSeqNo]
  ],
  logout: (text?: string): FixField[] => (text ? [[Tag.Text, text]] : [])
};

/** Header facts of an inbound message, read once. */
export interface InboundHeader {
  readonly msgType: string;
  readonly seq: number | undefined;
  readonly possDup: boolean;
  readonly sender: string | undefined;
  readonly target: string | undefined;
  readonly sendingTime: string | undefined;
  readonly origSendingTime: string | undefined;
}

export function headerOf(msg: FixMessage): InboundHeader {
  return {
    msgType: msg.msgType,
    seq: msg.getInt(Tag.MsgSeqNum),
    possDup: msg.getBool(Tag.PossDupFlag),
    sender: msg.get(Tag.SenderCompID),
    target: msg.get(Tag.TargetCompID),
    sendingTime: msg.get(Tag.SendingTime),
    origSendingTime: msg.get(Tag.OrigSendingTime)
  };
}

/** How the session must treat one inbound item (FIX 4.2 Volume 2 rules, in the order the spec checks them). */
export type Verdict =
  | { readonly kind: 'garbled' }
  /** Wrong BeginString or no MsgSeqNum: Logout and disconnect. */
  | { readonly kind: 'fatal'; readonly text: string }
  /** SenderCompID/TargetCompID wrong: Reject (9), Logout, disconnect. */
  | { readonly kind: 'compId'; readonly seq: number }
  /** SequenceReset in Reset mode (no GapFillFlag): applies whatever its MsgSeqNum. */
  | { readonly kind: 'reset'; readonly newSeqNo: number | undefined }
  /** MsgSeqNum below expected without PossDupFlag: Logout and disconnect. */
  | { readonly kind: 'tooLow'; readonly seq: number }
  /** A duplicate (PossDupFlag=Y, already seen): ignore. */
  | { readonly kind: 'duplicate'; readonly seq: number }
  /** PossDupFlag=Y without a valid OrigSendingTime, or one later than SendingTime: Reject. */
  | { readonly kind: 'badDup'; readonly seq: number; readonly reject: FixRejectInfo }
  /** MsgSeqNum above expected: queue it and ask for the gap. */
  | { readonly kind: 'tooHigh'; readonly seq: number }
  /** In sequence but SendingTime is off by more than the tolerance: Reject (10), Logout. */
  | { readonly kind: 'sendingTime'; readonly seq: number }
  /** In sequence but invalid: Reject and count it. */
  | { readonly kind: 'invalid'; readonly seq: number; readonly reject: FixRejectInfo }
  /** In sequence and valid: process. */
  | { readonly kind: 'ok'; readonly seq: number };

export function classifyInbound(
  item: InboundItem,
  nextIn: number,
  cfg: FixSessionConfig,
  now: Nanos
): Verdict {
  if (item.kind === 'garbled') return { kind: 'garbled' };
  const { msg, invalid } = item;
  if (msg.valueAt(0) !== cfg.dictionary.beginString) return { kind: 'fatal', text: 'incorrect BeginString' };
  const h = headerOf(msg);
  if (h.seq === undefined || h.seq <= 0) return { kind: 'fatal', text: 'MsgSeqNum missing or invalid' };
  const seq = h.seq;
  if (h.sender !== cfg.targetCompId || h.target !== cfg.senderCompId) return { kind: 'compId', seq };
  if (h.msgType === MsgType.SequenceReset && !msg.getBool(Tag.GapFillFlag)) {
    return { kind: 'reset', newSeqNo: msg.getInt(Tag.NewSeqNo) };
  }
  if (seq < nextIn) {
    if (!h.possDup) return { kind: 'tooLow', seq };
    if (h.origSendingTime === undefined) {
      return {
        kind: 'badDup',
        seq,
        reject: {
          reason: SessionRejectReason.RequiredTagMissing,
          refTagId: Tag.OrigSendingTime,
          text: 'PossDupFlag=Y without OrigSendingTime'
        }
      };
    }
    if (h.sendingTime !== undefined && tsAfter(h.origSendingTime, h.sendingTime)) {
      return {
        kind: 'badDup',
        seq,
        reject: {
          reason: SessionRejectReason.SendingTimeAccuracyProblem,
          refTagId: Tag.OrigSendingTime,
          text: 'OrigSendingTime later than SendingTime'
        }
      };
    }
    return { kind: 'duplicate', seq };
  }
  if (seq > nextIn) return { kind: 'tooHigh', seq };
  if (invalid) return { kind: 'invalid', seq, reject: invalid };
  const tol = cfg.sendingTimeToleranceMs ?? 120_000;
  if (tol > 0 && h.sendingTime !== undefined && !h.possDup) {
    const t = tryTs(h.sendingTime);
    const d = t === undefined ? 0n : t - now;
    if (d > BigInt(tol) * NS_PER_MS || -d > BigInt(tol) * NS_PER_MS) return { kind: 'sendingTime', seq };
  }
  return { kind: 'ok', seq };
}

function tryTs(s: string): Nanos | undefined {
  try {
    return parseUtcTimestamp(s);
  } catch {
    return undefined;
  }
}

function tsAfter(a: string, b: string): boolean {
  const x = tryTs(a);
  const y = tryTs(b);
  return x !== undefined && y !== undefined && x > y;
}

/** One step of answering a ResendRequest. */
export type ResendStep =
  | { readonly kind: 'gapFill'; readonly seq: number; readonly newSeqNo: number }
  | { readonly kind: 'resend'; readonly seq: number; readonly msg: FixMessage };

/**
 * Plan the answer to ResendRequest(begin, end): application messages from the store are resent
 * (unless `resendApp` is false); admin messages and anything missing from the store are covered by
 * SequenceReset-GapFill, consecutive ones merged into one. `end` = 0 (or beyond what was sent) means
 * "up to the last sent" — the lesson of jspurefix PR #83.
 */
export function planResend(
  store: Pick<FixSessionStore, 'getMessage'>,
  begin: number,
  end: number,
  nextOut: number,
  resendApp: boolean
): ResendStep[] {
  const last = end === 0 || end >= nextOut ? nextOut - 1 : end;
  const steps: ResendStep[] = [];
  let gapStart = 0;
  for (let s = Math.max(1, begin); s <= last; s++) {
    const bytes = store.getMessage(s);
    let msg: FixMessage | undefined;
    if (bytes && resendApp) {
      try {
        msg = parseFix(bytes);
      } catch {
        msg = undefined;
      }
    }
    if (msg && !ADMIN_MSG_TYPES.has(msg.msgType)) {
      if (gapStart) steps.push({ kind: 'gapFill', seq: gapStart, newSeqNo: s });
      gapStart = 0;
      steps.push({ kind: 'resend', seq: s, msg });
    } else if (!gapStart) gapStart = s;
  }
  if (gapStart) steps.push({ kind: 'gapFill', seq: gapStart, newSeqNo: last + 1 });
  return steps;
}

/** Body fields of a stored message (everything between the header and the trailer), to resend it. */
export function bodyFieldsOf(msg: FixMessage, dict: FixDictionary): FixField[] {
  const out: FixField[] = [];
  for (let i = 3; i < msg.count - 1; i++) {
    const t = msg.tagAt(i);
    if (dict.headerTag[t] === 1 || dict.trailerTag[t] === 1) continue;
    out.push([t, msg.valueAt(i)]);
  }
  return out;
}

export { FixEncoder, FixMessage };
