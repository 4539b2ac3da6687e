import { ErrorCode, TradestateError } from '../../core/errors.ts';
import type { FixDictionary, FixFieldDef, FixScopeDef } from './dictionary.ts';
import type { FixMessage } from './parser.ts';
import { SessionRejectReason } from './tags.ts';
import { isUtcTimestamp } from './time.ts';

/** Why a well-framed message is refused, in FIX terms: the Reject (35=3) it deserves. */
export interface FixRejectInfo {
  readonly reason: SessionRejectReason;
  readonly refTagId?: number;
  readonly text: string;
}

const INT_RE = /^-?\d+$/;
const UINT_RE = /^\d+$/;
const FLOAT_RE = /^-?(\d+(\.\d*)?|\.\d+)$/;
const DATE_RE = /^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;
const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?$/;
const MONTHYEAR_RE = /^\d{4}(0[1-9]|1[0-2])((0[1-9]|[12]\d|3[01])|w[1-5])?$/;

/** Does `v` have the format of FIX type `def.type`? */
export function formatOk(def: FixFieldDef, v: string): boolean {
  switch (def.type) {
    case 'INT':
      return INT_RE.test(v);
    case 'LENGTH':
    case 'SEQNUM':
    case 'NUMINGROUP':
      return UINT_RE.test(v);
    case 'DAYOFMONTH':
      return UINT_RE.test(v) && Number(v) >= 1 && Number(v) <= 31;
    case 'FLOAT':
    case 'PRICE':
    case 'QTY':
    case 'AMT':
    case 'PRICEOFFSET':
    case 'PERCENTAGE':
      return FLOAT_RE.test(v);
    case 'CHAR':
      return v.length === 1;
    case 'BOOLEAN':
      return v === 'Y' || v === 'N';
    case 'UTCTIMESTAMP':
      return isUtcTimestamp(v);
    case 'UTCTIMEONLY':
      return TIME_RE.test(v);
    case 'UTCDATE':
    case 'UTCDATEONLY':
    case 'LOCALMKTDATE':
      return DATE_RE.test(v);
    case 'MONTHYEAR':
      return MONTHYEAR_RE.test(v);
    default:
      return true;
  }
}

function enumOk(def: FixFieldDef, v: string): boolean {
  if (!def.enums) return true;
  if (def.type === 'MULTIPLEVALUESTRING') return v.split(' ').every((x) => def.enums!.has(x));
  return def.enums.has(v);
}

function reject(reason: SessionRejectReason, refTagId: number | undefined, text: string): FixRejectInfo {
  return refTagId === undefined ? { reason, text } : { reason, refTagId, text };
}

/**
 * Validate a parsed message against the dictionary: BeginString, known MsgType, header fields first,
 * every tag defined and allowed for the message type (groups included, nested), no tag twice in one
 * scope, values non-empty, in the field's data format and among its enumerated values, repeating-group
 * counts equal to the instances present, required fields (of the header, the body and each group
 * instance) present. Returns the first problem, or undefined when the message is valid.
 */
export function validateFix(msg: FixMessage, dict: FixDictionary): FixRejectInfo | undefined {
  if (msg.valueAt(0) !== dict.beginString) {
    return reject(SessionRejectReason.ValueIsIncorrect, 8, `BeginString must be ${dict.beginString}`);
  }
  const def = dict.messages.get(msg.msgType);
  if (!def) return reject(SessionRejectReason.InvalidMsgType, 35, `unknown MsgType ${msg.msgType}`);
  const last = msg.count - 1; // CheckSum
  let i = 3;
  const seenHeader = new Set<number>([8, 9, 35]);
  // header
  while (i < last && dict.headerTag[msg.tagAt(i)] === 1) {
    const t = msg.tagAt(i);
    if (seenHeader.has(t))
      return reject(SessionRejectReason.TagNotDefinedForMessageType, t, `tag ${t} repeated`);
    seenHeader.add(t);
    const bad = checkValue(dict, msg, i);
    if (bad) return bad;
    i++;
  }
  for (const t of dict.header.required) {
    if (!seenHeader.has(t))
      return reject(SessionRejectReason.RequiredTagMissing, t, `required tag ${t} missing`);
  }
  // body
  const body = walk(dict, msg, def, i, last);
  if ('reason' in body) return body;
  i = body.next;
  // trailer (SignatureLength/Signature), then CheckSum
  while (i < last) {
    const t = msg.tagAt(i);
    if (dict.trailerTag[t] !== 1) {
      if (dict.headerTag[t] === 1) {
        return reject(SessionRejectReason.TagNotDefinedForMessageType, t, `header tag ${t} out of order`);
      }
      if (t >= dict.fields.length || dict.fields[t] === undefined) {
        return reject(SessionRejectReason.InvalidTagNumber, t, `unknown tag ${t}`);
      }
      return reject(
        SessionRejectReason.TagNotDefinedForMessageType,
        t,
        `tag ${t} not defined for ${def.name}`
      );
    }
    const bad = checkValue(dict, msg, i);
    if (bad) return bad;
    i++;
  }
  return undefined;
}

