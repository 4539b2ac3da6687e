import { type BookView, bookViewOf } from '../book/book-view.ts';
import {
  decodeLobsterMessages,
  decodeLobsterOrderbook,
  type LobsterMessages,
  type LobsterOrderbook
} from '../book/lobster.codec.ts';
import { LobsterReplayer } from '../book/lobster-replayer.ts';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import { readBytes } from '../core/read-file.ts';
import { lobsterDate } from '../data/import/lobster.ts';
import { nyWallToNs } from '../data/us-eastern.ts';
import type { Quote, Trade } from '../messages/market-data.ts';
import type { SimulatedClock } from '../time/clock.ts';
import type { ExecutionEmulator } from '../venue/emulator/execution-emulator.venue.ts';
import type { BacktestWindow } from './backtest.ts';
import type { EquityCurve } from './equity-curve.ts';
import type { TradingRuntime } from './trading-runtime.ts';

export type LobsterData = Extract<RunConfig['data'], { kind: 'lobster' }>;

/** A tick replay gives the event loop a turn at least this often (wall ms). */
const YIELD_EVERY_MS = 50;

/** What a LOBSTER run did. */
export interface LobsterDriveResult {
  /** Messages replayed inside the window (all of them without one). */
  readonly messages: number;
  /** Top-of-book changes shown to the strategy. */
  readonly quotes: number;
  /** Executions (LOBSTER types 4 and 5) shown to the strategy as trades. */
  readonly trades: number;
}

/** New York midnight of the data's trading date, epoch ns (LOBSTER times are seconds after it). */
export function lobsterDayStart(data: LobsterData): Nanos {
  const date = data.date ?? lobsterDate(data.messages);
  if (date === undefined) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `data.date is required: no YYYY-MM-DD in the file name ${data.messages}`,
      { file: data.messages }
    );
  }
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return nyWallToNs(y, m, d, 0);
}

/**
 * The time range of a LOBSTER message file, `[first message, last message]` as a half-open range (epoch ns):
 * what a walk-forward over tick data cuts into folds. Undefined for a file without messages.
 */
export function lobsterTimeRange(data: LobsterData): { from: Nanos; to: Nanos } | undefined {
  const msgs = decodeLobsterMessages(lobsterFile(data.messages));
  if (msgs.length === 0) return undefined;
  const dayStart = lobsterDayStart(data);
  return {
    from: dayStart + BigInt(msgs.timeNs[0]!),
    to: dayStart + BigInt(msgs.timeNs[msgs.length - 1]!) + 1n
  };
}

/** A LOBSTER file's bytes; one that cannot be read is `TRD_ERR_DATA_NOT_FOUND` naming it. */
function lobsterFile(path: string): Uint8Array {
  return readBytes(path, {
    code: ErrorCode.DATA_NOT_FOUND,
    message: `cannot read LOBSTER file ${path}`,
    context: { file: path }
  });
}

/** The decoded message file of `data` and its orderbook file, when it names one. */
export function readLobster(data: LobsterData): {
  readonly msgs: LobsterMessages;
  readonly ob: LobsterOrderbook | undefined;
} {
  return {
    msgs: decodeLobsterMessages(lobsterFile(data.messages)),
    ob: data.orderbook === undefined ? undefined : decodeLobsterOrderbook(lobsterFile(data.orderbook))
  };
}

/**
 * What `view.book` shows a tick backtest's strategy: the market's book of the replayed instrument as the data
 * shows it after the event being handled (the depth feed's view: the data's orders, not the strategy's own
 * emulated ones, which `view.openOrders` has); nothing for other instruments. {@link driveLobster} keeps it.
 */
export function tickBooks(
  depth: LobsterReplayer,
  instrumentId: string
): (id: string) => BookView | undefined {
  const view = bookViewOf(depth.book);
  return (id) => (id === instrumentId ? view : undefined);
}

/**
 * Message `i` as a print if it is an execution of a resting order (LOBSTER type 4, or 5 for a hidden one):
 * the aggressor took the other side. Stamped `ts`; its trade id is the message's index.
 */
export function lobsterTrade(
  msgs: LobsterMessages,
  i: number,
  instrumentId: string,
  ts: Nanos
): Trade | undefined {
  const type = msgs.type[i]!;
  if (type !== 4 && type !== 5) return undefined;
  return {
    type: 'market.trade',
    instrumentId,
    tsEvent: ts,
    tsInit: ts,
    px: msgs.price[i]!,
    sz: msgs.size[i]!,
    aggressor: msgs.direction[i] === 1 ? 'sell' : 'buy',
    tradeId: String(i)
  };
}

/** LOBSTER prices are dollars × 10,000: the instrument's tick must be 0.0001 for them to be its ticks. */
export function checkTick(inst: Instrument): void {
  if (inst.tick.mantissa !== 1n || inst.tick.scale !== 4) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `instrument ${inst.id}: LOBSTER prices are in units of 0.0001, so its tickSize must be 0.0001 (is ${inst.tickSize})`,
      { instrumentId: inst.id, tickSize: inst.tickSize }
    );
  }
}

