/**
 * Order book benchmarks: tradestate's MatchingEngine vs nodejs-order-book on the same generated workload,
 * and LOBSTER replay throughput on the decoded one-hour AAPL file.
 *
 * Cases (suite `book`, unit ns/op unless noted):
 * - add:    N non-crossing limit orders into an empty book (1,000 price levels a side, ~10 orders a level);
 * - cancel: cancel those N orders in shuffled order;
 * - market: M market orders (alternating sides, 1–150 lots, each filling one to a few resting orders) against
 *           a book of N orders;
 * - bbo:    best bid + best ask on a book of N orders;
 * - add-1m: L3Book adds while filling 100 books × 10,000 orders (1M resting; books start small and grow);
 * - lobster-replay (msgs/s): the 91,997-message file replayed from typed arrays (decoded once, not timed).
 * - lobster-replay-2threads (msgs/s): the same file ten times over (order ids shifted per copy), with the book on
 *   a worker thread fed through an SpscRing and every top-of-book change coming back through a second ring
 *   (`replayInWorker`); from the first record in to the last change out, worker start-up excluded. The
 *   single-thread figure to compare is lobster-replay-top: the same replay with the top of book read after
 *   every message.
 * Each case is warmed up, then timed over several rounds with process.hrtime.bigint(), the two implementations'
 * rounds interleaved; the median round of each is reported. Both see identical prices, sizes, sides and order.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrderBook, Side } from 'nodejs-order-book';
import { L3Book } from '../src/book/l3-book.ts';
import { decodeLobsterMessages, type LobsterMessages } from '../src/book/lobster.codec.ts';
import { LobsterReplayer } from '../src/book/lobster-replayer.ts';
import { BookSide } from '../src/book/side.ts';
import { Rng } from '../src/core/rng.ts';
import { MatchingEngine } from '../src/matching/matching-engine.ts';
import { type OrderRequest, OrderType, orderRequest, TimeInForce } from '../src/matching/order-types.ts';
import { replayInWorker } from '../src/threads/book-pipeline.ts';
import type { Figure } from './figure.ts';

const N = 20_000;
const M = 5_000;
const BBO_CALLS = 200_000;
const T = 36_000e9;

interface Workload {
  side: Uint8Array;
  price: Float64Array;
  size: Float64Array;
  ids: string[];
  cancelOrder: Int32Array;
  mktSide: Uint8Array;
  mktSize: Float64Array;
}

function workload(seed: number): Workload {
  const rng = new Rng(seed);
  const side = new Uint8Array(N);
  const price = new Float64Array(N);
  const size = new Float64Array(N);
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const bid = rng.int(2) === 0;
    side[i] = bid ? BookSide.BID : BookSide.ASK;
    // near the touch most of the time, like real flow: |distance| ~ exponential-ish over 1,000 levels
    const d = Math.min(999, Math.floor(-Math.log(1 - rng.next()) * 80));
    price[i] = bid ? 9_999 - d : 10_001 + d;
    size[i] = 1 + rng.int(100);
    ids.push(`o${i}`);
  }
  const cancelOrder = new Int32Array(N);
  for (let i = 0; i < N; i++) cancelOrder[i] = i;
  for (let i = N - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = cancelOrder[i]!;
    cancelOrder[i] = cancelOrder[j]!;
    cancelOrder[j] = t;
  }
  const mktSide = new Uint8Array(M);
  const mktSize = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    mktSide[i] = i & 1;
    mktSize[i] = 1 + rng.int(150);
  }
  return { side, price, size, ids, cancelOrder, mktSide, mktSize };
}

// ---------------------------------------------------------------------------------------------------------
// tradestate

/** Submit the workload's N limit orders to `e`. */
function submitAll(e: MatchingEngine, w: Workload): void {
  const r = req();
  for (let i = 0; i < N; i++) {
    r.id = i + 1;
    r.side = w.side[i] as BookSide;
    r.price = w.price[i]!;
    r.qty = w.size[i]!;
    e.submit(r, T);
  }
}

function tsFill(w: Workload): MatchingEngine {
  const e = new MatchingEngine({ capacity: N });
  submitAll(e, w);
  return e;
}

function req(): OrderRequest {
  return orderRequest({ id: 0, side: BookSide.BID, qty: 0 });
}

