import { lots, ticks } from '../../book/sync/wire-levels.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { type Instrument, priceToTicks } from '../../core/instrument.ts';
import { type Nanos, nsFromMs } from '../../core/nanos.ts';
import {
  BOOK_FLAG_SNAPSHOT,
  type BookDelta,
  type MarketData,
  markLast,
  snapshotClear
} from '../../messages/market-data.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import { frameError, int, isObj, levels, parseJson, str } from './codec-util.ts';

const V = 'binance';

/** A Binance spot diff-depth event (`depthUpdate`), prices and sizes still as strings. */
export interface BinanceDepthUpdate {
  readonly symbol: string;
  readonly firstId: number; // U
  readonly finalId: number; // u
  readonly eventMs: number; // E
  readonly bids: [string, string][];
  readonly asks: [string, string][];
}

export type BinanceFrame =
  | { readonly kind: 'depth'; readonly update: BinanceDepthUpdate }
  | { readonly kind: 'data'; readonly items: MarketData[] }
  /** The answer to a SUBSCRIBE/UNSUBSCRIBE request: `{"result":null,"id":n}`. */
  | { readonly kind: 'ack'; readonly id: number }
  /** A request error: `{"code":2,"msg":"Invalid request ...","id":n}`. */
  | { readonly kind: 'error'; readonly code: number; readonly msg: string }
  | { readonly kind: 'ignored'; readonly type: string };

/**
 * Decode a raw or combined-stream (`{"stream","data"}`) frame. bookTicker → Quote, aggTrade → Trade.
 * Sizes are exact lots and never negative (`TRD_ERR_QTY_NOT_ON_LOT` / `TRD_ERR_NUMBER_INVALID`); depth
 * levels stay strings here and convert in {@link depthDeltas} / {@link BinanceBookSync}.
 */
export function decodeBinance(text: string, instruments: InstrumentMap, tsInit: Nanos): BinanceFrame {
  let j = parseJson(V, text);
  if (isObj(j) && isObj(j['data']) && typeof j['stream'] === 'string') j = j['data'];
  if (!isObj(j)) throw frameError(V, 'frame is not an object');
  if (j['e'] === undefined && 'id' in j) {
    if ('result' in j) return { kind: 'ack', id: typeof j['id'] === 'number' ? j['id'] : 0 };
    if (typeof j['code'] === 'number') return { kind: 'error', code: j['code'], msg: String(j['msg'] ?? '') };
  }
  if (j['e'] === 'depthUpdate') {
    return {
      kind: 'depth',
      update: {
        symbol: str(V, j, 's'),
        firstId: int(V, j, 'U'),
        finalId: int(V, j, 'u'),
        eventMs: int(V, j, 'E'),
        bids: levels(V, j['b'], 'b'),
        asks: levels(V, j['a'], 'a')
      }
    };
  }
  if (j['e'] === 'aggTrade') {
    const inst = instruments.bySymbol(str(V, j, 's'));
    return {
      kind: 'data',
      items: [
        {
          type: 'market.trade',
          instrumentId: inst.id,
          tsEvent: nsFromMs(int(V, j, 'T')),
          tsInit,
          px: ticks(inst, str(V, j, 'p')),
          sz: lots(inst, str(V, j, 'q')),
          aggressor: j['m'] === true ? 'sell' : 'buy',
          tradeId: String(j['a'] ?? '')
        }
      ]
    };
  }
  if (
    typeof j['u'] === 'number' &&
    typeof j['b'] === 'string' &&
    typeof j['a'] === 'string' &&
    typeof j['s'] === 'string'
  ) {
    const inst = instruments.bySymbol(str(V, j, 's'));
    return {
      kind: 'data',
      items: [
        {
          type: 'market.quote',
          instrumentId: inst.id,
          tsEvent: tsInit,
          tsInit,
          bidPx: priceToTicks(inst, str(V, j, 'b')),
          bidSz: lots(inst, str(V, j, 'B')),
          askPx: priceToTicks(inst, str(V, j, 'a')),
          askSz: lots(inst, str(V, j, 'A'))
        }
      ]
    };
  }
  return { kind: 'ignored', type: String(j['e'] ?? 'unknown') };
}

/** A REST depth snapshot (`GET /api/v3/depth`). */
export interface BinanceDepthSnapshot {
  readonly lastUpdateId: number;
  readonly bids: [string, string][];
  readonly asks: [string, string][];
}

export function decodeBinanceSnapshot(text: string): BinanceDepthSnapshot {
  const j = parseJson(V, text);
  if (!isObj(j)) throw frameError(V, 'snapshot is not an object');
  return {
    lastUpdateId: int(V, j, 'lastUpdateId'),
    bids: levels(V, j['bids'], 'bids'),
    asks: levels(V, j['asks'], 'asks')
  };
}

/**
 * Binance's "manage a local order book correctly" procedure for one symbol, producing canonical deltas:
 * buffer events until the snapshot; drop events with u ≤ lastUpdateId; the first applied must bracket
 * lastUpdateId+1; afterwards an event with U > local id + 1 is a gap (normally U = previous u + 1;
 * duplicates, u ≤ local id, are ignored); a gap throws `TRD_ERR_BOOK_SEQUENCE_GAP` and the caller resyncs (new snapshot).
 * Quantities are absolute per level; 0 deletes. `seq` of each delta is the event's u. Levels convert as in
 * {@link depthDeltas}; an event that does not convert throws its typed error without taking its ids, so the
 * next event is a gap rather than a silent hole.
 */
