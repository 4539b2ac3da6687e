import { growF64, growU8 } from '../book/price-ladder.ts';
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

  constructor(capacity = 256) {
    this.kind = new Uint8Array(capacity);
    this.orderId = new Float64Array(capacity);
    this.otherId = new Float64Array(capacity);
    this.side = new Uint8Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.leaves = new Float64Array(capacity);
    this.otherLeaves = new Float64Array(capacity);
    this.reason = new Uint8Array(capacity);
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
    if (this.count === this.kind.length) this.#grow();
    const i = this.count++;
    this.kind[i] = kind;
    this.orderId[i] = orderId;
    this.otherId[i] = otherId;
    this.side[i] = side;
    this.price[i] = price;
    this.qty[i] = qty;
    this.leaves[i] = leaves;
    this.otherLeaves[i] = otherLeaves;
    this.reason[i] = reason;
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

  #grow(): void {
    const cap = this.kind.length * 2;
    this.kind = growU8(this.kind, cap);
    this.orderId = growF64(this.orderId, cap);
    this.otherId = growF64(this.otherId, cap);
    this.side = growU8(this.side, cap);
    this.price = growF64(this.price, cap);
    this.qty = growF64(this.qty, cap);
    this.leaves = growF64(this.leaves, cap);
    this.otherLeaves = growF64(this.otherLeaves, cap);
    this.reason = growU8(this.reason, cap);
  }
}
