import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { BookSide } from '../../src/book/side.ts';
import { ExecKind } from '../../src/matching/exec-events.ts';
import { MatchingEngine } from '../../src/matching/matching-engine.ts';
import {
  type OrderRequest,
  OrderType,
  Outcome,
  Reason,
  StpMode,
  TimeInForce
} from '../../src/matching/order-types.ts';
import { T } from './support.ts';

/**
 * A deliberately naive reference matcher: resting orders in one array, sorted by (price priority, arrival)
 * on every call. Same rules as the engine (price-time priority, maker price, IOC/FOK/market, STP by the
 * incoming order's mode, replace priority rules); no stops, bands or sessions.
 */
interface RefOrder {
  id: number;
  side: BookSide;
  px: number;
  qty: number;
  owner: number;
  stp: StpMode;
  tif: TimeInForce;
  seq: number;
}

type Ev = string;

class RefEngine {
  resting: RefOrder[] = [];
  seq = 0;
  events: Ev[] = [];

  makers(side: BookSide): RefOrder[] {
    return this.resting
      .filter((o) => o.side !== side)
      .sort((a, b) => (side === BookSide.BID ? a.px - b.px : b.px - a.px) || a.seq - b.seq);
  }

  submit(r: OrderRequest): void {
    if (this.resting.some((o) => o.id === r.id)) {
      this.events.push(`REJECTED ${r.id} ${Reason.DUPLICATE_ID}`);
      return;
    }
    this.events.push(`ACCEPTED ${r.id}`);
    this.execute({ ...r });
  }

  execute(r: OrderRequest): void {
    const buy = r.side === BookSide.BID;
    const isMarket = r.type === OrderType.MARKET;
    const crosses = (px: number) => isMarket || (buy ? px <= r.price : px >= r.price);
    const stp = r.owner === 0 ? StpMode.NONE : r.stp;
    const makers = this.makers(r.side);
    if (r.tif === TimeInForce.FOK) {
      let got = 0;
      for (const m of makers) {
        if (!crosses(m.px)) break;
        if (stp !== StpMode.NONE && m.owner === r.owner) {
          if (stp === StpMode.CANCEL_OLDEST) continue;
          break;
        }
        got += m.qty;
      }
      if (got < r.qty) {
        this.events.push(`CANCELLED ${r.id} ${r.qty} ${Reason.FOK}`);
        return;
      }
    }
    let rem = r.qty;
    let stpStop = false;
    for (const m of makers) {
      if (rem === 0 || !crosses(m.px)) break;
      if (stp !== StpMode.NONE && m.owner === r.owner) {
        if (stp === StpMode.CANCEL_NEWEST) {
          stpStop = true;
          break;
        }
        this.events.push(`CANCELLED ${m.id} ${m.qty} ${Reason.STP}`);
        this.resting.splice(this.resting.indexOf(m), 1);
        if (stp === StpMode.CANCEL_BOTH) {
          stpStop = true;
          break;
        }
        continue;
      }
      const f = Math.min(m.qty, rem);
      rem -= f;
      m.qty -= f;
      this.events.push(`TRADE ${r.id}x${m.id} @${m.px} q${f} ${rem}/${m.qty}`);
      if (m.qty === 0) this.resting.splice(this.resting.indexOf(m), 1);
    }
    if (rem === 0) return;
    const reason = stpStop
      ? Reason.STP
      : isMarket
        ? Reason.NO_LIQUIDITY
        : r.tif === TimeInForce.IOC
          ? Reason.IOC
          : r.tif === TimeInForce.FOK
            ? Reason.FOK
            : Reason.NONE;
    if (reason !== Reason.NONE) {
      this.events.push(`CANCELLED ${r.id} ${rem} ${reason}`);
      return;
    }
    this.resting.push({
      id: r.id,
      side: r.side,
      px: r.price,
      qty: rem,
      owner: r.owner,
      stp: r.stp,
      tif: r.tif,
      seq: this.seq++
    });
  }

  cancel(id: number): void {
    const o = this.resting.find((x) => x.id === id);
    if (!o) {
      this.events.push(`REJECTED ${id} ${Reason.UNKNOWN_ORDER}`);
      return;
    }
    this.resting.splice(this.resting.indexOf(o), 1);
    this.events.push(`CANCELLED ${id} ${o.qty} ${Reason.USER}`);
  }

