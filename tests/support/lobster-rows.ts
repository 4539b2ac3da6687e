import { readFileSync } from 'node:fs';
import type { BookLevel } from '../../src/book/book-view.ts';
import { decodeLobsterOrderbook, lobsterLevel } from '../../src/book/lobster.codec.ts';
import { type Instrument, makeInstrument } from '../../src/core/instrument.ts';
import type { Side } from '../../src/messages/primitives.ts';
import { sharedData } from './shared-data.ts';

/** AAPL on the built-in FIX venue with a 0.0001 tick: LOBSTER prices (dollars × 10,000) are its ticks. */
export const LOBSTER_AAPL: Instrument = makeInstrument({
  symbol: 'AAPL',
  venue: 'FIXLOCAL',
  tickSize: '0.0001',
  lotSize: '1',
  currency: 'USD'
});

/** The rows of a LOBSTER orderbook file as book sides (prices in the file's units: dollars × 10,000). */
export interface LobsterRows {
  readonly rows: number;
  /** Row `r`'s side, best first, without LOBSTER's empty-level fillers (size 0). */
  side(r: number, s: Side): BookLevel[];
  /** Row `r`'s top of book: bid price, bid size, ask price, ask size. */
  top(r: number): [number, number, number, number];
}

/** The real AAPL 2012-06-21 10-level orderbook sample (999 rows) in ../shared/data/lobster. */
export function aaplOrderbookRows(): LobsterRows {
  const ob = decodeLobsterOrderbook(
    readFileSync(sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv'))
  );
  return {
    rows: ob.rows,
    side: (r, s) => {
      const out: BookLevel[] = [];
      for (let l = 0; l < ob.levels; l++) {
        const [ap, as, bp, bs] = lobsterLevel(ob, r, l);
        const [px, qty] = s === 'buy' ? [bp, bs] : [ap, as];
        if (qty > 0) out.push({ px, qty });
      }
      return out;
    },
    top: (r) => {
      const [ap, as, bp, bs] = lobsterLevel(ob, r, 0);
      return [bp, bs, ap, as];
    }
  };
}
