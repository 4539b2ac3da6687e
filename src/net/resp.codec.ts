import { ErrorCode, TradestateError } from '../core/errors.ts';

/*
 * RESP2, the Redis serialization protocol (https://redis.io/docs/latest/develop/reference/protocol-spec/):
 * commands go out as arrays of bulk strings; replies come back as simple strings (`+`), errors (`-`),
 * integers (`:`), bulk strings (`$`) and arrays (`*`), each line ended by CRLF.
 */

/**
 * A decoded RESP2 reply that is not an error: simple and bulk strings are `string` (UTF-8), integers are
 * `number` (always safe integers), a null bulk string (`$-1`) or null array (`*-1`) is `null`, and arrays
 * are arrays.
 */
export type RespValue = string | number | null | RespValue[];

/** An error reply (`-ERR …`): not a value, so the decoder yields it as this object, `error` being its text. */
export interface RespErrorReply {
  readonly error: string;
}

/** One complete reply as {@link RespDecoder.push} yields it. */
export type RespReply = RespValue | RespErrorReply;

/** Longest bulk string the decoder accepts (512 MiB, Redis's own `proto-max-bulk-len` default). */
export const RESP_MAX_BULK_LENGTH = 512 * 1024 * 1024;
/** Most elements an array may declare (2^24). */
export const RESP_MAX_ARRAY_LENGTH = 1 << 24;
/** Deepest nesting of arrays (a top-level array is depth 1). */
export const RESP_MAX_DEPTH = 64;

/** Longest line of an integer or a length (`:`, `$`, `*`), type byte and CRLF excluded. */
const MAX_NUMBER_LINE = 32;

const CR = 13;
const LF = 10;
const MINUS = 45;
const ZERO = 48;
const PLUS = 43; // +
const DASH = 45; // -
const COLON = 58; // :
const DOLLAR = 36; // $
const STAR = 42; // *

const EMPTY = Buffer.alloc(0);

/** True when `r` is an error reply rather than a value. */
export function isRespError(r: RespReply): r is RespErrorReply {
  return typeof r === 'object' && r !== null && !Array.isArray(r);
}

/**
 * Encode one command as RESP: an array of bulk strings, lengths in UTF-8 bytes. Numbers are written in
 * their shortest decimal form (`String(n)`).
 *
 * @throws TradestateError `TRD_ERR_REDIS_PROTOCOL` for an empty command (Redis would not answer it, which
 * would break the FIFO matching of replies) or a number that is not finite.
 */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  if (args.length === 0) {
    throw new TradestateError(ErrorCode.REDIS_PROTOCOL, 'a Redis command needs at least one argument', {});
  }
  let text = `*${args.length}\r\n`;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let s: string;
    if (typeof a === 'number') {
      if (!Number.isFinite(a)) {
        throw new TradestateError(ErrorCode.REDIS_PROTOCOL, `command argument ${i} is not a finite number`, {
          index: i,
          value: String(a)
        });
      }
      s = String(a);
    } else s = a;
    text += `$${Buffer.byteLength(s, 'utf8')}\r\n${s}\r\n`;
  }
  return Buffer.from(text, 'utf8');
}

interface Frame {
  readonly items: RespValue[];
  remaining: number;
  /** The first error reply met among the elements (at any depth), if any. */
  error: RespErrorReply | undefined;
}

/**
 * Incremental RESP2 reply decoder for one connection's byte stream. Feed every read to {@link push}; it
 * returns each reply completed so far and keeps a partial one, so a reply split at any byte boundary
 * decodes identically. Parsing resumes where it stopped (an array's finished elements and a line's scanned
 * bytes are not looked at again) and a bulk string's body is assembled once, when all of it has arrived.
 *
 * An error reply nested in an array (as `EXEC` can return) makes the whole top-level reply that error
 * reply — the first one in stream order — since a {@link RespValue} cannot hold errors.
 *
 * Malformed input fails the decoder with `TRD_ERR_REDIS_PROTOCOL`, the stream `offset` of the offending byte
 * and the `byte` itself in its context. No reply completed before the offending byte is lost: a `push`
 * whose chunk completes replies and then goes bad returns those replies, and the failure (already visible
 * as {@link failure}) is thrown by the next `push`; a `push` with no reply to return throws it at once.
 * Either way every later `push` throws that same error, so however the stream is chunked the replies
 * handed over and the failure (its offset included) are the same. Limits: bulk strings of at most
 * {@link RESP_MAX_BULK_LENGTH} bytes, arrays of at most {@link RESP_MAX_ARRAY_LENGTH} elements, nested at
 * most {@link RESP_MAX_DEPTH} deep.
 *
 * The decoder may keep a reference to a pushed chunk until it is consumed: do not modify chunks after
 * pushing them (node's socket `data` buffers are never reused).
 */