  replace(id: number, qty: number, px: number): void {
    const o = this.resting.find((x) => x.id === id);
    if (!o) {
      this.events.push(`REJECTED ${id} ${Reason.UNKNOWN_ORDER}`);
      return;
    }
    if (px === o.px && qty <= o.qty) {
      o.qty = qty;
      this.events.push(`REPLACED ${id} ${Reason.KEPT_PRIORITY}`);
      return;
    }
    this.resting.splice(this.resting.indexOf(o), 1);
    this.events.push(`REPLACED ${id} ${Reason.LOST_PRIORITY}`);
    this.execute({
      id,
      side: o.side,
      type: OrderType.LIMIT,
      tif: o.tif,
      qty,
      price: px,
      stopPrice: 0,
      owner: o.owner,
      stp: o.stp
    });
  }
}

function engineEvents(e: MatchingEngine): Ev[] {
  const x = e.events;
  const out: Ev[] = [];
  for (let i = 0; i < x.count; i++) {
    switch (x.kindAt(i)) {
      case ExecKind.ACCEPTED:
        out.push(`ACCEPTED ${x.orderIdAt(i)}`);
        break;
      case ExecKind.TRADE:
        out.push(
          `TRADE ${x.orderIdAt(i)}x${x.otherIdAt(i)} @${x.priceAt(i)} q${x.qtyAt(i)} ${x.leavesAt(i)}/${x.otherLeavesAt(i)}`
        );
        break;
      case ExecKind.CANCELLED:
        out.push(`CANCELLED ${x.orderIdAt(i)} ${x.qtyAt(i)} ${x.reasonAt(i)}`);
        break;
      case ExecKind.REJECTED:
        out.push(`REJECTED ${x.orderIdAt(i)} ${x.reasonAt(i)}`);
        break;
      case ExecKind.REPLACED:
        out.push(`REPLACED ${x.orderIdAt(i)} ${x.reasonAt(i)}`);
        break;
      default:
        out.push(`? ${x.kindAt(i)}`);
    }
  }
  return out;
}

const side = fc.constantFrom(BookSide.BID, BookSide.ASK);
const owner = fc.constantFrom(0, 1, 2, 3);
const stpMode = fc.constantFrom(
  StpMode.NONE,
  StpMode.CANCEL_NEWEST,
  StpMode.CANCEL_OLDEST,
  StpMode.CANCEL_BOTH
);
const action = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('limit' as const),
      side,
      px: fc.integer({ min: 95, max: 105 }),
      qty: fc.integer({ min: 1, max: 20 }),
      tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK),
      owner,
      stp: stpMode
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('market' as const),
      side,
      qty: fc.integer({ min: 1, max: 40 }),
      tif: fc.constantFrom(TimeInForce.IOC, TimeInForce.FOK),
      owner,
      stp: stpMode
    })
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('replace' as const),
      pick: fc.nat(),
      qty: fc.integer({ min: 1, max: 25 }),
      dpx: fc.integer({ min: -3, max: 3 })
    })
  }
);

/**
 * Where prices and ids fall: adjacent ticks and consecutive ids (the book's dense price window and dense id
 * window), levels 997 ticks apart (most outside the 4,096-tick window: the sorted out-of-window levels), and
 * ids 7,919 or 104,729 apart (too sparse for the id window, which turns off: the hash).
 */
const layout = fc.constantFrom(
  { scale: 1, idStep: 1 },
  { scale: 997, idStep: 1 },
  { scale: 1, idStep: 7_919 },
  { scale: 997, idStep: 104_729 }
);

