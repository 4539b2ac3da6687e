import type { Reason } from './order-types.ts';

/** Kinds of execution events. */
export const ExecKind = {
  /** The order passed validation (it may then trade, rest, wait for a trigger or be held). */
  ACCEPTED: 1,
  /** A match: `orderId` is the taker, `otherId` the maker; `price` is the maker's; `leaves`/`otherLeaves` after. */
  TRADE: 2,
  /** `qty` of `orderId` cancelled for `reason` (IOC, FOK, STP, NO_LIQUIDITY, PRICE_BAND, EXPIRED, USER). */
  CANCELLED: 3,
  /** `orderId` refused for `reason`. */
  REJECTED: 4,
  /** A stop order's trigger was reached; it now matches as a market or limit order. */
  TRIGGERED: 5,
  /** A resting order was replaced; `reason` says whether it kept priority. */
  REPLACED: 6,
  /** A held order was released into the session. */
  RELEASED: 7
} as const;
export type ExecKind = (typeof ExecKind)[keyof typeof ExecKind];

/** One event as a plain object (for tests and logs; the engine itself never builds these). */
export interface ExecEventRecord {
  kind: ExecKind;
  orderId: number;
  otherId: number;
  side: number;
  price: number;
  qty: number;
  leaves: number;
  otherLeaves: number;
  reason: Reason;
}

/**
 * A reusable, growable buffer of execution events in struct-of-arrays form: the engine writes events here
 * instead of allocating one object per fill. The engine clears it at the start of every public call, so
 * after a call it holds exactly that call's events (including any stops it triggered).
 */
export class ExecEvents {
  count = 0;
  kind: Uint8Array;
  orderId: Float64Array;
  otherId: Float64Array;
  side: Uint8Array;
  price: Float64Array;
  qty: Float64Array;
  leaves: Float64Array;
  otherLeaves: Float64Array;
  reason: Uint8Array;
  /**
   * Capacity. The public columns are views into two backing arrays, `#f` (the six numeric columns, one
   * after the other) and `#u` (the three byte columns), so {@link push} loads two arrays, not nine.
   */
  #cap = 0;
  #f: Float64Array;
  #u: Uint8Array;

  constructor(capacity = 256) {
    this.#f = new Float64Array(0);
    this.#u = new Uint8Array(0);
    this.kind = this.side = this.reason = this.#u;
    this.orderId = this.otherId = this.price = this.qty = this.leaves = this.otherLeaves = this.#f;
    this.#alloc(capacity);
  }

  /** Forget all events (keeps capacity). */
  clear(): void {
    this.count = 0;
  }

  /** Append one event. */
  push(
    kind: ExecKind,
    orderId: number,
    otherId: number,
    side: number,
    price: number,
    qty: number,
    leaves: number,
    otherLeaves: number,
    reason: Reason
  ): void {
    let c = this.#cap;
    if (this.count === c) {
      this.#grow();
      c = this.#cap;
    }
    const i = this.count++;
    const f = this.#f;
    const u = this.#u;
    u[i] = kind;
    u[c + i] = side;
    u[2 * c + i] = reason;
    f[i] = orderId;
    f[c + i] = otherId;
    f[2 * c + i] = price;
    f[3 * c + i] = qty;
    f[4 * c + i] = leaves;
    f[5 * c + i] = otherLeaves;
  }

  #alloc(cap: number): void {
    const f = new Float64Array(cap * 6);
    const u = new Uint8Array(cap * 3);
    this.#cap = cap;
    this.#f = f;
    this.#u = u;
    this.kind = u.subarray(0, cap);
    this.side = u.subarray(cap, 2 * cap);
    this.reason = u.subarray(2 * cap, 3 * cap);
    this.orderId = f.subarray(0, cap);
    this.otherId = f.subarray(cap, 2 * cap);
    this.price = f.subarray(2 * cap, 3 * cap);
    this.qty = f.subarray(3 * cap, 4 * cap);
    this.leaves = f.subarray(4 * cap, 5 * cap);
    this.otherLeaves = f.subarray(5 * cap, 6 * cap);
  }

  #grow(): void {
    const n = this.count;
    const old = [this.kind, this.side, this.reason];
    const oldF = [this.orderId, this.otherId, this.price, this.qty, this.leaves, this.otherLeaves];
    this.#alloc(this.#cap * 2);
    const nu = [this.kind, this.side, this.reason];
    const nf = [this.orderId, this.otherId, this.price, this.qty, this.leaves, this.otherLeaves];
    for (let k = 0; k < 3; k++) nu[k]!.set(old[k]!.subarray(0, n));
    for (let k = 0; k < 6; k++) nf[k]!.set(oldF[k]!.subarray(0, n));
  }

  /** Event `i` as an object (allocates). */
  at(i: number): ExecEventRecord {
    return {
      kind: this.kind[i] as ExecKind,
      orderId: this.orderId[i]!,
      otherId: this.otherId[i]!,
      side: this.side[i]!,
      price: this.price[i]!,
      qty: this.qty[i]!,
      leaves: this.leaves[i]!,
      otherLeaves: this.otherLeaves[i]!,
      reason: this.reason[i] as Reason
    };
  }

  /** All events as objects (allocates). */
  toArray(): ExecEventRecord[] {
    const out: ExecEventRecord[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }
}
