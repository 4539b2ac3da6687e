import type { BookLevel } from '../../book/book-view.ts';
import { isTradestateError } from '../../core/errors.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { Nanos } from '../../core/nanos.ts';
import { Rng } from '../../core/rng.ts';
import {
  decodeNewOrderSingle,
  decodeOrderCancelReplaceRequest,
  decodeOrderCancelRequest,
  decodeOrderStatusRequest,
  encodeExecutionReport,
  encodeOrderStatus,
  type FixAppMessage,
  InstrumentMap,
  ORDSTATUS_TO_FIX,
  type OrderStatusReport,
  type OrdStatus
} from '../../gateways/fix/app-messages.ts';
import type { FixDictionary } from '../../gateways/fix/dictionary.ts';
import type { FixField } from '../../gateways/fix/encoder.ts';
import { createFixSession, type FixSessionActor, stopFixSession } from '../../gateways/fix/fix-session.ts';
import type { FixMessage } from '../../gateways/fix/parser.ts';
import {
  applyReport,
  averagePx,
  type ReportedOrder,
  reportedOrder
} from '../../gateways/fix/reported-order.ts';
import type { FixTlsOptions } from '../../gateways/fix/session.ts';
import { type FixSessionStore, MemorySessionStore } from '../../gateways/fix/session-store.ts';
import { MsgType, Tag } from '../../gateways/fix/tags.ts';
import { formatUtcTimestamp } from '../../gateways/fix/time.ts';
import type { ExecutionReport } from '../../messages/execution-report.ts';
import type { Quote, Trade } from '../../messages/market-data.ts';
import type { Clock } from '../../time/clock.ts';
import { parseEmulatorConfig } from '../emulator/emulator-config.ts';
import { ExecutionEmulator } from '../emulator/execution-emulator.venue.ts';
import { ReportPump } from '../emulator/report-pump.ts';
import { MarketDataPublisher } from './market-data.publisher.ts';

/** Options of {@link FixLocalVenue}. */
export interface FixLocalVenueOptions {
  readonly instruments: readonly Instrument[];
  /** Order times, latency timers and report times. */
  readonly clock: Clock;
  /** The FIX 4.2 data dictionary both ends validate with. */
  readonly dictionary: FixDictionary;
  /** Venue order ids and the emulator's seeded latency and fills. Default 1. */
  readonly seed?: number;
  /** Our SenderCompID (the client's TargetCompID). Default `TSVENUE`. */
  readonly senderCompId?: string;
  /** The client's SenderCompID. Default `TRADESTATE`. */
  readonly targetCompId?: string;
  /** Sequence numbers and sent messages (resends). Default: in memory. */
  readonly store?: FixSessionStore;
  /** Emulator settings on top of: quote fill model, no commission. */
  readonly emulator?: Record<string, unknown>;
  /** Accept over TLS with this server certificate (and, with `requireClientCert`, only verified clients). */
  readonly tls?: FixTlsOptions;
}

/** Counters of a {@link FixLocalVenue}. */
export interface FixLocalVenueStats {
  /** NewOrderSingles handed to the emulator (one it cannot decode counts as `rejected` instead). */
  orders: number;
  cancels: number;
  replaces: number;
  statusRequests: number;
  /** Application messages answered with a reject (unknown symbol, bad value, unknown order). */
  rejected: number;
}

/** OrdRejReason (103) values used here. */
const REJ_UNKNOWN_SYMBOL = '1';
const REJ_UNKNOWN_ORDER = '5';
const REJ_OTHER = '0';

/**
 * A FIX 4.2 venue on loopback for `--mode paper --venue local-fix` and tests: one acceptor session (our FIX
 * session layer: logon, heartbeats, sequence numbers, resend and gap fill) in front of the
 * {@link ExecutionEmulator}.
 *
 * - NewOrderSingle (D), OrderCancelRequest (F) and OrderCancelReplaceRequest (G) become canonical commands
 *   to the emulator; what it reports goes back as ExecutionReport (8) or OrderCancelReject (9, whose ClOrdID
 *   echoes the cancel request's).
 * - OrderStatusRequest (H) is answered with the order's status (ExecutionReport, ExecTransType=3), or, for an
 *   order the venue has never seen, with a reject (OrdRejReason 5, `unknown order`).
 * - A message that decodes but cannot be honoured (unknown symbol, a value with no meaning here) is answered
 *   with a reject naming the problem; the session layer has already rejected malformed messages. Nothing
 *   a client sends stops the venue.
 * - Market data comes from {@link quote} and {@link trade} (canonical); reports due later (emulator latency)
 *   go out on a timer of the injected clock. The same quotes and trades go to clients that subscribed with a
 *   MarketDataRequest (V): a snapshot (W), then incremental refreshes (X); see {@link MarketDataPublisher}.
 */