const tradestate = {
  add(w: Workload): number {
    const e = new MatchingEngine({ capacity: N });
    const t0 = process.hrtime.bigint();
    submitAll(e, w);
    const dt = process.hrtime.bigint() - t0;
    if (e.book.orderCount !== N) throw new Error('tradestate add: wrong order count');
    return Number(dt) / N;
  },
  cancel(w: Workload): number {
    const e = tsFill(w);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < N; k++) e.cancel(w.cancelOrder[k]! + 1, T);
    const dt = process.hrtime.bigint() - t0;
    if (e.book.orderCount !== 0) throw new Error('tradestate cancel: book not empty');
    return Number(dt) / N;
  },
  market(w: Workload): number {
    const e = tsFill(w);
    const r = req();
    r.type = OrderType.MARKET;
    r.tif = TimeInForce.IOC;
    let filled = 0;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < M; k++) {
      r.id = N + 1 + k;
      r.side = w.mktSide[k] as BookSide;
      r.qty = w.mktSize[k]!;
      filled += e.submit(r, T).filledQty;
    }
    const dt = process.hrtime.bigint() - t0;
    if (filled === 0) throw new Error('tradestate market: nothing filled');
    return Number(dt) / M;
  },
  bbo(w: Workload): number {
    const e = tsFill(w);
    const b = e.book;
    let acc = 0;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < BBO_CALLS; k++) acc += b.bestBid() + b.bestAsk();
    const dt = process.hrtime.bigint() - t0;
    if (acc !== BBO_CALLS * (b.bestBid() + b.bestAsk())) throw new Error('tradestate bbo: checksum');
    return Number(dt) / BBO_CALLS;
  }
};

// ---------------------------------------------------------------------------------------------------------
// nodejs-order-book

interface NobInternals {
  bids: { maxPriceQueue(): { price(): number } | undefined };
  asks: { minPriceQueue(): { price(): number } | undefined };
}

function nobSide(s: number): Side {
  return s === BookSide.BID ? Side.BUY : Side.SELL;
}

function nobFill(w: Workload): OrderBook {
  const ob = new OrderBook();
  for (let i = 0; i < N; i++)
    ob.limit({ id: w.ids[i]!, side: nobSide(w.side[i]!), size: w.size[i]!, price: w.price[i]! });
  return ob;
}

const nob = {
  add(w: Workload): number {
    const ob = new OrderBook();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++)
      ob.limit({ id: w.ids[i]!, side: nobSide(w.side[i]!), size: w.size[i]!, price: w.price[i]! });
    const dt = process.hrtime.bigint() - t0;
    return Number(dt) / N;
  },
  cancel(w: Workload): number {
    const ob = nobFill(w);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < N; k++) ob.cancel(w.ids[w.cancelOrder[k]!]!);
    const dt = process.hrtime.bigint() - t0;
    if (ob.depth()[0].length + ob.depth()[1].length !== 0) throw new Error('nob cancel: book not empty');
    return Number(dt) / N;
  },
  market(w: Workload): number {
    const ob = nobFill(w);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < M; k++) ob.market({ side: nobSide(w.mktSide[k]!), size: w.mktSize[k]! });
    const dt = process.hrtime.bigint() - t0;
    return Number(dt) / M;
  },
  bbo(w: Workload): number {
    const ob = nobFill(w);
    // nodejs-order-book has no public best bid/ask; its sides' max/min price queues are the O(log n) route.
    const inner = ob as unknown as NobInternals;
    let acc = 0;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < BBO_CALLS; k++)
      acc += inner.bids.maxPriceQueue()!.price() + inner.asks.minPriceQueue()!.price();
    const dt = process.hrtime.bigint() - t0;
    if (!(acc > 0)) throw new Error('nob bbo: checksum');
    return Number(dt) / BBO_CALLS;
  }
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function measure(fn: (w: Workload) => number, w: Workload, warmup: number, rounds: number): number {
  for (let i = 0; i < warmup; i++) fn(w);
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(fn(w));
  return median(xs);
}

/**
 * Both implementations' rounds interleaved (four of ours, then one of theirs, repeated), so a burst of
 * load from elsewhere on a shared machine lands on both sides of the ratio instead of on one block.
 */
function measurePair(
  ours: (w: Workload) => number,
  theirs: (w: Workload) => number,
  w: Workload
): [number, number] {
  for (let i = 0; i < 10; i++) ours(w);
  for (let i = 0; i < 2; i++) theirs(w);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 9; i++) {
    for (let k = 0; k < 4; k++) a.push(ours(w));
    b.push(theirs(w));
  }
  return [median(a), median(b)];
}

