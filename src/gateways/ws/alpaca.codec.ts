import { priceToTicks, qtyToLots } from '../../core/instrument.ts';
import { type Nanos, NS_PER_MIN, nsFromIso } from '../../core/nanos.ts';
import { BOOK_FLAG_LAST, type BookDelta, type MarketData } from '../../messages/market-data.ts';
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
 */
export function decodeAlpaca(text: string, instruments: InstrumentMap, tsInit: Nanos): AlpacaFrame {
  const j = parseJson(V, text);
  if (!Array.isArray(j)) throw frameError(V, 'frame is not a JSON array');
  const control: AlpacaControl[] = [];
  const data: MarketData[] = [];
  for (const o of j) {
    if (!isObj(o)) throw frameError(V, 'element is not an object');
    const T = str(V, o, 'T');
    switch (T) {
      case 'success': {
        const msg = str(V, o, 'msg');
        if (msg === 'connected') control.push({ kind: 'connected' });
        else if (msg === 'authenticated') control.push({ kind: 'authenticated' });
        break;
      }
      case 'error':
        control.push({
          kind: 'error',
          code: typeof o['code'] === 'number' ? o['code'] : 0,
          msg: String(o['msg'] ?? '')
        });
        break;
      case 'subscription': {
        const list = (k: string): string[] => (Array.isArray(o[k]) ? (o[k] as unknown[]).map(String) : []);
        control.push({
          kind: 'subscription',
          trades: list('trades'),
          quotes: list('quotes'),
          bars: list('bars')
        });
        break;
      }
      case 't': {
        const inst = instruments.bySymbol(str(V, o, 'S'));
        data.push({
          type: 'market.trade',
          instrumentId: inst.id,
          tsEvent: nsFromIso(str(V, o, 't')),
          tsInit,
          px: priceToTicks(inst, numToDecimal(V, o['p'], 'p')),
          sz: qtyToLots(inst, numToDecimal(V, o['s'], 's')),
          aggressor: o['tks'] === 'B' ? 'buy' : o['tks'] === 'S' ? 'sell' : 'none',
          tradeId: String(o['i'] ?? '')
        });
        break;
      }
      case 'q': {
        const inst = instruments.bySymbol(str(V, o, 'S'));
        data.push({
          type: 'market.quote',
          instrumentId: inst.id,
          tsEvent: nsFromIso(str(V, o, 't')),
          tsInit,
          bidPx: priceToTicks(inst, numToDecimal(V, o['bp'], 'bp')),
          bidSz: qtyToLots(inst, numToDecimal(V, o['bs'], 'bs')),
          askPx: priceToTicks(inst, numToDecimal(V, o['ap'], 'ap')),
          askSz: qtyToLots(inst, numToDecimal(V, o['as'], 'as'))
        });
        break;
      }
      case 'b':
      case 'u':
      case 'd': {
        const inst = instruments.bySymbol(str(V, o, 'S'));
        const t = nsFromIso(str(V, o, 't'));
        const px = (k: string): number => priceToTicks(inst, numToDecimal(V, o[k], k));
        data.push({
          type: 'market.bar',
          instrumentId: inst.id,
          tsOpen: t,
          tsEvent: T === 'd' ? t : t + NS_PER_MIN,
          tsInit,
          open: px('o'),
          high: px('h'),
          low: px('l'),
          close: px('c'),
          volume: qtyToLots(inst, numToDecimal(V, o['v'], 'v'))
        });
        break;
      }
      case 'o': {
        const inst = instruments.bySymbol(str(V, o, 'S'));
        const ts = nsFromIso(str(V, o, 't'));
        const out: BookDelta[] = [];
        for (const [side, key] of [
          ['buy', 'b'],
          ['sell', 'a']
        ] as const) {
          const rows = o[key];
          if (rows === undefined) continue;
          if (!Array.isArray(rows)) throw frameError(V, `${key} must be an array`);
          for (const r of rows) {
            if (!isObj(r)) throw frameError(V, 'level must be an object');
            const sz = qtyToLots(inst, numToDecimal(V, r['s'], 's'));
            out.push({
              type: 'market.book_delta',
              instrumentId: inst.id,
              tsEvent: ts,
              tsInit,
              seq: 0,
              action: sz === 0 ? 'delete' : 'modify',
              side,
              px: priceToTicks(inst, numToDecimal(V, r['p'], 'p')),
              sz,
              flags: 0
            });
          }
        }
        const last = out.at(-1);
        if (last) out[out.length - 1] = { ...last, flags: last.flags | BOOK_FLAG_LAST };
        data.push(...out);
        break;
      }
      default:
        break; // statuses, corrections, LULD: not canonical market data
    }
  }
  return { control, data };
}
