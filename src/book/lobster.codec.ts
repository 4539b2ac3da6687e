import { ErrorCode, TradestateError } from '../core/errors.ts';

/** LOBSTER message types (FORMAT.md). */
export const LobsterType = {
  SUBMIT: 1,
  CANCEL: 2,
  DELETE: 3,
  EXECUTE: 4,
  EXECUTE_HIDDEN: 5,
  CROSS: 6,
  HALT: 7
} as const;
export type LobsterType = (typeof LobsterType)[keyof typeof LobsterType];

/** LOBSTER padding for unoccupied levels in orderbook files. */
export const LOBSTER_EMPTY_ASK = 9999999999;
export const LOBSTER_EMPTY_BID = -9999999999;

/**
 * A LOBSTER message file decoded once into struct-of-arrays (row i of every array is message i).
 * Prices stay in LOBSTER units (dollars × 10 000, i.e. ticks of $0.0001); times are exact integer
 * nanoseconds after midnight (≤ 8.64e13, a safe integer).
 */
export interface LobsterMessages {
  readonly length: number;
  readonly timeNs: Float64Array;
  readonly type: Uint8Array;
  readonly orderId: Float64Array;
  readonly size: Float64Array;
  readonly price: Float64Array;
  /** 1 = buy limit order, -1 = sell limit order. */
  readonly direction: Int8Array;
}

/**
 * A LOBSTER orderbook file decoded into one Float64Array, row-major: row r, level l (0-based) has
 * ask price at `[r*4L + 4l]`, ask size `+1`, bid price `+2`, bid size `+3`.
 */
export interface LobsterOrderbook {
  readonly rows: number;
  readonly levels: number;
  readonly data: Float64Array;
}

const COMMA = 44;
const LF = 10;
const CR = 13;
const DOT = 46;
const MINUS = 45;
const ZERO = 48;

/** Byte cursor over a CSV buffer with strict integer parsing; every failure is `TRD_ERR_DATA_INVALID`. */
class Cursor {
  readonly buf: Uint8Array;
  readonly what: string;
  pos = 0;
  line = 1;

  constructor(buf: Uint8Array, what: string) {
    this.buf = buf;
    this.what = what;
  }

  fail(msg: string): never {
    throw new TradestateError(ErrorCode.DATA_INVALID, `${this.what} line ${this.line}: ${msg}`, {
      line: this.line,
      offset: this.pos
    });
  }

  /** An optionally negative integer of at most 15 digits. */
  int(): number {
    const b = this.buf;
    let p = this.pos;
    let neg = false;
    if (b[p] === MINUS) {
      neg = true;
      p++;
    }
    const start = p;
    let v = 0;
    while (p < b.length) {
      const d = b[p]! - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    const n = p - start;
    if (n === 0) {
      this.pos = p;
      this.fail('expected an integer');
    }
    if (n > 15) {
      this.pos = p;
      this.fail('integer too long');
    }
    this.pos = p;
    return neg ? -v : v;
  }

  /**
   * Seconds after midnight with decimals → integer nanoseconds. Digits past the 9th are float-printing noise
   * in some files (e.g. `35821.088778456004`): they are accepted (up to 20 decimals) and rounded half-even
   * to the nanosecond.
   */
  seconds(): number {
    const b = this.buf;
    let p = this.pos;
    const start = p;
    let sec = 0;
    while (p < b.length) {
      const d = b[p]! - ZERO;
      if (d < 0 || d > 9) break;
      sec = sec * 10 + d;
      p++;
    }
    if (p === start || p - start > 6) {
      this.pos = p;
      this.fail('expected seconds after midnight');
    }
    let frac = 0;
    let digits = 0;
    let roundDigit = -1; // the 10th decimal
    let sticky = false; // any non-zero digit after the 10th
    if (b[p] === DOT) {
      p++;
      while (p < b.length) {
        const d = b[p]! - ZERO;
        if (d < 0 || d > 9) break;
        if (++digits > 20) {
          this.pos = p;
          this.fail('more than 20 decimals in a time');
        }
        if (digits <= 9) frac = frac * 10 + d;
        else if (digits === 10) roundDigit = d;
        else if (d !== 0) sticky = true;
        p++;
      }
      if (digits === 0) {
        this.pos = p;
        this.fail('expected decimals after "."');
      }
    }
    this.pos = p;
    const ns = sec * 1e9 + (digits >= 9 ? frac : frac * POW10[9 - digits]!);
    if (roundDigit > 5 || (roundDigit === 5 && (sticky || ns % 2 === 1))) return ns + 1;
    return ns;
  }

  comma(): void {
    if (this.buf[this.pos] !== COMMA) this.fail('expected ","');
    this.pos++;
  }

  /** End of a record: `\n`, `\r\n` or end of input. */
  eol(): void {
    const b = this.buf;
    if (this.pos >= b.length) return;
    if (b[this.pos] === CR) this.pos++;
    if (b[this.pos] !== LF) this.fail('expected end of line');
    this.pos++;
    this.line++;
  }

  /** True at the end of input (a final empty line is allowed). */
  atEnd(): boolean {
    const b = this.buf;
    if (this.pos >= b.length) return true;
    if (b[this.pos] === CR && this.pos + 1 < b.length && b[this.pos + 1] === LF && this.pos + 2 === b.length)
      return true;
    return false;
  }
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? new TextEncoder().encode(input) : input;
}

function countLines(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === LF) n++;
  return n + 1;
}

