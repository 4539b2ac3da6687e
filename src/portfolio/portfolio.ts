import { divRoundHalfEven } from '../core/decimal.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, type Money, moneyToNumber, notional } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import type { Side } from '../messages/primitives.ts';
import { signedQty } from '../oms/working-orders.ts';

/** A position in one instrument. Cost basis and P&L are exact Money. */
export interface Position {
  readonly instrumentId: string;
  /** Signed lots. */
  qty: number;
  /** Signed cost of the open quantity (Money): Σ price × qty × tick-lot value. */
  cost: Money;
  realized: Money;
  commission: Money;
  lastPx: number | undefined;
  /** Open round trip, for trade statistics. */
  tripEntryTs: Nanos | undefined;
  tripSide: 'long' | 'short';
  tripPnl: Money;
  /** Σ price × lots (ticks·lots) and Σ lots of the open round trip's entries (fills that grew it) and exits. */
  tripEntryTicks: number;
  tripEntryLots: number;
  tripExitTicks: number;
  tripExitLots: number;
}

/** A closed round trip (flat → position → flat, or a reversal). */
export interface ClosedTrip {
  readonly instrumentId: string;
  readonly side: 'long' | 'short';
  readonly entryTs: Nanos;
  readonly exitTs: Nanos;
  readonly qty: number;
  /** Net of commissions. */
  readonly pnl: Money;
  /** Average entry price (ticks, fractional): over the fills that grew the position. */
  readonly entryPx: number;
  /** Average exit price (ticks, fractional): over the fills that shrank it. */
  readonly exitPx: number;
}

/**
 * Cash, positions, average price, realized and unrealized P&L, commissions and round trips.
 * All amounts exact (bigint Money); average price = cost / qty, realized on reduction pro rata to the
 * closed quantity (rounded half-even at 10^-8).
 */
export class Portfolio {
  #cash: Money;
  readonly startCash: Money;
  readonly #positions = new Map<string, Position>();
  readonly #instruments: ReadonlyMap<string, Instrument>;
  readonly trips: ClosedTrip[] = [];
  #maxTripQty = new Map<string, number>();

  constructor(cash: Money, instruments: ReadonlyMap<string, Instrument>) {
    this.#cash = cash;
    this.startCash = cash;
    this.#instruments = instruments;
  }

  get cash(): Money {
    return this.#cash;
  }

  position(instrumentId: string): Position | undefined {
    return this.#positions.get(instrumentId);
  }

