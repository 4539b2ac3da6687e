import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { DEFAULT_DATA_TAG_OF_LENGTH } from './tags.ts';

const SOH = 1;
const EQ = 61; // '='
const D0 = 48;

/**
 * A parsed FIX message: a flat, zero-copy list of (tag, value start, value end) triplets over the
 * frame's bytes, in wire order, including BeginString (8), BodyLength (9) and CheckSum (10).
 * Values are decoded on demand.
 */
export class FixMessage {
  readonly buf: Uint8Array;
  /** Number of fields. */
  readonly count: number;
  /** Triplets: fields[3i] = tag, fields[3i+1] = value start, fields[3i+2] = value end (exclusive), offsets into `buf`. */
  readonly fields: readonly number[];
  readonly msgType: string;

  constructor(buf: Uint8Array, fields: readonly number[], count: number, msgType: string) {
    this.buf = buf;
    this.fields = fields;
    this.count = count;
    this.msgType = msgType;
  }

  tagAt(i: number): number {
    return this.fields[3 * i]!;
  }

  /** The value of field `i` as a latin1 string. */
  valueAt(i: number): string {
    return latin1(this.buf, this.fields[3 * i + 1]!, this.fields[3 * i + 2]!);
  }

  /** The raw bytes of field `i` (a view, not a copy). */
  bytesAt(i: number): Uint8Array {
    return this.buf.subarray(this.fields[3 * i + 1]!, this.fields[3 * i + 2]!);
  }

  /** Index of the first field with `tag` at or after `from`, or -1. */
  indexOf(tag: number, from = 0): number {
    const f = this.fields;
    for (let i = from; i < this.count; i++) if (f[3 * i] === tag) return i;
    return -1;
  }

  has(tag: number): boolean {
    return this.indexOf(tag) >= 0;
  }

