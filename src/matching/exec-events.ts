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

/** Doubles per event in {@link ExecEvents}' backing array. */
const STRIDE = 8;

/**
 * A reusable, growable buffer of execution events: the engine writes events here instead of allocating one
 * object per fill. The engine clears it at the start of every public call, so after a call it holds exactly
 * that call's events (including any stops it triggered). Read event `i` (0 ≤ i < {@link count}) through the
 * `…At(i)` accessors, or as an object with {@link at}.
 *
 * Layout: one `Float64Array`, eight doubles (one 64-byte line) per event — kind, side and reason packed into
 * the first as small integers, then order id, other id, price, quantity, leaves and other leaves — so a push is
 * one array and one line. (A column per field, the earlier layout, cost ~10 ns more per push: nine lines.)
 */
export class ExecEvents {
  count = 0;
  #f: Float64Array;

  constructor(capacity = 256) {
    this.#f = new Float64Array(Math.max(1, capacity) * STRIDE);
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
    let f = this.#f;
    const o = this.count * STRIDE;
    if (o === f.length) f = this.#grow();
    this.count++;
    f[o] = kind | (side << 4) | (reason << 8);
    f[o + 1] = orderId;
    f[o + 2] = otherId;
    f[o + 3] = price;
    f[o + 4] = qty;
    f[o + 5] = leaves;
    f[o + 6] = otherLeaves;
  }

  /** Kind of event `i`. */
  kindAt(i: number): ExecKind {
    return (this.#f[i * STRIDE]! & 15) as ExecKind;
  }

  /** The order the event is about (the taker of a TRADE). */
  orderIdAt(i: number): number {
    return this.#f[i * STRIDE + 1]!;
  }

  /** The maker of a TRADE (or the taker that caused an STP cancel); 0 otherwise. */
  otherIdAt(i: number): number {
    return this.#f[i * STRIDE + 2]!;
  }

  /** Side of {@link orderIdAt}'s order (0 bid, 1 ask). */
  sideAt(i: number): number {
    return (this.#f[i * STRIDE]! >> 4) & 15;
  }

  /** Price in ticks (a TRADE's is the maker's). */
  priceAt(i: number): number {
    return this.#f[i * STRIDE + 3]!;
  }

  /** Quantity in lots (traded, cancelled, accepted…). */
  qtyAt(i: number): number {
    return this.#f[i * STRIDE + 4]!;
  }

  /** Leaves quantity of {@link orderIdAt}'s order after the event. */
  leavesAt(i: number): number {
    return this.#f[i * STRIDE + 5]!;
  }

  /** Leaves quantity of the maker after a TRADE. */
  otherLeavesAt(i: number): number {
    return this.#f[i * STRIDE + 6]!;
  }

  /** Reason code of event `i`. */
  reasonAt(i: number): Reason {
    return (this.#f[i * STRIDE]! >> 8) as Reason;
  }

  #grow(): Float64Array {
    const f = new Float64Array(this.#f.length * 2);
    f.set(this.#f);
    this.#f = f;
    return f;
  }

  /** Event `i` as an object (allocates). */
  at(i: number): ExecEventRecord {
    return {
      kind: this.kindAt(i),
      orderId: this.orderIdAt(i),
      otherId: this.otherIdAt(i),
      side: this.sideAt(i),
      price: this.priceAt(i),
      qty: this.qtyAt(i),
      leaves: this.leavesAt(i),
      otherLeaves: this.otherLeavesAt(i),
      reason: this.reasonAt(i)
    };
  }

  /** All events as objects (allocates). */
  toArray(): ExecEventRecord[] {
    const out: ExecEventRecord[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }
}