  positions(): readonly Position[] {
    return [...this.#positions.values()];
  }

  /** Apply a fill. */
  applyFill(instrumentId: string, side: Side, qty: number, px: number, commission: Money, ts: Nanos): void {
    const inst = this.#inst(instrumentId);
    const p = this.#pos(instrumentId);
    const value = notional(inst, px, qty);
    const dq = signedQty(side, qty);
    this.#cash += side === 'buy' ? -value - commission : value - commission;
    p.commission += commission;
    let remaining = dq;
    /** The commission charged to the trip the fill opens or adds to (a flip splits it by quantity). */
    let opening = commission;
    // reduce an opposite position first
    if (p.qty !== 0 && Math.sign(p.qty) !== Math.sign(dq)) {
      const closing = Math.min(Math.abs(p.qty), Math.abs(dq));
      const closeFee =
        closing === qty ? commission : divRoundHalfEven(commission * BigInt(closing), BigInt(qty));
      p.tripPnl -= closeFee;
      opening = commission - closeFee;
      const costPortion = divRoundHalfEven(p.cost * BigInt(closing), BigInt(Math.abs(p.qty)));
      const proceeds = notional(inst, px, closing) * (p.qty > 0 ? 1n : -1n);
      const pnl = proceeds - costPortion;
      p.realized += pnl;
      p.tripPnl += pnl;
      p.tripExitTicks += px * closing;
      p.tripExitLots += closing;
      p.cost -= costPortion;
      p.qty += p.qty > 0 ? -closing : closing;
      remaining = dq > 0 ? dq - closing : dq + closing;
      if (p.qty === 0) this.#closeTrip(p, ts);
    }
    if (remaining !== 0) {
      if (p.qty === 0) {
        p.tripEntryTs = ts;
        p.tripSide = remaining > 0 ? 'long' : 'short';
      }
      p.tripPnl -= opening;
      p.qty += remaining;
      p.cost += notional(inst, px, Math.abs(remaining)) * (remaining > 0 ? 1n : -1n);
      p.tripEntryTicks += px * Math.abs(remaining);
      p.tripEntryLots += Math.abs(remaining);
      this.#maxTripQty.set(instrumentId, Math.max(this.#maxTripQty.get(instrumentId) ?? 0, Math.abs(p.qty)));
    }
    p.lastPx = px;
  }

  /** Mark an instrument to a new price (e.g. a bar's close). */
  mark(instrumentId: string, px: number): void {
    const p = this.#positions.get(instrumentId);
    if (p) p.lastPx = px;
    else this.#pos(instrumentId).lastPx = px;
  }

  /** Unrealized P&L of one position at its last mark. */
  unrealized(instrumentId: string): Money {
    const p = this.#positions.get(instrumentId);
    if (!p || p.qty === 0 || p.lastPx === undefined) return 0n;
    return notional(this.#inst(instrumentId), p.lastPx, Math.abs(p.qty)) * (p.qty > 0 ? 1n : -1n) - p.cost;
  }

  /** Cash plus the market value of every position at its last mark. */
  equity(): Money {
    let e = this.#cash;
    for (const p of this.#positions.values()) {
      if (p.qty !== 0 && p.lastPx !== undefined) e += notional(this.#inst(p.instrumentId), p.lastPx, p.qty);
    }
    return e;
  }

  /** Σ over positions of |market value| at the last mark: long and short both count. */
  grossValue(): Money {
    let g = 0n;
    for (const p of this.#positions.values()) {
      if (p.qty !== 0 && p.lastPx !== undefined)
        g += notional(this.#inst(p.instrumentId), p.lastPx, Math.abs(p.qty));
    }
    return g;
  }

  realized(): Money {
    let r = 0n;
    for (const p of this.#positions.values()) r += p.realized;
    return r;
  }

  commissions(): Money {
    let c = 0n;
    for (const p of this.#positions.values()) c += p.commission;
    return c;
  }

  /** Round trips as floats for analytics. */
  tripsForAnalytics(): {
    instrumentId: string;
    side: 'long' | 'short';
    entryTs: bigint;
    exitTs: bigint;
    qty: number;
    pnl: number;
  }[] {
    return this.trips.map((t) => ({ ...t, pnl: moneyToNumber(t.pnl) }));
  }

  /** A JSON-safe snapshot (Money as decimal strings of 10^-8 units). */
  snapshot(): unknown {
    return {
      cash: this.#cash.toString(),
      equity: this.equity().toString(),
      positions: this.positions().map((p) => ({
        instrumentId: p.instrumentId,
        qty: p.qty,
        cost: p.cost.toString(),
        realized: p.realized.toString(),
        commission: p.commission.toString(),
        lastPx: p.lastPx
      }))
    };
  }

  #closeTrip(p: Position, ts: Nanos): void {
    if (p.tripEntryTs !== undefined) {
      this.trips.push({
        instrumentId: p.instrumentId,
        side: p.tripSide,
        entryTs: p.tripEntryTs,
        exitTs: ts,
        qty: this.#maxTripQty.get(p.instrumentId) ?? 0,
        pnl: p.tripPnl,
        entryPx: p.tripEntryTicks / p.tripEntryLots,
        exitPx: p.tripExitTicks / p.tripExitLots
      });
    }
    p.tripEntryTs = undefined;
    p.tripPnl = 0n;
    p.tripEntryTicks = 0;
    p.tripEntryLots = 0;
    p.tripExitTicks = 0;
    p.tripExitLots = 0;
    p.cost = 0n;
    this.#maxTripQty.set(p.instrumentId, 0);
  }

  #inst(id: string): Instrument {
    const i = this.#instruments.get(id);
    if (!i)
      throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `portfolio: unknown instrument ${id}`, {
        instrumentId: id
      });
    return i;
  }

  #pos(id: string): Position {
    let p = this.#positions.get(id);
    if (!p) {
      p = {
        instrumentId: id,
        qty: 0,
        cost: 0n,
        realized: 0n,
        commission: 0n,
        lastPx: undefined,
        tripEntryTs: undefined,
        tripSide: 'long',
        tripPnl: 0n,
        tripEntryTicks: 0,
        tripEntryLots: 0,
        tripExitTicks: 0,
        tripExitLots: 0
      };
      this.#positions.set(id, p);
    }
    return p;
  }
}