export class FixLocalVenue {
  /** The emulator underneath (fills, latency, queue position). */
  readonly emulator: ExecutionEmulator;
  readonly instruments: InstrumentMap;
  readonly stats: FixLocalVenueStats = { orders: 0, cancels: 0, replaces: 0, statusRequests: 0, rejected: 0 };
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly #o: FixLocalVenueOptions;
  /** What the venue has told the client about each order, for status answers. */
  readonly #orders = new Map<string, ReportedOrder>();
  /** The latest cancel request's ClOrdID per order, echoed by an OrderCancelReject. */
  readonly #cancelIds = new Map<string, string>();
  #session: FixSessionActor | undefined;
  #port = 0;
  readonly #reports: ReportPump;
  /** MarketDataRequest answers and the quote and trade feed to subscribers. */
  readonly marketData: MarketDataPublisher;
  /** Exec ids of the venue's own answers (rejects and status). */
  #seq = 0;
  #drop = 0;
  /** The last top of book the emulator was given, per instrument (none while a side is empty). */
  readonly #tops = new Map<string, Quote>();

  constructor(o: FixLocalVenueOptions) {
    this.#o = o;
    this.senderCompId = o.senderCompId ?? 'TSVENUE';
    this.targetCompId = o.targetCompId ?? 'TRADESTATE';
    this.instruments = new InstrumentMap('FIXLOCAL', o.instruments);
    const byId = new Map(o.instruments.map((i) => [i.id, i] as const));
    const config = parseEmulatorConfig({
      name: 'FIXLOCAL',
      fillModel: 'quote',
      commission: { bps: 0 },
      ...o.emulator
    });
    this.emulator = new ExecutionEmulator(config, byId, new Rng(o.seed ?? 1).fork('fix-local-emulator'));
    this.#reports = new ReportPump(this.emulator, o.clock, (r) => this.#onReport(r));
    this.marketData = new MarketDataPublisher(this.instruments, (m) => this.#send(m));
  }

  /** Listen on 127.0.0.1:`port` (0 = any free port); resolves once listening. */
  async start(port = 0): Promise<void> {
    if (this.#session) return;
    const session = createFixSession(
      {
        role: 'acceptor',
        senderCompId: this.senderCompId,
        targetCompId: this.targetCompId,
        heartBtIntSec: 30,
        resetOnLogon: false,
        dictionary: this.#o.dictionary,
        host: '127.0.0.1',
        port,
        ...(this.#o.tls ? { tls: this.#o.tls } : {})
      },
      this.#o.store ?? new MemorySessionStore(),
      this.#o.clock
    );
    this.#session = session;
    session.on('fix.app', (e) => this.#onApp(e.msg));
    session.on('fix.disconnected', () => this.marketData.reset());
    session.start();
    this.#port = await new Promise<number>((resolve) => {
      session.on('fix.listening', (e) => resolve(e.port));
      session.send({ type: 'session.start' });
    });
  }

  /** Log out any client, stop listening and stop the report timer. */
  async stop(): Promise<void> {
    this.#reports.stop();
    const s = this.#session;
    this.#session = undefined;
    if (!s) return;
    await stopFixSession(s, 'venue closing');
  }

  /** The port listened on (after {@link start}). */
  get port(): number {
    return this.#port;
  }

  /**
   * Drill: the next `n` execution reports are not sent (recorded as sent, as a venue that lost them would), so a
   * client must recover them by an OrderStatusRequest.
   */
  dropReports(n: number): void {
    this.#drop += n;
  }

  /**
   * The venue reduces working order `clientOrderId` by `by` lots on its own (see
   * {@link ExecutionEmulator.restate}): the client gets an unsolicited ExecutionReport with ExecType D, or a cancel
   * when nothing is left. False when the order is not working.
   */
  restate(clientOrderId: string, by: number, reason = 'restated by the venue'): boolean {
    const done = this.emulator.restate(clientOrderId, by, this.#o.clock.now(), reason);
    this.#reports.pump();
    return done;
  }

  /** A top-of-book quote (the emulator's quote fill model trades resting orders against it). */
  quote(q: Quote): void {
    this.#tops.set(q.instrumentId, q);
    this.emulator.onQuote(q);
    this.marketData.quote(q);
    this.#reports.pump();
  }

  /**
   * The market's book to depth (each side best first; prices in ticks, sizes in lots; a level of size 0 is no
   * level), published to clients that asked for more than the top. The emulator trades on its top, as on a
   * {@link quote}, but only when the top changed (a price or a size): every quote shows the quote fill model
   * fresh displayed size, so a change below the touch must not let a capped order take the same size again;
   * it is only the passing of time there (DAY/GTD orders past their time expire).
   */
  book(instrumentId: string, bids: readonly BookLevel[], asks: readonly BookLevel[], tsEvent: Nanos): void {
    const bid = bids.find((l) => l.qty > 0);
    const ask = asks.find((l) => l.qty > 0);
    const last = this.#tops.get(instrumentId);
    if (!bid || !ask) this.#tops.delete(instrumentId);
    else if (
      last === undefined ||
      last.bidPx !== bid.px ||
      last.bidSz !== bid.qty ||
      last.askPx !== ask.px ||
      last.askSz !== ask.qty
    ) {
      const q: Quote = {
        type: 'market.quote',
        instrumentId,
        tsEvent,
        tsInit: tsEvent,
        bidPx: bid.px,
        bidSz: bid.qty,
        askPx: ask.px,
        askSz: ask.qty
      };
      this.#tops.set(instrumentId, q);
      this.emulator.onQuote(q);
    } else this.emulator.onTime(instrumentId, tsEvent);
    this.marketData.book(instrumentId, bids, asks, tsEvent, tsEvent);
    this.#reports.pump();
  }

  /** A print. */
  trade(t: Trade): void {
    this.emulator.onTrade(t);
    this.marketData.trade(t);
    this.#reports.pump();
  }

  // ---- client → venue --------------------------------------------------------------------------------------

  #onApp(msg: FixMessage): void {
    const now = this.#o.clock.now();
    try {
      switch (msg.msgType) {
        case MsgType.NewOrderSingle: {
          const cmd = decodeNewOrderSingle(msg, this.instruments);
          this.stats.orders++;
          this.emulator.submit(cmd, now);
          break;
        }
        case MsgType.OrderCancelRequest: {
          const cmd = decodeOrderCancelRequest(msg, this.instruments);
          this.stats.cancels++;
          this.#cancelIds.set(cmd.clientOrderId, cmd.commandId);
          this.emulator.cancel(cmd, now);
          break;
        }
        case MsgType.OrderCancelReplaceRequest: {
          this.stats.replaces++;
          this.emulator.replace(decodeOrderCancelReplaceRequest(msg, this.instruments), now);
          break;
        }
        case MsgType.MarketDataRequest:
          this.marketData.request(msg); // answers (W) or rejects (Y) itself
          return;
        case MsgType.OrderStatusRequest: {
          this.stats.statusRequests++;
          const q = decodeOrderStatusRequest(msg, this.instruments);
          const o = this.#orders.get(q.clientOrderId);
          if (!o) this.#reject(msg, REJ_UNKNOWN_ORDER, 'unknown order');
          else this.#send(encodeOrderStatus(this.#statusOf(o, now), this.instruments.byId(o.instrumentId)));
          break;
        }
        default:
          // the session layer answers message types the dictionary does not know; the rest we do not trade
          this.#reject(msg, REJ_OTHER, `message type ${msg.msgType} is not supported by this venue`);
          return;
      }
    } catch (e) {
      const unknownSymbol = isTradestateError(e) && e.code === 'TRD_ERR_UNKNOWN_INSTRUMENT';
      this.#reject(
        msg,
        unknownSymbol ? REJ_UNKNOWN_SYMBOL : REJ_OTHER,
        e instanceof Error ? e.message : String(e)
      );
      return;
    }
    this.#reports.pump();
  }

  #statusOf(o: ReportedOrder, now: Nanos): OrderStatusReport {
    return {
      clientOrderId: o.clientOrderId,
      venueOrderId: o.venueOrderId,
      instrumentId: o.instrumentId,
      side: o.side,
      status: statusOf(o),
      cumQty: o.cumQty,
      leavesQty: o.leavesQty,
      avgPx: averagePx(o),
      execId: `FIXLOCAL-s${++this.#seq}`,
      tsEvent: now
    };
  }