/**
 * Replay a LOBSTER message file event by event through the execution emulator's L3 book and the trading
 * runtime, on the simulated clock. Per message at time t: reports and commands due before t are delivered at
 * their own times (timers fire in between), the message is applied to the emulated book (own resting orders
 * keep their place in the queue and fill only after what is ahead of them), and when the top of book changed
 * (prices or sizes, own orders included, as a public feed would show them) the portfolio and risk are marked
 * at the mid and the quote is logged and shown to the strategy; an execution is first logged and shown as a
 * trade (aggressor: the side opposite the resting order's). The equity curve is sampled, and the kill
 * switch fed, every `equityEveryMs` of data time.
 *
 * With a `window`, only messages with `from ≤ time < to` are traded: the ones before `from` build the book
 * (nothing is shown, logged or timed: the clock starts at the first message in the window, whose top of book
 * the strategy sees as its first quote), and the replay stops at the first message at or after `to`.
 *
 * The event loop gets a turn every {@link YIELD_EVERY_MS} ms of wall time (so a signal handler can run), and once
 * `stopping` says so the replay stops within 1,024 messages.
 */
export async function driveLobster(
  data: LobsterData,
  inst: Instrument,
  run: {
    readonly venue: ExecutionEmulator;
    readonly rt: TradingRuntime;
    readonly clock: SimulatedClock;
    /** Sampled here (and told every mid); its first point is dated the first message's time. */
    readonly curve: EquityCurve;
    /** Deliver the venue's reports due by the clock's time. */
    readonly drain: () => void;
    /** Trade only the messages with `from ≤ time < to` (either bound may be absent). */
    readonly window?: BacktestWindow;
    /**
     * The market's book ({@link tickBooks}), replayed here message by message and, with an orderbook file,
     * checked against its rows; what a row reveals is applied to the emulated book too. Default: a private one.
     */
    readonly depth?: LobsterReplayer;
    /** True once the run is to stop (asked every 1,024 messages). */
    readonly stopping?: () => boolean;
  }
): Promise<LobsterDriveResult> {
  const { venue, rt, clock, curve, drain } = run;
  const from = run.window?.from;
  const to = run.window?.to;
  checkTick(inst);
  const dayStart = lobsterDayStart(data);
  const { msgs, ob } = readLobster(data);
  // The market's book as the data shows it: the depth strategies see, and with an orderbook file checked
  // against its rows (a level that surfaces from beyond the file's depth is taken from the row, a stale one
  // dropped), so its top levels are the venue's. What a row reveals is true of the emulated book too.
  const depth = run.depth ?? new LobsterReplayer();
  depth.reset();
  if (ob !== undefined) {
    depth.initBefore(ob, 0, msgs);
    venue.loadBook(inst.id, depth.book.snapshot());
  }
  const l3 = venue.l3!;
  depth.onReveal = (side, price, qty) => l3.revealLevel(inst.id, side, price, qty);
  const book = l3.book(inst.id);
  const every = BigInt(data.equityEveryMs) * 1_000_000n;
  let nextSample: Nanos | undefined;
  let bid = Number.NaN;
  let bidSz = 0;
  let ask = Number.NaN;
  let askSz = 0;
  let quotes = 0;
  let trades = 0;
  /** The window's first and one-past-last message (messages are in time order). */
  let first = 0;
  let end = msgs.length;
  let turn = performance.now();
  for (let i = 0; i < msgs.length; i++) {
    if ((i & 1023) === 0) {
      if (performance.now() - turn >= YIELD_EVERY_MS) {
        await new Promise<void>((r) => setImmediate(r));
        turn = performance.now();
      }
      if (run.stopping?.() === true) {
        end = Math.max(i, first);
        break;
      }
    }
    const ts = dayStart + BigInt(msgs.timeNs[i]!);
    if (from !== undefined && ts < from) {
      venue.onLobster(inst.id, msgs, i, dayStart);
      depth.step(msgs, i, ob);
      first = i + 1;
      continue;
    }
    if (to !== undefined && ts >= to) {
      end = i;
      break;
    }
    if (nextSample === undefined) {
      nextSample = ts + every;
      curve.begin(ts);
    }
    // the venue's business before this message, each at its own time
    for (let due = venue.nextDueAt(); due !== undefined && due < ts; due = venue.nextDueAt()) {
      if (due > clock.now()) clock.advanceTo(due);
      drain();
    }
    if (ts > clock.now()) clock.advanceTo(ts);
    for (; nextSample <= ts; nextSample += every) rt.observe(nextSample, curve.sample(nextSample));
    venue.onLobster(inst.id, msgs, i, dayStart);
    depth.step(msgs, i, ob);
    drain();
    const t = lobsterTrade(msgs, i, inst.id, ts);
    if (t !== undefined) {
      trades++;
      rt.logTrade(t);
      rt.publish(t);
      drain();
    }
    const b = book.bestBid();
    const a = book.bestAsk();
    const bs = book.bestBidQty();
    const as = book.bestAskQty();
    if (b === bid && a === ask && bs === bidSz && as === askSz) continue;
    bid = b;
    ask = a;
    bidSz = bs;
    askSz = as;
    // a one-sided or crossed book is no quote
    if (!(b < a)) continue;
    const q: Quote = {
      type: 'market.quote',
      instrumentId: inst.id,
      tsEvent: ts,
      tsInit: ts,
      bidPx: b,
      bidSz: bs,
      askPx: a,
      askSz: as
    };
    quotes++;
    rt.markQuote(q);
    curve.mark(inst.id, (b + a) / 2);
    rt.publish(q);
    drain();
  }
  // the curve ends at the last message, not at the last whole sampling step before it
  const messages = end - first;
  if (messages > 0) {
    const lastTs = dayStart + BigInt(msgs.timeNs[end - 1]!);
    if (lastTs > curve.lastTs) curve.sample(lastTs);
  }
  return { messages, quotes, trades };
}
