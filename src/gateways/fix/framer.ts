import { ErrorCode, TradestateError } from '../../core/errors.ts';

const SOH = 1;

/** One item cut from a TCP byte stream: a complete frame (checksum not yet verified) or garbage skipped while resynchronising. */
export type FramerItem =
  | { readonly kind: 'frame'; readonly bytes: Uint8Array }
  | { readonly kind: 'garbled'; readonly error: TradestateError; readonly bytes: Uint8Array };

export interface FramerOptions {
  /** Largest BodyLength accepted (default 1 MiB); a larger one is garbage. */
  readonly maxBodyLength?: number;
}

/**
 * Cuts FIX messages out of a TCP byte stream: several messages in one read, one message split over
 * many reads, garbage between messages. Uses BodyLength to find the end and checks that the CheckSum
 * field sits exactly there; on a mismatch it reports the bytes as garbled and resynchronises on the
 * next `8=` that follows an SOH, or the next `8=FIX`. A BeginString holding `=` is a false start (garbage
 * ending in `8=FIX` right before a message), resynchronised the same way, so the message after it is kept.
 * It never waits for more than BodyLength + header + 7 bytes.
 */
export class FixFramer {
  #buf: Buffer = Buffer.alloc(0);
  readonly #maxBody: number;

  constructor(opts: FramerOptions = {}) {
    this.#maxBody = opts.maxBodyLength ?? 1 << 20;
  }

  /** Bytes held while waiting for the rest of a message. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Feed one read; returns every complete item, in stream order. */
  push(chunk: Uint8Array): FramerItem[] {
    const buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const out: FramerItem[] = [];
    let p = 0;
    const n = buf.length;
    while (p < n) {
      // resync: a frame must start with "8="
      if (buf[p] !== 56 || (p + 1 < n && buf[p + 1] !== 61)) {
        const next = findStart(buf, p + 1);
        const stop = next < 0 ? n : next;
        out.push(garbled(ErrorCode.FIX_PARSE, 'bytes outside a FIX message', buf, p, stop));
        p = stop;
        continue;
      }
      // BeginString: a "=" in it means this start was garbage ("…8=FIX" before a real message)
      let q = p + 2;
      while (q < n && buf[q] !== SOH && buf[q] !== 61 && q - p < 32) q++;
      if (q >= n) break; // need more
      if (buf[q] !== SOH) {
        p = skip(out, buf, p, ErrorCode.FIX_PARSE, 'BeginString too long or not a value');
        continue;
      }
      q++;
      if (q + 2 > n) break;
      if (buf[q] !== 57 || buf[q + 1] !== 61) {
        p = skip(out, buf, p, ErrorCode.FIX_PARSE, 'second field is not BodyLength');
        continue;
      }
      q += 2;
      let len = 0;
      const ls = q;
      let ok = true;
      while (q < n && buf[q] !== SOH) {
        const d = buf[q]! - 48;
        if (d < 0 || d > 9 || q - ls > 9) {
          ok = false;
          break;
        }
        len = len * 10 + d;
        q++;
      }
      if (ok && q >= n) break;
      if (!ok || q === ls || len > this.#maxBody) {
        p = skip(out, buf, p, ErrorCode.FIX_BODY_LENGTH, 'bad BodyLength');
        continue;
      }
      const end = q + 1 + len + 7;
      if (end > n) break;
      const t = q + 1 + len;
      if (
        buf[t - 1] !== SOH ||
        buf[t] !== 49 ||
        buf[t + 1] !== 48 ||
        buf[t + 2] !== 61 ||
        buf[end - 1] !== SOH
      ) {
        p = skip(out, buf, p, ErrorCode.FIX_BODY_LENGTH, 'BodyLength does not end at CheckSum');
        continue;
      }
      out.push({ kind: 'frame', bytes: new Uint8Array(buf.subarray(p, end)) });
      p = end;
    }
    this.#buf = p >= n ? Buffer.alloc(0) : Buffer.from(buf.subarray(p));
    return out;
  }

  /** Forget any partial message (after a disconnect). */
  reset(): void {
    this.#buf = Buffer.alloc(0);
  }
}

/**
 * Next message start at or after `from`, -1 if none: an "8=" after an SOH, or "8=FIX" after anything (garbage need
 * not end in SOH; a start cut off at the end of what has arrived counts, to be completed by the next read), so
 * that the same bytes frame the same whatever the reads they come in.
 */
function findStart(buf: Buffer, from: number): number {
  let i = from;
  for (;;) {
    i = buf.indexOf(56, i);
    if (i < 0) return -1;
    if (i > 0 && buf[i - 1] === SOH && (i + 1 >= buf.length || buf[i + 1] === 61)) return i;
    if (beginsFix(buf, i)) return i;
    i++;
  }
}

const BEGIN_FIX = [56, 61, 70, 73, 88]; // "8=FIX"

/** Whether the bytes at `i` are "8=FIX", or as much of it as has arrived. */
function beginsFix(buf: Buffer, i: number): boolean {
  for (let k = 0; k < BEGIN_FIX.length && i + k < buf.length; k++)
    if (buf[i + k] !== BEGIN_FIX[k]) return false;
  return true;
}

function skip(out: FramerItem[], buf: Buffer, p: number, code: ErrorCode, why: string): number {
  const next = findStart(buf, p + 1);
  const stop = next < 0 ? buf.length : next;
  out.push(garbled(code, why, buf, p, stop));
  return stop;
}

function garbled(code: ErrorCode, why: string, buf: Buffer, from: number, to: number): FramerItem {
  return {
    kind: 'garbled',
    error: new TradestateError(code, `garbled FIX input: ${why}`, { length: to - from }),
    bytes: new Uint8Array(buf.subarray(from, to))
  };
}