export class BinanceBookSync {
  readonly #inst: Instrument;
  #buffer: BinanceDepthUpdate[] = [];
  #localId = -1;
  #synced = false;

  constructor(inst: Instrument) {
    this.#inst = inst;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** The update id of the local book (the last applied `u`, or the snapshot's lastUpdateId); -1 before. */
  get lastId(): number {
    return this.#localId;
  }

  /** Feed a depth event; returns the deltas to apply now (none while waiting for the snapshot). */
  onUpdate(u: BinanceDepthUpdate, tsInit: Nanos): BookDelta[] {
    if (!this.#synced) {
      this.#buffer.push(u);
      return [];
    }
    return this.#apply(u, tsInit);
  }

  /** Apply the REST snapshot and any buffered events; returns snapshot deltas then the buffered ones. */
  onSnapshot(s: BinanceDepthSnapshot, tsInit: Nanos): BookDelta[] {
    const first = this.#buffer[0];
    if (first && s.lastUpdateId < first.firstId - 1) {
      throw new TradestateError(
        ErrorCode.BOOK_SEQUENCE_GAP,
        'snapshot older than the first buffered event: fetch again',
        {
          lastUpdateId: s.lastUpdateId,
          firstId: first.firstId
        }
      );
    }
    const out: BookDelta[] = [snapshotClear(this.#inst.id, s.lastUpdateId, tsInit, tsInit)];
    const add = (side: 'buy' | 'sell', rows: [string, string][]): void => {
      for (const [p, q] of rows) {
        const px = ticks(this.#inst, p);
        const sz = lots(this.#inst, q);
        if (sz === 0) continue;
        out.push(this.#delta('add', side, px, sz, s.lastUpdateId, tsInit, tsInit, BOOK_FLAG_SNAPSHOT));
      }
    };
    add('buy', s.bids);
    add('sell', s.asks);
    markLast(out);
    this.#localId = s.lastUpdateId;
    this.#synced = true;
    const pending = this.#buffer.filter((e) => e.finalId > s.lastUpdateId);
    this.#buffer = [];
    const head = pending[0];
    if (head && !(head.firstId <= s.lastUpdateId + 1 && s.lastUpdateId + 1 <= head.finalId)) {
      this.reset();
      throw new TradestateError(
        ErrorCode.BOOK_SEQUENCE_GAP,
        'first event after the snapshot does not bracket lastUpdateId+1',
        {
          lastUpdateId: s.lastUpdateId,
          U: head.firstId,
          u: head.finalId
        }
      );
    }
    for (const e of pending) out.push(...this.#apply(e, tsInit));
    return out;
  }

  reset(): void {
    this.#buffer = [];
    this.#localId = -1;
    this.#synced = false;
  }

  #apply(u: BinanceDepthUpdate, tsInit: Nanos): BookDelta[] {
    if (u.finalId <= this.#localId) return []; // duplicate or old
    if (u.firstId > this.#localId + 1) {
      const expected = this.#localId + 1;
      this.reset();
      throw new TradestateError(
        ErrorCode.BOOK_SEQUENCE_GAP,
        `depth gap: expected U=${expected}, got ${u.firstId}`,
        {
          expected,
          U: u.firstId,
          u: u.finalId
        }
      );
    }
    const out = depthDeltas(this.#inst, u, tsInit); // converts every level first: a refused event takes no id
    this.#localId = u.finalId;
    return out;
  }

  #delta(
    action: BookDelta['action'],
    side: 'buy' | 'sell',
    px: number,
    sz: number,
    seq: number,
    tsEvent: Nanos,
    tsInit: Nanos,
    flags: number
  ): BookDelta {
    return {
      type: 'market.book_delta',
      instrumentId: this.#inst.id,
      tsEvent,
      tsInit,
      seq,
      action,
      side,
      px,
      sz,
      flags
    };
  }
}

/**
 * The canonical deltas of one depth event, without any sequence check (the caller has placed it):
 * absolute sizes per level, size 0 deletes; `seq` is the event's u; the last delta is flagged LAST.
 * Prices are exact ticks above 0 and sizes exact lots ≥ 0; a level that is not throws its typed error
 * (`TRD_ERR_PRICE_NOT_ON_TICK`, `TRD_ERR_QTY_NOT_ON_LOT`, `TRD_ERR_NUMBER_INVALID`) and nothing is returned.
 */
export function depthDeltas(inst: Instrument, u: BinanceDepthUpdate, tsInit: Nanos): BookDelta[] {
  const ts = nsFromMs(u.eventMs);
  const out: BookDelta[] = [];
  for (const [side, rows] of [
    ['buy', u.bids],
    ['sell', u.asks]
  ] as const) {
    for (const [p, q] of rows) {
      const px = ticks(inst, p);
      const sz = lots(inst, q);
      out.push({
        type: 'market.book_delta',
        instrumentId: inst.id,
        tsEvent: ts,
        tsInit,
        seq: u.finalId,
        action: sz === 0 ? 'delete' : 'modify',
        side,
        px,
        sz,
        flags: 0
      });
    }
  }
  markLast(out);
  return out;
}