  /** First value of `tag`, or undefined. */
  get(tag: number): string | undefined {
    const i = this.indexOf(tag);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** First value of `tag` as a non-negative integer; undefined when absent or not digits. */
  getInt(tag: number): number | undefined {
    const i = this.indexOf(tag);
    if (i < 0) return undefined;
    return parseUint(this.buf, this.fields[3 * i + 1]!, this.fields[3 * i + 2]!);
  }

  /** True when the value of `tag` is `Y`. */
  getBool(tag: number): boolean {
    const i = this.indexOf(tag);
    return (
      i >= 0 &&
      this.fields[3 * i + 2]! - this.fields[3 * i + 1]! === 1 &&
      this.buf[this.fields[3 * i + 1]!] === 89
    );
  }

  /** All (tag, value) pairs in wire order. */
  toPairs(): [number, string][] {
    const out: [number, string][] = [];
    for (let i = 0; i < this.count; i++) out.push([this.tagAt(i), this.valueAt(i)]);
    return out;
  }

  /** The message as text with `|` for SOH (for logs and tests). */
  toString(): string {
    return latin1(this.buf, 0, this.buf.length).replaceAll('\x01', '|');
  }
}

/** Decode bytes as latin1 (FIX is 8-bit clean ASCII). Short values by hand, long ones through Buffer. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n < 24) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + start, n).toString('latin1');
}

/** Digits only → integer; undefined otherwise (empty, sign, non-digit or over 15 digits). */
export function parseUint(buf: Uint8Array, start: number, end: number): number | undefined {
  if (end <= start || end - start > 15) return undefined;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - D0;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return v;
}

function fail(code: ErrorCode, message: string, context: Record<string, unknown> = {}): never {
  throw new TradestateError(code, message, context);
}

// Reused field list (a plain SMI array: cheaper to fill and copy than a typed array, whose allocation
// costs more than parsing a message). Never larger than needed: each field takes at least 4 bytes.
const scratch: number[] = new Array<number>(3 * 1024).fill(0);

export interface ParseOptions {
  /** LENGTH tag → DATA tag table (a dictionary's `dataTagOfLength`); FIX 4.2's pairs by default. */
  readonly dataTagOfLength?: Int32Array;
}

/**
 * Parse exactly one FIX tag=value message occupying `buf[start, end)`.
 * Verifies the BeginString/BodyLength/MsgType prefix, that BodyLength points exactly at the CheckSum field,
 * and the CheckSum (summed in the same single pass that tokenises). Raw data fields (a LENGTH field followed
 * by its DATA field) are read by length, so they may contain SOH. Throws `TRD_ERR_FIX_PARSE`,
 * `TRD_ERR_FIX_BODY_LENGTH` or `TRD_ERR_FIX_CHECKSUM` (a bad checksum wins over a bad field).
 * The returned message views `buf` without copying.
 */
export function parseFix(buf: Uint8Array, start = 0, end = buf.length, opts?: ParseOptions): FixMessage {
  const dataTags = opts?.dataTagOfLength ?? DEFAULT_DATA_TAG_OF_LENGTH;
  const nData = dataTags.length;
  if (end - start < 20 || buf[start] !== 56 || buf[start + 1] !== EQ) {
    fail(ErrorCode.FIX_PARSE, 'message does not start with 8=', { offset: start });
  }
  let sum = 56 + EQ;
  let p = start + 2;
  const bsStart = p;
  let c = buf[p]!;
  while (c !== SOH) {
    sum += c;
    if (++p >= end) fail(ErrorCode.FIX_PARSE, 'BeginString not terminated');
    c = buf[p]!;
  }
  if (p === bsStart) fail(ErrorCode.FIX_PARSE, 'empty BeginString');
  const bsEnd = p;
  p++;
  if (buf[p] !== 57 || buf[p + 1] !== EQ) fail(ErrorCode.FIX_PARSE, 'second field is not BodyLength (9)');
  sum += SOH + 57 + EQ;
  p += 2;
  const blStart = p;
  let bodyLength = 0;
  c = buf[p]!;
  while (c !== SOH) {
    const d = c - D0;
    if (d < 0 || d > 9 || p - blStart > 9 || p >= end)
      fail(ErrorCode.FIX_BODY_LENGTH, 'BodyLength is not a number');
    bodyLength = bodyLength * 10 + d;
    sum += c;
    c = buf[++p]!;
  }
  if (p === blStart) fail(ErrorCode.FIX_BODY_LENGTH, 'BodyLength missing');
  const blEnd = p;
  sum += SOH;
  p++;
  const bodyStart = p;
  const trailer = bodyStart + bodyLength;
  if (
    trailer + 7 > end ||
    buf[trailer - 1] !== SOH ||
    buf[trailer] !== 49 ||
    buf[trailer + 1] !== D0 ||
    buf[trailer + 2] !== EQ ||
    buf[trailer + 6] !== SOH
  ) {
    fail(ErrorCode.FIX_BODY_LENGTH, `BodyLength ${bodyLength} does not end at the CheckSum field`, {
      bodyLength
    });
  }
  if (trailer + 7 !== end)
    fail(ErrorCode.FIX_PARSE, 'bytes after the CheckSum field', { extra: end - trailer - 7 });
  const c0 = buf[trailer + 3]! - D0;
  const c1 = buf[trailer + 4]! - D0;
  const c2 = buf[trailer + 5]! - D0;
  if (c0 < 0 || c0 > 9 || c1 < 0 || c1 > 9 || c2 < 0 || c2 > 9)
    fail(ErrorCode.FIX_CHECKSUM, 'CheckSum is not 3 digits');
  const declared = c0 * 100 + c1 * 10 + c2;

  const f = scratch;
  f[0] = 8;
  f[1] = bsStart - start;
  f[2] = bsEnd - start;
  f[3] = 9;
  f[4] = blStart - start;
  f[5] = blEnd - start;
  let n = 6;
  let rawLen = -1;
  let rawTag = 0;
  let problem = '';
  p = bodyStart;
  while (p < trailer) {
    let tag = 0;
    const tStart = p;
    c = buf[p]!;
    while (c !== EQ) {
      const d = c - D0;
      if (d < 0 || d > 9 || p - tStart > 8) {
        problem = 'bad tag';
        break;
      }
      tag = tag * 10 + d;
      sum += c;
      c = buf[++p]!;
    }
    if (problem || p === tStart || tag === 0) {
      problem ||= 'empty or zero tag';
      break;
    }
    sum += EQ;
    p++;
    const vStart = p;
    if (tag === rawTag && rawLen >= 0) {
      const stop = p + rawLen;
      if (stop >= trailer || buf[stop] !== SOH) {
        problem = `raw data of tag ${tag} is not ${rawLen} bytes`;
        break;
      }
      for (; p < stop; p++) sum += buf[p]!;
    } else {
      c = buf[p]!;
      while (c !== SOH) {
        sum += c;
        c = buf[++p]!;
      }
    }
    sum += SOH;
    rawTag = 0;
    rawLen = -1;
    if (tag < nData && dataTags[tag] !== 0) {
      const len = parseUint(buf, vStart, p);
      if (len === undefined) {
        problem = `length tag ${tag} is not a number`;
        break;
      }
      rawTag = dataTags[tag]!;
      rawLen = len;
    }
    f[n] = tag;
    f[n + 1] = vStart - start;
    f[n + 2] = p - start;
    n += 3;
    p++;
  }
  if (problem) {
    // a corrupt message usually has a wrong checksum too: report that first
    let all = 0;
    for (let i = start; i < trailer; i++) all += buf[i]!;
    if ((all & 255) !== declared)
      fail(ErrorCode.FIX_CHECKSUM, `CheckSum ${declared} but computed ${all & 255}`);
    fail(ErrorCode.FIX_PARSE, problem, { offset: p - start });
  }
  if ((sum & 255) !== declared) {
    fail(ErrorCode.FIX_CHECKSUM, `CheckSum ${declared} but computed ${sum & 255}`, {
      declared,
      computed: sum & 255
    });
  }
  // (n === 6: an empty body; f[6] still holds the previous message's third field)
  if (n < 9 || f[6] !== 35) fail(ErrorCode.FIX_PARSE, 'third field is not MsgType (35)');
  f[n] = 10;
  f[n + 1] = trailer + 3 - start;
  f[n + 2] = trailer + 6 - start;
  n += 3;
  const ms = f[7]! + start;
  const me = f[8]! + start;
  const msgType = me - ms === 1 ? MSGTYPE1[buf[ms]!]! : latin1(buf, ms, me);
  return new FixMessage(
    start === 0 && end === buf.length ? buf : buf.subarray(start, end),
    f.slice(0, n),
    n / 3,
    msgType
  );
}

const MSGTYPE1: string[] = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

/** Parse a message written with `|` (or another printable) as delimiter, for tests and samples. */
export function parseFixText(text: string, delimiter = '|', opts?: ParseOptions): FixMessage {
  const bytes = Buffer.from(delimiter === '\x01' ? text : text.replaceAll(delimiter, '\x01'), 'latin1');
  return parseFix(bytes, 0, bytes.length, opts);
}