describe('MatchingEngine properties (random order flow)', () => {
  it('agrees event-for-event with a naive reference matcher; never crossed; levels = sum of orders; quantity conserved', () => {
    fc.assert(
      fc.property(layout, fc.array(action, { minLength: 1, maxLength: 150, size: 'max' }), (lay, actions) => {
        const e = new MatchingEngine({ capacity: 2 });
        const ref = new RefEngine();
        const P = (px: number) => 1_000_000 + (px - 100) * lay.scale;
        let nextId = 1;
        const ids: number[] = [];
        let takerFilled = 0;
        let makerFilled = 0;
        for (const a of actions) {
          ref.events = [];
          if (a.k === 'limit' || a.k === 'market') {
            const r: OrderRequest = {
              id: nextId,
              side: a.side,
              type: a.k === 'limit' ? OrderType.LIMIT : OrderType.MARKET,
              tif: a.tif,
              qty: a.qty,
              price: a.k === 'limit' ? P(a.px) : 0,
              stopPrice: 0,
              owner: a.owner,
              stp: a.stp
            };
            nextId += lay.idStep;
            ids.push(r.id);
            const res = e.submit(r, T);
            ref.submit(r);
            // every order gets exactly one outcome, and its quantity is accounted for
            expect(res.filledQty + res.leavesQty + res.cancelledQty).toBe(r.qty);
            if (res.outcome === Outcome.RESTING) expect(res.filledQty).toBe(0);
            if (res.outcome === Outcome.FILLED) expect(res.filledQty).toBe(r.qty);
            if (res.outcome === Outcome.PARTIALLY_FILLED)
              expect(res.filledQty > 0 && res.leavesQty > 0).toBe(true);
            if (res.leavesQty > 0) expect(e.book.qtyOf(r.id)).toBe(res.leavesQty);
          } else if (a.k === 'cancel') {
            const id = ids.length > 0 ? ids[a.pick % ids.length]! : 999;
            e.cancel(id, T);
            ref.cancel(id);
          } else {
            const id = ids.length > 0 ? ids[a.pick % ids.length]! : 999;
            const px = (e.book.slotOf(id) >= 0 ? e.book.priceOf(id) : P(100)) + a.dpx * lay.scale;
            e.replace(id, a.qty, px, T);
            ref.replace(id, a.qty, px);
          }
          expect(engineEvents(e)).toEqual(ref.events);
          for (let i = 0; i < e.events.count; i++) {
            if (e.events.kindAt(i) === ExecKind.TRADE) {
              takerFilled += e.events.qtyAt(i);
              makerFilled += e.events.qtyAt(i);
            }
          }
          expect(e.book.isCrossed()).toBe(false);
        }
        expect(takerFilled).toBe(makerFilled);
        expect(auditL3Book(e.book)).toEqual([]);
        // same resting orders, same queue order (FIFO within each level)
        const fromRef = (s: BookSide) =>
          ref.makers(s === BookSide.BID ? BookSide.ASK : BookSide.BID).map((o) => `${o.id}:${o.px}:${o.qty}`);
        const fromEngine = (s: BookSide) =>
          (s === BookSide.BID ? e.book.snapshot().bids : e.book.snapshot().asks).flatMap((l) =>
            l.orders.map((o) => `${o.id}:${l.price}:${o.qty}`)
          );
        expect(fromEngine(BookSide.BID)).toEqual(fromRef(BookSide.BID));
        expect(fromEngine(BookSide.ASK)).toEqual(fromRef(BookSide.ASK));
      }),
      { numRuns: 300 }
    );
  });

  it('with stops in the flow: never crossed, book sound, resting + filled + cancelled = submitted', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            side,
            type: fc.constantFrom(
              OrderType.LIMIT,
              OrderType.LIMIT,
              OrderType.MARKET,
              OrderType.STOP,
              OrderType.STOP_LIMIT
            ),
            px: fc.integer({ min: 95, max: 105 }),
            stop: fc.integer({ min: 95, max: 105 }),
            qty: fc.integer({ min: 1, max: 20 }),
            tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK)
          }),
          { maxLength: 150, size: 'max' }
        ),
        (orders) => {
          const e = new MatchingEngine();
          let submitted = 0;
          let filled = 0;
          let cancelled = 0;
          let id = 1;
          for (const o of orders) {
            submitted += o.qty;
            e.submit(
              {
                id: id++,
                side: o.side,
                type: o.type,
                tif: o.tif,
                qty: o.qty,
                price: o.px,
                stopPrice: o.stop,
                owner: 0,
                stp: 0
              },
              T
            );
            for (let i = 0; i < e.events.count; i++) {
              const k = e.events.kindAt(i);
              if (k === ExecKind.TRADE) filled += 2 * e.events.qtyAt(i); // both sides' quantity leaves
              if (k === ExecKind.CANCELLED) cancelled += e.events.qtyAt(i);
            }
            expect(e.book.isCrossed()).toBe(false);
          }
          let resting = 0;
          for (const lad of [e.book.bids, e.book.asks])
            for (let i = 0; i < lad.count; i++) resting += lad.qty[lad.slotAt(i)]!;
          let pending = 0;
          e.stops.forEachId((sid) => {
            pending += e.stops.qty[e.stops.slotOf(sid)]!;
          });
          expect(resting + pending + filled + cancelled).toBe(submitted);
          expect(auditL3Book(e.book)).toEqual([]);
        }
      ),
      { numRuns: 300 }
    );
  });
});