/** Like {@link validateFix} but throws `TRD_ERR_FIX_VALIDATION` carrying the reject reason. */
export function assertValidFix(msg: FixMessage, dict: FixDictionary): void {
  const r = validateFix(msg, dict);
  if (r) throw fixValidationError(msg, r);
}

/** The typed error for a validation failure. */
export function fixValidationError(msg: FixMessage, r: FixRejectInfo): TradestateError {
  return new TradestateError(ErrorCode.FIX_VALIDATION, r.text, {
    sessionRejectReason: r.reason,
    refTagId: r.refTagId,
    refMsgType: msg.msgType,
    refSeqNum: msg.getInt(34)
  });
}

function checkValue(dict: FixDictionary, msg: FixMessage, i: number): FixRejectInfo | undefined {
  const t = msg.tagAt(i);
  const def = t < dict.fields.length ? dict.fields[t] : undefined;
  if (!def) return reject(SessionRejectReason.InvalidTagNumber, t, `unknown tag ${t}`);
  const v = msg.valueAt(i);
  if (v.length === 0) return reject(SessionRejectReason.TagSpecifiedWithoutValue, t, `tag ${t} has no value`);
  if (def.type === 'DATA') return undefined;
  if (!formatOk(def, v)) {
    return reject(SessionRejectReason.IncorrectDataFormat, t, `tag ${t} is not a valid ${def.type}`);
  }
  if (!enumOk(def, v))
    return reject(SessionRejectReason.ValueIsIncorrect, t, `tag ${t} value ${v} not allowed`);
  return undefined;
}

/**
 * Walk the fields of one scope instance starting at `i`; stops at the first tag that does not belong
 * (for a group instance: also when its delimiter repeats). Returns the next index or a reject.
 */
function walk(
  dict: FixDictionary,
  msg: FixMessage,
  scope: FixScopeDef,
  start: number,
  last: number,
  isGroup = false
): { next: number } | FixRejectInfo {
  const seen = new Set<number>();
  let i = start;
  while (i < last) {
    const t = msg.tagAt(i);
    if (!scope.position.has(t)) break;
    if (seen.has(t)) {
      if (isGroup && i > start && t === msg.tagAt(start)) break; // next instance
      return reject(SessionRejectReason.TagNotDefinedForMessageType, t, `tag ${t} appears more than once`);
    }
    seen.add(t);
    const bad = checkValue(dict, msg, i);
    if (bad) return bad;
    i++;
    const group = scope.groups.get(t);
    if (group) {
      const n = Number(msg.valueAt(i - 1));
      for (let k = 0; k < n; k++) {
        if (i >= last || msg.tagAt(i) !== group.delimiter) {
          return reject(
            SessionRejectReason.ValueIsIncorrect,
            t,
            `group ${group.name}: count ${n} but ${k} instance(s) (each must start with tag ${group.delimiter})`
          );
        }
        const r = walk(dict, msg, group, i, last, true);
        if ('reason' in r) return r;
        i = r.next;
      }
      if (i < last && msg.tagAt(i) === group.delimiter) {
        return reject(
          SessionRejectReason.ValueIsIncorrect,
          t,
          `group ${group.name}: more instances than count ${n}`
        );
      }
    }
  }
  for (const r of scope.required) {
    if (!seen.has(r)) return reject(SessionRejectReason.RequiredTagMissing, r, `required tag ${r} missing`);
  }
  return { next: i };
}