/**
 * Decode a LOBSTER message file (no header; `time,type,id,size,price,direction` per line) into typed
 * arrays. Validates every field (type 1–7, direction ±1, non-negative id and size, integer price) and
 * throws `TRD_ERR_DATA_INVALID` with the line number on anything malformed.
 */
export function decodeLobsterMessages(input: Uint8Array | string): LobsterMessages {
  const buf = toBytes(input);
  const cap = countLines(buf);
  const timeNs = new Float64Array(cap);
  const type = new Uint8Array(cap);
  const orderId = new Float64Array(cap);
  const size = new Float64Array(cap);
  const price = new Float64Array(cap);
  const direction = new Int8Array(cap);
  const c = new Cursor(buf, 'LOBSTER message');
  let n = 0;
  while (!c.atEnd()) {
    timeNs[n] = c.seconds();
    c.comma();
    const t = c.int();
    if (t < 1 || t > 7) c.fail(`unknown event type ${t}`);
    type[n] = t;
    c.comma();
    const id = c.int();
    if (id < 0) c.fail('negative order id');
    orderId[n] = id;
    c.comma();
    const sz = c.int();
    if (sz < 0) c.fail('negative size');
    size[n] = sz;
    c.comma();
    price[n] = c.int();
    c.comma();
    const d = c.int();
    if (d !== 1 && d !== -1) c.fail(`direction must be 1 or -1, got ${d}`);
    direction[n] = d;
    c.eol();
    n++;
  }
  return {
    length: n,
    timeNs: timeNs.subarray(0, n),
    type: type.subarray(0, n),
    orderId: orderId.subarray(0, n),
    size: size.subarray(0, n),
    price: price.subarray(0, n),
    direction: direction.subarray(0, n)
  };
}

/**
 * Decode a LOBSTER orderbook file (4 × LEVEL integer columns per line). The level count comes from the
 * first line and every line must match; throws `TRD_ERR_DATA_INVALID` otherwise.
 */
export function decodeLobsterOrderbook(input: Uint8Array | string): LobsterOrderbook {
  const buf = toBytes(input);
  const c = new Cursor(buf, 'LOBSTER orderbook');
  let cols = 0;
  for (let i = 0; i < buf.length && buf[i] !== LF && buf[i] !== CR; i++) if (buf[i] === COMMA) cols++;
  cols++;
  if (cols % 4 !== 0) c.fail(`expected a multiple of 4 columns, got ${cols}`);
  const rowsCap = countLines(buf);
  const data = new Float64Array(rowsCap * cols);
  let rows = 0;
  let k = 0;
  while (!c.atEnd()) {
    for (let j = 0; j < cols; j++) {
      if (j > 0) c.comma();
      const v = c.int();
      if ((j & 1) === 1 && v < 0) c.fail('negative size');
      data[k++] = v;
    }
    c.eol();
    rows++;
  }
  return { rows, levels: cols / 4, data: data.subarray(0, rows * cols) };
}

/**
 * Ask price, ask size, bid price, bid size of `level` (0-based) in `row` of a decoded orderbook.
 * Convenience for tests and diagnostics.
 */
export function lobsterLevel(
  ob: LobsterOrderbook,
  row: number,
  level: number
): [number, number, number, number] {
  const o = row * ob.levels * 4 + level * 4;
  return [ob.data[o]!, ob.data[o + 1]!, ob.data[o + 2]!, ob.data[o + 3]!];
}
