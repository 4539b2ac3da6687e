import { Subject } from 'rxjs';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../messages/commands.ts';
import type { ExecutionReport } from '../../messages/execution-report.ts';
import type { Clock } from '../../time/clock.ts';
import type { ExecutionGateway } from '../gateway.ts';
import {
  decodeExecutionReport,
  decodeOrderCancelReject,
  encodeNewOrderSingle,
  encodeOrderCancelReplaceRequest,
  encodeOrderCancelRequest,
  type FixAppMessage,
  type InstrumentMap,
  type OrderFacts
} from './app-messages.ts';
import type { FixSessionActor } from './fix-session.ts';
import { MsgType } from './tags.ts';

interface Tracked extends OrderFacts {
  readonly instrumentId: string;
  cumQty: number;
  leavesQty: number;
}

/**
 * {@link ExecutionGateway} over a FIX 4.2 session actor: canonical commands become NewOrderSingle /
 * OrderCancelRequest / OrderCancelReplaceRequest; ExecutionReport and OrderCancelReject come back as
 * canonical reports. It remembers each order's side, type and quantities, which FIX 4.2 restates on
 * cancels and replaces and omits from OrderCancelReject. PossDup resends reach `reports$` too; the order
 * actors de-duplicate fills by execId.
 */
export class FixExecutionGateway implements ExecutionGateway {
  readonly #session: FixSessionActor;
  readonly #instruments: InstrumentMap;
  readonly #clock: Clock;
  readonly #orders = new Map<string, Tracked>();
  readonly #reports = new Subject<ExecutionReport>();
  readonly #errors = new Subject<TradestateError>();
  readonly reports$ = this.#reports.asObservable();
  readonly errors$ = this.#errors.asObservable();

  constructor(session: FixSessionActor, instruments: InstrumentMap, clock: Clock) {
    this.#session = session;
    this.#instruments = instruments;
    this.#clock = clock;
    session.on('fix.app', (e) => {
      try {
        this.#onApp(e.msg.msgType, e.msg);
      } catch (err) {
        this.#errors.next(
          isTradestateError(err)
            ? err
            : new TradestateError(ErrorCode.FIX_VALIDATION, String(err), { msgType: e.msg.msgType })
        );
      }
    });
  }

  submit(cmd: SubmitOrder): void {
    const inst = this.#instruments.byId(cmd.instrumentId);
    this.#orders.set(cmd.clientOrderId, {
      instrumentId: cmd.instrumentId,
      side: cmd.side,
      orderType: cmd.orderType,
      tif: cmd.tif,
      qty: cmd.qty,
      limitPx: cmd.limitPx,
      stopPx: cmd.stopPx,
      cumQty: 0,
      leavesQty: cmd.qty
    });
    this.#send(encodeNewOrderSingle(cmd, inst));
  }

  cancel(cmd: CancelOrder): void {
    const o = this.#order(cmd.clientOrderId);
    this.#send(encodeOrderCancelRequest(cmd, this.#instruments.byId(cmd.instrumentId), o));
  }

  replace(cmd: ReplaceOrder): void {
    const o = this.#order(cmd.clientOrderId);
    this.#send(encodeOrderCancelReplaceRequest(cmd, this.#instruments.byId(cmd.instrumentId), o));
  }

  #order(id: string): Tracked {
    const o = this.#orders.get(id);
    if (!o)
      throw new TradestateError(ErrorCode.UNKNOWN_ORDER, `no order ${id} sent through this gateway`, { id });
    return o;
  }

  #send(m: FixAppMessage): void {
    this.#session.send({ type: 'session.send', msgType: m.msgType, fields: m.fields });
  }

  #onApp(msgType: string, msg: Parameters<typeof decodeExecutionReport>[0]): void {
    const now = this.#clock.now();
    if (msgType === MsgType.ExecutionReport) {
      const r = decodeExecutionReport(msg, this.#instruments, now);
      if (!r) return;
      this.#track(r);
      this.#reports.next(r);
    } else if (msgType === MsgType.OrderCancelReject) {
      const r = decodeOrderCancelReject(
        msg,
        this.#instruments.venue,
        (id) => {
          const o = this.#orders.get(id);
          return (
            o && { instrumentId: o.instrumentId, side: o.side, cumQty: o.cumQty, leavesQty: o.leavesQty }
          );
        },
        now
      );
      this.#reports.next(r);
    }
  }

  #track(r: ExecutionReport): void {
    const o = this.#orders.get(r.clientOrderId);
    if (o) {
      o.cumQty = r.cumQty;
      o.leavesQty = r.leavesQty;
      if (r.venueOrderId) this.#orders.set(r.clientOrderId, { ...o, venueOrderId: r.venueOrderId });
    } else if (r.execType === 'replaced' && r.origClientOrderId) {
      const prev = this.#orders.get(r.origClientOrderId);
      if (prev)
        this.#orders.set(r.clientOrderId, {
          ...prev,
          cumQty: r.cumQty,
          leavesQty: r.leavesQty,
          venueOrderId: r.venueOrderId
        });
    }
  }
}
