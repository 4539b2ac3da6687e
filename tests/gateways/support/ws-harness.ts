import { makeInstrument, priceToTicks, qtyToLots } from '../../../src/core/instrument.ts';
import { InstrumentMap } from '../../../src/gateways/fix/app-messages.ts';
import { BOOK_FLAG_SNAPSHOT, type MarketData } from '../../../src/messages/market-data.ts';
import type { VenueBook } from './binance-replay.ts';

/** Binance.US symbols of BINANCE_US.ws.1.0, with ticks and lots that hold every recorded price and size. */
export const BINANCE_US = new InstrumentMap(
  'BINANCE_US',
  [
    ['COMPUSDT', '0.01', '0.00001'],
    ['CRVUSDT', '0.001', '0.1'],
    ['OMGBUSD', '0.0001', '0.01'],
    ['ZRXUSDT', '0.0001', '0.01']
  ].map(([symbol, tickSize, lotSize]) =>
    makeInstrument({
      symbol: symbol!,
      venue: 'BINANCE_US',
      tickSize: tickSize!,
      lotSize: lotSize!,
      currency: 'X'
    })
  )
);

export { until } from '../../support/until.ts';

/**
 * L2 books rebuilt from the canonical stream alone: a run of SNAPSHOT-flagged deltas replaces the book,
 * other deltas set (or delete) a level. Also records per instrument the seq of the last delta and
 * whether seqs ever went backwards outside a snapshot.
 */
export class CanonicalBooks {
  readonly books = new Map<string, { bids: Map<number, number>; asks: Map<number, number> }>();
  readonly lastSeq = new Map<string, number>();
  readonly snapshots = new Map<string, number>();
  backwards = 0;
  #inSnapshot = new Set<string>();

  on(d: MarketData): void {
    if (d.type !== 'market.book_delta') return;
    const id = d.instrumentId;
    let b = this.books.get(id);
    if (!b) {
      b = { bids: new Map(), asks: new Map() };
      this.books.set(id, b);
    }
    if (d.action === 'clear') {
      // every snapshot starts with an explicit clear (two snapshots in a row must not merge)
      b.bids.clear();
      b.asks.clear();
      this.snapshots.set(id, (this.snapshots.get(id) ?? 0) + 1);
      this.#inSnapshot.add(id);
      this.lastSeq.set(id, d.seq);
      return;
    }
    if (d.flags & BOOK_FLAG_SNAPSHOT) {
      if (!this.#inSnapshot.has(id)) throw new Error(`snapshot level of ${id} without a clear first`);
    } else {
      this.#inSnapshot.delete(id);
      if (d.seq < (this.lastSeq.get(id) ?? 0)) this.backwards++;
    }
    this.lastSeq.set(id, d.seq);
    const side = d.side === 'buy' ? b.bids : b.asks;
    if (d.action === 'delete' || d.sz === 0) side.delete(d.px);
    else side.set(d.px, d.sz);
  }
}

/** A venue book in ticks and lots of `instruments`, sorted for comparison. */
export function venueBookInTicks(
  instruments: InstrumentMap,
  symbol: string,
  vb: VenueBook
): { bids: [number, number][]; asks: [number, number][] } {
  const inst = instruments.bySymbol(symbol);
  const conv = (m: Map<string, string>): [number, number][] =>
    [...m.entries()]
      .map(([p, q]) => [priceToTicks(inst, p), qtyToLots(inst, q)] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  return { bids: conv(vb.bids), asks: conv(vb.asks) };
}

export function sortedLevels(m: Map<number, number>): [number, number][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}
