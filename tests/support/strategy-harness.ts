import type { Nanos } from '../../src/core/nanos.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView, WorkingOrderView } from '../../src/strategies/strategy.ts';

const MINUTE = 60_000_000_000n;
const T0 = 1_704_205_800_000_000_000n; // 2024-01-02T14:30:00Z

/** A one-minute bar of `instrumentId` closing at minute `minute` (after T0) at `close` ticks. */
export function bar(instrumentId: string, minute: number, close: number): Bar {
  const tsEvent: Nanos = T0 + BigInt(minute + 1) * MINUTE;
  return {
    type: 'market.bar',
    instrumentId,
    tsOpen: tsEvent - MINUTE,
    tsEvent,
    tsInit: tsEvent,
    open: close,
    high: close,
    low: close,
    close,
    volume: 100
  };
}

/** Bars of one instrument from a list of closes, one a minute. */
export function series(instrumentId: string, closes: readonly number[]): Bar[] {
  return closes.map((c, i) => bar(instrumentId, i, c));
}

/**
 * A StrategyView in which every intent fills at once and in full (what a strategy sees after a fill), so a
 * strategy's targets can be followed bar by bar.
 */
export class FillingView implements StrategyView {
  readonly #pos = new Map<string, number>();
  #now: Nanos = 0n;

  /** `initial`: positions held before the first bar, by instrument id. */
  constructor(initial: Readonly<Record<string, number>> = {}) {
    for (const [k, v] of Object.entries(initial)) this.#pos.set(k, v);
  }

  position(instrumentId: string): number {
    return this.#pos.get(instrumentId) ?? 0;
  }
  workingQty(): number {
    return 0;
  }
  openOrders(): readonly WorkingOrderView[] {
    return [];
  }
  now(): Nanos {
    return this.#now;
  }
  book(): undefined {
    return undefined;
  }
  apply(intents: readonly OrderIntent[]): void {
    for (const i of intents) {
      this.#pos.set(i.instrumentId, this.position(i.instrumentId) + (i.side === 'buy' ? i.qty : -i.qty));
    }
  }
  setNow(ts: Nanos): void {
    this.#now = ts;
  }
}

/** Feed `bars` in order; returns the intents of each bar and the view's final positions. */
export function feed(
  strategy: Strategy,
  bars: readonly Bar[],
  view = new FillingView()
): { intents: OrderIntent[][]; view: FillingView } {
  const intents: OrderIntent[][] = [];
  for (const b of bars) {
    view.setNow(b.tsEvent);
    // the built-in strategies trade by target position: new orders only
    const out = strategy
      .onBar(b, view)
      .filter((a): a is OrderIntent => a.kind === undefined || a.kind === 'submit');
    view.apply(out);
    intents.push(out);
  }
  return { intents, view };
}