  /** An ExecutionReport rejecting what `msg` asked for, built from its raw fields (they may name nothing we know). */
  #reject(msg: FixMessage, ordRejReason: string, text: string): void {
    this.stats.rejected++;
    const f: FixField[] = [
      [Tag.OrderID, 'NONE'],
      [Tag.ClOrdID, msg.get(Tag.ClOrdID) ?? 'NONE'],
      [Tag.ExecID, `FIXLOCAL-r${++this.#seq}`],
      [Tag.ExecTransType, '0'],
      [Tag.ExecType, '8'],
      [Tag.OrdStatus, '8'],
      [Tag.OrdRejReason, ordRejReason],
      [Tag.Symbol, msg.get(Tag.Symbol) ?? 'NONE'],
      [Tag.Side, msg.get(Tag.Side) ?? '1'],
      [Tag.LeavesQty, '0'],
      [Tag.CumQty, '0'],
      [Tag.AvgPx, '0'],
      [Tag.TransactTime, formatUtcTimestamp(this.#o.clock.now())],
      [Tag.Text, text.slice(0, 200)]
    ];
    this.#send({ msgType: MsgType.ExecutionReport, fields: f });
  }

  // ---- venue → client --------------------------------------------------------------------------------------

  #onReport(r: ExecutionReport): void {
    const inst = this.instruments.byId(r.instrumentId);
    let report = r;
    // the cancel request a cancel reject or confirmation answers (used once: a later cancel of the venue's own
    // names none)
    const cancelId =
      r.execType === 'cancel_rejected' || r.execType === 'canceled'
        ? this.#cancelIds.get(r.clientOrderId)
        : undefined;
    if (cancelId !== undefined) this.#cancelIds.delete(r.clientOrderId);
    if (r.execType === 'cancel_rejected') report = { ...r, execId: cancelId ?? r.execId };
    // the first report of an order opens its record (a replace moves an existing one, a reject of a cancel or
    // replace opens none)
    const t = report.execType;
    if (t === 'accepted' || t === 'rejected' || t === 'fill' || t === 'canceled' || t === 'expired') {
      if (!this.#orders.has(report.clientOrderId)) {
        this.#orders.set(
          report.clientOrderId,
          reportedOrder(report.clientOrderId, report.instrumentId, report.side, report.leavesQty)
        );
      }
    }
    const state = applyReport(this.#orders, report);
    if (this.#drop > 0) {
      this.#drop--;
      return;
    }
    const target = report.execType === 'replace_rejected' ? report.origClientOrderId : report.clientOrderId;
    const known = target === undefined ? undefined : this.#orders.get(target);
    // a cancel confirmation names the cancel request (ClOrdID) and the order it canceled (OrigClOrdID)
    if (t === 'canceled' && cancelId !== undefined)
      report = { ...report, clientOrderId: cancelId, origClientOrderId: report.clientOrderId };
    this.#send(
      encodeExecutionReport(report, inst, {
        avgPx: state ? averagePx(state) : 0,
        ...(known && (report.execType === 'cancel_rejected' || report.execType === 'replace_rejected')
          ? { ordStatus: ORDSTATUS_TO_FIX[statusOf(known)] }
          : {})
      })
    );
  }

  #send(m: FixAppMessage): void {
    this.#session?.send({ type: 'session.send', msgType: m.msgType, fields: m.fields });
  }
}

/** The status a venue states: an order it has reported on is never pending. */
function statusOf(o: ReportedOrder): OrdStatus {
  return o.status === 'pending' ? 'new' : o.status;
}
