import type { Nanos } from '../../core/nanos.ts';
import { NS_PER_MS } from '../../core/nanos.ts';
import { writeUtcTimestampMs } from './time.ts';

const SOH = 1;
/** Room kept in front of the body for `8=FIX.x.y|9=nnnnnnn|`. */
const HEAD = 40;

/**
 * Writes one FIX message straight into a reusable byte buffer: body fields first (after a reserved
 * head), then BeginString and BodyLength right-aligned in front of it, then the CheckSum.
 * `finish()` returns a view valid until the next `begin()`; `finishCopy()` an owned copy.
 */
export class FixEncoder {
  readonly beginString: string;
  #buf: Uint8Array;
  #pos = HEAD;
  readonly #bs: Uint8Array;

  constructor(beginString = 'FIX.4.2', capacity = 2048) {
    this.beginString = beginString;
    this.#buf = new Uint8Array(Math.max(capacity, 256));
    this.#bs = Buffer.from(`8=${beginString}\x019=`, 'latin1');
  }

  /** Start a message: writes MsgType (35) as the first body field. */
  begin(msgType: string): this {
    this.#pos = HEAD;
    return this.str(35, msgType);
  }

  #room(n: number): void {
    if (this.#pos + n + 16 <= this.#buf.length) return;
    const g = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n + 64));
    g.set(this.#buf.subarray(0, this.#pos));
    this.#buf = g;
  }

  #tag(tag: number): void {
    const b = this.#buf;
    let p = this.#pos;
    if (tag < 10) b[p++] = 48 + tag;
    else if (tag < 100) {
      b[p++] = 48 + ((tag / 10) | 0);
      b[p++] = 48 + (tag % 10);
    } else if (tag < 1000) {
      b[p++] = 48 + ((tag / 100) | 0);
      b[p++] = 48 + (((tag / 10) | 0) % 10);
      b[p++] = 48 + (tag % 10);
    } else {
      const s = String(tag);
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    }
    b[p++] = 61;
    this.#pos = p;
  }

  /** A string field (latin1; characters above 0xFF become `?`). */
  str(tag: number, value: string): this {
    this.#room(value.length + 8);
    this.#tag(tag);
    const b = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      b[p++] = c > 255 ? 63 : c;
    }
    b[p++] = SOH;
    this.#pos = p;
    return this;
  }

  /** An integer field. */
  int(tag: number, value: number): this {
    if (!Number.isSafeInteger(value)) return this.str(tag, String(value));
    this.#room(24);
    this.#tag(tag);
    const b = this.#buf;
    let p = this.#pos;
    let v = value;
    if (v < 0) {
      b[p++] = 45;
      v = -v;
    }
    if (v < 10) b[p++] = 48 + v;
    else {
      const start = p;
      while (v > 0) {
        b[p++] = 48 + (v % 10);
        v = Math.floor(v / 10);
      }
      for (let i = start, j = p - 1; i < j; i++, j--) {
        const t = b[i]!;
        b[i] = b[j]!;
        b[j] = t;
      }
    }
    b[p++] = SOH;
    this.#pos = p;
    return this;
  }

  /** A single-character field. */
  char(tag: number, code: string): this {
    return this.str(tag, code);
  }

  /** A UTCTimestamp field with milliseconds, from epoch nanoseconds. */
  time(tag: number, ns: Nanos): this {
    const q = ns / NS_PER_MS;
    return this.timeMs(tag, Number(ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q));
  }

  /** A UTCTimestamp field with milliseconds, from epoch milliseconds. */
  timeMs(tag: number, ms: number): this {
    this.#room(32);
    this.#tag(tag);
    this.#pos = writeUtcTimestampMs(this.#buf, this.#pos, ms);
    this.#buf[this.#pos++] = SOH;
    return this;
  }

  /** Raw data: the LENGTH field then the DATA field with exactly those bytes (which may include SOH). */
  data(lengthTag: number, dataTag: number, bytes: Uint8Array): this {
    this.int(lengthTag, bytes.length);
    this.#room(bytes.length + 8);
    this.#tag(dataTag);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    this.#buf[this.#pos++] = SOH;
    return this;
  }

  /** Bytes of an already-encoded `tag=value` run (each field SOH-terminated), appended verbatim. */
  rawFields(bytes: Uint8Array): this {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  /** Complete the message; the view is valid until the next `begin()`. */
  finish(): Uint8Array {
    const b = this.#buf;
    const bodyLen = this.#pos - HEAD;
    // BodyLength digits
    let digits = 1;
    for (let v = bodyLen; v >= 10; v = Math.floor(v / 10)) digits++;
    const start = HEAD - this.#bs.length - digits - 1;
    b.set(this.#bs, start);
    let p = HEAD - 2;
    for (let v = bodyLen, i = 0; i < digits; i++, v = Math.floor(v / 10)) b[p--] = 48 + (v % 10);
    b[HEAD - 1] = SOH;
    let sum = 0;
    const end = this.#pos;
    for (let i = start; i < end; i++) sum += b[i]!;
    sum &= 255;
    this.#room(8);
    const c = this.#buf;
    p = this.#pos;
    c[p++] = 49;
    c[p++] = 48;
    c[p++] = 61;
    c[p++] = 48 + ((sum / 100) | 0);
    c[p++] = 48 + (((sum / 10) | 0) % 10);
    c[p++] = 48 + (sum % 10);
    c[p++] = SOH;
    this.#pos = p;
    return c.subarray(start, p);
  }

  /** Complete the message and return an owned copy. */
  finishCopy(): Uint8Array {
    return this.finish().slice();
  }
}

/** A field value for {@link encodeFields}: a string, an integer, or group instances (each a field list). */
export type FixValue = string | number | readonly FixField[][];
export type FixField = readonly [tag: number, value: FixValue];

/** Write a list of fields (with nested groups: the count, then each instance's fields) into `enc`. */
export function encodeFields(enc: FixEncoder, fields: readonly FixField[]): FixEncoder {
  for (const [tag, v] of fields) {
    if (typeof v === 'string') enc.str(tag, v);
    else if (typeof v === 'number') enc.int(tag, v);
    else {
      enc.int(tag, v.length);
      for (const inst of v) encodeFields(enc, inst);
    }
  }
  return enc;
}

/** FIX checksum of `bytes` (sum mod 256). */
export function fixChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += bytes[i]!;
  return s & 255;
}
