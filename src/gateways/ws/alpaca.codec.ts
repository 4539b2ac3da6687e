import { ticks } from '../../book/sync/wire-levels.ts';
import type { Rounding } from '../../core/decimal.ts';
import { isTradestateError, TradestateError } from '../../core/errors.ts';
import { type Instrument, priceToTicksRounded, qtyToLots } from '../../core/instrument.ts';
import { type Nanos, NS_PER_MIN, nsFromIso } from '../../core/nanos.ts';
import {
  BOOK_FLAG_SNAPSHOT,
  type BookDelta,
  type MarketData,
  markLast,
  snapshotClear
} from '../../messages/market-data.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import { frameError, isObj, numToDecimal, parseJson, str } from './codec-util.ts';

const V = 'alpaca';

/** Control messages of Alpaca's market-data stream v2. */
export type AlpacaControl =
  | { readonly kind: 'connected' }
  | { readonly kind: 'authenticated' }
  | {
      readonly kind: 'subscription';
      readonly trades: string[];
      readonly quotes: string[];
      readonly bars: string[];
    }
  | { readonly kind: 'error'; readonly code: number; readonly msg: string };

export interface AlpacaFrame {
  readonly control: AlpacaControl[];
  readonly data: MarketData[];
  /**
   * The messages of the frame that were refused, one typed error each (with `venue`, the message's `index`
   * in the frame and, when it has them, its `type` and `symbol` in the context). The rest of the frame stands.
   */
  readonly errors: TradestateError[];
}

export const alpacaAuth = (key: string, secret: string): string =>
  JSON.stringify({ action: 'auth', key, secret });

export function alpacaSubscribe(
  action: 'subscribe' | 'unsubscribe',
  s: { trades?: string[]; quotes?: string[]; bars?: string[] }
): string {
  return JSON.stringify({ action, trades: s.trades ?? [], quotes: s.quotes ?? [], bars: s.bars ?? [] });
}

/**
 * Decode one Alpaca market-data frame (a JSON array of objects keyed by "T"): t → Trade, q → Quote,
 * b/u/d → Bar (minute bars: tsOpen = t, tsEvent = t + 1 min; daily bars: + 1 day is not assumed, tsEvent = t),
 * o (crypto order book) → book deltas; success/subscription/error → control. JSON numbers are converted to
 * exact decimals, then to ticks and lots of the instrument.
 *
 * An order-book message is `modify` deltas (size 0: `delete`, the last flagged LAST), unless it has
 * `"r": true`: Alpaca's reset, the whole server-side book (the first message after subscribing, and after
 * a reconnect). That is a snapshot, encoded as the other venues' are: a `clear` ({@link snapshotClear}),
 * then an `add` per level, all flagged SNAPSHOT and the last also LAST; an empty reset is the lone clear.
 *
 * Prices finer than the instrument's tick (Alpaca reports sub-penny prices, e.g. its documented SPY bar with
 * open 388.985, while US equities are configured on 0.01) are rounded onto the tick, exactly, from the
 * decimal: bar OHLC and trade prices to the nearest tick with ties to even (half-even, as the historical bars
 * of `src/data/alpaca-bars.ts`), a quote's bid down and its ask up, so a quote never looks tighter than the
 * market. Order-book levels stay exact (`TRD_ERR_PRICE_NOT_ON_TICK`): rounding could merge two levels into
 * one. Sizes stay exact (`TRD_ERR_QTY_NOT_ON_LOT`). A price or size that is not a number, or is negative,
 * is `TRD_ERR_WS_FRAME_INVALID`; an order-book level priced 0 `TRD_ERR_NUMBER_INVALID`; an unknown symbol
 * `TRD_ERR_UNKNOWN_INSTRUMENT`.
 *
 * A refused message costs only itself: it goes to {@link AlpacaFrame.errors} and the frame's other messages
 * are decoded. Only a frame that is not a JSON array throws.
 */
export function decodeAlpaca(text: string, instruments: InstrumentMap, tsInit: Nanos): AlpacaFrame {
  const j = parseJson(V, text);
  if (!Array.isArray(j)) throw frameError(V, 'frame is not a JSON array');
  const control: AlpacaControl[] = [];
  const data: MarketData[] = [];
  const errors: TradestateError[] = [];
  for (let index = 0; index < j.length; index++) {
    const o: unknown = j[index];
    let m: AlpacaControl | readonly MarketData[] | null;
    try {
      m = decodeMessage(o, instruments, tsInit);
    } catch (e) {
      if (!isTradestateError(e)) throw e;
      errors.push(refused(e, o, index));
      continue;
    }
    if (m === null) continue;
    if ('kind' in m) control.push(m);
    else data.push(...m);
  }
  return { control, data, errors };
}

/** One message's error, with where it was in the frame. */
function refused(e: TradestateError, o: unknown, index: number): TradestateError {
  const at: Record<string, unknown> = { venue: V, index };
  if (isObj(o) && typeof o['T'] === 'string') at['type'] = o['T'];
  if (isObj(o) && typeof o['S'] === 'string') at['symbol'] = o['S'];
  return new TradestateError(e.code, e.message, { ...e.context, ...at }, { cause: e });
}

