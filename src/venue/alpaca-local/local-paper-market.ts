import { type Instrument, lotsToQty, ticksToPrice } from '../../core/instrument.ts';
import type { BarSource } from '../../data/bar-source.ts';
import type { AlpacaEndpoints } from '../../gateways/alpaca/alpaca-connection.ts';
import type { Bar, Quote, Trade } from '../../messages/market-data.ts';
import type { Clock } from '../../time/clock.ts';
import { Pause } from '../../time/pause.ts';
import { AlpacaDataServer } from './alpaca-data.server.ts';
import { AlpacaLocalVenue } from './alpaca-local.venue.ts';

/** Options of {@link LocalPaperMarket}. */
export interface LocalPaperMarketOptions {
  readonly instruments: readonly Instrument[];
  /** Wall clock: order times, fills and the replayed bars' new timestamps. */
  readonly clock: Clock;
  /** The history to replay as the market (the run config's data). */
  readonly bars: BarSource;
  /** Wall-clock pause between two bar timestamps (ms). */
  readonly intervalMs: number;
  /** Venue ids and fills. */
  readonly seed: number;
  /** Account cash (exact decimal). Default: the venue's. */
  readonly initialCash?: string;
  /**
   * Also called with each bar's quote and print (before the bar goes out), for another venue that trades on
   * the same market (the local FIX venue of `--venue local-fix`).
   */
  readonly onMarket?: (quote: Quote, trade: Trade) => void;
}

/**
 * A whole Alpaca on loopback for `--mode paper --venue local`: the local trading venue (REST +
 * `trade_updates` over the execution emulator) and the local market-data stream, both fed by a pump that
 * replays a bar history as if it were happening now. Each timestamp's bars are re-stamped to the wall clock
 * (same duration), and for each bar the venue (and data clients subscribed to quotes and trades) first sees a one-tick-wide quote around its close and a print
 * at the close (so an order sent on the bar fills there, as it would against the next quote), then the bar
 * goes out on the data stream. The client side is the real Alpaca stack, unchanged.
 */
export class LocalPaperMarket {
  readonly venue: AlpacaLocalVenue;
  readonly data: AlpacaDataServer;
  readonly #o: LocalPaperMarketOptions;
  readonly #bySymbol: ReadonlyMap<string, Instrument>;
  #stopped = false;
  readonly #pause = new Pause();
  /** Bars published so far. */
  published = 0;

  constructor(o: LocalPaperMarketOptions) {
    this.#o = o;
    this.#bySymbol = new Map(o.instruments.map((i) => [i.id, i] as const));
    this.venue = new AlpacaLocalVenue({
      instruments: o.instruments,
      clock: o.clock,
      seed: o.seed,
      ...(o.initialCash !== undefined ? { initialCash: o.initialCash } : {})
    });
    const { keyId, secretKey } = this.venue.credentials;
    this.data = new AlpacaDataServer({ instruments: o.instruments, keyId, secretKey });
  }

  /** Start both servers on loopback. */
  async start(): Promise<void> {
    await this.venue.start();
    await this.data.start();
  }

  /** The endpoints and key pair a client connects with. */
  get endpoints(): AlpacaEndpoints {
    const { keyId, secretKey } = this.venue.credentials;
    return {
      tradingUrl: this.venue.url,
      tradingStreamUrl: this.venue.streamUrl,
      dataUrl: this.data.url,
      keyId,
      secretKey
    };
  }

  /**
   * Replay the history: waits for a data client to subscribe, then publishes one timestamp's bars every
   * `intervalMs` until the history ends or {@link stop}. Resolves with the number of bars published.
   */
  async run(): Promise<number> {
    while (!this.#stopped && !this.data.hasSubscribers) await this.#pause.sleep(5);
    let group: Bar[] = [];
    for await (const batch of this.#o.bars) {
      for (const bar of batch) {
        if (this.#stopped) return this.published;
        if (group.length > 0 && bar.tsEvent !== group[0]!.tsEvent) {
          this.#publish(group);
          group = [];
          await this.#pause.sleep(this.#o.intervalMs);
        }
        group.push(bar);
      }
    }
    if (group.length > 0 && !this.#stopped) this.#publish(group);
    return this.published;
  }

  /** Stop the pump and both servers. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pause.wake();
    await this.data.stop();
    await this.venue.stop();
  }

  #publish(group: readonly Bar[]): void {
    const now = this.#o.clock.now();
    for (const bar of group) {
      const inst = this.#bySymbol.get(bar.instrumentId);
      if (!inst) continue;
      const restamped: Bar = { ...bar, tsOpen: now - (bar.tsEvent - bar.tsOpen), tsEvent: now, tsInit: now };
      const lots = Math.max(1, bar.volume);
      const size = lotsToQty(inst, lots);
      this.venue.quote(
        inst.symbol,
        ticksToPrice(inst, bar.close - 1),
        ticksToPrice(inst, bar.close + 1),
        size,
        size,
        now
      );
      this.venue.trade(inst.symbol, ticksToPrice(inst, bar.close), size, now);
      // the same quote and print go to data clients subscribed to quotes and trades, just before the bar
      const quote: Quote = {
        type: 'market.quote',
        instrumentId: inst.id,
        tsEvent: now,
        tsInit: now,
        bidPx: bar.close - 1,
        bidSz: lots,
        askPx: bar.close + 1,
        askSz: lots
      };
      const trade: Trade = {
        type: 'market.trade',
        instrumentId: inst.id,
        tsEvent: now,
        tsInit: now,
        px: bar.close,
        sz: lots,
        aggressor: 'none',
        tradeId: `${inst.symbol}-${this.published}`
      };
      this.#o.onMarket?.(quote, trade);
      this.data.publishQuote(quote);
      this.data.publishTrade(trade);
      this.data.publishBar(restamped);
      this.published++;
    }
  }
}
