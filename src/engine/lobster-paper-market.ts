import { bookViewOf } from '../book/book-view.ts';
import type { LobsterMessages, LobsterOrderbook } from '../book/lobster.codec.ts';
import { LobsterReplayer } from '../book/lobster-replayer.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Clock } from '../time/clock.ts';
import { Pause } from '../time/pause.ts';
import type { FixLocalVenue } from '../venue/fix-local/fix-local.venue.ts';
import { checkTick, type LobsterData, lobsterTrade, readLobster } from './lobster-drive.ts';

/** Options of {@link LobsterPaperMarket}. */
export interface LobsterPaperMarketOptions {
  /** The run config's LOBSTER data (message file, optional orderbook file). */
  readonly data: LobsterData;
  /** Its instrument (tick 0.0001: LOBSTER prices are dollars × 10,000). */
  readonly instrument: Instrument;
  /** The built-in FIX venue the market is replayed into. */
  readonly venue: FixLocalVenue;
  /** Wall clock: the replayed events' new timestamps. */
  readonly clock: Clock;
  /** Seconds of data replayed per wall-clock second (1 = as it happened). */
  readonly speed: number;
}

/** Messages replayed between two yields to the event loop when the replay runs ahead of the wall clock. */
const YIELD_EVERY = 256;

/**
 * A LOBSTER day replayed as a live market into the built-in FIX venue, for `--mode paper --venue local-fix` on
 * `data.kind: lobster`: the tick strategy that was backtested on the file trades the same market over a real
 * FIX 4.2 session. The messages rebuild the market's book (a {@link LobsterReplayer}, checked against the
 * orderbook file's rows when there is one), paced by their own time stamps divided by `speed` and re-stamped to
 * the wall clock. After each message the venue gets the book to the file's depth (the orderbook's levels, else
 * 10), which it publishes to each subscriber at the MarketDepth asked for and trades its quote fill model on,
 * and each execution as a print.
 */
export class LobsterPaperMarket {
  readonly #o: LobsterPaperMarketOptions;
  readonly #msgs: LobsterMessages;
  readonly #ob: LobsterOrderbook | undefined;
  #stopped = false;
  readonly #pause = new Pause();
  /** Messages replayed so far. */
  published = 0;

  /** Reads and checks the files now, so a bad file or tick size fails before anything starts. */
  constructor(o: LobsterPaperMarketOptions) {
    checkTick(o.instrument);
    this.#o = o;
    const { msgs, ob } = readLobster(o.data);
    this.#msgs = msgs;
    this.#ob = ob;
  }

  /**
   * Replay the file: waits for a client's MarketDataRequest, then one message at a time at its pace until the
   * file ends or {@link stop}. Resolves with the number of messages replayed.
   */
  async run(): Promise<number> {
    const { venue, instrument, clock, speed } = this.#o;
    const msgs = this.#msgs;
    const ob = this.#ob;
    while (!this.#stopped && venue.marketData.stats.requests === 0) await this.#pause.sleep(5);
    const market = new LobsterReplayer();
    if (ob !== undefined && msgs.length > 0) market.initBefore(ob, 0, msgs);
    const view = bookViewOf(market.book);
    const levels = ob?.levels ?? 10;
    const wall0 = performance.now();
    const t0 = msgs.length > 0 ? msgs.timeNs[0]! : 0;
    for (let i = 0; i < msgs.length && !this.#stopped; i++) {
      const wait = wall0 + (msgs.timeNs[i]! - t0) / 1e6 / speed - performance.now();
      if (wait >= 1) await this.#pause.sleep(wait);
      else if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
      if (this.#stopped) break;
      market.step(msgs, i, ob);
      const now = clock.now();
      const print = lobsterTrade(msgs, i, instrument.id, now);
      if (print !== undefined) venue.trade(print);
      venue.book(instrument.id, view.levels('buy', levels), view.levels('sell', levels), now);
      this.published++;
    }
    return this.published;
  }

  /** Stop the replay (the venue is the caller's to stop). */
  stop(): void {
    this.#stopped = true;
    this.#pause.wake();
  }
}
