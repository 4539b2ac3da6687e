import { lots, ticks } from '../../book/sync/wire-levels.ts';
import type { Nanos } from '../../core/nanos.ts';
import { nsFromIso } from '../../core/nanos.ts';
import {
  BOOK_FLAG_SNAPSHOT,
  type BookDelta,
  type MarketData,
  markLast,
  snapshotClear
} from '../../messages/market-data.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import { frameError, isObj, levels, parseJson, str } from './codec-util.ts';

const V = 'coinbase';

/** What one Coinbase (legacy ws-feed) frame means. */
export type CoinbaseFrame =
  | {
      readonly kind: 'data';
      readonly productId: string;
      readonly snapshot: boolean;
      readonly items: MarketData[];
    }
  | { readonly kind: 'subscriptions'; readonly channels: unknown }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'ignored'; readonly type: string };

export function coinbaseSubscribe(
  productIds: readonly string[],
  channels: readonly string[] = ['level2', 'matches']
): string {
  return JSON.stringify({ type: 'subscribe', product_ids: productIds, channels });
}

export function coinbaseUnsubscribe(
  productIds: readonly string[],
  channels: readonly string[] = ['level2', 'matches']
): string {
  return JSON.stringify({ type: 'unsubscribe', product_ids: productIds, channels });
}

/**
 * Decode one frame of Coinbase's legacy `level2`/`matches` channels into canonical messages.
 * `snapshot` → `add` deltas flagged SNAPSHOT (last also LAST); `l2update` → `modify` (size 0: `delete`)
 * deltas, the last flagged LAST; `match`/`last_match` → Trade (aggressor = the taker: the opposite of
 * the maker `side`). The channel has no sequence numbers: `seq` is the feed's own delivery counter.
 * Malformed frames are `TRD_ERR_WS_FRAME_INVALID`; unknown products `TRD_ERR_UNKNOWN_INSTRUMENT`. Prices and
 * sizes are exact (`TRD_ERR_PRICE_NOT_ON_TICK` / `TRD_ERR_QTY_NOT_ON_LOT`); a book level priced at or below 0,
 * or any negative size, is `TRD_ERR_NUMBER_INVALID`. A refused frame yields nothing at all.
 */
export function decodeCoinbase(
  text: string,
  instruments: InstrumentMap,
  seq: number,
  tsInit: Nanos
): CoinbaseFrame {
  const j = parseJson(V, text);
  if (!isObj(j)) throw frameError(V, 'frame is not an object');
  const type = str(V, j, 'type');
  switch (type) {
    case 'subscriptions':
      return { kind: 'subscriptions', channels: j['channels'] };
    case 'error':
      return { kind: 'error', message: String(j['message'] ?? '') };
    case 'snapshot': {
      const productId = str(V, j, 'product_id');
      const inst = instruments.bySymbol(productId);
      const items: BookDelta[] = [snapshotClear(inst.id, seq, tsInit, tsInit)];
      for (const [side, key] of [
        ['buy', 'bids'],
        ['sell', 'asks']
      ] as const) {
        for (const [p, s] of levels(V, j[key], key)) {
          items.push({
            type: 'market.book_delta',
            instrumentId: inst.id,
            tsEvent: tsInit,
            tsInit,
            seq,
            action: 'add',
            side,
            px: ticks(inst, p),
            sz: lots(inst, s),
            flags: BOOK_FLAG_SNAPSHOT
          });
        }
      }
      markLast(items);
      return { kind: 'data', productId, snapshot: true, items };
    }
    case 'l2update': {
      const productId = str(V, j, 'product_id');
      const inst = instruments.bySymbol(productId);
      const tsEvent = nsFromIso(str(V, j, 'time'));
      const changes = j['changes'];
      if (!Array.isArray(changes)) throw frameError(V, 'changes must be an array');
      const items: BookDelta[] = changes.map((c) => {
        if (
          !Array.isArray(c) ||
          (c[0] !== 'buy' && c[0] !== 'sell') ||
          typeof c[1] !== 'string' ||
          typeof c[2] !== 'string'
        ) {
          throw frameError(V, 'change must be [side, price, size]');
        }
        const px = ticks(inst, c[1]);
        const sz = lots(inst, c[2]);
        return {
          type: 'market.book_delta',
          instrumentId: inst.id,
          tsEvent,
          tsInit,
          seq,
          action: sz === 0 ? 'delete' : 'modify',
          side: c[0],
          px,
          sz,
          flags: 0
        };
      });
      markLast(items);
      return { kind: 'data', productId, snapshot: false, items };
    }
    case 'match':
    case 'last_match': {
      const productId = str(V, j, 'product_id');
      const inst = instruments.bySymbol(productId);
      const maker = str(V, j, 'side');
      return {
        kind: 'data',
        productId,
        snapshot: false,
        items: [
          {
            type: 'market.trade',
            instrumentId: inst.id,
            tsEvent: nsFromIso(str(V, j, 'time')),
            tsInit,
            px: ticks(inst, str(V, j, 'price')),
            sz: lots(inst, str(V, j, 'size')),
            aggressor: maker === 'buy' ? 'sell' : maker === 'sell' ? 'buy' : 'none',
            tradeId: String(j['trade_id'] ?? '')
          }
        ]
      };
    }
    default:
      return { kind: 'ignored', type };
  }
}