/** ns per add while filling 100 books with 10,000 orders each (1,000,000 resting orders in all). */
function addMillion(w: Workload): number {
  const books: L3Book[] = [];
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < 100; b++) {
    const book = new L3Book(1024);
    for (let i = 0; i < 10_000; i++) book.add(b * 1e6 + i, w.side[i] as BookSide, w.price[i]!, w.size[i]!);
    books.push(book);
  }
  const dt = process.hrtime.bigint() - t0;
  if (books.reduce((n, b) => n + b.orderCount, 0) !== 1_000_000) throw new Error('add-1m: wrong count');
  return Number(dt) / 1_000_000;
}

function lobsterHour(): LobsterMessages {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = resolve(
    here,
    '..',
    '..',
    'shared',
    'data',
    'lobster',
    'AAPL_2012-06-21_34200000_37800000_message_50.csv'
  );
  return decodeLobsterMessages(readFileSync(file));
}

/** `m` repeated `k` times, order ids shifted per copy so no copy collides with another. */
function repeated(m: LobsterMessages, k: number): LobsterMessages {
  const n = m.length * k;
  const out = {
    length: n,
    timeNs: new Float64Array(n),
    type: new Uint8Array(n),
    orderId: new Float64Array(n),
    size: new Float64Array(n),
    price: new Float64Array(n),
    direction: new Int8Array(n)
  };
  for (let c = 0; c < k; c++) {
    const o = c * m.length;
    out.timeNs.set(m.timeNs, o);
    out.type.set(m.type, o);
    out.size.set(m.size, o);
    out.price.set(m.price, o);
    out.direction.set(m.direction, o);
    for (let i = 0; i < m.length; i++) out.orderId[o + i] = m.orderId[i]! + c * 1e10;
  }
  return out;
}

/** msgs/s of the replay with the top of book read after every message, one thread (median of 15). */
function lobsterReplayTop(msgs: LobsterMessages): number {
  const r = new LobsterReplayer();
  const b = r.book;
  const xs: number[] = [];
  let acc = 0;
  for (let round = 0; round < 20; round++) {
    r.reset();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < msgs.length; i++) {
      r.replay(msgs, i, i + 1);
      acc += b.bestBidQty() + b.bestAskQty();
    }
    if (round >= 5) xs.push(msgs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  if (!(acc > 0)) throw new Error('lobster-replay-top: checksum');
  return Math.round(median(xs));
}

/** msgs/s of the two-thread replay (median of 3, after one warm-up). */
async function lobsterReplayTwoThreads(msgs: LobsterMessages): Promise<number> {
  const long = repeated(msgs, 10);
  const xs: number[] = [];
  for (let round = 0; round < 4; round++) {
    const r = await replayInWorker(long); // a failed replay rejects with its typed error
    if (round > 0) xs.push(long.length / (r.elapsedMs / 1000));
  }
  return Math.round(median(xs));
}

function lobsterReplay(msgs: LobsterMessages): number {
  const r = new LobsterReplayer();
  for (let i = 0; i < 5; i++) {
    r.reset();
    r.replay(msgs);
  }
  const xs: number[] = [];
  for (let i = 0; i < 15; i++) {
    r.reset();
    const t0 = process.hrtime.bigint();
    r.replay(msgs);
    xs.push(msgs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return Math.round(median(xs));
}

/** Run every case and emit one figure each. */
export async function run(emit: (fig: Figure) => void): Promise<void> {
  const w = workload(20_240_601);
  for (const c of ['add', 'cancel', 'market', 'bbo'] as const) {
    const [ts, nb] = measurePair(tradestate[c], nob[c], w);
    emit({ suite: 'book', case: c, impl: 'tradestate', value: round(ts), unit: 'ns/op' });
    emit({ suite: 'book', case: c, impl: 'nodejs-order-book', value: round(nb), unit: 'ns/op' });
  }
  emit({
    suite: 'book',
    case: 'add-1m',
    impl: 'tradestate',
    value: round(measure(addMillion, w, 1, 5)),
    unit: 'ns/op'
  });
  const hour = lobsterHour();
  emit({
    suite: 'book',
    case: 'lobster-replay',
    impl: 'tradestate',
    value: lobsterReplay(hour),
    unit: 'msgs/s'
  });
  emit({
    suite: 'book',
    case: 'lobster-replay-top',
    impl: 'tradestate',
    value: lobsterReplayTop(hour),
    unit: 'msgs/s'
  });
  emit({
    suite: 'book',
    case: 'lobster-replay-2threads',
    impl: 'tradestate',
    value: await lobsterReplayTwoThreads(hour),
    unit: 'msgs/s'
  });
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