export class RespDecoder {
  /** The bytes being parsed, from {@link #pos}. */
  #buf: Buffer = EMPTY;
  #pos = 0;
  /** Stream offset of `#buf[0]`. */
  #base = 0;
  /** Chunks held back (not yet joined to `#buf`) because they cannot complete what is awaited. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Bytes needed from `#pos` before parsing can make progress. */
  #need = 1;
  /** Bytes of the current line (after its type byte) already scanned for its end. */
  #scanned = 0;
  /** Declared length of the bulk string whose body is awaited, or -1. */
  #bulk = -1;
  readonly #stack: Frame[] = [];
  /** Stream offset where the reply being decoded starts. */
  #replyStart = 0;
  #failed: TradestateError | undefined;

  /** The protocol error the decoder failed with, or undefined while the stream is well formed. */
  get failure(): TradestateError | undefined {
    return this.#failed;
  }

  /** Bytes received but not yet part of a returned reply. */
  get pending(): number {
    return this.#base + this.#buf.length + this.#heldBytes - this.#replyStart;
  }

  /**
   * Feed the next bytes of the stream; returns every reply completed by them, in order — when they turn
   * malformed, every reply completed before the offending byte, with {@link failure} then set.
   *
   * @throws TradestateError `TRD_ERR_REDIS_PROTOCOL` on malformed input when no completed reply precedes it
   * in this chunk, and on every call after the decoder failed.
   */
  push(chunk: Uint8Array): RespReply[] {
    if (this.#failed) throw this.#failed;
    if (chunk.length === 0) return [];
    const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const rest = this.#buf.length - this.#pos;
    if (rest + this.#heldBytes + c.length < this.#need) {
      this.#held.push(c);
      this.#heldBytes += c.length;
      return [];
    }
    if (rest === 0 && this.#held.length === 0) {
      this.#base += this.#buf.length;
      this.#buf = c;
    } else {
      const parts = [this.#buf.subarray(this.#pos), ...this.#held, c];
      this.#base += this.#pos;
      this.#buf = Buffer.concat(parts, rest + this.#heldBytes + c.length);
      this.#held = [];
      this.#heldBytes = 0;
    }
    this.#pos = 0;
    const out: RespReply[] = [];
    try {
      this.#parse(out);
    } catch (e) {
      if (!(e instanceof TradestateError)) throw e;
      this.#failed = e;
      // hand over what was complete before the bad bytes; the next push throws
      if (out.length === 0) throw e;
      return out;
    }
    if (this.#pos === this.#buf.length) {
      this.#base += this.#buf.length;
      this.#buf = EMPTY;
      this.#pos = 0;
    }
    return out;
  }

  #parse(out: RespReply[]): void {
    const buf = this.#buf;
    const end = buf.length;
    for (;;) {
      const pos = this.#pos;
      if (this.#bulk >= 0) {
        const n = this.#bulk;
        if (end - pos < n + 2) {
          this.#need = n + 2;
          return;
        }
        const stop = pos + n;
        if (buf[stop] !== CR) this.#fail('bulk string not followed by CRLF', stop);
        if (buf[stop + 1] !== LF) this.#fail('bulk string not followed by CRLF', stop + 1);
        let s: string;
        try {
          s = buf.toString('utf8', pos, stop);
        } catch (e) {
          this.#fail('bulk string too long for a JavaScript string', pos, e);
        }
        this.#pos = stop + 2;
        this.#bulk = -1;
        this.#emit(s, out);
        continue;
      }
      if (pos >= end) {
        this.#need = 1;
        return;
      }
      const type = buf[pos]!;
      const text = type === PLUS || type === DASH;
      if (!text && type !== COLON && type !== DOLLAR && type !== STAR) this.#fail('unknown type byte', pos);
      const limit = text ? RESP_MAX_BULK_LENGTH : MAX_NUMBER_LINE;
      // scan no further than the first byte over the limit, so it is reported there however bytes arrive
      const stop = Math.min(end, pos + 2 + limit);
      let i = pos + 1 + this.#scanned;
      while (i < stop) {
        const b = buf[i]!;
        if (b === CR || b === LF) break;
        i++;
      }
      if (i - pos - 1 > limit) this.#fail(text ? 'line too long' : 'integer line too long', pos + 1 + limit);
      if (i >= end || i + 1 >= end) {
        if (i < end && buf[i] === LF) this.#fail('line feed without carriage return', i);
        // wait for the CRLF (or the LF after a CR at the very end)
        this.#scanned = i - pos - 1;
        this.#need = i - pos + (i < end ? 2 : 1);
        return;
      }
      if (buf[i] !== CR) this.#fail('line feed without carriage return', i);
      if (buf[i + 1] !== LF) this.#fail('carriage return not followed by line feed', i + 1);
      this.#scanned = 0;
      this.#pos = i + 2;
      switch (type) {
        case PLUS:
          this.#emit(buf.toString('utf8', pos + 1, i), out);
          break;
        case DASH:
          this.#emit({ error: buf.toString('utf8', pos + 1, i) }, out);
          break;
        case COLON:
          this.#emit(this.#integer(pos + 1, i), out);
          break;
        case DOLLAR: {
          const n = this.#length(pos + 1, i);
          if (n === -1) this.#emit(null, out);
          else if (n > RESP_MAX_BULK_LENGTH) this.#fail(`bulk string of ${n} bytes is too long`, pos + 1);
          else this.#bulk = n;
          break;
        }
        default: {
          const n = this.#length(pos + 1, i);
          if (n === -1) this.#emit(null, out);
          else if (n > RESP_MAX_ARRAY_LENGTH) this.#fail(`array of ${n} elements is too long`, pos + 1);
          else if (n === 0) this.#emit([], out);
          else if (this.#stack.length >= RESP_MAX_DEPTH) this.#fail('arrays nested too deep', pos);
          else this.#stack.push({ items: [], remaining: n, error: undefined });
        }
      }
    }
  }

  /** Add a complete value to the array being filled, completing arrays upwards, or to `out` at top level. */
  #emit(value: RespReply, out: RespReply[]): void {
    let v = value;
    const stack = this.#stack;
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        out.push(v);
        this.#replyStart = this.#base + this.#pos;
        return;
      }
      if (isRespError(v)) top.error ??= v;
      else top.items.push(v);
      if (--top.remaining > 0) return;
      stack.pop();
      v = top.error ?? top.items;
    }
  }

  /** A signed decimal integer in `[from, to)` that must be a safe integer. */
  #integer(from: number, to: number): number {
    const buf = this.#buf;
    let p = from;
    const neg = buf[p] === MINUS;
    if (neg) p++;
    if (p === to) this.#fail('expected an integer', p);
    let v = 0;
    for (; p < to; p++) {
      const d = buf[p]! - ZERO;
      if (d < 0 || d > 9) this.#fail('expected an integer', p);
      v = v * 10 + d;
    }
    // rounding is monotonic, so any value beyond 2^53 - 1 stays beyond it
    if (!Number.isSafeInteger(v)) this.#fail('integer outside the safe range', from);
    return neg ? 0 - v : v;
  }

  /** A length: a non-negative integer, or exactly -1 (null). */
  #length(from: number, to: number): number {
    const n = this.#integer(from, to);
    if (n < -1) this.#fail(`negative length ${n}`, from);
    return n;
  }

  #fail(message: string, at: number, cause?: unknown): never {
    throw new TradestateError(
      ErrorCode.REDIS_PROTOCOL,
      `invalid RESP: ${message}`,
      { offset: this.#base + at, byte: this.#buf[at] },
      cause === undefined ? undefined : { cause }
    );
  }
}