/** A non-negative price field onto the instrument's tick, rounded the `mode` way. */
function priceOf(inst: Instrument, o: Record<string, unknown>, k: string, mode: Rounding): number {
  return priceToTicksRounded(inst, nonNegative(o, k), mode).ticks;
}

/** A non-negative size field in exact lots. */
function sizeOf(inst: Instrument, o: Record<string, unknown>, k: string): number {
  return qtyToLots(inst, nonNegative(o, k));
}

function nonNegative(o: Record<string, unknown>, k: string): string {
  const s = numToDecimal(V, o[k], k);
  if (s.startsWith('-')) throw frameError(V, `field ${k} must not be negative`, { field: k, value: s });
  return s;
}

/** One element of a frame: a control message, market data, or `null` for what is not canonical. */
function decodeMessage(
  o: unknown,
  instruments: InstrumentMap,
  tsInit: Nanos
): AlpacaControl | readonly MarketData[] | null {
  if (!isObj(o)) throw frameError(V, 'element is not an object');
  const T = str(V, o, 'T');
  switch (T) {
    case 'success': {
      const msg = str(V, o, 'msg');
      if (msg === 'connected') return { kind: 'connected' };
      if (msg === 'authenticated') return { kind: 'authenticated' };
      return null;
    }
    case 'error':
      return {
        kind: 'error',
        code: typeof o['code'] === 'number' ? o['code'] : 0,
        msg: String(o['msg'] ?? '')
      };
    case 'subscription': {
      const list = (k: string): string[] => (Array.isArray(o[k]) ? (o[k] as unknown[]).map(String) : []);
      return { kind: 'subscription', trades: list('trades'), quotes: list('quotes'), bars: list('bars') };
    }
    case 't': {
      const inst = instruments.bySymbol(str(V, o, 'S'));
      return [
        {
          type: 'market.trade',
          instrumentId: inst.id,
          tsEvent: nsFromIso(str(V, o, 't')),
          tsInit,
          px: priceOf(inst, o, 'p', 'half-even'),
          sz: sizeOf(inst, o, 's'),
          aggressor: o['tks'] === 'B' ? 'buy' : o['tks'] === 'S' ? 'sell' : 'none',
          tradeId: String(o['i'] ?? '')
        }
      ];
    }
    case 'q': {
      const inst = instruments.bySymbol(str(V, o, 'S'));
      return [
        {
          type: 'market.quote',
          instrumentId: inst.id,
          tsEvent: nsFromIso(str(V, o, 't')),
          tsInit,
          bidPx: priceOf(inst, o, 'bp', 'floor'),
          bidSz: sizeOf(inst, o, 'bs'),
          askPx: priceOf(inst, o, 'ap', 'ceil'),
          askSz: sizeOf(inst, o, 'as')
        }
      ];
    }
    case 'b':
    case 'u':
    case 'd': {
      const inst = instruments.bySymbol(str(V, o, 'S'));
      const t = nsFromIso(str(V, o, 't'));
      const px = (k: string): number => priceOf(inst, o, k, 'half-even');
      return [
        {
          type: 'market.bar',
          instrumentId: inst.id,
          tsOpen: t,
          tsEvent: T === 'd' ? t : t + NS_PER_MIN,
          tsInit,
          open: px('o'),
          high: px('h'),
          low: px('l'),
          close: px('c'),
          volume: sizeOf(inst, o, 'v')
        }
      ];
    }
    case 'o': {
      const inst = instruments.bySymbol(str(V, o, 'S'));
      const ts = nsFromIso(str(V, o, 't'));
      const r = o['r'];
      if (r !== undefined && typeof r !== 'boolean')
        throw frameError(V, 'r must be a boolean', { field: 'r' });
      const out: BookDelta[] = r === true ? [snapshotClear(inst.id, 0, ts, tsInit)] : [];
      for (const [side, key] of [
        ['buy', 'b'],
        ['sell', 'a']
      ] as const) {
        const rows = o[key];
        if (rows === undefined) continue;
        if (!Array.isArray(rows)) throw frameError(V, `${key} must be an array`);
        for (const l of rows) {
          if (!isObj(l)) throw frameError(V, 'level must be an object');
          const px = ticks(inst, nonNegative(l, 'p'));
          const sz = sizeOf(inst, l, 's');
          if (r === true && sz === 0) continue; // a whole book has no empty level
          out.push({
            type: 'market.book_delta',
            instrumentId: inst.id,
            tsEvent: ts,
            tsInit,
            seq: 0,
            action: r === true ? 'add' : sz === 0 ? 'delete' : 'modify',
            side,
            px,
            sz,
            flags: r === true ? BOOK_FLAG_SNAPSHOT : 0
          });
        }
      }
      markLast(out);
      return out;
    }
    default:
      return null; // statuses, corrections, LULD: not canonical market data
  }
}
