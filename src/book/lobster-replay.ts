import { ErrorCode, TradestateError } from '../core/errors.ts';
import { readBytes } from '../core/read-file.ts';
import { decodeLobsterMessages, decodeLobsterOrderbook, type LobsterOrderbook } from './lobster.codec.ts';
import { LobsterReplayer, RowCheck } from './lobster-replayer.ts';

/** Options of {@link runLobsterReplay}. */
export interface LobsterReplayOptions {
  /** LOBSTER message CSV. */
  readonly messageFile: string;
  /** Matching LOBSTER orderbook CSV (row k = book after message k); enables the row-by-row check. */
  readonly orderbookFile?: string;
  /** Output sink, one line per call. */
  readonly write: (line: string) => void;
  /** Minimum wall time spent measuring throughput (default 200 ms; the file is replayed as often as needed). */
  readonly minMeasureMs?: number;
}

/** Summary of {@link runLobsterReplay}; also printed as the last line, as JSON with exactly these keys. */
export interface LobsterReplaySummary {
  messages: number;
  matched: number;
  mismatched: number;
  msgsPerSec: number;
}

/**
 * `tradestate book replay --lobster MESSAGE.csv [--orderbook ORDERBOOK.csv]`.
 *
 * Decodes the message file once into typed arrays, then measures replay throughput on the decoded data
 * (after untimed warm-up passes, the file is replayed into a cleared book until `minMeasureMs` have passed). Given an orderbook file it
 * starts from row 1 with message 1 undone (the book before the first message, all of it unknown-id
 * liquidity), replays every message and compares the book with the row after each one: `matched` rows equal
 * the venue's levels (levels entering from beyond the previous row's deepest level, which a level-N message
 * file cannot describe, are seeded from the row and reported separately), `mismatched` rows do not.
 * Without an orderbook file the replay starts from an empty book and matched = mismatched = 0.
 *
 * Throws `TRD_ERR_DATA_NOT_FOUND` for a missing file and `TRD_ERR_DATA_INVALID` for malformed content or
 * files of different lengths.
 */
export function runLobsterReplay(opts: LobsterReplayOptions): LobsterReplaySummary {
  const { write } = opts;
  const t0 = process.hrtime.bigint();
  const msgs = decodeLobsterMessages(readData(opts.messageFile));
  const ob =
    opts.orderbookFile === undefined ? undefined : decodeLobsterOrderbook(readData(opts.orderbookFile));
  const decodeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  write(`decoded ${msgs.length} messages in ${decodeMs.toFixed(1)} ms`);
  if (ob && ob.rows !== msgs.length) {
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `orderbook has ${ob.rows} rows but the message file has ${msgs.length} messages`,
      { rows: ob.rows, messages: msgs.length }
    );
  }
  if (msgs.length === 0) {
    const empty = { messages: 0, matched: 0, mismatched: 0, msgsPerSec: 0 };
    write(JSON.stringify(empty));
    return empty;
  }

  // Throughput on decoded data.
  const replayer = new LobsterReplayer();
  const start = (): void => {
    if (ob) replayer.initBefore(ob, 0, msgs);
    else replayer.reset();
  };
  const minNs = BigInt(Math.round((opts.minMeasureMs ?? 200) * 1e6));
  // Warm-up (JIT): at least 3 passes and a quarter of the measuring time, untimed.
  const warmEnd = process.hrtime.bigint() + minNs / 4n;
  for (let k = 0; k < 3 || process.hrtime.bigint() < warmEnd; k++) {
    start();
    replayer.replay(msgs);
  }
  let replayed = 0;
  let spent = 0n;
  do {
    start();
    const a = process.hrtime.bigint();
    replayer.replay(msgs);
    spent += process.hrtime.bigint() - a;
    replayed += msgs.length;
  } while (spent < minNs);
  const msgsPerSec = Math.round(replayed / (Number(spent) / 1e9));
  write(`replayed ${msgs.length} messages ${replayed / msgs.length}× : ${msgsPerSec} msgs/s`);
  const st = replayer.stats;
  write(
    `throughput pass (messages only${ob ? ', no orderbook seeding' : ''}): hidden executions ${st.hiddenExecutions}, cross trades ${st.crossTrades}, halts ${st.haltEvents}, ` +
      `unknown-id events drawn from pre-file liquidity ${st.fromUnknown}, unresolved ${st.unresolved}; ` +
      `final book ${replayer.book.orderCount} orders, ${replayer.book.bids.count}/${replayer.book.asks.count} bid/ask levels`
  );

  let matched = 0;
  let mismatched = 0;
  if (ob) {
    const v = verify(replayer, msgs, ob);
    matched = v.matched;
    mismatched = v.mismatched;
    write(
      `orderbook check: ${matched} rows match, ${mismatched} differ (of ${ob.rows}); ` +
        `${v.revealedRows} rows needed ${replayer.revealedLevels} level(s) seeded from beyond the previous row's ${ob.levels}-level horizon`
    );
    if (v.firstMismatch >= 0) write(`first differing row: ${v.firstMismatch + 1}`);
  }
  const summary: LobsterReplaySummary = { messages: msgs.length, matched, mismatched, msgsPerSec };
  write(JSON.stringify(summary));
  return summary;
}

/** Replay from the book before message 1 and check every row. */
export function verify(
  replayer: LobsterReplayer,
  msgs: ReturnType<typeof decodeLobsterMessages>,
  ob: LobsterOrderbook
): { matched: number; mismatched: number; revealedRows: number; firstMismatch: number } {
  replayer.initBefore(ob, 0, msgs);
  let matched = 0;
  let mismatched = 0;
  let revealedRows = 0;
  let firstMismatch = -1;
  for (let i = 0; i < msgs.length; i++) {
    const c = replayer.step(msgs, i, ob);
    if (c === undefined) continue; // no row for this message
    if (c === RowCheck.MISMATCH) {
      mismatched++;
      if (firstMismatch < 0) firstMismatch = i;
    } else {
      matched++;
      if (c === RowCheck.MATCH_REVEALED) revealedRows++;
    }
  }
  return { matched, mismatched, revealedRows, firstMismatch };
}

function readData(path: string): Uint8Array {
  return readBytes(path, {
    code: ErrorCode.DATA_NOT_FOUND,
    message: `cannot read ${path}`,
    context: { path }
  });
}
